"""Confirmation links: they count a vote once, expire, and stand up to simultaneous use."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from awards.db import frozen_clock, utcnow
from awards.models import Vote, VoteStatus
from awards.votes import queries
from tests.conftest import IsolatedClient
from tests.votes.conftest import cast, confirm, last_token, votes


def test_link_shows_a_button_and_only_the_post_confirms(client, db, ballot):
    cast(client, ballot, ballot.entries[1], "button@example.org")
    token = last_token(db)
    response = client.get(f"/votes/confirm/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Confirm my vote" in page
    assert "Green corridors along the river" in page
    # A mail scanner that opens the link confirms nothing.
    assert votes(db)[0].status == VoteStatus.PENDING
    response = confirm(client, token)
    assert response.status_code == 200
    assert "You voted for Green corridors along the river, Xianning." in response.get_data(
        as_text=True
    )
    assert votes(db)[0].status == VoteStatus.CONFIRMED


def test_reused_link_is_refused_politely_and_counts_once(client, db, ballot):
    cast(client, ballot, ballot.entries[0], "twice@example.org")
    token = last_token(db)
    assert confirm(client, token).status_code == 200
    # Reloading the thanks in the same browser shows them again, sending nothing.
    again = client.get(f"/votes/confirm/{token}")
    assert again.status_code == 200
    assert "Thank you: your vote is counted" in again.get_data(as_text=True)
    other_browser = IsolatedClient(client.application, client.application.response_class)
    for response in (confirm(client, token), other_browser.get(f"/votes/confirm/{token}")):
        assert response.status_code == 409
        assert (
            "This link has been used already: your vote is confirmed and counted. Thank you!"
            in response.get_data(as_text=True)
        )
    assert queries.standings(ballot.campaign)[0].votes == 1


def test_expired_link_is_refused(client, db, app, ballot, monkeypatch):
    cast(client, ballot, ballot.entries[0], "slow@example.org")
    token = last_token(db)
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE_VOTE", -1)
    response = confirm(client, token)
    assert response.status_code == 410
    assert "This confirmation link has expired, so the vote was not counted." in (
        response.get_data(as_text=True)
    )
    assert votes(db)[0].status == VoteStatus.PENDING


def test_forged_or_damaged_link_is_refused(client, db, ballot):
    cast(client, ballot, ballot.entries[0], "forger@example.org")
    token = last_token(db)
    for bad in (token[:-3] + "abc", "not-a-token"):
        response = confirm(client, bad)
        assert response.status_code == 404
        assert "This link is not valid." in response.get_data(as_text=True)
    assert votes(db)[0].status == VoteStatus.PENDING


def test_link_of_another_purpose_is_refused(client, db, ballot):
    from awards.accounts.tokens import make_token

    cast(client, ballot, ballot.entries[0], "purpose@example.org")
    vote = votes(db)[0]
    with client.application.test_request_context():
        token = make_token("verify", {"v": vote.id, "c": vote.campaign_id})
    assert confirm(client, token).status_code == 404


def test_confirmation_after_closing_does_not_count(client, db, ballot):
    # The vote closes within the link's lifetime, so it is the closing that refuses it.
    ballot.campaign.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    cast(client, ballot, ballot.entries[0], "late.confirm@example.org")
    token = last_token(db)
    with frozen_clock(ballot.campaign.closes_at + timedelta(seconds=1)):
        response = confirm(client, token)
    assert response.status_code == 409
    assert "before this confirmation; it cannot count." in response.get_data(as_text=True)
    assert votes(db)[0].status == VoteStatus.PENDING


def test_two_links_of_one_address_count_once(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    cast(client, ballot, kampala, "two.links@example.org")
    first = last_token(db)
    cast(client, ballot, xianning, "two.links@example.org")
    second = last_token(db)
    assert confirm(client, second).status_code == 200
    response = confirm(client, first)
    assert response.status_code == 409
    assert "This e-mail address has already voted in this vote." in response.get_data(as_text=True)
    assert [v.status for v in votes(db)] == [VoteStatus.PENDING, VoteStatus.CONFIRMED]


def test_database_refuses_a_second_counted_vote_per_address_and_period(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    cast(client, ballot, kampala, "rule@example.org")
    cast(client, ballot, xianning, "rule@example.org")
    first, second = votes(db)
    now = utcnow()
    db.session.execute(
        update(Vote).where(Vote.id == first.id).values(status="confirmed", confirmed_at=now)
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(Vote).where(Vote.id == second.id).values(status="confirmed", confirmed_at=now)
        )
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_confirmed_vote_without_its_time(client, db, ballot):
    cast(client, ballot, ballot.entries[0], "notime@example.org")
    vote = votes(db)[0]
    with pytest.raises(IntegrityError):
        db.session.execute(update(Vote).where(Vote.id == vote.id).values(status="confirmed"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Vote).where(Vote.id == vote.id).values(status="invalidated"))
        db.session.flush()
    db.session.rollback()


def _confirm_at_once(app, tokens: list[str]) -> list[tuple[int, str]]:
    """POST every token from its own thread, each request in its own app context, all released
    at the same instant."""
    barrier = threading.Barrier(len(tokens))
    results: list[tuple[int, str]] = [None] * len(tokens)  # type: ignore[list-item]

    def worker(index: int, token: str) -> None:
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        barrier.wait()
        response = client.post(f"/votes/confirm/{token}", environ_base={"REMOTE_ADDR": "::1"})
        results[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=worker, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_hundred_simultaneous_confirmations_of_one_link_count_once(
    app, client, db, ballot, monkeypatch
):
    """Runs against the suite's database: PostgreSQL with TEST_DATABASE_URL, else a SQLite file."""
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_CONFIRM", "1000 per minute")
    cast(client, ballot, ballot.entries[0], "popular@example.org")
    token = last_token(db)
    results = _confirm_at_once(app, [token] * 100)
    statuses = sorted(status for status, _ in results)
    assert statuses == [303] + [409] * 99  # the winner is sent on to the thanks
    for status, page in results:
        if status == 409:
            assert "This link has been used already" in page
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.status == VoteStatus.CONFIRMED)
        )
        == 1
    )
    assert queries.standings(ballot.campaign)[0].votes == 1


