import pytest

from awards import create_app
from config import ConfigurationError, ProductionConfig, TestConfig


def test_create_app_test_config_sets_testing():
    app = create_app(TestConfig)
    assert app.testing is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        create_app(ProductionConfig)


def test_production_refuses_to_start_without_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(ProductionConfig)


def test_production_starts_with_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("VOTE_HASH_KEY", "v" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_environment_name_is_refused(monkeypatch):
    from config import config_from_environment

    monkeypatch.setenv("AWARDS_ENV", "staging")
    with pytest.raises(ConfigurationError, match="'staging' is not one of"):
        config_from_environment()
