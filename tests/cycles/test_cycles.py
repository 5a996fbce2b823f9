"""Creating and editing a cycle: deadlines typed in the cycle's zone, stored in UTC."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from awards.core.models import AuditEvent, OutboxMessage
from awards.cycles import services
from awards.errors import DomainError
from awards.models import Criterion, Cycle, Domain, FormSection, Round, RoundKind
from tests.factories import ApplicantFactory, CycleFactory, SubmissionFactory


def _form(**overrides):
    data = {
        "name": "7th Guangzhou Award (2026)",
        "slug": "gza7",
        "reference_prefix": "GZA7",
        "time_zone": "Asia/Shanghai",
        "opens_at": "2025-09-29T00:00",
        "early_bird_deadline": "2026-01-15T23:59",
        "final_deadline": "2026-03-31T23:59",
        "eligibility_years": "2",
        "max_file_mb": "20",
        "max_files": "10",
        "max_total_mb": "100",
        "allowed_types": ["pdf", "jpeg", "png"],
        "description": "",
        "with_defaults": "y",
    }
    data.update(overrides)
    return data


def test_new_cycle_stores_deadlines_in_utc_from_the_cycle_zone(as_staff, db):
    response = as_staff.post("/secretariat/cycles/new", data=_form())
    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == "gza7"))
    assert cycle.time_zone == "Asia/Shanghai"
    # Midnight in Guangzhou (UTC+8) is 16:00 UTC the day before.
    assert cycle.opens_at == datetime(2025, 9, 28, 16, 0, tzinfo=UTC)
    assert cycle.early_bird_deadline == datetime(2026, 1, 15, 15, 59, tzinfo=UTC)
    assert cycle.final_deadline == datetime(2026, 3, 31, 15, 59, tzinfo=UTC)
    assert cycle.allowed_types == "pdf,jpeg,png"


def test_new_cycle_starts_with_the_award_defaults(as_staff, db):
    as_staff.post("/secretariat/cycles/new", data=_form())
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == "gza7"))
    assert [s.key for s in cycle.sections][:3] == ["background", "origins", "innovation"]
    assert len(cycle.sections) == 8
    assert [d.key for d in cycle.domains] == [
        "social",
        "economic",
        "environmental",
        "governance",
        "technology",
    ]
    assert [c.name for c in cycle.criteria] == [
        "Innovation",
        "Effectiveness",
        "Replicability and transferability",
        "Significance and impact",
        "Relevance to the SDGs and the New Urban Agenda",
    ]
    assert all(c.scale_min == 1 and c.scale_max == 10 and c.weight == 1 for c in cycle.criteria)
    committee, jury = cycle.rounds
    assert (committee.name, committee.kind, committee.select_limit) == (
        "Technical committee",
        RoundKind.COMMITTEE,
        15,
    )
    assert committee.deserving_limit == 30
    assert (jury.name, jury.kind, jury.select_limit, jury.position) == (
        "Jury",
        RoundKind.JURY,
        5,
        2,
    )
    assert len(committee.criteria) == 5


def test_new_cycle_form_defaults_to_guangzhou_time(as_staff):
    page = as_staff.get("/secretariat/cycles/new").get_data(as_text=True)
    assert '<option selected value="Asia/Shanghai">' in page or (
        'value="Asia/Shanghai" selected' in page
    )


def test_new_cycle_final_deadline_before_opening_is_refused_next_to_the_field(as_staff, db):
    response = as_staff.post(
        "/secretariat/cycles/new", data=_form(final_deadline="2025-09-01T12:00")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The final deadline must come after the opening." in page
    assert 'id="final_deadline-error"' in page
    assert 'value="7th Guangzhou Award (2026)"' in page  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Cycle)) == 0


def test_new_cycle_early_bird_before_opening_is_refused(as_staff, db):
    response = as_staff.post(
        "/secretariat/cycles/new", data=_form(early_bird_deadline="2025-09-28T12:00")
    )
    assert response.status_code == 422
    assert "The early-bird deadline must come after the opening." in response.get_data(as_text=True)


def test_new_cycle_early_bird_after_final_is_refused(as_staff):
    response = as_staff.post(
        "/secretariat/cycles/new", data=_form(early_bird_deadline="2026-04-01T00:00")
    )
    assert response.status_code == 422
    assert "The early-bird deadline cannot be after the final deadline." in response.get_data(
        as_text=True
    )


def test_new_cycle_slug_taken_is_refused(as_staff, db):
    CycleFactory(slug="gza7")
    response = as_staff.post("/secretariat/cycles/new", data=_form())
    assert response.status_code == 422
    assert "Another cycle uses this address already." in response.get_data(as_text=True)


def test_new_cycle_unknown_time_zone_is_refused(as_staff):
    response = as_staff.post("/secretariat/cycles/new", data=_form(time_zone="Mars/Olympus"))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_new_cycle_total_below_one_file_is_refused(as_staff):
    response = as_staff.post("/secretariat/cycles/new", data=_form(max_total_mb="5"))
    assert response.status_code == 422
    assert "The total must be at least the size allowed for one file." in response.get_data(
        as_text=True
    )


def test_database_rejects_a_cycle_closing_before_it_opens(db):
    cycle = CycleFactory.build(
        opens_at=datetime(2026, 1, 2, tzinfo=UTC), final_deadline=datetime(2026, 1, 1, tzinfo=UTC)
    )
    db.session.add(cycle)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _edit_data(cycle, **overrides):
    data = _form(
        name=cycle.name,
        slug=cycle.slug,
        reference_prefix=cycle.reference_prefix,
        opens_at="2025-09-29T00:00",
        early_bird_deadline="",
        final_deadline="2026-03-31T23:59",
    )
    data.pop("with_defaults")
    data.update(overrides)
    return data


@pytest.fixture
def gza7(db, staff):
    cycle = services.create_cycle(
        actor=staff,
        name="7th award",
        slug="gza7",
        reference_prefix="GZA7",
        opens_at=datetime(2025, 9, 28, 16, 0, tzinfo=UTC),
        final_deadline=datetime(2026, 3, 31, 15, 59, tzinfo=UTC),
    )
    db.session.commit()
    return cycle


def test_extending_the_final_deadline_is_audited_and_announced(
    as_staff, db, gza7, mailbox, deliver_mail
):
    applicant = ApplicantFactory(email="mayor@bogota.example", name="Ana")
    SubmissionFactory(cycle=gza7, organisation=applicant.organisation)
    ApplicantFactory(email="bystander@example.org")  # no entry in this cycle
    cycle_id = gza7.id
    response = as_staff.post(
        f"/secretariat/cycles/{cycle_id}/edit",
        data=_edit_data(gza7, final_deadline="2026-04-30T23:59", announce="y"),
    )
    assert response.status_code == 302
    saved = db.session.get(Cycle, cycle_id)
    assert saved.final_deadline == datetime(2026, 4, 30, 15, 59, tzinfo=UTC)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cycle.deadline_extended")
    )
    assert event.before == {"final_deadline": "2026-03-31 15:59:00+00:00"}
    assert event.after == {"final_deadline": "2026-04-30 15:59:00+00:00"}
    deliver_mail()
    assert [m["To"] for m in mailbox.messages] == ["mayor@bogota.example"]
    body = mailbox.messages[0].get_content()
    assert "Final deadline: Thursday, April 30, 2026" in body
    assert "11:59:00" in body and "UTC+8" in body


def test_extending_a_deadline_without_announcement_sends_nothing(as_staff, db, gza7):
    applicant = ApplicantFactory()
    SubmissionFactory(cycle=gza7, organisation=applicant.organisation)
    as_staff.post(
        f"/secretariat/cycles/{gza7.id}/edit",
        data=_edit_data(gza7, final_deadline="2026-04-30T23:59"),
    )
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "cycle.deadline_extended")
        )
        == 1
    )


def test_bringing_a_deadline_forward_is_audited_as_such(db, gza7, staff):
    moved = services.update_cycle(
        gza7, actor=staff, final_deadline=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert moved == ["final_deadline"]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "cycle.deadline_brought_forward" in actions


def test_edit_with_deadline_before_opening_is_refused_and_nothing_changes(as_staff, db, gza7):
    cycle_id = gza7.id
    response = as_staff.post(
        f"/secretariat/cycles/{cycle_id}/edit",
        data=_edit_data(gza7, final_deadline="2025-01-01T00:00"),
    )
    assert response.status_code == 422
    assert "The final deadline must come after the opening." in response.get_data(as_text=True)
    saved = db.session.get(Cycle, cycle_id)
    assert saved.final_deadline == datetime(2026, 3, 31, 15, 59, tzinfo=UTC)


def test_edit_form_shows_deadlines_in_the_cycle_zone(as_staff, gza7):
    page = as_staff.get(f"/secretariat/cycles/{gza7.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-31T23:59"' in page
    assert 'value="2025-09-29T00:00"' in page


def test_reference_prefix_cannot_change_once_codes_are_issued(db, gza7, staff):
    gza7.reference_counter = 3
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        services.update_cycle(gza7, actor=staff, reference_prefix="GZB7")
    assert exc.value.field == "reference_prefix"
    assert "can no longer change" in exc.value.message


def test_overview_lists_rounds_and_entry_counts(as_staff, gza7):
    SubmissionFactory(cycle=gza7)
    page = as_staff.get(f"/secretariat/cycles/{gza7.id}").get_data(as_text=True)
    assert "Technical committee" in page and "Jury" in page
    assert "draft: <strong>1</strong>" in page


def test_cycle_without_defaults_is_empty(db, staff):
    cycle = services.create_cycle(
        actor=staff,
        with_defaults=False,
        name="Bare",
        slug="bare",
        reference_prefix="BARE",
        opens_at=datetime(2025, 1, 1, tzinfo=UTC),
        final_deadline=datetime(2025, 6, 1, tzinfo=UTC),
    )
    for model in (FormSection, Domain, Criterion, Round):
        assert (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.cycle_id == cycle.id)
            )
            == 0
        )
