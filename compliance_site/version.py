"""The platform's version, read once from pyproject.toml's [project] table, where alone it is written."""

import tomllib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def read_version(path=PYPROJECT):
    """`version` of the [project] table in `path`; a clear error when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            version = tomllib.load(handle)["project"]["version"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"The platform's version is read from [project] version in {path}: {exc!r}") from exc
    if not isinstance(version, str) or not version:
        raise ImproperlyConfigured(f"[project] version in {path} must be a non-empty string, not {version!r}")
    return version


VERSION = read_version()
