"""The demo data behind `make run`: a realistic 7th cycle, seeded quickly and only once."""

from __future__ import annotations

import random
import re
import struct
import zlib
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import puremagic
import pytest
from sqlalchemy import distinct, func, select

from awards.accounts.services import check_password
from awards.cli import seed_demo_if_empty
from awards.core.models import AuditEvent
from awards.db import frozen_clock, utcnow
from awards.demo import (
    ATTACHMENT_SAMPLE,
    DEMO_PASSWORD,
    make_pdf,
    make_png,
    seed_demo,
)
from awards.demo_content import SHORTLIST_2023
from awards.errors import DomainError
from awards.judging.conflicts import detect_pairs
from awards.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    Conflict,
    Cycle,
    Organisation,
    Review,
    ReviewStatus,
    Role,
    RoundKind,
    RoundStatus,
    Score,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    User,
)
from tests.conftest import _empty_all_tables


def test_seed_demo_builds_the_7th_cycle_with_form_criteria_and_rounds(db):
    seed_demo(attachments=False)
    db.session.commit()

    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == "gza7"))
    assert cycle.name == "7th Guangzhou International Award for Urban Innovation"
    assert cycle.reference_prefix == "GZA7"
    assert cycle.time_zone == "Asia/Shanghai"
    now = utcnow()
    # An open call: opened in the past, both deadlines ahead, at 23:59:59 China time.
    assert cycle.opens_at < now < cycle.early_bird_deadline < cycle.final_deadline
    for deadline in (cycle.early_bird_deadline, cycle.final_deadline):
        local = deadline.astimezone(cycle.zone)
        assert (local.hour, local.minute, local.second) == (23, 59, 59)

    assert [s.key for s in cycle.sections] == [
        "background",
        "origins",
        "innovation",
        "implementation",
        "outcomes",
        "partners_financing",
        "replicability",
        "sdg_relevance",
    ]
    assert all(s.help_text and 300 <= s.word_limit <= 600 for s in cycle.sections)
    assert [d.name for d in cycle.domains] == [
        "Social and cultural",
        "Economic",
        "Environmental",
        "Governance",
        "Technology",
    ]
    assert [c.name for c in cycle.criteria] == [
        "Innovation",
        "Effectiveness",
        "Replicability and transferability",
        "Significance and impact",
        "Relevance to the SDGs and the New Urban Agenda",
    ]
    assert sum(c.weight for c in cycle.criteria) == Decimal("100")
    for criterion in cycle.criteria:
        assert (criterion.scale_min, criterion.scale_max) == (1, 10)
        for level in ("\n1: ", "\n5: ", "\n10: "):
            assert level in criterion.rubric

    committee, jury = cycle.rounds
    assert (committee.kind, committee.position) == (RoundKind.COMMITTEE, 1)
    assert (committee.judges_per_entry, committee.select_limit, committee.deserving_limit) == (
        3,
        15,
        30,
    )
    assert (jury.kind, jury.position, jury.select_limit) == (RoundKind.JURY, 2, 5)
    assert len(committee.panel) == 11
    assert len(jury.panel) == 5
    assert len(committee.criteria) == len(jury.criteria) == 5
    judges = [m.user for m in committee.panel + jury.panel]
    assert len({j.id for j in judges}) == 16
    assert all(j.role == Role.JUDGE for j in judges)
    # Their profiles carry what conflict detection and expertise matching need.
    assert all(j.country_code and j.city and j.affiliation and j.expertise for j in judges)
    domain_keys = {d.key for d in cycle.domains}
    assert all(j.expertise_keys <= domain_keys for j in judges)
    assert len({j.country_code for j in judges}) >= 14

    # Every demo account signs in with the printed password.
    for email, role in [
        ("admin@demo.gzaward.org", Role.ADMIN),
        ("secretariat@demo.gzaward.org", Role.SECRETARIAT),
        ("judge@demo.gzaward.org", Role.JUDGE),
        ("juror@demo.gzaward.org", Role.JUDGE),
        ("applicant@demo.gzaward.org", Role.APPLICANT),
    ]:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role == role
        assert user.is_verified
        assert check_password(user, DEMO_PASSWORD)
    assert {m.user.email for m in jury.panel} >= {"juror@demo.gzaward.org"}
    assert {m.user.email for m in committee.panel} >= {"judge@demo.gzaward.org"}


