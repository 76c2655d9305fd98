"""The version written in pyproject.toml, and only there, is what /healthz and the admin show."""

import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from compliance_site.version import read_version

ROOT = Path(__file__).resolve().parents[2]


def pyproject_version():
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


@pytest.mark.django_db
def test_healthz_reports_the_version_of_pyproject(client):
    assert client.get("/healthz").json()["version"] == pyproject_version()


@pytest.mark.django_db
def test_the_admin_footer_shows_the_version(client, admin_user):
    login_page = client.get("/admin/login/")
    assert f'<p class="site-version">Compliance Platform {pyproject_version()}</p>' in login_page.content.decode()
    client.force_login(admin_user)
    assert pyproject_version() in client.get("/admin/").content.decode().split('<footer id="footer">')[1]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "No such file"),
        ("[project\n", "TOMLDecodeError"),
        ('[project]\nname = "x"\n', "KeyError"),
        ("[project]\nversion = 9\n", "must be a non-empty string"),
    ],
)
def test_an_unreadable_version_is_a_clear_error(tmp_path, text, problem):
    path = tmp_path / "pyproject.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ImproperlyConfigured, match=problem) as raised:
        read_version(path)
    assert str(path) in str(raised.value)
