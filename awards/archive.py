"""Export a whole cycle (database rows and attachment files) to one archive, and restore it into
an empty installation.

The rows are found by following foreign keys, so a table added later is included without a
change here: a cycle *owns* every row that points at it, directly or through other owned rows;
the rows that owned rows point at (users, organisations) come along as *references*. Audit
events of owned rows come along too. Ids are kept, so the restored cycle is identical.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from awards.errors import DomainError
from awards.extensions import db
from awards.storage import get_storage

FORMAT_VERSION = 1
# Tables never exported: the outbox holds other people's mail, the audit trail is selected by
# subject instead of by key.
SKIPPED_TABLES = {"outbox_messages", "audit_events", "alembic_version"}


def _tables() -> dict[str, Table]:
    return {t.name: t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES}


def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _collect(cycle_id: int) -> dict[str, dict[tuple, dict[str, Any]]]:
    tables = _tables()
    owned: dict[str, set[tuple]] = defaultdict(set)
    owned["cycles"].add((cycle_id,))
    # Downwards: rows whose foreign keys point at owned rows are owned, until nothing changes.
    changed = True
    while changed:
        changed = False
        for table in tables.values():
            for fk in table.foreign_key_constraints:
                parent = fk.referred_table.name
                if not owned.get(parent):
                    continue
                parent_cols = [e.column.name for e in fk.elements]
                if parent_cols != _pk(fk.referred_table):
                    continue  # composite keys onto non-primary columns follow from the pk ones
                child_cols = [e.parent for e in fk.elements]
                ids = list(owned[parent])
                for chunk_start in range(0, len(ids), 500):
                    chunk = ids[chunk_start : chunk_start + 500]
                    if len(child_cols) != 1:
                        continue
                    rows = db.session.execute(
                        select(*[table.c[c] for c in _pk(table)]).where(
                            child_cols[0].in_([k[0] for k in chunk])
                        )
                    ).all()
                    new = {tuple(r) for r in rows} - owned[table.name]
                    if new:
                        owned[table.name] |= new
                        changed = True
    # Upwards: what owned rows refer to (users, organisations, ...), and what those refer to.
    referenced: dict[str, set[tuple]] = defaultdict(set)
    frontier = {name: set(keys) for name, keys in owned.items()}
    while frontier:
        next_frontier: dict[str, set[tuple]] = defaultdict(set)
        for name, keys in frontier.items():
            table = tables[name]
            rows = _rows(table, keys)
            for fk in table.foreign_key_constraints:
                parent = fk.referred_table.name
                if parent in SKIPPED_TABLES or [e.column.name for e in fk.elements] != _pk(
                    fk.referred_table
                ):
                    continue
                for row in rows:
                    key = tuple(row[e.parent.name] for e in fk.elements)
                    if None in key or key in owned.get(parent, ()) or key in referenced[parent]:
                        continue
                    referenced[parent].add(key)
                    next_frontier[parent].add(key)
        frontier = {k: v for k, v in next_frontier.items() if v}
    everything: dict[str, set[tuple]] = defaultdict(set)
    for source in (owned, referenced):
        for name, keys in source.items():
            everything[name] |= keys
    return {
        name: {key: row for key, row in _keyed_rows(tables[name], keys)}
        for name, keys in everything.items()
        if keys
    }


def _rows(table: Table, keys: set[tuple]) -> list[dict[str, Any]]:
    return [row for _, row in _keyed_rows(table, keys)]


def _keyed_rows(table: Table, keys: set[tuple]):
    pk = _pk(table)
    keys = list(keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        if len(pk) == 1:
            condition = table.c[pk[0]].in_([k[0] for k in chunk])
        else:
            from sqlalchemy import tuple_

            condition = tuple_(*[table.c[c] for c in pk]).in_(chunk)
        for row in db.session.execute(select(table).where(condition)).mappings():
            yield tuple(row[c] for c in pk), dict(row)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if hasattr(value, "value") and not isinstance(value, dict | list):  # enums
        return value.value
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
        if tag == "$b64":
            return base64.b64decode(raw)
    return value


def export_cycle(slug: str, path: Path) -> dict[str, int]:
    """Write the cycle `slug` to a .tar.gz at `path`; returns row counts per table."""
    from awards.cycles.models import Cycle

    cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.slug == slug))
    if cycle_id is None:
        raise DomainError(f"No cycle with the slug {slug!r}.")
    collected = _collect(cycle_id)
    audit = _audit_rows(collected)
    order = [t.name for t in db.metadata.sorted_tables if t.name in collected]
    storage = get_storage()
    counts: dict[str, int] = {}
    with tarfile.open(path, "w:gz") as archive:
        for name in order:
            rows = sorted(
                collected[name].values(), key=lambda r: [str(r[c]) for c in _pk(_tables()[name])]
            )
            counts[name] = len(rows)
            _add_bytes(
                archive,
                f"tables/{name}.json",
                json.dumps(
                    [{k: _encode(v) for k, v in r.items()} for r in rows], sort_keys=True
                ).encode(),
            )
        counts["audit_events"] = len(audit)
        _add_bytes(
            archive,
            "audit_events.json",
            json.dumps(
                [{k: _encode(v) for k, v in r.items()} for r in audit], sort_keys=True
            ).encode(),
        )
        for row in collected.get("attachments", {}).values():
            _add_bytes(
                archive, f"files/{row['storage_key']}", storage.get_bytes(row["storage_key"])
            )
        manifest = {"format": FORMAT_VERSION, "cycle": slug, "tables": order, "counts": counts}
        _add_bytes(archive, "manifest.json", json.dumps(manifest, sort_keys=True).encode())
    return counts


def _audit_rows(collected) -> list[dict[str, Any]]:
    from awards.core.models import AuditEvent

    rows: list[dict[str, Any]] = []
    table = AuditEvent.__table__
    for name, keyed in collected.items():
        ids = [k[0] for k in keyed if len(k) == 1]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += [
                dict(r)
                for r in db.session.execute(
                    select(table).where(table.c.subject_type == name, table.c.subject_id.in_(chunk))
                ).mappings()
            ]
    return sorted(rows, key=lambda r: r["id"])


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def import_cycle(path: Path) -> dict[str, int]:
    """Restore an archive written by export_cycle into an installation without that data.

    Refuses when any row would collide with an existing one: the target must be empty of it.
    """
    tables = _tables()
    storage = get_storage()
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT_VERSION:
            raise DomainError("This archive was written by an incompatible version.")
        counts: dict[str, int] = {}
        for name in manifest["tables"]:
            table = tables[name]
            rows = json.loads(archive.extractfile(f"tables/{name}.json").read())
            if name == "reviews":
                rows = _with_stored_review_figures(archive, manifest, rows)
            if db.session.scalar(select(func.count()).select_from(table)):
                raise DomainError(
                    f"The table {name} is not empty: import a cycle into an empty installation."
                )
            if rows:
                db.session.execute(
                    insert(table), [{k: _decode(v) for k, v in row.items()} for row in rows]
                )
            counts[name] = len(rows)
        from awards.core.models import AuditEvent

        audit = json.loads(archive.extractfile("audit_events.json").read())
        if audit:
            db.session.execute(
                insert(AuditEvent.__table__),
                [{k: _decode(v) for k, v in row.items()} for row in audit],
            )
        counts["audit_events"] = len(audit)
        content_types = {}
        if "attachments" in manifest["tables"]:
            attachments = json.loads(archive.extractfile("tables/attachments.json").read())
            content_types = {row["storage_key"]: row["content_type"] for row in attachments}
        for member in archive.getmembers():
            if member.name.startswith("files/") and member.isfile():
                key = member.name.removeprefix("files/")
                # A gzip member's seeks confuse boto3's length probing; one file at a time
                # in memory is bounded by the cycle's per-file limit.
                storage.put(
                    key,
                    io.BytesIO(archive.extractfile(member).read()),
                    content_type=content_types.get(key, "application/octet-stream"),
                )
    _reset_sequences(manifest["tables"] + ["audit_events"])
    return counts


def _with_stored_review_figures(archive, manifest: dict, rows: list[dict]) -> list[dict]:
    """Archives written before reviews stored their weighted total and score values (issue 9)
    lack both, which a submitted review must have (a database constraint): they are computed
    from the archive's own scores and criteria, as saving the review would have done."""
    from awards.judging.models import ReviewStatus, score_values, weighted_total

    stored = ("weighted_total", "score_values")
    missing = [
        r for r in rows if r["status"] == ReviewStatus.SUBMITTED and not set(stored) <= r.keys()
    ]
    if not missing:
        return rows

    def table(name: str) -> list[dict]:
        if name not in manifest["tables"]:
            return []
        return json.loads(archive.extractfile(f"tables/{name}.json").read())

    weights = {c["id"]: _decode(c["weight"]) for c in table("criteria")}
    criteria_of: dict[int, list[int]] = {}
    for link in table("round_criteria"):
        criteria_of.setdefault(link["round_id"], []).append(link["criterion_id"])
    scores_of: dict[int, dict[int, dict]] = {}
    for score in table("scores"):
        scores_of.setdefault(score["review_id"], {})[score["criterion_id"]] = score
    for row in missing:
        criteria = criteria_of.get(row["round_id"], [])
        scores = scores_of.get(row["id"], {})
        row["weighted_total"] = weighted_total(
            (weights[c], scores[c]["value"], scores[c]["scale_min"], scores[c]["scale_max"])
            for c in criteria
            if c in scores
        )
        row["score_values"] = score_values(
            (c, scores[c]["value"] if c in scores else None) for c in criteria
        )
    return rows


def _reset_sequences(names: list[str]) -> None:
    """Rows were inserted with their ids; PostgreSQL's sequences must move past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for name in names:
        table = db.metadata.tables[name]
        pk = _pk(table)
        if len(pk) != 1 or not table.c[pk[0]].autoincrement:
            continue
        # Names come from our own metadata, never from the archive.
        statement = (
            f"SELECT setval(pg_get_serial_sequence('{name}', '{pk[0]}'), "  # noqa: S608
            f"COALESCE((SELECT MAX({pk[0]}) FROM {name}), 0) + 1, false)"  # nosec B608
        )
        db.session.execute(text(statement))