def test_seed_demo_adds_about_300_initiatives_from_190_cities_in_60_countries(db, storage):
    seed_demo()
    db.session.commit()

    entries = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert len(entries) == 300
    organisations, cities, countries = db.session.execute(
        select(
            func.count(distinct(Organisation.id)),
            func.count(distinct(Organisation.city + "|" + Organisation.country_code)),
            func.count(distinct(Organisation.country_code)),
        ).join(Submission, Submission.organisation_id == Organisation.id)
    ).one()
    assert 180 <= organisations <= 200
    assert 175 <= cities <= 200
    assert 55 <= countries <= 65
    names = set(db.session.scalars(select(Organisation.city)))
    assert {display for display, _, _ in SHORTLIST_2023} <= names
    # Each government has an applicant account; nobody enters more than three initiatives.
    per_org = Counter(e.organisation_id for e in entries)
    assert max(per_org.values()) <= 3
    applicants = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.APPLICANT)
    )
    assert applicants == organisations

    statuses = Counter(e.status for e in entries)
    assert statuses[SubmissionStatus.VALID] > 200
    assert 15 <= statuses[SubmissionStatus.DRAFT] <= 30
    assert statuses[SubmissionStatus.SUBMITTED] >= 30
    assert statuses[SubmissionStatus.INVALID] >= 5

    drafts = [e for e in entries if e.status == SubmissionStatus.DRAFT]
    sent = sorted(
        (e for e in entries if e.status != SubmissionStatus.DRAFT), key=lambda e: e.reference_code
    )
    assert all(e.reference_code is None and e.submitted_at is None for e in drafts)
    # Codes GZA7-0001... in the order entries first arrived, with no gap.
    assert [e.reference_code for e in sent] == [f"GZA7-{n:04d}" for n in range(1, len(sent) + 1)]
    arrivals = [e.first_submitted_at for e in sent]
    assert arrivals == sorted(arrivals)
    cycle = db.session.scalar(select(Cycle))
    assert cycle.reference_counter == len(sent)
    assert all(cycle.opens_at < e.first_submitted_at < utcnow() for e in sent)
    versions = db.session.scalar(select(func.count()).select_from(SubmissionVersion))
    assert versions == len(sent)

    for entry in sent:
        assert entry.title and entry.summary
        assert len(entry.answers) == 8
        for answer in entry.answers:
            assert 0 < len(answer.body.split()) <= answer.section.word_limit
        assert 1 <= len(entry.domains) <= 3
        assert entry.sdgs and all(1 <= n <= 17 for n in entry.sdgs)
        assert entry.partners and entry.contacts
    invalid = [e for e in entries if e.status == SubmissionStatus.INVALID]
    assert all(e.invalid_reason for e in invalid)

    # Every state change went through the workflow and is in the audit trail.
    submitted_events = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "submission.submitted")
    )
    valid_events = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "submission.marked_valid")
    )
    assert submitted_events == len(sent)
    assert valid_events == statuses[SubmissionStatus.VALID]

    # Likely duplicates: one caught by the Secretariat, others left for it to find.
    caught = [e for e in entries if e.duplicate_of_id is not None]
    assert len(caught) == 1
    original = db.session.get(Submission, caught[0].duplicate_of_id)
    assert caught[0].status == SubmissionStatus.INVALID
    assert caught[0].invalid_reason.startswith(f"Duplicate of {original.reference_code}")
    assert original.organisation_id == caught[0].organisation_id
    same_summary = Counter(e.summary for e in sent)
    assert sum(1 for n in same_summary.values() if n == 2) >= 3

    # The applicant for Bogotá has one draft and one submitted entry.
    bogota = db.session.scalar(select(User).where(User.email == "applicant@demo.gzaward.org"))
    assert bogota.organisation.city == "Bogotá"
    mine = sorted(
        (e for e in entries if e.organisation_id == bogota.organisation_id),
        key=lambda e: e.status,
    )
    assert [e.status for e in mine] == [SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED]

    # Attachments: a PDF and a PNG per sampled entry, really in the S3 store.
    attachments = db.session.scalars(select(Attachment)).all()
    assert len(attachments) == 2 * ATTACHMENT_SAMPLE
    assert Counter(a.kind for a in attachments) == {
        "pdf": ATTACHMENT_SAMPLE,
        "png": ATTACHMENT_SAMPLE,
    }
    assert len({a.submission_id for a in attachments}) == ATTACHMENT_SAMPLE
    assert mine[1].attachments
    for attachment in attachments[:6]:
        stored = storage.head(attachment.storage_key)
        assert stored.size == attachment.size_bytes
        assert stored.content_type == attachment.content_type
        body = storage.get_bytes(attachment.storage_key)
        assert puremagic.from_string(body) == f".{attachment.kind}"


