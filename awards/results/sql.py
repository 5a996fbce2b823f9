"""Small portable SQL pieces the statistics need on both PostgreSQL and SQLite."""

from __future__ import annotations

import math

from sqlalchemy import Float, event, literal_column
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import roles
from sqlalchemy.sql.expression import ClauseElement, FunctionElement


class rounded(FunctionElement):  # noqa: N801  (reads like the SQL function it renders)
    """ROUND(x, places) as a float on both databases: PostgreSQL only rounds NUMERIC, so the
    value goes there and back. Statistics are rounded before they are compared, so that two
    entries with the same totals tie exactly instead of differing in the last bit."""

    type = Float()
    inherit_cache = True
    name = "rounded"

    def __init__(self, value, places: int):
        # A literal, not a bound parameter: PostgreSQL's ROUND wants an integer it can see.
        super().__init__(value, literal_column(str(int(places))))


@compiles(rounded)
def _rounded_default(element, compiler, **kw):
    value, places = list(element.clauses)
    return f"ROUND({compiler.process(value, **kw)}, {compiler.process(places, **kw)})"


@compiles(rounded, "postgresql")
def _rounded_postgresql(element, compiler, **kw):
    value, places = list(element.clauses)
    return (
        f"CAST(ROUND(CAST({compiler.process(value, **kw)} AS NUMERIC), "
        f"{compiler.process(places, **kw)}) AS DOUBLE PRECISION)"
    )


class materialized(roles.StatementOptionRole, ClauseElement):  # noqa: N801  (a SQL keyword)
    """The MATERIALIZED hint of a CTE, `cte.prefix_with(materialized())`: the CTE is computed
    once and kept, never inlined into the statement that reads it. PostgreSQL (>= 12) and
    SQLite >= 3.35 understand it; an older SQLite gets nothing and decides for itself."""

    inherit_cache = True


@compiles(materialized)
def _materialized_default(element, compiler, **kw):
    return ""


@compiles(materialized, "postgresql")
def _materialized_postgresql(element, compiler, **kw):
    return "MATERIALIZED"


@compiles(materialized, "sqlite")
def _materialized_sqlite(element, compiler, **kw):
    version = compiler.dialect.server_version_info or (0,)
    return "MATERIALIZED" if version >= (3, 35) else ""


def _safe_sqrt(value):
    if value is None or value < 0:
        return None
    return math.sqrt(value)


@event.listens_for(Engine, "connect")
def _sqlite_sqrt(dbapi_connection, connection_record):
    # SQLite has SQRT only when built with its math functions (most builds since 3.35);
    # elsewhere the same function is provided here, so the statistics stay in SQL.
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    try:
        dbapi_connection.execute("SELECT sqrt(4.0)").fetchone()
    except Exception:  # noqa: BLE001  (any failure means the function is missing)
        dbapi_connection.create_function("sqrt", 1, _safe_sqrt, deterministic=True)
