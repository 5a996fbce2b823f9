"""Rounds in order: panel, criteria, judges per entry, dates, limits, blind fields, visibility."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards.core.models import AuditEvent
from awards.cycles import services
from awards.errors import DomainError
from awards.models import PanelMember, Round, RoundKind, RoundStatus, ScoreVisibility
from tests.factories import AssignmentFactory, JudgeFactory, PanelMemberFactory, RoundFactory


def _round_form(cycle, **overrides):
    data = {
        "name": "Longlist",
        "kind": "committee",
        "criteria": [str(c.id) for c in cycle.criteria[:2]],
        "judges_per_entry": "3",
        "opens_at": "2026-05-01T09:00",
        "closes_at": "2026-05-08T18:00",
        "select_limit": "45",
        "deserving_limit": "0",
        "blind_fields": ["organisation", "city", "section:background"],
        "score_visibility": "after_own",
        "comment_required": "y",
        "severity_min_reviews": "5",
        "reminder_days": "3, 7,1",
    }
    data.update(overrides)
    return data


def test_new_round_stores_every_setting(as_staff, db, cycle):
    cycle_id = cycle.id
    criteria_ids = [c.id for c in cycle.criteria[:2]]
    response = as_staff.post(f"/secretariat/cycles/{cycle_id}/rounds/new", data=_round_form(cycle))
    assert response.status_code == 302
    round_ = db.session.scalar(select(Round).where(Round.name == "Longlist"))
    assert [c.id for c in round_.criteria] == criteria_ids
    assert round_.position == 1
    assert round_.status == RoundStatus.DRAFT
    assert round_.opens_at == datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in UTC+8
    assert round_.closes_at == datetime(2026, 5, 8, 10, 0, tzinfo=UTC)
    assert round_.select_limit == 45
    assert round_.blind_fields == ["organisation", "city", "section:background"]
    assert round_.score_visibility == ScoreVisibility.AFTER_OWN
    assert round_.comment_required is True
    assert round_.reminder_days == "7,3,1"


def test_rounds_get_the_next_position(db, cycle, staff):
    first = services.create_round(
        cycle,
        actor=staff,
        name="One",
        judges_per_entry=3,
        select_limit=15,
        deserving_limit=0,
        severity_min_reviews=5,
    )
    second = services.create_round(
        cycle,
        actor=staff,
        name="Two",
        kind="jury",
        judges_per_entry=5,
        select_limit=5,
        deserving_limit=0,
        severity_min_reviews=5,
    )
    assert (first.position, second.position) == (1, 2)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closes_at": "2026-04-30T09:00"}, "closes_at", "The round must close after it opens."),
        ({"judges_per_entry": "0"}, "judges_per_entry", "Each entry needs at least one judge."),
        ({"select_limit": "-1"}, "select_limit", "Enter zero or more."),
        ({"severity_min_reviews": "1"}, "severity_min_reviews", "At least 2 reviews are needed"),
        ({"reminder_days": "7,soon"}, "reminder_days", "List whole numbers of days"),
    ],
)
def test_new_round_bad_values_are_refused_next_to_the_field(
    as_staff, db, cycle, overrides, field, message
):
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/rounds/new", data=_round_form(cycle, **overrides)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert 'value="Longlist"' in page
    assert db.session.scalar(select(Round).where(Round.name == "Longlist")) is None


def test_unknown_blind_field_is_refused(db, cycle, staff):
    with pytest.raises(DomainError) as exc:
        services.create_round(
            cycle,
            actor=staff,
            name="X",
            judges_per_entry=3,
            select_limit=15,
            deserving_limit=0,
            severity_min_reviews=5,
            blind_fields=["password_hash"],
        )
    assert exc.value.field == "blind_fields"


def test_edit_round_is_audited(as_staff, db, cycle):
    round_ = RoundFactory(cycle=cycle)
    round_id, cycle_id = round_.id, cycle.id
    response = as_staff.post(
        f"/secretariat/cycles/{cycle_id}/rounds/{round_id}/edit",
        data=_round_form(cycle, name="Technical committee", judges_per_entry="4"),
    )
    assert response.status_code == 302
    assert db.session.get(Round, round_id).judges_per_entry == 4
    events = db.session.scalars(select(AuditEvent.action)).all()
    assert "round.updated" in events and "round.criteria_changed" in events


def test_database_rejects_a_round_closing_before_it_opens(db, cycle):
    db.session.add(
        Round(
            cycle_id=cycle.id,
            name="Backwards",
            kind="committee",
            position=9,
            opens_at=datetime(2026, 5, 2, tzinfo=UTC),
            closes_at=datetime(2026, 5, 1, tzinfo=UTC),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_moving_rounds_swaps_their_order(as_staff, db, cycle):
    first = RoundFactory(cycle=cycle, position=1, name="A")
    second = RoundFactory(cycle=cycle, position=2, name="B")
    first_id, second_id = first.id, second.id
    as_staff.post(
        f"/secretariat/cycles/{cycle.id}/rounds/{first_id}/move", data={"direction": "down"}
    )
    assert db.session.get(Round, first_id).position == 2
    assert db.session.get(Round, second_id).position == 1


def test_deleting_a_round_with_assignments_is_refused(db, cycle, staff):
    round_ = RoundFactory(cycle=cycle)
    AssignmentFactory(round=round_)
    with pytest.raises(DomainError) as exc:
        services.delete_round(round_, actor=staff)
    assert exc.value.message == "Judges are assigned in this round; it cannot be deleted."


def test_open_round_needs_criteria_and_a_panel(db, cycle, staff):
    round_ = RoundFactory(cycle=cycle)
    with pytest.raises(DomainError, match="Choose the criteria"):
        services.open_round(round_, actor=staff)
    round_.criteria = list(cycle.criteria)
    with pytest.raises(DomainError, match="Add judges to the panel"):
        services.open_round(round_, actor=staff)
    PanelMemberFactory(round=round_)
    services.open_round(round_, actor=staff)
    assert round_.status == RoundStatus.OPEN


def test_second_round_opens_only_after_the_first_closed(db, cycle, staff):
    RoundFactory(cycle=cycle, position=1, name="Technical committee")
    jury = RoundFactory(cycle=cycle, position=2, name="Jury", kind="jury")
    jury.criteria = list(cycle.criteria)
    PanelMemberFactory(round=jury)
    with pytest.raises(DomainError) as exc:
        services.open_round(jury, actor=staff)
    assert exc.value.message == "Technical committee must be closed before this round opens."


def test_open_round_over_http(as_staff, db, cycle):
    round_ = RoundFactory(cycle=cycle)
    round_.criteria = list(cycle.criteria)
    PanelMemberFactory(round=round_)
    round_id = round_.id
    response = as_staff.post(f"/secretariat/rounds/{round_id}/open")
    assert response.status_code == 302
    assert db.session.get(Round, round_id).status == RoundStatus.OPEN


# --- panel -------------------------------------------------------------------------------------


def test_add_judges_to_the_panel(as_staff, db, cycle):
    round_ = RoundFactory(cycle=cycle)
    ana, ben = JudgeFactory(name="Ana"), JudgeFactory(name="Ben")
    round_id, ids = round_.id, [ana.id, ben.id]
    response = as_staff.post(
        f"/secretariat/rounds/{round_id}/panel", data={"judges": [str(i) for i in ids]}
    )
    assert response.status_code == 302
    members = db.session.scalars(
        select(PanelMember.user_id).where(PanelMember.round_id == round_id)
    ).all()
    assert sorted(members) == sorted(ids)


def test_panel_page_lists_judges_not_on_it_yet(as_staff, db, cycle):
    round_ = RoundFactory(cycle=cycle)
    PanelMemberFactory(round=round_, user=JudgeFactory(name="Already On"))
    JudgeFactory(name="Candidate Judge")
    page = as_staff.get(f"/secretariat/rounds/{round_.id}/panel").get_data(as_text=True)
    assert "Candidate Judge · Institute" in page  # offered, with affiliation
    assert "Already On · " not in page  # on the panel already, not offered again
    assert "Personal capacity of Already On" in page


def test_adding_an_applicant_to_a_panel_is_refused(db, cycle, staff):
    from tests.factories import ApplicantFactory

    round_ = RoundFactory(cycle=cycle)
    with pytest.raises(DomainError):
        services.add_panel_members(round_, [ApplicantFactory()], actor=staff)


def test_set_and_clear_a_personal_capacity(as_staff, db, cycle):
    member = PanelMemberFactory(round=RoundFactory(cycle=cycle))
    member_id, round_id = member.id, member.round_id
    as_staff.post(
        f"/secretariat/rounds/{round_id}/panel/{member_id}/capacity",
        data={f"m{member_id}-capacity": "12"},
    )
    assert db.session.get(PanelMember, member_id).capacity == 12
    as_staff.post(
        f"/secretariat/rounds/{round_id}/panel/{member_id}/capacity",
        data={f"m{member_id}-capacity": ""},
    )
    assert db.session.get(PanelMember, member_id).capacity is None


def test_database_rejects_a_negative_capacity(db, cycle):
    member = PanelMemberFactory(round=RoundFactory(cycle=cycle))
    member.capacity = -1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_removing_a_judge_with_assignments_from_the_panel_is_refused(db, cycle, staff):
    member = PanelMemberFactory(round=RoundFactory(cycle=cycle))
    AssignmentFactory(round=member.round, judge=member.user)
    with pytest.raises(DomainError, match="has 1 entries assigned"):
        services.remove_panel_member(member, actor=staff)


LIMITS = ("judges_per_entry", "select_limit", "deserving_limit")


def _selected_kind(html: str) -> str:
    return re.search(r'<option selected value="(\w+)">', html).group(1)


def _value_of(html: str, field: str) -> str:
    return re.search(rf'id="{field}"[^>]*value="(\d+)"|value="(\d+)"[^>]*id="{field}"', html).group(
        1
    )


def test_a_new_round_proposes_the_award_s_next_step(as_staff, db, cycle, staff):
    """First the committee's shortlist of 15 plus 30 deserving; once it exists, the jury's 5."""
    cycle_id = cycle.id
    first = as_staff.get(f"/secretariat/cycles/{cycle_id}/rounds/new").get_data(as_text=True)
    assert _selected_kind(first) == "committee"
    assert [
        _value_of(first, f) for f in ("judges_per_entry", "select_limit", "deserving_limit")
    ] == [
        "3",
        "15",
        "30",
    ]

    RoundFactory(cycle=cycle, kind=RoundKind.COMMITTEE)
    db.session.commit()
    second = as_staff.get(f"/secretariat/cycles/{cycle_id}/rounds/new").get_data(as_text=True)
    assert _selected_kind(second) == "jury"
    assert [
        _value_of(second, f) for f in ("judges_per_entry", "select_limit", "deserving_limit")
    ] == [
        "5",
        "5",
        "0",
    ]
