"""Conflicts of interest: each detection rule, the secretariat adding and lifting with a reason,
and detection never re-adding what the secretariat lifted."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from awards.core.models import AuditEvent
from awards.errors import DomainError
from awards.judging import conflicts
from awards.models import (
    Assignment,
    AssignmentStatus,
    Conflict,
    ConflictSource,
    Partner,
    Submission,
    User,
)
from tests.factories import (
    AssignmentFactory,
    CycleFactory,
    JudgeFactory,
    OrganisationFactory,
    PanelMemberFactory,
    RoundFactory,
    ValidEntryFactory,
)
from tests.judging import secretariat_fixtures

request_context = secretariat_fixtures.request_context
staff = secretariat_fixtures.staff
as_staff = secretariat_fixtures.as_staff


@pytest.fixture
def sao_paulo(db):
    return OrganisationFactory(
        name="Prefeitura de São Paulo", city="São Paulo", country_code="BR", region="Americas"
    )


@pytest.fixture
def entry(db, sao_paulo):
    return ValidEntryFactory(organisation=sao_paulo, reference_code="GZT-0007")


def _judge(**profile):
    defaults = {"city": "Lyon", "country_code": "FR", "affiliation": "Sciences Po"}
    defaults.update(profile)
    return JudgeFactory(**defaults)


def _reasons(judge, entry):
    return conflicts.detect_pairs([judge], [entry.id]).get((judge.id, entry.id), [])


def test_a_judge_of_the_entrys_organisation_is_conflicted(db, entry, sao_paulo):
    judge = _judge(organisation=sao_paulo)
    assert _reasons(judge, entry) == ["Same organisation"]


def test_a_judge_whose_affiliation_is_the_entrys_organisation_is_conflicted(db, entry):
    judge = _judge(affiliation="  prefeitura de SÃO PAULO ")
    assert _reasons(judge, entry) == ["Same organisation"]


def test_a_judge_living_in_the_entrys_city_is_conflicted_whatever_the_case(db, entry):
    judge = _judge(city=" SÃO PAULO", country_code="PT")
    assert _reasons(judge, entry) == ["Same city (São Paulo)"]


def test_a_judge_from_the_entrys_country_is_conflicted(db, entry):
    judge = _judge(city="Recife", country_code="BR")
    assert _reasons(judge, entry) == ["Same country (Brazil)"]


def test_a_judge_from_a_named_partner_is_conflicted(db, entry):
    db.session.add(Partner(submission_id=entry.id, name="  Inter-American  Development Bank "))
    db.session.commit()
    judge = _judge(affiliation="inter-american development BANK")
    assert _reasons(judge, entry) == ["inter-american development BANK is a partner of the entry"]


def test_several_rules_are_all_given_as_reasons(db, entry, sao_paulo):
    judge = _judge(city="são paulo", country_code="BR")
    assert _reasons(judge, entry) == ["Same city (São Paulo)", "Same country (Brazil)"]


def test_an_unrelated_judge_is_not_conflicted(db, entry):
    db.session.add(Partner(submission_id=entry.id, name="World Bank"))
    db.session.commit()
    judge = _judge(affiliation="World Bank Group", city="Paulo", country_code="PT")
    assert _reasons(judge, entry) == []


def test_an_empty_profile_conflicts_with_nobody(db, entry):
    empty_city = OrganisationFactory(city="", country_code="KE")
    other = ValidEntryFactory(organisation=empty_city)
    judge = _judge(city="", country_code=None, affiliation="")
    assert conflicts.detect_pairs([judge], [entry.id, other.id]) == {}


@pytest.fixture
def round_(db, entry):
    round_ = RoundFactory(cycle=entry.cycle)
    return round_


def test_detection_records_conflicts_for_the_round_panel(db, staff, round_, entry):
    brazilian = PanelMemberFactory(round=round_, user=_judge(country_code="BR")).user
    PanelMemberFactory(round=round_, user=_judge())
    result = conflicts.detect_for_round(round_, actor=staff)
    assert (result.created, result.recused) == (1, 0)
    conflict = db.session.scalar(select(Conflict))
    assert (conflict.judge_id, conflict.submission_id, conflict.source, conflict.reason) == (
        brazilian.id,
        entry.id,
        ConflictSource.DETECTED,
        "Same country (Brazil)",
    )
    assert conflict.is_active
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflicts.detected"))
    assert event.after == {"created": 1, "recused": 0}


def test_detection_twice_adds_nothing_new(db, staff, round_, entry):
    PanelMemberFactory(round=round_, user=_judge(country_code="BR"))
    conflicts.detect_for_round(round_, actor=staff)
    assert conflicts.detect_for_round(round_, actor=staff).created == 0
    assert db.session.scalar(select(func.count()).select_from(Conflict)) == 1


def test_detection_never_re_adds_a_conflict_the_secretariat_lifted(db, staff, round_, entry):
    PanelMemberFactory(round=round_, user=_judge(country_code="BR"))
    conflicts.detect_for_round(round_, actor=staff)
    conflict = db.session.scalar(select(Conflict))
    conflicts.lift_conflict(conflict, actor=staff, reason="Lives abroad for 20 years")
    db.session.commit()
    assert conflicts.detect_for_round(round_, actor=staff).created == 0
    saved = db.session.scalar(select(Conflict))
    assert saved.lifted_at is not None
    assert saved.lifted_reason == "Lives abroad for 20 years"


def test_detection_recuses_an_active_assignment_of_a_new_conflict(db, staff, round_, entry):
    judge = PanelMemberFactory(round=round_, user=_judge()).user
    row = AssignmentFactory(round=round_, judge=judge, submission=entry)
    judge.country_code = "BR"  # the profile was corrected after assignment
    db.session.commit()
    result = conflicts.detect_for_round(round_, actor=staff)
    assert (result.created, result.recused) == (1, 1)
    assert db.session.get(Assignment, row.id).status == AssignmentStatus.RECUSED


def test_secretariat_adds_a_conflict_with_a_reason_and_the_assignment_is_recused(
    db, staff, round_, entry
):
    judge = PanelMemberFactory(round=round_, user=_judge()).user
    row = AssignmentFactory(round=round_, judge=judge, submission=entry)
    conflicts.add_conflict(judge, entry, actor=staff, reason="Co-authored the city's plan")
    db.session.commit()
    conflict = db.session.scalar(select(Conflict))
    assert (conflict.source, conflict.reason, conflict.created_by_id) == (
        ConflictSource.SECRETARIAT,
        "Co-authored the city's plan",
        staff.id,
    )
    assert db.session.get(Assignment, row.id).status == AssignmentStatus.RECUSED


def test_adding_a_conflict_needs_a_reason(db, staff, entry):
    with pytest.raises(DomainError) as exc:
        conflicts.add_conflict(_judge(), entry, actor=staff, reason="  ")
    assert (exc.value.field, exc.value.message) == ("reason", "Give the reason for the conflict.")


def test_adding_a_conflict_twice_is_refused(db, staff, entry):
    judge = _judge()
    conflicts.add_conflict(judge, entry, actor=staff, reason="Friend of the mayor")
    with pytest.raises(DomainError, match="already has a conflict with GZT-0007"):
        conflicts.add_conflict(judge, entry, actor=staff, reason="Again")


def test_adding_back_a_lifted_conflict_reactivates_it(db, staff, entry):
    judge = _judge()
    conflict = conflicts.add_conflict(judge, entry, actor=staff, reason="Friend of the mayor")
    conflicts.lift_conflict(conflict, actor=staff, reason="Not a friend after all")
    conflicts.add_conflict(judge, entry, actor=staff, reason="Is a friend after all")
    db.session.commit()
    saved = db.session.scalar(select(Conflict))
    assert saved.is_active and saved.reason == "Is a friend after all"
    assert db.session.scalar(select(func.count()).select_from(Conflict)) == 1


def test_lifting_needs_a_reason_and_happens_once(db, staff, entry):
    conflict = conflicts.add_conflict(_judge(), entry, actor=staff, reason="Advisor")
    with pytest.raises(DomainError, match="Give the reason for lifting the conflict."):
        conflicts.lift_conflict(conflict, actor=staff, reason="")
    conflicts.lift_conflict(conflict, actor=staff, reason="Advised another city")
    with pytest.raises(DomainError, match="lifted already"):
        conflicts.lift_conflict(conflict, actor=staff, reason="Again")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["conflict.added", "conflict.lifted"]


def test_database_keeps_one_conflict_per_pair(db, entry):
    judge = _judge()
    for _ in range(2):
        db.session.add(
            Conflict(
                judge_id=judge.id,
                submission_id=entry.id,
                source=ConflictSource.DETECTED,
                reason="x",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_lifting_without_a_reason(db, entry):
    from awards.db import utcnow

    db.session.add(
        Conflict(
            judge_id=_judge().id,
            submission_id=entry.id,
            source=ConflictSource.DETECTED,
            reason="x",
            lifted_at=utcnow(),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- over HTTP ----------------------------------------------------------------------------------


def test_conflicts_page_detects_lists_adds_and_lifts(as_staff, db, round_, entry):
    PanelMemberFactory(round=round_, user=_judge(country_code="BR", name="Bruna"))
    other = PanelMemberFactory(round=round_, user=_judge(name="Olivier")).user
    round_id, other_id = round_.id, other.id
    as_staff.post(f"/secretariat/rounds/{round_id}/conflicts/detect")
    page = as_staff.get(f"/secretariat/rounds/{round_id}/conflicts").get_data(as_text=True)
    assert "Bruna" in page and "Same country (Brazil)" in page

    response = as_staff.post(
        f"/secretariat/rounds/{round_id}/conflicts",
        data={
            "judge_id": str(other_id),
            "reference_code": "gzt-0007",
            "reason": "Reviewed this initiative for a journal",
        },
    )
    assert response.status_code == 302
    added = db.session.scalar(select(Conflict).where(Conflict.judge_id == other_id))
    assert added.source == ConflictSource.SECRETARIAT
    added_id = added.id

    response = as_staff.post(
        f"/secretariat/rounds/{round_id}/conflicts/{added_id}/lift",
        data={"reason": "The review was of another initiative"},
    )
    assert response.status_code == 302
    assert db.session.get(Conflict, added_id).lifted_reason == (
        "The review was of another initiative"
    )


def test_adding_a_conflict_for_an_unknown_code_is_refused_next_to_the_field(
    as_staff, db, round_, entry
):
    judge = PanelMemberFactory(round=round_, user=_judge()).user
    response = as_staff.post(
        f"/secretariat/rounds/{round_.id}/conflicts",
        data={"judge_id": str(judge.id), "reference_code": "GZT-9999", "reason": "x"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No entry of this cycle has this code." in page
    assert 'id="reference_code-error"' in page


def test_lifting_a_conflict_of_another_cycle_is_404(as_staff, db, round_, staff):
    elsewhere = ValidEntryFactory(cycle=CycleFactory())
    conflict = conflicts.add_conflict(_judge(), elsewhere, actor=staff, reason="x")
    db.session.commit()
    response = as_staff.post(
        f"/secretariat/rounds/{round_.id}/conflicts/{conflict.id}/lift", data={"reason": "y"}
    )
    assert response.status_code == 404


def test_detection_covers_entries_in_screening_and_judging(db, staff, round_, entry):
    from awards.models import SubmissionStatus
    from tests.factories import SubmittedEntryFactory

    brazil = OrganisationFactory(country_code="BR")
    submitted = SubmittedEntryFactory(cycle=round_.cycle, organisation=brazil)
    withdrawn = SubmittedEntryFactory(
        cycle=round_.cycle, organisation=brazil, status=SubmissionStatus.WITHDRAWN
    )
    PanelMemberFactory(round=round_, user=_judge(country_code="BR"))
    conflicts.detect_for_round(round_, actor=staff)
    flagged = set(db.session.scalars(select(Conflict.submission_id)))
    assert flagged == {entry.id, submitted.id}
    assert withdrawn.id not in flagged
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 3
    assert db.session.scalar(select(func.count()).select_from(User)) >= 2
