"""The secretariat's side: opening and closing the vote, the fraud report, setting batches aside
and restoring them, the result and its tie rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from awards.cli import run_periodic_jobs
from awards.core.models import AuditEvent
from awards.db import frozen_clock, utcnow
from awards.errors import DomainError
from awards.models import (
    Cycle,
    Round,
    RoundKind,
    RoundStatus,
    VoteCampaign,
    VoteInvalidation,
    VoteRule,
    VoteStatus,
)
from awards.votes import queries, services
from tests.factories import ApplicantFactory, JudgeFactory, SecretariatFactory
from tests.votes.conftest import cast, confirm, last_token, make_ballot, vote_and_confirm, votes


def _audit(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_staff_set_up_the_vote_with_times_in_the_cycle_zone(client, db, login_as):
    ballot = make_ballot(db, with_campaign=False)
    staff = SecretariatFactory()
    login_as(staff)
    url = f"/secretariat/votes/{ballot.cycle.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Asia/Shanghai (UTC+8)" in page
    response = client.post(
        url,
        data={
            "opens_at": "2031-11-20T09:00",
            "closes_at": "2031-12-01T18:30",
            "rule": "per_day",
            "show_running_totals": "y",
        },
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(VoteCampaign))
    assert campaign.opens_at == datetime(2031, 11, 20, 1, 0, tzinfo=UTC)
    assert campaign.closes_at == datetime(2031, 12, 1, 10, 30, tzinfo=UTC)
    assert campaign.rule == VoteRule.PER_DAY
    assert campaign.show_running_totals is True
    [event] = _audit(db, "vote.configured")
    assert event.actor_id == staff.id
    assert event.after["closes_at"] == "2031-12-01T10:30:00+00:00"
    # The form shows the stored times back in the cycle's zone.
    page = client.get(url).get_data(as_text=True)
    assert 'value="2031-11-20T09:00"' in page
    assert 'value="2031-12-01T18:30"' in page


def test_show_running_totals_is_off_unless_chosen(client, db, login_as):
    ballot = make_ballot(db, with_campaign=False)
    login_as(SecretariatFactory())
    response = client.post(
        f"/secretariat/votes/{ballot.cycle.id}",
        data={"opens_at": "2031-11-20T09:00", "closes_at": "2031-12-01T18:30", "rule": "per_cycle"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(VoteCampaign)).show_running_totals is False


def test_closing_before_opening_is_refused_and_keeps_the_input(client, db, login_as):
    ballot = make_ballot(db, with_campaign=False)
    login_as(SecretariatFactory())
    response = client.post(
        f"/secretariat/votes/{ballot.cycle.id}",
        data={"opens_at": "2031-12-01T09:00", "closes_at": "2031-11-01T09:00", "rule": "per_cycle"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The vote must close after it opens." in page
    assert 'value="2031-11-01T09:00"' in page
    assert db.session.scalar(select(VoteCampaign)) is None


def set_up_vote(client, cycle_id: int):
    """The secretariat's form for a cycle's vote, filled in as it would be."""
    return client.post(
        f"/secretariat/votes/{cycle_id}",
        data={"opens_at": "2031-11-20T09:00", "closes_at": "2031-12-01T18:30", "rule": "per_cycle"},
    )


def test_vote_cannot_be_set_up_without_a_shortlist(client, db, login_as):
    from tests.factories import CycleFactory

    cycle = CycleFactory()
    login_as(SecretariatFactory())
    response = set_up_vote(client, cycle.id)
    assert response.status_code == 422
    assert "No initiative of this cycle is shortlisted yet." in response.get_data(as_text=True)


def test_vote_pages_are_for_staff_only(client, db, ballot, login_as):
    urls = [
        "/secretariat/votes/",
        f"/secretariat/votes/{ballot.cycle.id}",
        f"/secretariat/votes/{ballot.cycle.id}/fraud",
        f"/secretariat/votes/{ballot.cycle.id}/invalidate",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for user in (ApplicantFactory(), JudgeFactory()):
        login_as(user)
        for url in urls:
            assert client.get(url).status_code == 403
    login_as(SecretariatFactory())
    for url in urls:
        assert client.get(url).status_code == 200


def test_rule_cannot_change_once_votes_exist(client, db, ballot):
    cast(client, ballot, ballot.entries[0], "early.bird@example.org")
    campaign = db.session.get(VoteCampaign, ballot.campaign.id)
    with pytest.raises(DomainError, match="can no longer change"):
        services.configure_vote(
            ballot.cycle,
            opens_at=campaign.opens_at,
            closes_at=campaign.closes_at,
            show_running_totals=False,
            rule=VoteRule.PER_DAY,
            actor=None,
        )


def test_close_now_stores_the_winner_for_the_results_page(client, db, ballot, login_as):
    kampala, xianning, mannheim = ballot.entries
    for n in range(3):
        vote_and_confirm(client, db, ballot, xianning, f"x{n}@example.org", ip=f"192.0.2.{n}")
    vote_and_confirm(client, db, ballot, kampala, "k@example.org")
    assert queries.city_of_your_choice(ballot.cycle) is None  # still open: no winner yet
    staff = SecretariatFactory()
    login_as(staff)
    response = client.post(f"/secretariat/votes/{ballot.cycle.id}/close")
    assert response.status_code == 302
    campaign = db.session.get(VoteCampaign, ballot.campaign.id)
    assert campaign.closed_at is not None
    assert campaign.closes_at <= utcnow()
    assert (campaign.winner_submission_id, campaign.winner_votes) == (xianning.id, 3)
    winner = queries.city_of_your_choice(ballot.cycle)
    assert (winner.submission.id, winner.votes) == (xianning.id, 3)
    [event] = _audit(db, "vote.closed")
    assert event.actor_id == staff.id
    assert event.after == {"winner_submission_id": xianning.id, "winner_votes": 3}
    # Closed means closed: no more votes, no more confirmations, no more settings.
    response = cast(client, ballot, mannheim, "after@example.org", ip="203.0.113.5")
    assert response.status_code == 422
    page = client.get(f"/secretariat/votes/{ballot.cycle.id}").get_data(as_text=True)
    assert "City of Your Choice: Xianning, Green corridors along the river, with 3 votes." in page


def test_tie_goes_to_the_entry_that_reached_its_count_first(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    start = utcnow()
    order = [(kampala, 0), (xianning, 1), (xianning, 2), (kampala, 3)]
    for n, (entry, minute) in enumerate(order):
        with frozen_clock(start + timedelta(minutes=minute)):
            vote_and_confirm(client, db, ballot, entry, f"tie{n}@example.org", ip=f"192.0.2.{n}")
    rows = queries.standings(ballot.campaign)
    assert [(r.submission.id, r.votes, r.tied_on_votes) for r in rows[:2]] == [
        (xianning.id, 2, True),
        (kampala.id, 2, True),
    ]
    with frozen_clock(ballot.campaign.closes_at + timedelta(seconds=1)):
        winner = queries.city_of_your_choice(ballot.cycle)  # closed, not yet finalised
        assert winner.submission.id == xianning.id
        run_periodic_jobs()  # the worker stores the result
    campaign = db.session.get(VoteCampaign, ballot.campaign.id)
    assert campaign.winner_submission_id == xianning.id
    assert campaign.closed_by_id is None
    assert queries.city_of_your_choice(ballot.cycle).submission.id == xianning.id


def test_no_counted_vote_means_no_city_of_your_choice(client, db, ballot):
    cast(client, ballot, ballot.entries[0], "never.confirmed@example.org")
    with frozen_clock(ballot.campaign.closes_at + timedelta(hours=1)):
        assert services.finalise_due_votes() == 1
        assert services.finalise_due_votes() == 0  # idempotent
    db.session.commit()
    assert queries.city_of_your_choice(ballot.cycle) is None


def test_fraud_report_shows_bursts_by_network_domain_and_hour(client, db, ballot, login_as):
    entry = ballot.entries[0]
    hour = utcnow().replace(minute=5, second=0, microsecond=0)
    with frozen_clock(hour):
        for n in range(4):
            cast(client, ballot, entry, f"bot{n}@spam-city.example", ip=f"203.0.113.{n}")
    with frozen_clock(hour + timedelta(hours=1)):
        cast(client, ballot, entry, "human@example.org", ip="192.0.2.8")
    report = queries.fraud_report(ballot.campaign)
    top_network = report["network"][0]
    assert (top_network.key, top_network.total, top_network.fingerprints) == (
        ("203.0.113.0/24",),
        4,
        1,
    )
    assert [(b.key[0], b.total) for b in report["domain"]] == [
        ("spam-city.example", 4),
        ("example.org", 1),
    ]
    burst_hour = hour.replace(minute=0)
    assert [(b.key[0], b.total) for b in report["hour"]] == [
        (burst_hour, 4),
        (burst_hour + timedelta(hours=1), 1),
    ]
    assert report["network_hour"][0].key == ("203.0.113.0/24", burst_hour)
    login_as(SecretariatFactory())
    page = client.get(f"/secretariat/votes/{ballot.cycle.id}/fraud").get_data(as_text=True)
    assert "203.0.113.0/24" in page and "spam-city.example" in page
    assert "@spam-city.example" not in page  # no address, only the domain
    assert "network_prefix=203.0.113.0/24" in page.replace("%2F", "/")


def test_invalidating_a_batch_and_reversing_it(client, db, ballot, login_as):
    kampala, xianning, _ = ballot.entries
    for n in range(3):
        vote_and_confirm(client, db, ballot, kampala, f"farm{n}@bulk.example", ip=f"203.0.113.{n}")
    cast(client, ballot, kampala, "farm9@bulk.example", ip="203.0.113.9")  # still pending
    pending_token = last_token(db)
    vote_and_confirm(client, db, ballot, xianning, "real@example.org", ip="192.0.2.1")
    vote_and_confirm(client, db, ballot, xianning, "real2@example.org", ip="192.0.2.2")
    assert queries.leader(ballot.campaign).submission.id == kampala.id

    staff = SecretariatFactory()
    login_as(staff)
    url = f"/secretariat/votes/{ballot.cycle.id}/invalidate"
    preview = client.get(url, query_string={"network_prefix": "203.0.113.0/24"})
    assert "This batch matches 3 confirmed and 1 pending votes" in preview.get_data(as_text=True)
    response = client.post(url, data={"network_prefix": "203.0.113.0/24", "reason": ""})
    assert response.status_code == 422
    assert "Give the reason for setting these votes aside." in response.get_data(as_text=True)
    response = client.post(
        url, data={"network_prefix": "203.0.113.0/24", "reason": "Vote farm: one browser"}
    )
    assert response.status_code == 302

    batch = db.session.scalar(select(VoteInvalidation))
    assert (batch.vote_count, batch.reason, batch.created_by_id) == (
        4,
        "Vote farm: one browser",
        staff.id,
    )
    statuses = {v.email_domain: set() for v in votes(db)}
    for v in votes(db):
        statuses[v.email_domain].add(v.status)
    assert statuses == {"bulk.example": {VoteStatus.INVALIDATED}, "example.org": {"confirmed"}}
    counts = {s.submission.id: s.votes for s in queries.standings(ballot.campaign)}
    assert (counts[kampala.id], counts[xianning.id]) == (0, 2)
    assert queries.leader(ballot.campaign).submission.id == xianning.id
    [event] = _audit(db, "vote.batch_invalidated")
    assert event.after == {"network_prefix": "203.0.113.0/24", "votes": 4}
    assert event.message == "Vote farm: one browser"
    # A pending vote set aside can no longer be confirmed.
    response = confirm(client, pending_token, ip="203.0.113.9")
    assert response.status_code == 409
    assert "set aside by the secretariat" in response.get_data(as_text=True)

    # Reversal: everything comes back as it was.
    response = client.post(
        f"/secretariat/votes/batches/{batch.id}/restore", data={"reason": "Campus network"}
    )
    assert response.status_code == 302
    restored = sorted((v.email_domain, v.status, v.confirmed_at is None) for v in votes(db))
    assert restored == sorted(
        [("bulk.example", "confirmed", False)] * 3
        + [("bulk.example", "pending", True)]
        + [("example.org", "confirmed", False)] * 2
    )
    assert queries.leader(ballot.campaign).submission.id == kampala.id
    [event] = _audit(db, "vote.batch_restored")
    assert (event.actor_id, event.message) == (staff.id, "Campus network")
    assert event.after == {"votes": 4}
    batch = db.session.get(VoteInvalidation, batch.id)
    assert batch.reversed_at is not None and batch.reversal_reason == "Campus network"
    # The restored pending vote can now be confirmed.
    assert confirm(client, pending_token, ip="203.0.113.9").status_code == 200
    # Restoring twice is refused.
    with pytest.raises(DomainError, match="restored already"):
        services.restore_votes(batch, reason="again", actor=staff)


def test_fraud_report_links_prefill_the_batch_form_in_the_cycle_zone(client, db, ballot, login_as):
    hour = datetime(2031, 5, 4, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    with frozen_clock(hour - timedelta(days=2)):
        ballot = make_ballot(
            db, opens_at=hour - timedelta(days=1), closes_at=hour + timedelta(days=1)
        )
    with frozen_clock(hour + timedelta(minutes=20)):
        cast(client, ballot, ballot.entries[0], "burst@example.org", ip="192.0.2.60")
        login_as(SecretariatFactory())
        page = client.get(f"/secretariat/votes/{ballot.cycle.id}/fraud").get_data(as_text=True)
        link = f"/secretariat/votes/{ballot.cycle.id}/invalidate?hour=2031-05-04T14:00"
        assert link.replace(":", "%3A") in page or link in page
        preview = client.get(link).get_data(as_text=True)
    assert "This batch matches 0 confirmed and 1 pending votes" in preview
    assert 'value="2031-05-04T14:00"' in preview


def test_invalidation_by_domain_and_hour_together(client, db, ballot):
    entry = ballot.entries[0]
    hour = utcnow().replace(minute=10, second=0, microsecond=0)
    with frozen_clock(hour):
        vote_and_confirm(client, db, ballot, entry, "a@bulk.example", ip="192.0.2.1")
        vote_and_confirm(client, db, ballot, entry, "b@example.org", ip="192.0.2.2")
    with frozen_clock(hour + timedelta(hours=2)):
        vote_and_confirm(client, db, ballot, entry, "c@bulk.example", ip="192.0.2.3")
    batch = services.invalidate_votes(
        ballot.campaign,
        email_domain="BULK.example",
        hour=hour,
        reason="Burst",
        actor=None,
    )
    db.session.commit()
    assert batch.vote_count == 1
    assert [v.status for v in votes(db)] == ["invalidated", "confirmed", "confirmed"]
    with pytest.raises(DomainError, match="Choose the batch"):
        services.invalidate_votes(ballot.campaign, reason="x", actor=None)
    with pytest.raises(DomainError, match="No counted or pending vote matches"):
        services.invalidate_votes(
            ballot.campaign, email_domain="nobody.example", reason="x", actor=None
        )


def test_invalidation_after_closing_changes_the_stored_winner(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    for n in range(2):
        vote_and_confirm(client, db, ballot, kampala, f"k{n}@bulk.example", ip=f"203.0.113.{n}")
    vote_and_confirm(client, db, ballot, xianning, "x@example.org", ip="192.0.2.1")
    services.close_vote(db.session.get(VoteCampaign, ballot.campaign.id), actor=None)
    db.session.commit()
    assert queries.city_of_your_choice(ballot.cycle).submission.id == kampala.id
    batch = services.invalidate_votes(
        ballot.campaign, email_domain="bulk.example", reason="Farm", actor=None
    )
    db.session.commit()
    winner = queries.city_of_your_choice(ballot.cycle)
    assert (winner.submission.id, winner.votes) == (xianning.id, 1)
    assert [e.after for e in _audit(db, "vote.result_changed")] == [
        {"winner_submission_id": xianning.id, "votes": 1}
    ]
    services.restore_votes(batch, reason="Mistake", actor=None)
    db.session.commit()
    assert queries.city_of_your_choice(ballot.cycle).submission.id == kampala.id


def test_database_refuses_a_batch_without_reason_or_criterion(db, ballot):
    from sqlalchemy.exc import IntegrityError

    for fields in (
        {"network_prefix": "203.0.113.0/24", "reason": ""},
        {"reason": "no criterion"},
    ):
        db.session.add(VoteInvalidation(campaign_id=ballot.campaign.id, vote_count=1, **fields))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    db.session.add(
        VoteCampaign(
            cycle_id=make_ballot(db, with_campaign=False).cycle.id,
            opens_at=utcnow(),
            closes_at=utcnow() - timedelta(days=1),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_vote_admin_lists_cycles_and_links_to_each(client, db, ballot, login_as):
    login_as(SecretariatFactory())
    page = client.get("/secretariat/votes/").get_data(as_text=True)
    assert ballot.cycle.name in page
    assert f"/secretariat/votes/{ballot.cycle.id}" in page
    home = client.get("/secretariat/").get_data(as_text=True)
    assert 'href="/secretariat/votes/"' in home  # in the navigation


def test_the_ballot_waits_for_the_committee_s_round_to_close(client, db, login_as):
    """Decisions of an open round can still change: they make no ballot yet."""
    ballot = make_ballot(db, with_campaign=False)
    cycle_id = ballot.cycle.id
    entry_ids = {entry.id for entry in ballot.entries}
    committee = db.session.scalars(
        select(Round).where(Round.cycle_id == cycle_id, Round.kind == RoundKind.COMMITTEE)
    ).one()
    committee.status = RoundStatus.OPEN
    db.session.commit()
    committee_id = committee.id
    assert queries.candidate_ids(db.session.get(Cycle, cycle_id)) == set()

    login_as(SecretariatFactory())
    response = set_up_vote(client, cycle_id)
    assert response.status_code == 422
    assert "close the committee&#39;s round first" in response.get_data(as_text=True)

    db.session.get(Round, committee_id).status = RoundStatus.CLOSED
    db.session.commit()
    assert queries.candidate_ids(db.session.get(Cycle, cycle_id)) == entry_ids
