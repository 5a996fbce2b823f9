"""Security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask


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
