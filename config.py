"""Configuration read from the environment.

Every setting has a development default so that `make run` works on a fresh machine; production
refuses to start without the settings that must never fall back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("AWARDS_INSTANCE_DIR", PROJECT_ROOT / "instance"))

# Both refused in production (ProductionConfig.validate).
INSECURE_DEV_SECRET = "dev-only-insecure-secret-key"  # noqa: S105  # nosec B105
INSECURE_DEV_VOTE_HASH_KEY = "dev-only-insecure-vote-hash-key"  # noqa: S105  # nosec B105


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class ConfigurationError(RuntimeError):
    """Raised at start-up when the environment cannot run the app safely."""


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'awards.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Public address used in links inside e-mails (no request is at hand in the worker).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Attachments: any S3-compatible store.
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "http://127.0.0.1:8333")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_BUCKET = os.environ.get("S3_BUCKET", "awards")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "awards-dev")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "awards-dev-secret")
    S3_KEY_PREFIX = os.environ.get("S3_KEY_PREFIX", "")
    S3_PRESIGN_SECONDS = _env_int("S3_PRESIGN_SECONDS", 120)
    S3_CONNECT_TIMEOUT = _env_int("S3_CONNECT_TIMEOUT", 3)
    # Where browsers reach the store, when that differs from where the app servers do.
    S3_PUBLIC_ENDPOINT_URL = os.environ.get("S3_PUBLIC_ENDPOINT_URL", "")

    # Mail goes through the outbox; the worker delivers it over SMTP.
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _env_int("SMTP_PORT", 8025)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_SSL = _env_bool("SMTP_SSL", False)
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Guangzhou Award Secretariat <secretariat@localhost>")
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 12)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # How many proxies (load balancers) stand in front of the app and set X-Forwarded-For:
    # rate limits and the vote's network prefixes use the client address they pass on.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    # Requests above this size are refused with 413 before the body is read.
    MAX_CONTENT_LENGTH = _env_int("MAX_REQUEST_MB", 60) * 1024 * 1024

    # Public pages anonymous visitors read in bulk (the published results) are rendered once per
    # language and kept in each app process this long (also their Cache-Control max-age).
    PUBLIC_PAGE_CACHE_SECONDS = _env_int("PUBLIC_PAGE_CACHE_SECONDS", 60)
    # Pages of signed-in people (the judges' dashboard and entries) are kept in each app process
    # until the data under them changes (awards/core/private_cache.py), at most this long and
    # within this much memory per process. 0 seconds turns it off.
    PRIVATE_PAGE_CACHE_SECONDS = _env_int("PRIVATE_PAGE_CACHE_SECONDS", 300)
    PRIVATE_PAGE_CACHE_MB = _env_int("PRIVATE_PAGE_CACHE_MB", 16)

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = {"en": "English", "zh": "中文", "fr": "Français", "es": "Español"}

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: long drafts stay valid
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

    TOKEN_MAX_AGE_VERIFY = 60 * 60 * 48
    TOKEN_MAX_AGE_RESET = 60 * 60 * 2
    TOKEN_MAX_AGE_INVITE = 60 * 60 * 24 * 14
    TOKEN_MAX_AGE_VOTE = _env_int("TOKEN_MAX_AGE_VOTE", 60 * 60 * 24)

    # The public vote. Voters' addresses are kept only as HMAC-SHA256 under this key, so that
    # nobody who reads the database (the secretariat included) can recover them. It must stay
    # the same for the whole of a vote (changing it lets every address vote again) and must not
    # be SECRET_KEY (rotating that one must not reset the vote). Production refuses to start
    # without it.
    VOTE_HASH_KEY = os.environ.get("VOTE_HASH_KEY", INSECURE_DEV_VOTE_HASH_KEY)
    # Rate limits ("N per minute;M per hour"); shared by every app instance when
    # RATELIMIT_STORAGE_URI points at Redis. Per network prefix (IPv4 /24, IPv6 /48): generous,
    # because carrier-grade NAT puts many residents of one city behind few addresses.
    VOTE_RATE_LIMIT_NETWORK = os.environ.get(
        "VOTE_RATE_LIMIT_NETWORK", "60 per minute;1000 per hour"
    )
    VOTE_RATE_LIMIT_ADDRESS = os.environ.get("VOTE_RATE_LIMIT_ADDRESS", "3 per hour;10 per day")
    VOTE_RATE_LIMIT_CONFIRM = os.environ.get("VOTE_RATE_LIMIT_CONFIRM", "60 per minute")
    # Extra disposable-mail domains (comma-separated) on top of the list in awards/votes.
    VOTE_EXTRA_DISPOSABLE_DOMAINS = os.environ.get("VOTE_EXTRA_DISPOSABLE_DOMAINS", "")

    @classmethod
    def validate(cls) -> None:
        """Hook for subclasses that must refuse to run with unsafe settings."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _env_bool("FLASK_DEBUG", False)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105  # nosec B105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://localhost"
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        secret = os.environ.get("SECRET_KEY", "")
        if not secret or secret == INSECURE_DEV_SECRET or len(secret) < 32:
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production (for example: "
                "python -c 'import secrets; print(secrets.token_hex(32))'). "
                "It signs sessions and e-mailed links; a default key would let anyone forge them."
            )
        if "DATABASE_URL" not in os.environ:
            raise ConfigurationError(
                "DATABASE_URL must point at PostgreSQL in production, for example "
                "postgresql+psycopg://awards:PASSWORD@db.example.org:5432/awards"
            )
        vote_key = os.environ.get("VOTE_HASH_KEY", "")
        if len(vote_key) < 32 or vote_key in (INSECURE_DEV_VOTE_HASH_KEY, secret):
            raise ConfigurationError(
                "VOTE_HASH_KEY must be set to a random value of at least 32 characters, "
                "different from SECRET_KEY, in production. It keys the hashes that stand in for "
                "public voters' e-mail addresses; keep it unchanged while a vote runs."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    name = os.environ.get("AWARDS_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise ConfigurationError(
            f"AWARDS_ENV={name!r} is not one of: {', '.join(sorted(CONFIGS))}"
        ) from exc
