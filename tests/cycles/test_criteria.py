"""Criteria: rubric, weight > 0, scale min < max; frozen once scoring has started."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards.core.models import AuditEvent
from awards.cycles import services
from awards.errors import DomainError
from awards.models import Criterion, Round
from tests.factories import AssignmentFactory, RoundFactory, make_review


def _criterion_form(**overrides):
    data = {
        "name": "Context",
        "rubric": "1: ignores it\n10: weighs it fully",
        "weight": "1.5",
        "scale_min": "1",
        "scale_max": "10",
    }
    data.update(overrides)
    return data


def test_add_criterion_stores_rubric_weight_and_scale(as_staff, db, cycle):
    cycle_id = cycle.id
    response = as_staff.post(f"/secretariat/cycles/{cycle_id}/criteria", data=_criterion_form())
    assert response.status_code == 302
    criterion = db.session.scalar(select(Criterion).where(Criterion.name == "Context"))
    assert criterion.cycle_id == cycle_id
    assert criterion.weight == Decimal("1.50")
    assert (criterion.scale_min, criterion.scale_max) == (1, 10)
    assert criterion.rubric == "1: ignores it\n10: weighs it fully"
    assert criterion.position == 3  # after the factory's three


@pytest.mark.parametrize("weight", ["0", "-1", "-0.5"])
def test_add_criterion_weight_not_positive_is_refused_next_to_the_field(
    as_staff, db, cycle, weight
):
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/criteria", data=_criterion_form(weight=weight)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The weight must be more than zero." in page
    assert 'id="weight-error"' in page
    assert 'value="Context"' in page
    assert db.session.scalar(select(Criterion).where(Criterion.name == "Context")) is None


@pytest.mark.parametrize(("low", "high"), [("10", "10"), ("10", "1")])
def test_add_criterion_scale_min_not_below_max_is_refused(as_staff, db, cycle, low, high):
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/criteria",
        data=_criterion_form(scale_min=low, scale_max=high),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The top of the scale must be higher than the bottom." in page
    assert 'id="scale_max-error"' in page


def test_add_criterion_duplicate_name_is_refused(db, cycle, staff):
    with pytest.raises(DomainError) as exc:
        services.add_criterion(cycle, actor=staff, name="innovation")
    assert exc.value.field == "name"


@pytest.mark.parametrize(
    ("column", "value"), [("weight", Decimal("0")), ("weight", Decimal("-2")), ("scale_min", 10)]
)
def test_database_rejects_a_bad_criterion(db, cycle, column, value):
    criterion = Criterion(cycle_id=cycle.id, name="Bad", scale_min=1, scale_max=10)
    setattr(criterion, column, value)
    db.session.add(criterion)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def scored_round(db, cycle):
    """A round using the cycle's criteria, with one submitted review."""
    round_ = RoundFactory(cycle=cycle)
    round_.criteria = list(cycle.criteria)
    db.session.commit()
    make_review(AssignmentFactory(round=round_))
    return round_


def test_editing_a_weight_after_scoring_started_is_refused(db, cycle, staff, scored_round):
    criterion = cycle.criteria[0]
    with pytest.raises(DomainError) as exc:
        services.update_criterion(
            criterion,
            actor=staff,
            name=criterion.name,
            rubric=criterion.rubric,
            weight=Decimal("2"),
            scale_min=1,
            scale_max=10,
        )
    assert exc.value.field == "weight"
    assert "Judges have started scoring in Technical committee" in exc.value.message
    db.session.rollback()
    assert db.session.get(Criterion, criterion.id).weight == Decimal("1")


