"""Security headers on every response, trusted proxies, and safe redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def safe_redirect_target(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: a `next` parameter must never send the
    user to another site ("//evil.example", "/\\evil.example" and "https://..." are refused)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None  # browsers read "/\\host" as "//host"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def content_security_policy(storage_origin: str) -> str:
    img = f"'self' data: {storage_origin}".strip()
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {img}",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def register(app: Flask) -> None:
    # Behind N trusted proxies (a load balancer), take the client's address and scheme from the
    # headers they set: rate limits count per client, not per load balancer. Never trust these
    # headers when nothing in front sets them, or a client could choose its own address.
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    endpoint = app.config.get("S3_PUBLIC_ENDPOINT_URL") or app.config.get("S3_ENDPOINT_URL", "")
    parts = urlsplit(endpoint)
    storage_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    policy = content_security_policy(storage_origin)

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
