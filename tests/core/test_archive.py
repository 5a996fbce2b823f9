"""`flask awards export-cycle` and `import-cycle`: a whole cycle, rows and files, round-trips
exactly into an empty installation."""

import io
import json
import secrets
import tarfile
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, make_url, select, text

from awards import create_app
from awards.audit import record
from awards.extensions import db as _db
from awards.judging.models import weighted_total
from awards.models import (
    Assignment,
    Attachment,
    Contact,
    Cycle,
    PanelMember,
    Partner,
    Review,
    ReviewStatus,
    Round,
    RoundKind,
    Score,
    SectionAnswer,
    Submission,
    SubmissionStatus,
)
from config import TestConfig
from tests.conftest import app_overrides
from tests.factories import CycleFactory, JudgeFactory, OrganisationFactory, UserFactory


def _build_cycle(storage):
    cycle = CycleFactory(slug="gza-archive", reference_prefix="ARC")
    other = CycleFactory(slug="other-cycle", reference_prefix="OTH")
    organisation = OrganisationFactory(name="Kampala Capital City Authority", country_code="UG")
    applicant = UserFactory(organisation=organisation)
    judge = JudgeFactory()
    submission = Submission(
        cycle=cycle,
        organisation=organisation,
        created_by=applicant,
        title="Smart markets",
        status=SubmissionStatus.SUBMITTED,
        reference_code="ARC-0001",
        sdgs=[1, 11],
    )
    submission.domains.append(cycle.domains[0])
    submission.contacts.append(Contact(name="Ann", email="ann@kcca.go.ug"))
    submission.partners.append(Partner(name="Makerere University"))
    submission.answers.append(SectionAnswer(section=cycle.sections[0], body="Markets grew."))
    key = storage.new_key("attachments")
    storage.put(key, io.BytesIO(b"%PDF-1.4 market report"), content_type="application/pdf")
    submission.attachments.append(
        Attachment(
            storage_key=key,
            original_name="report.pdf",
            content_type="application/pdf",
            kind="pdf",
            size_bytes=22,
        )
    )
    # Built in one go: a lazy load half-way would autoflush half-linked objects.
    with _db.session.no_autoflush:
        other_submission = Submission(cycle=other, organisation=organisation, title="Not exported")
        round_ = Round(cycle=cycle, name="Committee", kind=RoundKind.COMMITTEE, position=1)
        round_.criteria.extend(cycle.criteria)
        round_.panel.append(PanelMember(user=judge))
        assignment = Assignment(round=round_, judge=judge, submission=submission)
        review = Review(
            round=round_,
            judge=judge,
            submission=submission,
            assignment=assignment,
            status=ReviewStatus.SUBMITTED,
            overall_comment="Strong",
        )
        criterion = cycle.criteria[0]
        review.scores.append(Score.on(criterion, 8, "new"))
        review.store_weighted_total(round_.criteria)
        _db.session.add_all([submission, other_submission, round_, assignment, review])
    _db.session.flush()
    record(applicant, "submission.submitted", submission, after={"status": "submitted"})
    _db.session.commit()
    return cycle


def _invoke(app, *args):
    # The CLI reuses an active app context, so the target installation's must be on top.
    with app.app_context():
        return app.test_cli_runner().invoke(args=["awards", *args])


def _archive_contents(path):
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.fixture
def empty_installation(database_url, seaweed, smtp_server, tmp_path):
    """A second installation: its own empty database and its own bucket."""
    import os

    base = os.environ.get("TEST_DATABASE_URL")
    drop = None
    if base:
        name = f"awards_import_{secrets.token_hex(3)}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(base).set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'imported.sqlite3'}"
    app = create_app(TestConfig, app_overrides(url, seaweed, smtp_server))
    with app.app_context():
        _db.create_all()
        app.extensions["awards_storage"].ensure_bucket()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()
    if drop:
        drop()


