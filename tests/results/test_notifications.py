"""Decision notifications: written into the outbox as held mail, read on a page, then released
(and delivered over real SMTP) or discarded; each decision moves through one table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from awards.core.models import OutboxMessage, OutboxStatus
from awards.errors import DomainError
from awards.models import AuditEvent, Decision, DecisionStatus, RoundStatus
from awards.results import services
from awards.results.services import DECISION_TRANSITIONS, transition_decision


def closed_committee(build, db):
    """Three entries (shortlisted, deserving, not selected) in a closed committee round."""
    cycle = build.cycle(name="7th Guangzhou Award")
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality], select_limit=1, deserving_limit=1)
    judge = build.judge()
    for index, city in enumerate(["Bogotá", "Kazan", "Ramallah"]):
        entry = build.entry(cycle, reference=f"N-{index + 1}", city=city, title=f"{city} plan")
        build.review(round_, judge, entry, [9 - index])
    staff = build.staff()
    services.preselect_from_ranking(round_, actor=staff)
    services.close_round(round_, actor=staff)
    db.session.commit()
    return round_, staff


def decisions(db, round_id):
    return {
        d.submission.reference_code: d
        for d in db.session.scalars(select(Decision).where(Decision.round_id == round_id))
    }


def test_notifications_need_a_closed_round(build, db):
    cycle = build.cycle()
    quality = build.criterion(cycle, "Quality", low=0, high=10)
    round_ = build.round(cycle, [quality])

    with pytest.raises(DomainError, match="Close the round before writing the notifications."):
        services.generate_notifications(round_, actor=build.staff())


def test_generated_notifications_are_held_and_not_delivered(build, db, deliver_mail, mailbox):
    round_, staff = closed_committee(build, db)

    batch = services.generate_notifications(round_, actor=staff)
    db.session.commit()

    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.status, m.batch, m.category) for m in messages] == [
        (OutboxStatus.HELD, batch, "decision")
    ] * 3
    assert [m.subject for m in messages] == [
        "Your initiative is shortlisted: Bogotá plan",
        "Your initiative is recognised as deserving: Kazan plan",
        "The Technical Committee's decision on Ramallah plan",
    ]
    assert "has shortlisted your initiative “Bogotá plan” (N-1)" in messages[0].body_text
    assert "did not select it" in messages[2].body_text
    assert all(d.status == DecisionStatus.HELD for d in decisions(db, round_.id).values())
    assert deliver_mail() == (0, 0)
    assert mailbox.messages == []
    with pytest.raises(DomainError, match="Release or discard the notifications"):
        services.generate_notifications(round_, actor=staff)


def test_secretariat_reads_held_mail_then_releases_it(build, db, login_as, deliver_mail, mailbox):
    round_, staff = closed_committee(build, db)
    round_id = round_.id
    applicant_email = decisions(db, round_id)["N-1"].submission.created_by.email
    client = login_as(staff)

    response = client.post(f"/secretariat/results/rounds/{round_id}/notifications/generate")
    assert response.status_code == 302
    page = client.get(f"/secretariat/results/rounds/{round_id}/notifications")
    html = page.get_data(as_text=True)
    assert "3 e-mails are held" in html
    assert "Your initiative is shortlisted: Bogotá plan" in html
    assert applicant_email in html

    response = client.post(f"/secretariat/results/rounds/{round_id}/notifications/release")
    assert response.status_code == 302

    assert deliver_mail() == (3, 0)
    received = mailbox.messages_to(applicant_email)
    assert len(received) == 1
    assert received[0]["Subject"] == "Your initiative is shortlisted: Bogotá plan"
    released = decisions(db, round_id)
    assert all(
        d.status == DecisionStatus.RELEASED and d.released_at is not None for d in released.values()
    )
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "decisions")
    ).all()
    assert actions.count("decision.notification_held") == 3
    assert actions.count("decision.released") == 3


def test_held_mail_is_read_with_its_line_breaks(build, db, login_as):
    round_, staff = closed_committee(build, db)
    round_id = round_.id
    client = login_as(staff)
    client.post(f"/secretariat/results/rounds/{round_id}/notifications/generate")
    css = (Path(__file__).parents[2] / "awards" / "static" / "css" / "app.css").read_text()

    html = client.get(f"/secretariat/results/rounds/{round_id}/notifications").get_data(
        as_text=True
    )

    # Bootstrap's text-wrap (white-space: normal) ran each letter into one paragraph.
    assert html.count('<pre class="mb-0 mail-preview">Dear colleagues,\n\nWe are delighted') == 1
    assert ".mail-preview { white-space: pre-wrap; }" in css


def test_discarded_notifications_are_deleted_and_can_be_written_again(build, db, mailbox):
    round_, staff = closed_committee(build, db)
    services.generate_notifications(round_, actor=staff)
    db.session.commit()

    discarded = services.discard_notifications(round_, actor=staff)
    db.session.commit()

    assert discarded == 3
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert all(
        d.status == DecisionStatus.DRAFT and d.mail_batch == ""
        for d in decisions(db, round_.id).values()
    )
    second = services.generate_notifications(round_, actor=staff)
    db.session.commit()
    assert {m.batch for m in db.session.scalars(select(OutboxMessage))} == {second}


def test_release_without_held_mail_is_refused_on_the_page(build, db, login_as):
    round_, staff = closed_committee(build, db)
    round_id = round_.id

    response = login_as(staff).post(f"/secretariat/results/rounds/{round_id}/notifications/release")

    assert response.status_code == 422
    assert "There are no held notifications to release." in response.get_data(as_text=True)


def test_decision_transitions_follow_the_table(build, db):
    round_, staff = closed_committee(build, db)
    decision = decisions(db, round_.id)["N-1"]

    with pytest.raises(DomainError, match="This decision is draft; it cannot become released."):
        transition_decision(decision, DecisionStatus.RELEASED, actor=staff)

    assert set(DECISION_TRANSITIONS) == {
        (DecisionStatus.DRAFT, DecisionStatus.HELD),
        (DecisionStatus.HELD, DecisionStatus.DRAFT),
        (DecisionStatus.HELD, DecisionStatus.RELEASED),
    }
    assert round_.status == RoundStatus.CLOSED
