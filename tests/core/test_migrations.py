"""The migrations produce exactly the models' schema (no drift), on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from awards import create_app
from awards.extensions import db
from config import TestConfig
from tests.conftest import app_overrides


def _fresh_database(tmp_path, request):
    """An empty database on the same server as the suite's."""
    import os
    import secrets

    from sqlalchemy import make_url

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}", lambda: None
    name = f"awards_mig_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def test_migrations_match_models_without_drift(tmp_path, request, seaweed, smtp_server):
    url, drop = _fresh_database(tmp_path, request)
    try:
        overrides = app_overrides(url, seaweed, smtp_server)
        app = create_app(TestConfig, overrides)
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "render_as_batch": True}
                )
                diff = compare_metadata(context, db.metadata)
            assert diff == []
            tables = set(inspect(db.engine).get_table_names())
            assert set(db.metadata.tables) <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        drop()
