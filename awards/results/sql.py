"""Small portable SQL pieces the statistics need on both PostgreSQL and SQLite."""

from __future__ import annotations

import math

from sqlalchemy import Float, Integer, event, literal_column
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


class rounded_mean(FunctionElement):  # noqa: N801  (reads like a SQL function)
    """The mean of whole numbers from their SUM and COUNT, rounded to `places` decimals as a
    float: exactly `rounded(AVG(CAST(value AS FLOAT)), places)`, the value, not only nearly
    (NULL when the count is 0).

    SQLite computes it that way. PostgreSQL's ROUND goes through NUMERIC (the float printed to
    15 digits, parsed, rounded, printed and parsed back: about a microsecond per value); here
    the mean is a fraction S / N, so its rounding is whole-number arithmetic instead, half away
    from zero like ROUND: q = (2 * 10^places * |S| + N) / (2 * N), truncated, signed, then
    q / 10^places as the nearest float, as the NUMERIC-to-float cast gives. The two agree
    whenever the 15-digit print of the float mean rounds like the fraction itself, which
    holds for |S / N| <= 1,000 and N <= 100,000 (a score's scale, an entry's reviews): a
    fraction that is not a tie lies at least 1 / (2 * 10^places * N) from one, far beyond
    the print's error; a tie has at most 7 + 4 digits and prints exactly. A test compares the
    two on every fraction of a wide range."""

    type = Float()
    inherit_cache = True
    name = "rounded_mean"

    def __init__(self, total, count, places: int):
        super().__init__(total, count, literal_column(str(int(places))))


@compiles(rounded_mean)
def _rounded_mean_default(element, compiler, **kw):
    total, count, places = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND(CAST({total} AS REAL) / NULLIF({count}, 0), {places})"


@compiles(rounded_mean, "postgresql")
def _rounded_mean_postgresql(element, compiler, **kw):
    total, count, places = (compiler.process(c, **kw) for c in element.clauses)
    scale = 10 ** int(places)
    # Integer division truncates, which for these non-negative operands is the floor.
    whole = f"((2 * {scale} * ABS(CAST({total} AS BIGINT)) + {count}) / (2 * NULLIF({count}, 0)))"
    signed = f"(CASE WHEN {total} < 0 THEN -{whole} ELSE {whole} END)"
    return f"(CAST({signed} AS DOUBLE PRECISION) / {scale})"


class materialized(roles.StatementOptionRole, ClauseElement):  # noqa: N801  (a SQL keyword)
    """The MATERIALIZED hint of a CTE, `cte.prefix_with(materialized())`: the CTE is computed
    once and kept, never inlined into the statement that reads it. PostgreSQL (>= 12) and
    SQLite >= 3.35 understand it; an older SQLite gets nothing and decides for itself."""

    inherit_cache = True
    # No state, so an empty cache key: without one, SQLAlchemy could not cache any statement
    # holding the hint and compiled the whole ranking statement again on every call. What it
    # renders depends only on the dialect, which the compiled cache (one per engine) keys.
    _traverse_internals = []


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


class list_element(FunctionElement):  # noqa: N801  (reads like the SQL it renders)
    """Element `index` (from 0) of an IntegerList column (awards.judging.models), NULL when
    the element is null: `column[index + 1]` of PostgreSQL's int[], and `json_extract` of the
    JSON text elsewhere. `index` is a literal: a position in a list, never user input."""

    type = Integer()
    inherit_cache = True
    name = "list_element"

    def __init__(self, column, index: int):
        super().__init__(column, literal_column(str(int(index))))


@compiles(list_element)
def _list_element_default(element, compiler, **kw):
    column, index = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, '$[{index.name}]')"


@compiles(list_element, "postgresql")
def _list_element_postgresql(element, compiler, **kw):
    column, index = list(element.clauses)
    return f"({compiler.process(column, **kw)})[{int(index.name) + 1}]"
