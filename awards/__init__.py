"""The awards application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request

from config import INSTANCE_DIR, PROJECT_ROOT, Config, config_from_environment

FEATURE_BLUEPRINTS = (
    "awards.core.views",
    "awards.core.audit_views",
    "awards.accounts.views",
    "awards.cycles.views",
    "awards.submissions.views",
    "awards.screening.views",
    "awards.judging.views",
    "awards.judging.admin_views",
    "awards.results.views",
    "awards.votes.views",
)


def create_app(
    config: type[Config] | None = None, overrides: dict[str, Any] | None = None
) -> Flask:
    """Build an app from a config class (default: chosen by AWARDS_ENV) plus explicit overrides."""
    config_class = config or config_from_environment()
    config_class.validate()

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    _init_extensions(app)
    _register_blueprints(app)

    from awards import errors, i18n, security

    errors.register(app)
    # after_request hooks run in reverse order: the headers go on whatever the commit returns.
    security.register(app)
    i18n.register(app)
    _register_request_boundary(app)
    from awards.core.urls import url_template

    app.jinja_env.globals["url_template"] = url_template

    from awards.cli import awards_cli

    app.cli.add_command(awards_cli)
    return app


def _init_extensions(app: Flask) -> None:
    from awards import models  # noqa: F401  (every table known before anything touches the db)
    from awards.extensions import csrf, db, login_manager, migrate
    from awards.storage import Storage

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.extensions["awards_storage"] = Storage.from_config(app.config)
    from awards.core import changes, page_cache, private_cache, rate_limits, static_files

    rate_limits.init_app(app)
    static_files.init_app(app)
    page_cache.init_app(app)
    changes.init_app(app)
    private_cache.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for module_name in FEATURE_BLUEPRINTS:
        app.register_blueprint(import_module(module_name).bp)


def _register_request_boundary(app: Flask) -> None:
    """One commit per request, at the boundary; anything that fails rolls back."""
    from sqlalchemy.exc import OperationalError

    from awards.extensions import db

    @app.after_request
    def commit_session(response):
        if response.status_code >= 400 and not g.get("commit_despite_error"):
            db.session.rollback()
            return response
        # Nothing read or written (a cached page): no session, or no transaction, to end.
        if not db.session.registry.has():
            return response
        session = db.session()
        if not session.in_transaction() and not (session.new or session.dirty or session.deleted):
            return response
        try:
            db.session.commit()
        except OperationalError:
            # The database went away at the very end: nothing was stored, and the user must
            # not be told that it was.
            db.session.rollback()
            app.logger.exception("commit failed on %s %s", request.method, request.path)
            from awards.errors import render_error

            return app.make_response(render_error(503))
        return response

    @app.teardown_request
    def roll_back_on_error(exc):
        # Flask-SQLAlchemy removes the session when the app context ends.
        if exc is not None:
            db.session.rollback()
