"""Private report storage under settings.REPORTS_STORAGE_DIR (never a served directory)."""

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


def root():
    return Path(settings.REPORTS_STORAGE_DIR)


def resolve(relative_path):
    """Absolute path of a stored file; refuses anything that escapes the storage root."""
    base = root().resolve()
    path = (base / relative_path).resolve()
    if base not in path.parents:
        raise ValueError(f"Refusing a path outside report storage: {relative_path!r}")
    return path


def write_file(*, report_id, task_id, extension, data):
    """Store `data` as <report id>/<task id>.<ext> atomically; return (relative path, sha256).

    The name depends only on the generation, so a task delivered twice replaces its own
    file instead of leaving a second one.
    """
    relative = f"{int(report_id)}/{task_id}.{extension}"
    target = resolve(relative)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return relative, hashlib.sha256(data).hexdigest()


def delete_file(relative_path):
    if not relative_path:
        return
    with contextlib.suppress(ValueError):
        resolve(relative_path).unlink(missing_ok=True)
