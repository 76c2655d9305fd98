"""RFC 3161 time-stamps of checkpoints, from the time-stamping authority at AUDIT_TSA_URL.

A checkpoint's time is not in its signed note; a TSA's token over the SHA-256 of the note
proves the note existed by the TSA's time, signed by someone other than us. Verify one with
`openssl ts -verify -digest <sha256 of the note> -in token.der -token_in -CAfile tsa-ca.pem`.

Only the little DER needed is written here: the request, and the response's status and
token (kept whole, as the TSA signed it). The token's signature is checked by whoever
relies on it, with the TSA's certificate; here only that it carries our digest and nonce.
"""

import base64
import hashlib
import logging
import secrets

import requests
from django.conf import settings

logger = logging.getLogger(__name__)
SHA256_OID = bytes.fromhex("0609608648016503040201")  # OBJECT IDENTIFIER 2.16.840.1.101.3.4.2.1
CONTENT_TYPE = "application/timestamp-query"


class TimestampError(Exception):
    pass


def _der(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _integer(value):
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading zero keeps it positive
    return _der(0x02, raw)


def request_for(digest, nonce):
    """TimeStampReq (RFC 3161 section 2.4.1): version 1, SHA-256 imprint, nonce, certReq TRUE."""
    algorithm = _der(0x30, SHA256_OID + b"\x05\x00")
    imprint = _der(0x30, algorithm + _der(0x04, digest))
    return _der(0x30, _integer(1) + imprint + _integer(nonce) + _der(0x01, b"\xff"))


def _read(data, at):
    """(tag, start of content, end of content) of the DER element at `at`."""
    if at + 2 > len(data):
        raise TimestampError("truncated DER")
    tag, first = data[at], data[at + 1]
    at += 2
    if first & 0x80:
        count = first & 0x7F
        if not 0 < count <= 4 or at + count > len(data):
            raise TimestampError("bad DER length")
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    else:
        length = first
    if at + length > len(data):
        raise TimestampError("truncated DER")
    return tag, at, at + length


def token_from_response(data, digest, nonce):
    """The TimeStampToken of a granted TimeStampResp carrying `digest` and `nonce`."""
    tag, start, end = _read(data, 0)
    if tag != 0x30:
        raise TimestampError("not a TimeStampResp")
    status_tag, status_start, status_end = _read(data, start)
    if status_tag != 0x30:
        raise TimestampError("no PKIStatusInfo")
    int_tag, int_start, int_end = _read(data, status_start)
    status = int.from_bytes(data[int_start:int_end], "big")
    if int_tag != 0x02 or status not in (0, 1):  # granted, grantedWithMods
        raise TimestampError(f"the TSA refused: status {status}")
    if status_end >= end:
        raise TimestampError("a granted response without a token")
    token = data[status_end:end]
    # The TSTInfo inside holds the imprint and the nonce as we sent them.
    if _der(0x04, digest) not in token or _integer(nonce) not in token:
        raise TimestampError("the token is not for this request")
    return token


def timestamp(note):
    """The DER TimeStampToken for `note` from AUDIT_TSA_URL; raises TimestampError."""
    digest = hashlib.sha256(note.encode()).digest()
    nonce = secrets.randbits(63)
    try:
        response = requests.post(
            settings.AUDIT_TSA_URL,
            data=request_for(digest, nonce),
            headers={"Content-Type": CONTENT_TYPE},
            timeout=settings.AUDIT_TSA_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TimestampError(f"the TSA cannot be reached: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise TimestampError(f"the TSA answered {response.status_code}")
    return token_from_response(response.content, digest, nonce)


def token_or_blank(note):
    """base64 of the token, or "" when no TSA is configured or it failed (logged: a TSA
    outage must not stop checkpoints)."""
    if not settings.AUDIT_TSA_URL:
        return ""
    try:
        return base64.b64encode(timestamp(note)).decode()
    except TimestampError as exc:
        logger.warning("checkpoint published without an RFC 3161 time-stamp: %s", exc)
        return ""