def test_seed_demo_opens_the_committee_round_assigned_and_part_way_reviewed(db, login_as):
    seed_demo(attachments=False)
    db.session.commit()

    cycle = db.session.scalar(select(Cycle))
    committee, jury = cycle.rounds
    now = utcnow()
    assert committee.status == RoundStatus.OPEN
    assert committee.opens_at < now < committee.closes_at
    assert 20 <= (committee.closes_at - now).days <= 22
    assert len(committee.criteria) == 5
    assert jury.status == RoundStatus.DRAFT
    assert db.session.scalar(select(func.count()).where(Assignment.round_id == jury.id)) == 0

    # Every valid entry has exactly 3 active committee members, spread evenly.
    valid = set(
        db.session.scalars(select(Submission.id).where(Submission.status == SubmissionStatus.VALID))
    )
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.round_id == committee.id)
    ).all()
    assert all(a.status == AssignmentStatus.ACTIVE for a in assignments)
    per_entry = Counter(a.submission_id for a in assignments)
    assert set(per_entry) == valid
    assert set(per_entry.values()) == {3}
    per_judge = Counter(a.judge_id for a in assignments)
    assert len(per_judge) == 11
    assert max(per_judge.values()) - min(per_judge.values()) <= 1

    # Conflicts were detected first (same city or country), and none is assigned.
    panel = [m.user for m in committee.panel]
    detected = set(detect_pairs(panel, valid))
    assert detected
    recorded = {(c.judge_id, c.submission_id) for c in db.session.scalars(select(Conflict))}
    assert detected <= recorded
    assert not recorded & {(a.judge_id, a.submission_id) for a in assignments}
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "rounds", AuditEvent.subject_id == committee.id)
        .order_by(AuditEvent.created_at)
    ).all()
    assert actions == ["conflicts.detected", "round.assigned", "round.opened"]

    # About 60% submitted and 10% drafts, scored on the 1-10 scale.
    reviews = db.session.scalars(select(Review)).all()
    statuses = Counter(r.status for r in reviews)
    total = len(assignments)
    assert 0.5 * total <= statuses[ReviewStatus.SUBMITTED] <= 0.7 * total
    assert 0.05 * total <= statuses[ReviewStatus.DRAFT] <= 0.15 * total
    by_pair = {(a.judge_id, a.submission_id): a.id for a in assignments}
    assert all(by_pair[(r.judge_id, r.submission_id)] == r.assignment_id for r in reviews)
    values = []
    for review in reviews:
        assert len(review.scores) == 5
        assert committee.opens_at <= review.created_at <= review.updated_at < now
        scored = [s for s in review.scores if s.value is not None]
        if review.status == ReviewStatus.SUBMITTED:
            # The round asks for a comment on every criterion.
            assert len(scored) == 5 and all(s.comment for s in review.scores)
            assert review.overall_comment and review.submitted_at == review.updated_at
        else:
            assert 1 <= len(scored) <= 4 and review.submitted_at is None
        values += [s.value for s in scored]
    assert min(values) >= 1 and max(values) <= 10
    assert len(set(values)) >= 7
    assert 5 <= sum(values) / len(values) <= 7
    assert all((s.scale_min, s.scale_max) == (1, 10) for s in db.session.scalars(select(Score)))
    submitted_events = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "review.submitted")
    )
    assert submitted_events == statuses[ReviewStatus.SUBMITTED]

    # judge@ has submitted some, has one draft and has several not started.
    judge = db.session.scalar(select(User).where(User.email == "judge@demo.gzaward.org"))
    mine = Counter(r.status for r in reviews if r.judge_id == judge.id)
    assigned = per_judge[judge.id]
    assert mine[ReviewStatus.SUBMITTED] >= 3
    assert mine[ReviewStatus.DRAFT] == 1
    not_started = assigned - mine.total()
    assert not_started >= 10
    page = login_as(judge).get("/judging/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "No round is open for you" not in text
    assert f"{mine[ReviewStatus.SUBMITTED]} of {assigned} reviews submitted" in text
    assert "1 draft" in text


def test_seed_demo_runs_only_on_an_empty_database(db):
    assert seed_demo_if_empty() is True
    users = db.session.scalar(select(func.count()).select_from(User))
    entries = db.session.scalar(select(func.count()).select_from(Submission))
    assert seed_demo_if_empty() is False
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Submission)) == entries
    # Forcing a second demo cycle into the same database is refused, not half-done.
    with pytest.raises(DomainError, match="'gza7' exists already"):
        seed_demo(attachments=False)