def test_editing_a_weight_after_scoring_is_refused_over_http(as_staff, db, cycle, scored_round):
    criterion = cycle.criteria[1]
    criterion_id, cycle_id = criterion.id, cycle.id
    response = as_staff.post(
        f"/secretariat/cycles/{cycle_id}/criteria/{criterion_id}/edit",
        data=_criterion_form(name=criterion.name, rubric=criterion.rubric, weight="3"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "its name, weight and scale can no longer change" in page
    assert 'value="3.00"' in page or 'value="3"' in page  # what was typed is kept
    assert db.session.get(Criterion, criterion_id).weight == Decimal("1")


def test_changing_a_scale_after_scoring_started_is_refused(db, cycle, staff, scored_round):
    criterion = cycle.criteria[0]
    with pytest.raises(DomainError) as exc:
        services.update_criterion(
            criterion,
            actor=staff,
            name=criterion.name,
            rubric=criterion.rubric,
            weight=criterion.weight,
            scale_min=0,
            scale_max=5,
        )
    assert exc.value.field == "scale_max"


def test_rubric_edit_after_scoring_is_allowed_and_audited(db, cycle, staff, scored_round):
    criterion = cycle.criteria[0]
    services.update_criterion(
        criterion,
        actor=staff,
        name=criterion.name,
        rubric="1: copied\n10: new anywhere",
        weight=criterion.weight,
        scale_min=criterion.scale_min,
        scale_max=criterion.scale_max,
    )
    db.session.commit()
    assert db.session.get(Criterion, criterion.id).rubric == "1: copied\n10: new anywhere"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "criterion.rubric_changed")
    )
    assert event.actor_id == staff.id
    assert event.before == {"rubric": "How good is the innovation?"}
    assert event.after == {"rubric": "1: copied\n10: new anywhere"}


def test_weight_can_change_before_any_score(db, cycle, staff):
    round_ = RoundFactory(cycle=cycle)
    round_.criteria = list(cycle.criteria)
    AssignmentFactory(round=round_)  # assigned, but nobody scored yet
    criterion = cycle.criteria[0]
    services.update_criterion(
        criterion,
        actor=staff,
        name=criterion.name,
        rubric=criterion.rubric,
        weight=Decimal("2.5"),
        scale_min=0,
        scale_max=5,
    )
    db.session.commit()
    saved = db.session.get(Criterion, criterion.id)
    assert (saved.weight, saved.scale_min, saved.scale_max) == (Decimal("2.50"), 0, 5)


def test_scores_in_another_round_do_not_freeze_a_criterion_it_does_not_use(db, cycle, staff):
    other = cycle.criteria[2]
    scored = RoundFactory(cycle=cycle)
    scored.criteria = [cycle.criteria[0]]
    db.session.commit()
    make_review(AssignmentFactory(round=scored))
    services.update_criterion(
        other,
        actor=staff,
        name=other.name,
        rubric=other.rubric,
        weight=Decimal("4"),
        scale_min=1,
        scale_max=10,
    )
    assert other.weight == Decimal("4.00")


def test_changing_a_rounds_criteria_after_scoring_is_refused(db, cycle, staff, scored_round):
    with pytest.raises(DomainError) as exc:
        services.update_round(
            scored_round,
            actor=staff,
            criterion_ids=[cycle.criteria[0].id],
            name=scored_round.name,
            kind="committee",
            judges_per_entry=3,
            select_limit=15,
            deserving_limit=30,
            severity_min_reviews=5,
            reminder_days="7,1",
        )
    assert exc.value.field == "criteria"
    db.session.rollback()
    assert len(db.session.get(Round, scored_round.id).criteria) == 3


def test_deleting_a_criterion_used_by_a_round_is_refused(db, cycle, staff, scored_round):
    with pytest.raises(DomainError) as exc:
        services.delete_criterion(cycle.criteria[0], actor=staff)
    assert "Technical committee" in exc.value.message


def test_deleting_an_unused_criterion_works(as_staff, db, cycle):
    criterion_id = cycle.criteria[2].id
    response = as_staff.post(f"/secretariat/cycles/{cycle.id}/criteria/{criterion_id}/delete")
    assert response.status_code == 302
    assert db.session.get(Criterion, criterion_id) is None


def test_criteria_page_shows_rubric_and_weight(as_staff, cycle):
    page = as_staff.get(f"/secretariat/cycles/{cycle.id}/criteria").get_data(as_text=True)
    assert "How good is the innovation?" in page
    assert "1–10" in page
