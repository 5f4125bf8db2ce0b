"""libcurl's side of a request: one exchange's status, headers and capped body as libcurl hands
them over, its failures in words for a person, and the trust store it is pointed at.
"""

from __future__ import annotations

import os
import ssl

import pycurl
from urllib3 import HTTPHeaderDict

from pipeline.errors import TooLarge

ERROR_BODY_READ = 64 * 1024  # bytes of an error page read (so the connection can be kept) before hanging up


# libcurl's error codes, grouped by what we tell the user.
_NOT_FOUND = {pycurl.E_COULDNT_RESOLVE_HOST}
_NOT_CONNECTED = {pycurl.E_COULDNT_CONNECT}
TIMED_OUT = {pycurl.E_OPERATION_TIMEDOUT}  # connecting, or the server sent nothing for too long
_BROKEN = {pycurl.E_GOT_NOTHING, pycurl.E_SEND_ERROR, pycurl.E_RECV_ERROR, pycurl.E_HTTP2,
           pycurl.E_FTP_WEIRD_SERVER_REPLY}  # (8 is WEIRD_SERVER_REPLY for HTTP too)
_TRUNCATED = {pycurl.E_PARTIAL_FILE}  # the body is shorter than its Content-Length
BAD_ENCODING = {pycurl.E_BAD_CONTENT_ENCODING}  # broken gzip/deflate
_TLS = {pycurl.E_SSL_CONNECT_ERROR, pycurl.E_PEER_FAILED_VERIFICATION, pycurl.E_SSL_CERTPROBLEM,
        pycurl.E_SSL_CIPHER, pycurl.E_USE_SSL_FAILED, pycurl.E_SSL_CACERT_BADFILE, pycurl.E_SSL_SHUTDOWN_FAILED,
        pycurl.E_SSL_CRL_BADFILE, pycurl.E_SSL_ISSUER_ERROR, pycurl.E_SSL_INVALIDCERTSTATUS,
        pycurl.E_SSL_ENGINE_NOTFOUND, pycurl.E_SSL_ENGINE_SETFAILED, pycurl.E_SSL_ENGINE_INITFAILED}


def kind_of(code: int) -> str:
    """What a libcurl failure means for a person (errors.TRANSPORT_KINDS)."""
    if code in _NOT_FOUND or code in _NOT_CONNECTED:
        return "unreachable host"
    if code in TIMED_OUT:
        return "timeout"
    return "TLS" if code in _TLS else "broken connection"


def reason_of(code: int, message: str) -> str:
    """A plain-English reason for a libcurl failure."""
    detail = message or f"curl error {code}"
    if code in _NOT_FOUND:
        return f"could not find the host ({detail})"
    if code in _NOT_CONNECTED:
        return f"could not connect ({detail})"
    if code in TIMED_OUT:
        return "timed out connecting" if "connect" in detail.lower() else "timed out waiting for the server"
    if code in _TRUNCATED:
        return f"the server broke the connection while reading the body ({detail})"
    if code in _BROKEN:
        return f"the server broke the connection ({detail})"
    if code in BAD_ENCODING:
        return f"the body's gzip/deflate encoding is broken ({detail})"
    if code in _TLS:
        return f"TLS failed ({detail})"
    return f"curl error {code}: {detail}"


def mib(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MiB"


def trust_store() -> dict[int, str]:
    """libcurl options naming the CA certificates Python's ssl module trusts (SSL_CERT_FILE and
    SSL_CERT_DIR honoured): the wheel's libcurl may look for a bundle where this system has none."""
    paths = ssl.get_default_verify_paths()
    options = {}
    cafile = next((p for p in (paths.cafile, paths.openssl_cafile) if p and os.path.isfile(p)), None)
    capath = next((p for p in (paths.capath, paths.openssl_capath) if p and os.path.isdir(p)), None)
    if cafile:
        options[pycurl.CAINFO] = cafile
    if capath:
        options[pycurl.CAPATH] = capath
    return options


class Exchange:
    """One request's answer as libcurl hands it over: the status line and header lines, then the
    body, capped. Only a 2xx body is kept; an error page is read up to ERROR_BODY_READ and dropped."""

    def __init__(self, url: str, cap: int) -> None:
        self.url, self.cap = url, cap
        self.status = 0
        self.fields: list[list[str]] = []  # [name, value] in the order received
        self.body = bytearray()
        self.dropped = 0  # bytes of an error page read and not kept
        self.too_large: TooLarge | None = None
        self.hung_up = False  # we stopped reading an error page: not a failure

    def header_line(self, raw: bytes) -> None:
        line = raw.decode("iso-8859-1").rstrip("\r\n")
        if line.startswith("HTTP/"):  # a status line: a new answer (after a 1xx) starts
            code = line.split()[1:2]
            self.status = int(code[0]) if code and code[0].isdigit() else 0
            self.fields = []
        elif line[:1] in (" ", "\t") and self.fields:  # an obsolete folded continuation
            self.fields[-1][1] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            self.fields.append([name.strip(), value.strip()])

    def headers(self) -> HTTPHeaderDict:
        headers = HTTPHeaderDict()
        for name, value in self.fields:
            headers.add(name, value)
        return headers

    def write(self, chunk: bytes) -> int | None:
        if not 200 <= self.status < 300:
            self.dropped += len(chunk)
            if self.dropped > ERROR_BODY_READ:
                self.hung_up = True
                return 0  # not worth reading: hang up (libcurl drops the connection)
            return None
        if not self.body:
            declared = next((v for n, v in self.fields if n.lower() == "content-length"), "")
            if declared.isdigit() and int(declared) > self.cap:
                self.too_large = TooLarge(
                    self.url, f"Content-Length {mib(int(declared))} is over the {mib(self.cap)} cap")
                return 0
        self.body += chunk
        if len(self.body) > self.cap:
            self.too_large = TooLarge(self.url, f"body is over the {mib(self.cap)} cap")
            return 0
        return None
