"""Casting a vote on the public page: what is recorded, what is refused and with which words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from awards.core.models import OutboxMessage
from awards.db import frozen_clock, utcnow
from awards.models import Vote, VoteRule, VoteStatus
from awards.votes import queries, services
from tests.votes.conftest import (
    LINK,
    VOTER_IP,
    cast,
    confirm,
    entry_url,
    last_token,
    make_ballot,
    vote_and_confirm,
    votes,
)


def _outbox_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_ballot_lists_the_committee_shortlist_only(client, ballot):
    response = client.get(f"/vote/{ballot.cycle.slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for entry in ballot.entries:
        assert entry.title in page
        assert entry.organisation.city in page
        assert entry.summary in page
        assert entry_url(ballot, entry) in page
    assert "Uganda" in page and "Germany" in page
    assert ballot.outsider.title not in page
    assert "the one that reached that number first wins" in page  # the tie rule is stated


def test_cast_vote_records_a_pending_vote_and_mails_the_link(client, db, ballot, mailbox):
    entry = ballot.entries[0]
    response = cast(client, ballot, entry, "Ana.Lima@Example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/vote/{ballot.cycle.slug}/check-your-inbox"
    [vote] = votes(db)
    assert vote.status == VoteStatus.PENDING
    assert vote.submission_id == entry.id
    assert vote.email_domain == "example.org"
    assert vote.network_prefix == "198.51.100.0/24"
    assert vote.email_hash == services.email_hash("ana.lima@example.org")
    assert vote.period_key == "cycle"
    assert vote.confirmed_at is None
    assert len(vote.fingerprint_hash) == 64
    assert vote.created_hour == vote.created_at.replace(minute=0, second=0, microsecond=0)

    from awards.mail import deliver_due

    assert deliver_due() == (1, 0)
    [mail] = mailbox.messages_to("Ana.Lima@example.org")
    body = mail.get_content()
    assert mail["Subject"] == "Please confirm your vote for the City of Your Choice"
    assert "You chose: Smart street lights for market vendors, Kampala (Uganda)." in body
    assert "/votes/confirm/" in body


def test_only_confirmed_votes_count(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    cast(client, ballot, kampala, "one@example.org")
    cast(client, ballot, kampala, "two@example.org")
    vote_and_confirm(client, db, ballot, xianning, "three@example.org")
    counts = {s.submission.id: s.votes for s in queries.standings(ballot.campaign)}
    assert counts[kampala.id] == 0  # two pending votes count for nothing
    assert counts[xianning.id] == 1
    assert queries.status_totals(ballot.campaign)[VoteStatus.PENDING] == 2


def test_second_vote_from_the_same_address_is_refused_politely(
    client, db, app, ballot, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT_ADDRESS", "100 per hour")
    kampala, xianning, _ = ballot.entries
    vote_and_confirm(client, db, ballot, kampala, "maria.silva+work@gmail.com")
    outbox_before = _outbox_count(db)
    # The same mailbox spelt differently: case, +tag and Gmail's ignored dots.
    spellings = [
        "maria.silva@gmail.com",
        "MariaSilva@googlemail.com",
        "m.a.r.i.a.silva+x@Gmail.com",
    ]
    for spelling in spellings:
        response = cast(client, ballot, xianning, spelling)
        assert response.status_code == 422
        assert (
            "This e-mail address has already voted in this vote. Thank you! Each address "
            "counts once." in response.get_data(as_text=True)
        )
        assert spelling in response.get_data(as_text=True)  # what was typed stays in the form
    assert len(votes(db)) == 1
    assert _outbox_count(db) == outbox_before


def test_a_pending_vote_can_be_asked_for_again(client, db, ballot):
    kampala = ballot.entries[0]
    assert cast(client, ballot, kampala, "lost.mail@example.org").status_code == 302
    assert cast(client, ballot, kampala, "lost.mail@example.org").status_code == 302
    assert [v.status for v in votes(db)] == [VoteStatus.PENDING, VoteStatus.PENDING]


def test_per_day_rule_allows_one_counted_vote_per_day_in_the_cycle_zone(client, db):
    # 2030-03-10 23:30 in Shanghai is 15:30 UTC; midnight there is 16:00 UTC.
    late_evening = datetime(2030, 3, 10, 15, 30, tzinfo=UTC)
    with frozen_clock(late_evening - timedelta(days=2)):
        ballot = make_ballot(
            db,
            rule=VoteRule.PER_DAY,
            opens_at=late_evening - timedelta(days=1),
            closes_at=late_evening + timedelta(days=5),
        )
    kampala = ballot.entries[0]
    with frozen_clock(late_evening):
        vote_and_confirm(client, db, ballot, kampala, "daily@example.org")
        response = cast(client, ballot, kampala, "daily@example.org")
        assert response.status_code == 422
        assert "This e-mail address has already voted today." in response.get_data(as_text=True)
    with frozen_clock(late_evening + timedelta(minutes=31)):  # 00:01 the next day in Shanghai
        vote_and_confirm(client, db, ballot, kampala, "daily@example.org")
    assert [v.period_key for v in votes(db)] == ["2030-03-10", "2030-03-11"]
    assert queries.standings(ballot.campaign)[0].votes == 2


def test_vote_before_opening_is_refused_with_the_opening_time(client, db):
    opens = utcnow() + timedelta(hours=3)
    ballot = make_ballot(db, opens_at=opens, closes_at=opens + timedelta(days=3))
    page = client.get(f"/vote/{ballot.cycle.slug}").get_data(as_text=True)
    assert "The vote opens on" in page
    assert ballot.entries[0].title not in page  # the shortlist is not shown before opening
    assert client.get(entry_url(ballot, ballot.entries[0])).status_code == 404
    # Straight to the service (as a script would): refused, nothing recorded.
    import pytest

    from awards.errors import DomainError

    with pytest.raises(DomainError, match="The vote has not opened yet. It opens on"):
        services.cast_vote(
            ballot.campaign,
            ballot.entries[0].id,
            "early@example.org",
            voter=services.VoterContext(ip=VOTER_IP),
        )
    assert votes(db) == []


def test_vote_after_closing_is_refused_with_the_closing_time(client, db, ballot):
    with frozen_clock(ballot.campaign.closes_at + timedelta(minutes=1)):
        response = cast(client, ballot, ballot.entries[0], "late@example.org")
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "The vote closed on" in page
        assert "(UTC+8)" in page
    assert votes(db) == []


def test_invalid_address_is_refused(client, db, ballot):
    for address in ["not-an-address", "name@", "name@localhost", "name@site.invalid"]:
        response = cast(client, ballot, ballot.entries[0], address)
        assert response.status_code == 422
        assert "We cannot send e-mail to this address. Please check it" in response.get_data(
            as_text=True
        )
    response = cast(client, ballot, ballot.entries[0], "")
    assert response.status_code == 422
    assert "Enter your e-mail address." in response.get_data(as_text=True)
    assert votes(db) == []
    assert _outbox_count(db) == 0


def test_disposable_address_is_refused(client, db, app, ballot, monkeypatch):
    for address in ["bot@mailinator.com", "bot@YOPMAIL.com", "x@eu.guerrillamail.com"]:
        response = cast(client, ballot, ballot.entries[0], address)
        assert response.status_code == 422
        assert "Addresses from disposable e-mail services cannot vote." in response.get_data(
            as_text=True
        )
    monkeypatch.setitem(app.config, "VOTE_EXTRA_DISPOSABLE_DOMAINS", "throwaway.example, x.test")
    response = cast(client, ballot, ballot.entries[0], "bot@throwaway.example")
    assert response.status_code == 422
    assert votes(db) == []


def test_honeypot_pretends_success_and_counts_nothing(client, db, ballot):
    response = cast(
        client, ballot, ballot.entries[0], "bot@example.org", website="http://spam.example"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/vote/{ballot.cycle.slug}/check-your-inbox"
    assert votes(db) == []
    assert _outbox_count(db) == 0


def test_honeypot_is_hidden_by_a_class_not_an_inline_style(client, ballot):
    page = client.get(entry_url(ballot, ballot.entries[0])).get_data(as_text=True)
    assert '<div class="hp-field" aria-hidden="true">' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page
    assert "style=" not in page


def test_entry_not_on_the_ballot_is_not_found(client, ballot):
    assert client.get(entry_url(ballot, ballot.outsider)).status_code == 404
    response = cast(client, ballot, ballot.outsider, "x@example.org")
    assert response.status_code == 404


def test_unknown_vote_is_not_found(client, db):
    assert client.get("/vote/no-such-cycle").status_code == 404


def test_withdrawn_entry_leaves_the_ballot(client, db, ballot):
    entry = ballot.entries[2]
    entry.status = "withdrawn"
    db.session.commit()
    assert entry.id not in queries.candidate_ids(ballot.cycle)
    assert client.get(entry_url(ballot, entry)).status_code == 404


def test_confirm_after_cast_counts_for_the_chosen_entry(client, db, ballot):
    kampala = ballot.entries[0]
    cast(client, ballot, kampala, "voter@example.org")
    response = confirm(client, last_token(db))
    assert response.status_code == 200
    assert "Thank you: your vote is counted" in response.get_data(as_text=True)
    [vote] = votes(db)
    assert vote.status == VoteStatus.CONFIRMED
    assert vote.submission_id == kampala.id
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1


def _count_queries(db, fn) -> int:
    from sqlalchemy import event

    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_ballot_page_queries_do_not_grow_with_the_shortlist(client, db):
    from awards.models import Decision, Outcome, Round
    from tests.factories import SubmissionFactory

    ballot = make_ballot(db, show_running_totals=True)
    url = f"/vote/{ballot.cycle.slug}"
    small = _count_queries(db, lambda: client.get(url))
    committee = db.session.scalar(select(Round).where(Round.cycle_id == ballot.cycle.id))
    for n in range(6):
        entry = SubmissionFactory(
            cycle=ballot.cycle, status="valid", reference_code=f"{ballot.cycle.slug}-x{n}"
        )
        db.session.add(
            Decision(round_id=committee.id, submission_id=entry.id, outcome=Outcome.SHORTLISTED)
        )
    db.session.commit()
    response = None

    def load():
        nonlocal response
        response = client.get(url)

    large = _count_queries(db, load)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Read more and vote") == 9
    assert large == small


def test_vote_index_lists_every_vote_or_goes_to_the_only_one(client, db):
    first = make_ballot(db)
    response = client.get("/vote/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/vote/{first.cycle.slug}"
    opens = utcnow() + timedelta(days=3)
    second = make_ballot(db, opens_at=opens, closes_at=opens + timedelta(days=3))
    page = client.get("/vote/").get_data(as_text=True)
    assert first.cycle.name in page and second.cycle.name in page
    assert "Voting is open" in page and "The vote opens on" in page


def test_check_inbox_page_does_not_echo_the_address(client, db, ballot):
    response = client.get(cast(client, ballot, ballot.entries[0], "echo@example.org").location)
    page = response.get_data(as_text=True)
    assert "Almost done: check your inbox" in page
    assert "echo@example.org" not in page


def test_a_pending_vote_is_committed_without_waiting_for_the_disk(client, db, ballot, monkeypatch):
    """Only on PostgreSQL, and only for pending votes: a confirmation waits for the disk."""
    from sqlalchemy import text

    seen: dict[str, str] = {}

    def noting(name, original):
        def wrapper(connection, *args, **kwargs):
            if connection.dialect.name == "postgresql":
                setting = text("SHOW synchronous_commit")
                seen[name] = connection.execute(setting).scalar_one()
            return original(connection, *args, **kwargs)

        return wrapper

    for writes_the_batch in ("_record_in_one_statement", "_record_in_steps"):
        monkeypatch.setattr(
            services, writes_the_batch, noting("cast", getattr(services, writes_the_batch))
        )
    monkeypatch.setattr(services, "_count_pending", noting("confirm", services._count_pending))
    vote_and_confirm(client, db, ballot, ballot.entries[0], "ana@example.org")
    postgres = db.engine.dialect.name == "postgresql"
    assert seen == ({"cast": "off", "confirm": "on"} if postgres else {})


def test_a_rush_of_votes_reads_the_ballot_once(client, db, ballot):
    """The campaign, its dates and its shortlist are read by the first vote and kept until the
    data changes; the votes and e-mails that follow do not change them."""
    from tests.judging.test_dashboard import count_statements

    assert cast(client, ballot, ballot.entries[1], "first@example.org").status_code == 302
    with count_statements() as statements:
        for n in range(3):
            response = cast(client, ballot, ballot.entries[1], f"rush{n}@example.org")
            assert response.status_code == 302
    read_again = [s for s in statements if "vote_campaigns" in s or "decisions" in s]
    assert read_again == []
    assert len(votes(db)) == 4
    # A change to the vote is seen by the next vote at once.
    ballot.campaign.closes_at = utcnow() - timedelta(seconds=1)
    ballot.campaign.opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    response = cast(client, ballot, ballot.entries[1], "too.late@example.org")
    assert response.status_code == 422
    assert "The vote closed on" in response.get_data(as_text=True)


def test_each_voter_gets_the_e_mail_in_their_language_with_their_own_link(
    client, db, ballot, mailbox
):
    from awards.mail import deliver_due

    entry = ballot.entries[0]
    for address, language in (("zh.voter@example.org", "zh-CN"), ("en.voter@example.org", "en")):
        response = client.post(
            entry_url(ballot, entry),
            data={"email": address, "website": ""},
            environ_base={"REMOTE_ADDR": VOTER_IP},
            headers={"Accept-Language": language},
        )
        assert response.status_code == 302
    assert deliver_due() == (2, 0)
    [chinese] = mailbox.messages_to("zh.voter@example.org")
    [english] = mailbox.messages_to("en.voter@example.org")
    # The closing date is written the voter's way (the texts follow the catalogs).
    assert "年" in chinese.get_content()
    assert "年" not in english.get_content()
    links = [
        re.search(r"/votes/confirm/(\S+)", m.get_content()).group(1) for m in (chinese, english)
    ]
    assert links[0] != links[1]
    db.session.expire_all()
    [zh_vote, en_vote] = votes(db)
    for link, vote in zip(links, (zh_vote, en_vote), strict=True):
        with client.application.test_request_context():
            from awards.accounts.tokens import read_token

            assert read_token("vote", link) == {"v": vote.id, "c": ballot.campaign.id}


def test_a_vote_needs_no_cookie_and_no_form_token(app, db, ballot):
    """With form tokens on, as in production: the vote page sets no cookie, and a vote posted
    from a page opened long before (or by any client without cookies) is recorded, then
    confirmed from its link. Nothing rides on a signed-in session, so the token would protect
    nothing, and a page left open on a phone would have lost its vote when the token expired."""
    from tests.accounts.helpers import other_apps
    from tests.conftest import IsolatedClient

    with other_apps(app) as build:
        production_like = build(WTF_CSRF_ENABLED=True)
    client = IsolatedClient(production_like, production_like.response_class, use_cookies=False)
    entry = ballot.entries[0]
    page = client.get(entry_url(ballot, entry))
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert 'name="csrf_token"' not in page.get_data(as_text=True)
    response = cast(client, ballot, entry, "no.cookie@example.org")
    assert response.status_code == 302
    assert [v.status for v in votes(db)] == [VoteStatus.PENDING]
    response = client.post(
        f"/votes/confirm/{last_token(db)}", environ_base={"REMOTE_ADDR": VOTER_IP}
    )
    assert response.status_code == 303
    assert [v.status for v in votes(db)] == [VoteStatus.CONFIRMED]


def test_a_batch_leaves_out_addresses_that_voted_and_is_one_statement_on_postgresql(
    client, db, app, ballot
):
    """The writer's batch: each vote gets its id and its own link, a vote whose address has a
    counted vote gets None and no e-mail, and on PostgreSQL the rows and e-mails of the whole
    batch are written by a single statement (SQLite takes a few)."""
    from awards.accounts.tokens import read_token
    from awards.votes.queries import BallotFacts
    from tests.judging.test_dashboard import count_statements

    entry = ballot.entries[2]
    vote_and_confirm(client, db, ballot, entry, "counted@example.org")
    facts = BallotFacts.of(ballot.campaign)
    voter = services.VoterContext(ip="203.0.113.9", user_agent="Phone", accept_language="fr")
    addresses = ["counted@example.org", "new@example.org", "new@example.org", "other@example.org"]
    with app.test_request_context():
        batch = [
            services.check_vote(facts, entry.id, address, voter=voter, locale="fr")
            for address in addresses
        ]
        with count_statements() as statements:
            ids = services.record_pending_votes(db.session.connection(), batch)
        db.session.commit()
        assert ids[0] is None
        assert len(set(ids[1:])) == 3 and all(isinstance(i, int) for i in ids[1:])
        writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "WITH"))]
        if db.engine.dialect.name == "postgresql":
            assert len(writes) == 1
        rows = {v.id: v for v in votes(db)}
        for vote_id in ids[1:]:
            assert rows[vote_id].status == VoteStatus.PENDING
            assert rows[vote_id].created_hour == rows[vote_id].created_at.replace(
                minute=0, second=0, microsecond=0
            )
            assert rows[vote_id].network_prefix == "203.0.113.0/24"
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.category == "vote").order_by(OutboxMessage.id)
        ).all()
        assert [m.to_address for m in mails] == [
            "counted@example.org",
            "new@example.org",
            "new@example.org",
            "other@example.org",
        ]
        links = [read_token("vote", LINK.search(m.body_text).group(1)) for m in mails[1:]]
        assert links == [{"v": vote_id, "c": ballot.campaign.id} for vote_id in ids[1:]]
        assert {m.subject for m in mails[1:]} == {
            "Veuillez confirmer votre vote pour la Ville de votre choix"
        }


def test_vote_ids_come_from_the_sequence_even_after_it_was_set_back(client, db, app, ballot):
    """The writer takes its ids for each batch: after the table is emptied and its sequence
    restarted (as tests do, or a restored backup), new votes written elsewhere and the
    writer's next batch never collide."""
    from sqlalchemy import delete, text

    from awards.votes.queries import BallotFacts

    entry = ballot.entries[0]
    facts = BallotFacts.of(ballot.campaign)
    voter = services.VoterContext(ip="203.0.113.9")
    with app.test_request_context():

        def record(address: str) -> int:
            pending = services.check_vote(facts, entry.id, address, voter=voter)
            [vote_id] = services.record_pending_votes(db.session.connection(), [pending])
            db.session.commit()
            return vote_id

        assert record("before@example.org") == 1
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(Vote))
        if db.engine.dialect.name == "postgresql":  # SQLite starts again from the highest id
            db.session.execute(text("ALTER SEQUENCE votes_id_seq RESTART"))
        db.session.commit()
        assert cast(client, ballot, entry, "elsewhere.one@example.org").status_code == 302
        assert cast(client, ballot, entry, "elsewhere.two@example.org").status_code == 302
        assert record("after@example.org") == 3
    assert [v.id for v in votes(db)] == [1, 2, 3]