def test_export_then_import_round_trips_exactly(app, storage, tmp_path, empty_installation):
    _build_cycle(storage)
    first = tmp_path / "first.tar.gz"
    result = app.test_cli_runner().invoke(
        args=["awards", "export-cycle", "gza-archive", str(first)]
    )
    assert result.exit_code == 0, result.output
    exported = _archive_contents(first)
    assert "tables/submissions.json" in exported
    assert b"Not exported" not in exported["tables/submissions.json"]
    assert b"other-cycle" not in exported["tables/cycles.json"]
    assert [n for n in exported if n.startswith("files/")] != []

    result = _invoke(empty_installation, "import-cycle", str(first))
    assert result.exit_code == 0, result.output
    with empty_installation.app_context():
        cycle = _db.session.scalar(select(Cycle).where(Cycle.slug == "gza-archive"))
        submission = _db.session.scalar(select(Submission))
        assert submission.reference_code == "ARC-0001"
        assert submission.organisation.name == "Kampala Capital City Authority"
        assert [p.name for p in submission.partners] == ["Makerere University"]
        review = _db.session.scalar(select(Review))
        assert [s.value for s in review.scores] == [8]
        assert cycle.criteria[0].weight == Decimal("1.00")
        criterion = cycle.criteria[0]
        # The stored total came through as it was written: 100 * (8 - min) / (max - min).
        assert review.weighted_total == weighted_total(
            [(criterion.weight, 8, criterion.scale_min, criterion.scale_max)]
        )
        # So did its score values (one per criterion of the round, only the first scored),
        # which the ranking's per-criterion means read.
        assert review.score_values == [8, None, None]
        attachment = _db.session.scalar(select(Attachment))
        restored_storage = empty_installation.extensions["awards_storage"]
        assert restored_storage.get_bytes(attachment.storage_key) == b"%PDF-1.4 market report"
        assert restored_storage.head(attachment.storage_key).content_type == "application/pdf"
        # New rows after the import get fresh ids (sequences moved past the imported ones).
        _db.session.add(Submission(cycle=cycle, organisation=submission.organisation, title="New"))
        _db.session.commit()
        _db.session.remove()

    second = tmp_path / "second.tar.gz"
    with empty_installation.app_context():
        _db.session.execute(text("DELETE FROM submissions WHERE title = 'New'"))
        _db.session.commit()
        _db.session.remove()
    result = _invoke(empty_installation, "export-cycle", "gza-archive", str(second))
    assert result.exit_code == 0, result.output
    assert _archive_contents(second) == exported


def test_import_into_a_database_holding_the_data_is_refused(app, storage, tmp_path):
    _build_cycle(storage)
    path = tmp_path / "cycle.tar.gz"
    assert (
        app.test_cli_runner()
        .invoke(args=["awards", "export-cycle", "gza-archive", str(path)])
        .exit_code
        == 0
    )
    result = app.test_cli_runner().invoke(args=["awards", "import-cycle", str(path)])
    assert result.exit_code == 1
    assert "is not empty: import a cycle into an empty installation" in result.output


def test_export_of_an_unknown_cycle_says_so(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["awards", "export-cycle", "nope", str(tmp_path / "x.tar.gz")]
    )
    assert result.exit_code == 1
    assert "No cycle with the slug 'nope'" in result.output


def test_an_archive_from_before_reviews_stored_their_figures_imports_with_them(
    app, storage, tmp_path, empty_installation
):
    """Reviews exported before `weighted_total` and `score_values` existed lack both; a submitted
    review must have them, so the import computes them from the archive's scores."""
    _build_cycle(storage)
    current = tmp_path / "current.tar.gz"
    result = app.test_cli_runner().invoke(
        args=["awards", "export-cycle", "gza-archive", str(current)]
    )
    assert result.exit_code == 0, result.output
    old = tmp_path / "old.tar.gz"
    with tarfile.open(current, "r:gz") as source, tarfile.open(old, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "tables/reviews.json":
                reviews = json.loads(data)
                for review in reviews:
                    del review["weighted_total"], review["score_values"]
                data = json.dumps(reviews).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)

    result = _invoke(empty_installation, "import-cycle", str(old))
    assert result.exit_code == 0, result.output
    with empty_installation.app_context():
        review = _db.session.scalar(select(Review))
        criterion = _db.session.scalar(select(Cycle)).criteria[0]
        assert review.status == ReviewStatus.SUBMITTED
        assert review.weighted_total == weighted_total(
            [(criterion.weight, 8, criterion.scale_min, criterion.scale_max)]
        )
        assert review.score_values == [8, None, None]
        _db.session.remove()
