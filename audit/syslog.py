"""RFC 5424 syslog messages over TCP with octet counting (RFC 6587), optionally in TLS (RFC 5425).

One message per audit entry: its OCSF event (audit/ocsf.py) as the MSG, MSGID the OCSF
class, the chain seq in structured data. TLS verifies the collector's certificate and
name against the system's CAs or AUDIT_SYSLOG_CA_FILE; there is no option to skip that.
"""

import socket
import ssl
from datetime import UTC

# impact level -> RFC 5424 severity (informational, notice, warning, critical)
SEVERITY = {"low": 6, "medium": 5, "high": 4, "critical": 2}
APP_NAME = "compliance-platform"
# SD-ID for our structured data: name@<private enterprise number>; 32473 is the number
# RFC 5612 reserves for documentation, replace it with yours through AUDIT_SYSLOG_SD_ID.
DEFAULT_SD_ID = "audit@32473"


def _sd_value(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_field(value, limit):
    text = "".join(ch for ch in str(value) if 33 <= ord(ch) <= 126)[:limit]
    return text or "-"


def format_message(*, facility, severity, timestamp, hostname, msgid, sd_id, params, msg):
    """One RFC 5424 message as bytes (MSG is ASCII JSON, so no BOM is needed)."""
    pri = facility * 8 + severity
    stamp = timestamp.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    data = "".join(f' {name}="{_sd_value(value)}"' for name, value in params)
    structured = f"[{sd_id}{data}]" if params else "-"
    header = f"<{pri}>1 {stamp} {_header_field(hostname, 255)} {APP_NAME} - {_header_field(msgid, 32)}"
    return f"{header} {structured} {msg}".encode()


def frame(message):
    """RFC 6587 octet counting: the length in decimal, a space, the message."""
    return str(len(message)).encode() + b" " + message


class Sender:
    """A connection to the collector; send() raises OSError when the collector is gone."""

    def __init__(self, host, port, *, use_tls=True, ca_file=None, timeout=10.0):
        self.host, self.port, self.use_tls, self.ca_file, self.timeout = host, port, use_tls, ca_file, timeout
        self._sock = None

    def __enter__(self):
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        if self.use_tls:
            context = ssl.create_default_context(cafile=self.ca_file)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                sock = context.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self._sock = sock
        return self

    def send(self, message):
        self._sock.sendall(frame(message))

    def __exit__(self, *exc):
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                if isinstance(sock, ssl.SSLSocket):
                    sock.unwrap()
            except (OSError, ValueError):
                pass
            finally:
                sock.close()
        return False
