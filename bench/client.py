"""A small HTTP client on http.client: cookies, CSRF tokens from forms, multipart uploads.

Production cookies are marked Secure; that flag only tells browsers not to send them over plain
http, so the benchmark keeps and sends them itself.
"""

from __future__ import annotations

import html
import http.client
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Client:
    def __init__(self, base_url: str, timeout: float = 120) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        start = time.perf_counter()
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed in between: open a new one, once.
                self.close()
                if attempt == 2:
                    raise
        for header in raw.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "expires=Thu, 01 Jan 1970" in header or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if raw.headers.get("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, raw.headers, data, time.perf_counter() - start)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Response:
        return self.request(
            "POST",
            path,
            urlencode(fields, doseq=True).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_multipart(
        self, path: str, fields: dict, files: dict[str, tuple[str, bytes, str]]
    ) -> Response:
        boundary = "----bench" + secrets.token_hex(12)
        parts: list[bytes] = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, data, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def login(self, email: str, password: str) -> None:
        page = self.get("/login")
        response = self.post(
            "/login",
            {"csrf_token": csrf_token(page.text), "email": email, "password": password},
        )
        if response.status != 302:
            raise RuntimeError(f"signing in as {email} failed with {response.status}")


def csrf_token(page: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return html.unescape(match.group(1) or match.group(2))