def test_simultaneous_confirmations_of_two_links_of_one_address_count_once(
    app, client, db, ballot, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_CONFIRM", "1000 per minute")
    cast(client, ballot, ballot.entries[0], "sly@example.org")
    first = last_token(db)
    cast(client, ballot, ballot.entries[1], "sly@example.org")
    second = last_token(db)
    results = _confirm_at_once(app, [first, second] * 20)
    assert sorted(status for status, _ in results) == [303] + [409] * 39
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.status == VoteStatus.CONFIRMED)
        )
        == 1
    )


def test_a_link_sent_twice_in_one_batch_counts_for_the_first_only(app, client, db, ballot):
    """Two clicks of one link may reach the writer together: one is counted, the other is told
    the link is used."""
    from awards.votes import services

    cast(client, ballot, ballot.entries[0], "double.click@example.org")
    vote = votes(db)[0]
    link = (vote.id, vote.campaign_id)
    with db.engine.begin() as connection:
        assert services.confirm_pending_votes(connection, [link, link]) == [True, False]
    assert votes(db)[0].status == VoteStatus.CONFIRMED


def test_a_batch_with_two_links_of_one_address_is_refused_whole(app, client, db, ballot):
    """The database's unique index refuses it; each request then asks again on its own."""
    from awards.votes import services

    cast(client, ballot, ballot.entries[0], "both@example.org")
    cast(client, ballot, ballot.entries[1], "both@example.org")
    links = [(v.id, v.campaign_id) for v in votes(db)]
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        services.confirm_pending_votes(connection, links)
    assert [v.status for v in votes(db)] == [VoteStatus.PENDING, VoteStatus.PENDING]
