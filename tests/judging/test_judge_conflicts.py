"""A judge declares a conflict of interest: the entry leaves the list, the secretariat is told
by e-mail, and the judge's scores stop counting in every aggregate."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from awards.core.models import AuditEvent
from awards.db import utcnow
from awards.errors import DeadlinePassed, DomainError, PermissionDenied
from awards.judging.queries import (
    counted_reviews,
    counted_scores_select,
    judge_dashboard,
    reviews_with_standing,
)
from awards.judging.services import ReviewIntent, declare_conflict, save_review
from awards.models import (
    AssignmentStatus,
    Conflict,
    ConflictSource,
    Review,
    RoundStatus,
)
from tests.factories import (
    AdminFactory,
    AssignmentFactory,
    ConflictFactory,
    OpenRoundFactory,
    PanelMemberFactory,
    SecretariatFactory,
)
from tests.judging.scoring_setup import make_setting, review_input


def _submit(setting, judge, submission, value):
    review = save_review(
        setting.assignment(judge, submission),
        review_input(setting, value),
        actor=judge,
        intent=ReviewIntent.SUBMIT,
    )
    return review


def test_declared_conflict_recuses_tells_secretariat_and_leaves_the_list(
    client, login_as, db, mailbox, deliver_mail
):
    setting = make_setting(entries=2)
    SecretariatFactory(email="secretariat@gz-award.org", name="Li Na")
    SecretariatFactory(email="inactive@gz-award.org", is_active_account=False)
    conflicted, other = setting.submissions
    review = _submit(setting, setting.judge, conflicted, 9)
    db.session.commit()
    review_id, conflicted_id, reference = review.id, conflicted.id, conflicted.reference_code
    other_id = other.id
    login_as(setting.judge)

    response = client.post(
        setting.entry_url(conflicted) + "/conflict",
        data={"reason": "I advised this city on the same programme in 2024."},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/judging/"
    dashboard = unescape(client.get("/judging/").get_data(as_text=True))
    assert f"Thank you. {reference} has left your list, and the secretariat has been told." in (
        dashboard
    )
    assert f"/entries/{conflicted_id}" not in dashboard
    assert f"/entries/{other_id}" in dashboard
    assert client.get(setting.entry_url(conflicted_id)).status_code == 404

    conflict = db.session.scalar(select(Conflict))
    assert conflict.source == ConflictSource.DECLARED
    assert conflict.reason == "I advised this city on the same programme in 2024."
    assert conflict.created_by_id == setting.judge.id
    assert conflict.is_active
    assert setting.assignment(submission=conflicted_id).status == AssignmentStatus.RECUSED
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["conflict.declared", "assignment.recused"]

    # The recused judge's submitted scores stop counting.
    assert counted_reviews(setting.round) == []
    standing = reviews_with_standing(setting.round_id)
    assert [(s.review_id, s.counted, s.excluded_because) for s in standing] == [
        (review_id, False, "recused")
    ]

    assert deliver_mail() == (1, 0)
    [message] = mailbox.messages_to("secretariat@gz-award.org")
    assert message["Subject"] == f"Conflict of interest declared on {reference}"
    body = message.get_content()
    assert "Hello Li Na," in body
    assert f"{setting.judge.name} ({setting.judge.email}) has declared a conflict" in body
    assert "I advised this city on the same programme in 2024." in body
    assert mailbox.messages_to("inactive@gz-award.org") == []


def test_conflict_mail_goes_to_administrators_when_there_is_no_secretariat(
    db, mailbox, deliver_mail
):
    setting = make_setting()
    AdminFactory(email="admin@gz-award.org")
    declare_conflict(setting.assignment(), actor=setting.judge, reason="Former employee.")
    db.session.commit()
    deliver_mail()
    assert len(mailbox.messages_to("admin@gz-award.org")) == 1


def test_conflict_without_reason_is_refused_next_to_the_field(client, login_as, db):
    setting = make_setting()
    login_as(setting.judge)
    response = client.post(setting.entry_url() + "/conflict", data={"reason": "   "})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    error = re.search(r'id="reason-error"[^>]*>([^<]*)<', html).group(1)
    assert error == "Tell the secretariat briefly why you cannot judge it."
    assert db.session.scalars(select(Conflict)).all() == []
    assert setting.assignment().status == AssignmentStatus.ACTIVE


def test_declare_conflict_service_requires_a_reason(db):
    setting = make_setting()
    with pytest.raises(DomainError) as caught:
        declare_conflict(setting.assignment(), actor=setting.judge, reason=" ")
    assert caught.value.field == "reason"


def test_declare_conflict_reactivates_a_lifted_conflict(db):
    setting = make_setting()
    old = ConflictFactory(
        judge=setting.judge,
        submission=setting.submissions[0],
        source=ConflictSource.DETECTED,
        reason="Same country.",
        lifted_at=utcnow(),
        lifted_reason="Different city; cleared by the secretariat.",
    )
    conflict = declare_conflict(
        setting.assignment(), actor=setting.judge, reason="My sister works on this project."
    )
    db.session.commit()
    assert conflict.id == old.id
    assert conflict.is_active
    assert conflict.source == ConflictSource.DECLARED
    assert conflict.reason == "My sister works on this project."
    assert conflict.lifted_reason == ""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.declared"))
    assert event.before == {"source": "detected", "reason": "Same country.", "lifted": True}


def test_declare_conflict_recuses_open_rounds_only(db):
    setting = make_setting()
    jury = OpenRoundFactory(cycle=setting.cycle, position=2, name="Jury")
    PanelMemberFactory(round=jury, user=setting.judge)
    jury_assignment = AssignmentFactory(
        round=jury, judge=setting.judge, submission=setting.submissions[0]
    )
    setting.round.status = RoundStatus.CLOSED  # the committee's scores are frozen
    db.session.commit()
    declare_conflict(jury_assignment, actor=setting.judge, reason="Joined the city's board.")
    db.session.commit()
    assert jury_assignment.status == AssignmentStatus.RECUSED
    assert setting.assignment().status == AssignmentStatus.ACTIVE


def test_declare_conflict_in_closed_round_is_refused(client, login_as, db):
    setting = make_setting()
    setting.round.status = RoundStatus.CLOSED
    db.session.commit()
    with pytest.raises(DeadlinePassed):
        declare_conflict(setting.assignment(), actor=setting.judge, reason="Late discovery.")
    db.session.rollback()
    login_as(setting.judge)
    response = client.post(setting.entry_url() + "/conflict", data={"reason": "Late discovery."})
    assert response.status_code == 302
    assert response.headers["Location"] == setting.entry_url()
    assert "Please write to the secretariat about the conflict." in unescape(
        client.get(setting.entry_url()).get_data(as_text=True)
    )
    assert db.session.scalars(select(Conflict)).all() == []


def test_declare_conflict_for_another_judge_is_refused(db):
    setting = make_setting(judges=2)
    with pytest.raises(PermissionDenied):
        declare_conflict(setting.assignment(), actor=setting.judges[1], reason="Not mine.")


def test_declare_conflict_twice_is_refused(db):
    setting = make_setting()
    declare_conflict(setting.assignment(), actor=setting.judge, reason="Adviser.")
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        declare_conflict(setting.assignment(), actor=setting.judge, reason="Adviser again.")
    assert caught.value.message == "You have already stepped back from this entry."


def test_counted_reviews_leave_out_drafts_recused_removed_and_conflicted(db):
    setting = make_setting(judges=5)
    entry = setting.submissions[0]
    counted_judge, draft_judge, recused_judge, removed_judge, flagged_judge = setting.judges
    counted = _submit(setting, counted_judge, entry, 8)
    save_review(setting.assignment(draft_judge, entry), review_input(setting, 2), actor=draft_judge)
    recused = _submit(setting, recused_judge, entry, 1)
    removed = _submit(setting, removed_judge, entry, 1)
    flagged = _submit(setting, flagged_judge, entry, 1)
    db.session.commit()
    declare_conflict(setting.assignment(recused_judge, entry), actor=recused_judge, reason="x")
    setting.assignment(removed_judge, entry).status = AssignmentStatus.REMOVED
    # A conflict the secretariat recorded without (yet) touching the assignment still excludes.
    ConflictFactory(judge=flagged_judge, submission=entry)
    db.session.commit()

    assert [r.id for r in counted_reviews(setting.round)] == [counted.id]
    by_review = {s.review_id: s for s in reviews_with_standing(setting.round_id)}
    assert by_review[counted.id].counted is True
    assert by_review[recused.id].excluded_because == "recused"
    assert by_review[removed.id].excluded_because == "removed"
    assert by_review[flagged.id].excluded_because == "recused"
    assert by_review[flagged.id].conflicted is True
    drafts = [s for s in by_review.values() if s.judge_id == draft_judge.id]
    assert drafts[0].excluded_because == "draft"

    # The results code aggregates in SQL on top of the same definition.
    scores = counted_scores_select(setting.round_id).subquery()
    mean, count = db.session.execute(
        select(func.avg(scores.c.value), func.count()).select_from(scores)
    ).one()
    assert (float(mean), count) == (8.0, 3)
    assert db.session.scalar(select(func.count()).select_from(Review)) == 5


def test_recused_entry_is_gone_from_the_judges_order(db):
    setting = make_setting(entries=3)
    declare_conflict(setting.assignment(), actor=setting.judge, reason="Adviser.")
    db.session.commit()
    [progress] = judge_dashboard(setting.judge.id)
    assert progress.total == 2
    assert setting.submission_ids[0] not in [e.submission_id for e in progress.entries]


def test_conflict_page_asks_for_the_reason(client, login_as, db):
    setting = make_setting(closes_in=timedelta(days=2))
    login_as(setting.judge)
    response = client.get(setting.entry_url() + "/conflict")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert '<label class="form-label fw-semibold" for="reason">Why can you not judge' in html
