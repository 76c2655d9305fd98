"""One pass over an uploaded file: its SHA-256 and size, and whether its bytes are what its
declared media type says.

Binary formats are recognised by their signature (puremagic, pure Python); text formats
must decode as UTF-8 without NUL bytes, and JSON must parse. A type added to
EVIDENCE_MEDIA_TYPES with no rule here is refused only when the signature names another type.
"""

import codecs
import hashlib
import json

import puremagic

CHUNK = 1024 * 1024
HEAD = 8192
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
ZIP_FAMILY = {
    "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SIGNED = {
    "application/pdf": {"application/pdf"},
    "image/png": {"image/png"},
    "image/jpeg": {"image/jpeg"},
    "application/gzip": {"application/gzip", "application/x-gzip"},
}
TEXT = {"text/plain", "text/csv", "application/json"}


class ContentMismatch(ValueError):
    """The bytes are not of the declared media type."""


def digest(chunks, *, media_type):
    """(sha256 hex, size) of the bytes `chunks` yields; ContentMismatch when they do not match `media_type`."""
    sha, size, head = hashlib.sha256(), 0, b""
    decoder = codecs.getincrementaldecoder("utf-8")() if media_type in TEXT else None
    body = [] if media_type == "application/json" else None
    for chunk in chunks:
        sha.update(chunk)
        size += len(chunk)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        if decoder is not None:
            if b"\x00" in chunk:
                raise ContentMismatch(f"The file holds binary data, not {media_type}.")
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                raise ContentMismatch(f"The file is not UTF-8 text, so not {media_type}.") from None
            if body is not None:
                body.append(text)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ContentMismatch(f"The file is not UTF-8 text, so not {media_type}.") from None
    if body is not None:
        try:
            json.loads("".join(body))
        except ValueError:
            raise ContentMismatch("The file is not valid JSON.") from None
    check_signature(head, media_type)
    return sha.hexdigest(), size


def sniffed_types(head):
    try:
        return {match.mime_type for match in puremagic.magic_string(head) if match.mime_type}
    except puremagic.PureError:
        return set()
    except ValueError:  # empty input
        return set()


def check_signature(head, media_type):
    if media_type in ZIP_FAMILY:
        if not head.startswith(ZIP_SIGNATURES):
            raise ContentMismatch(f"The file is not a ZIP container, so not {media_type}.")
        return
    if media_type in SIGNED:
        if not sniffed_types(head) & SIGNED[media_type]:
            raise ContentMismatch(f"The file's content is not {media_type}.")
        return
    if media_type in TEXT:
        return
    found = sniffed_types(head)
    if found and media_type not in found:
        raise ContentMismatch(f"The file's content looks like {sorted(found)[0]}, not {media_type}.")
