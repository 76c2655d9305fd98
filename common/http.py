"""Outbound HTTP that cannot be aimed at our own network (SSRF).

* URLs must be https unless settings.INTEGRATIONS_ALLOW_HTTP is on.
* Every address a host name resolves to is checked at connect time, and the socket is
  opened to that vetted address (no second lookup a DNS rebind could answer differently).
  Loopback, private, link-local (169.254.169.254 metadata included), reserved, shared,
  multicast and unspecified addresses are refused, in every spelling: decimal
  (2130706433), hex (0x7f000001), IPv4-mapped/compatible IPv6 (::ffff:127.0.0.1), 6to4
  and Teredo. settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS lifts this (tests, on-premise).
* Redirects are followed only on the same scheme, host and port.
* Every request has a (connect, read) timeout and a response-size cap.
"""

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

MAX_REDIRECTS = 5


class DestinationRefused(Exception):
    """The URL or the address it resolves to is not allowed as an outbound destination."""


def _embedded_ipv4(address):
    """The IPv4 address hidden in an IPv6 one (mapped, compatible, 6to4, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:] != bytes(4):  # deprecated ::a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    return None


def address_refusal(address):
    """Why `address` (an ipaddress object) may not be contacted, or None when it may."""
    if getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_NETWORKS", False):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = address_refusal(inner)
            if reason:
                return f"{reason} (embedded in {address})"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address (cloud metadata lives here)"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return f"{address} is not a unicast public address"
    if address.is_private or not address.is_global:
        return f"{address} is a private or non-public address"
    return None


def parse_host_literal(host):
    """An IP address object for a literal host in any spelling, else None (a DNS name).

    inet_aton accepts what C resolvers accept: 2130706433, 0x7f000001, 0177.0.0.1, 127.1.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError):
        return None


def check_url(url, *, allow_http=None):
    """Refuse a URL by its form: scheme, host, literal addresses. Returns the split URL.

    Host names are not resolved here; the connect-time check does that on every request.
    """
    if not isinstance(url, str) or not url:
        raise DestinationRefused("A URL is required.")
    parts = urlsplit(url)
    if allow_http is None:
        allow_http = getattr(settings, "INTEGRATIONS_ALLOW_HTTP", False)
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        raise DestinationRefused(f"Only {' or '.join(allowed)} URLs are allowed (got {parts.scheme or 'none'}).")
    if not parts.hostname:
        raise DestinationRefused("The URL has no host.")
    if parts.username or parts.password:
        raise DestinationRefused("Credentials in URLs are not allowed; use the credential fields.")
    literal = parse_host_literal(parts.hostname)
    if literal is not None:
        reason = address_refusal(literal)
        if reason:
            raise DestinationRefused(f"Destination refused: {reason}.")
    return parts


def _vetted_addresses(host, port):
    literal = parse_host_literal(host)
    if literal is not None:
        family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        infos = [(family, socket.SOCK_STREAM, 0, "", (str(literal), port))]
    else:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    vetted = []
    for family, socktype, proto, _, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = address_refusal(address)
        if reason:
            raise DestinationRefused(f"Destination refused: {host} resolves to {reason}.")
        vetted.append((family, socktype, proto, sockaddr))
    if not vetted:
        raise DestinationRefused(f"{host} does not resolve.")
    return vetted


def _connect_vetted(conn):
    """Open a socket to a vetted address of conn.host; TLS still verifies conn.host.

    Errors are wrapped as urllib3 wraps them, so requests reports timeouts and refused
    connections as usual (and the client retries them).
    """
    try:
        vetted = _vetted_addresses(conn._dns_host, conn.port)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    last_error = None
    for _family, _socktype, _proto, sockaddr in vetted:
        try:
            return urllib3_connection.create_connection(
                sockaddr[:2],
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.") from exc
        except OSError as exc:
            last_error = exc
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last_error}") from last_error


class _SafeHTTPConnection(HTTPConnection):
    def _new_conn(self):
        return _connect_vetted(self)


class _SafeHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        return _connect_vetted(self)


class _SafeHTTPPool(HTTPConnectionPool):
    ConnectionCls = _SafeHTTPConnection


class _SafeHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _SafeHTTPSConnection


class SafeAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _SafeHTTPPool, "https": _SafeHTTPSPool}


class SafeSession(requests.Session):
    """requests.Session with the checks above. Environment proxies are ignored on purpose:
    a proxy would make the connect-time check meaningless."""

    def __init__(self, *, timeout=None, max_bytes=None):
        super().__init__()
        self.trust_env = False
        self.max_redirects = MAX_REDIRECTS
        adapter = SafeAdapter(max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self.default_timeout = timeout or (settings.INTEGRATIONS_CONNECT_TIMEOUT, settings.INTEGRATIONS_READ_TIMEOUT)
        self.max_bytes = max_bytes or settings.INTEGRATIONS_MAX_RESPONSE_BYTES

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        origin = check_url(url)
        response = None
        for _ in range(MAX_REDIRECTS + 1):
            response = super().request(method, url, **kwargs)
            if not response.is_redirect:
                break
            target = urljoin(url, response.headers["location"])
            parts = check_url(target)
            if (parts.scheme, parts.hostname, parts.port) != (origin.scheme, origin.hostname, origin.port):
                response.close()
                raise DestinationRefused(f"Redirect to another host ({parts.hostname}) was not followed.")
            response.close()
            if response.status_code in (301, 302, 303) and method.upper() != "HEAD":
                method = "GET"
                kwargs.pop("data", None)
                kwargs.pop("json", None)
            url = target
        else:
            raise DestinationRefused("Too many redirects.")
        self._read_capped(response)
        return response

    def _read_capped(self, response):
        chunks, size = [], 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_bytes:
                response.close()
                raise DestinationRefused(f"Response larger than {self.max_bytes} bytes was refused.")
            chunks.append(chunk)
        response._content = b"".join(chunks)
        response._content_consumed = True