def test_seed_demo_is_deterministic_for_a_given_clock(db):
    def seeded() -> list:
        with frozen_clock(datetime(2026, 1, 10, 4, 0, tzinfo=UTC)):
            seed_demo(attachments=False)
        db.session.commit()
        rows = db.session.execute(
            select(
                Submission.title, Submission.reference_code, Submission.status, Organisation.city
            )
            .join(Organisation)
            .order_by(Submission.title, Organisation.city)
        ).all()
        rows += db.session.execute(
            select(User.email, Submission.reference_code, Review.status, Score.value)
            .join(Review, Review.judge_id == User.id)
            .join(Submission, Submission.id == Review.submission_id)
            .join(Score, Score.review_id == Review.id)
            .order_by(User.email, Submission.reference_code, Score.criterion_id)
        ).all()
        _empty_all_tables()
        return rows

    first, second = seeded(), seeded()
    assert len(first) > 300 + 400 * 5
    assert first == second


def test_demo_pdf_is_a_well_formed_pdf():
    pdf = make_pdf("Bogotá Care Blocks (phase 2)", ["City of Bogotá, Colombia", "Reference x"])
    assert puremagic.from_string(pdf) == ".pdf"
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    # The cross-reference table points at each object exactly.
    xref_at = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[xref_at:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", pdf[xref_at:])
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    # Parentheses in titles are escaped and accents folded for the standard font.
    assert b"(Bogota Care Blocks \\(phase 2\\)) Tj" in pdf


def test_demo_png_is_a_valid_png_of_the_stated_size():
    png = make_png(random.Random(1), width=64, height=40)
    assert puremagic.from_string(png) == ".png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        tag = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(tag + data) & 0xFFFFFFFF
        chunks[tag] = data
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height, depth, colour) == (64, 40, 8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + 3 * width)
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
