"""Outbound safety: scheme, every spelling of a private address, connect-time checks, redirects."""

import ipaddress

import pytest
import requests

from common.http import DestinationRefused, SafeSession, address_refusal, check_url

from .fakes.server import FakeVendor, Reply


class Redirector(FakeVendor):
    def __init__(self, target):
        super().__init__()
        self.target = target

    def route(self, request):
        if request.path == "/hop":
            return Reply(302, b"", {"Location": self.target})
        if request.path == "/same":
            return Reply(302, b"", {"Location": "/final"})
        if request.path == "/final":
            return Reply(200, {"ok": True})
        return Reply(404, {})


@pytest.fixture
def strict(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = False
    settings.INTEGRATIONS_ALLOW_HTTP = True
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://2852039166/",
        "http://0xa9fea9fe/",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[2002:7f00:1::]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ],
)
def test_every_private_form_is_refused_before_any_traffic(strict, url):
    with pytest.raises(DestinationRefused, match="refused"):
        SafeSession().get(url)


def test_literal_forms_are_refused_already_when_configured(strict):
    for url in ("http://2130706433/", "http://0x7f000001/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/"):
        with pytest.raises(DestinationRefused):
            check_url(url)


def test_public_addresses_pass_the_address_check(strict):
    assert address_refusal(ipaddress.ip_address("93.184.215.14")) is None
    assert address_refusal(ipaddress.ip_address("2606:4700::6810:85e5")) is None


def test_running_loopback_server_is_refused_at_connect_time_unless_allowed(strict):
    fake = Redirector("/").start()
    try:
        with pytest.raises(DestinationRefused):
            SafeSession().get(f"http://localhost:{fake.server.server_address[1]}/final")
        assert fake.requests == []
        strict.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
        assert SafeSession().get(f"{fake.url}/final").json() == {"ok": True}
    finally:
        fake.stop()


def test_https_only_unless_http_is_allowed(settings):
    settings.INTEGRATIONS_ALLOW_HTTP = False
    for url in ("http://example.com/", "ftp://example.com/", "file:///etc/passwd", "gopher://x/"):
        with pytest.raises(DestinationRefused, match="Only https"):
            check_url(url)
    with pytest.raises(DestinationRefused, match="Credentials in URLs"):
        check_url("https://user:pw@example.com/")


def test_redirect_to_another_host_is_not_followed(settings):
    settings.INTEGRATIONS_ALLOW_HTTP = settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
    other = Redirector("/").start()
    fake = Redirector(f"http://localhost:{other.server.server_address[1]}/final").start()
    try:
        with pytest.raises(DestinationRefused, match="Redirect to another host"):
            SafeSession().get(f"{fake.url}/hop")
        assert other.requests == []
        assert SafeSession().get(f"{fake.url}/same").json() == {"ok": True}  # same host: followed
    finally:
        fake.stop()
        other.stop()


def test_read_timeout_is_enforced(settings):
    settings.INTEGRATIONS_ALLOW_HTTP = settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True

    class Slow(FakeVendor):
        def route(self, request):
            return Reply(200, {}, delay=1.0)

    fake = Slow().start()
    try:
        with pytest.raises(requests.Timeout):
            SafeSession(timeout=(1, 0.2)).get(f"{fake.url}/")
    finally:
        fake.stop()


def test_oversized_response_is_refused(settings):
    settings.INTEGRATIONS_ALLOW_HTTP = settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True

    class Big(FakeVendor):
        def route(self, request):
            return Reply(200, b"x" * 5000)

    fake = Big().start()
    try:
        with pytest.raises(DestinationRefused, match="larger than"):
            SafeSession(max_bytes=1000).get(f"{fake.url}/")
    finally:
        fake.stop()


def test_a_kept_connection_stays_on_its_vetted_address_and_a_new_one_is_vetted_again(settings, monkeypatch):
    """A session reuses its connection without a second lookup (a DNS rebind cannot move it),
    and the connection it opens after the server closed one is checked again."""
    import socket

    from common.testing.receiver import Receiver

    settings.INTEGRATIONS_ALLOW_HTTP = settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):  # the machine's resolver: the test name is counted
        if host != "hooks.internal.test":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        return real_getaddrinfo("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with Receiver(close_on={2}) as receiver, SafeSession() as session:
        url = receiver.url.replace("127.0.0.1", "hooks.internal.test")
        for _ in range(2):
            assert session.post(url, data=b"{}").status_code == 200
        assert lookups == ["hooks.internal.test"] and len(set(receiver.peers)) == 1
        settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = False  # the name now points somewhere refused
        with pytest.raises(DestinationRefused, match="resolves to"):
            session.post(url, data=b"{}")  # the receiver closed the connection: a new one, vetted
    assert len(receiver.requests) == 2 and lookups == ["hooks.internal.test"] * 2
