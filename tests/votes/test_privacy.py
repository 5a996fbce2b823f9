"""What the public may see, and what nobody can: hidden running totals, public photos only, and
voters' addresses stored nowhere in clear."""

from __future__ import annotations

import io
import json
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from awards import create_app
from awards.core.models import OutboxMessage, OutboxStatus
from awards.db import frozen_clock, utcnow
from awards.devstack import SMTPSink
from awards.mail import deliver_due, queue_mail
from awards.models import Attachment, VoteStatus
from awards.votes import services
from config import ConfigurationError, ProductionConfig
from tests.votes.conftest import (
    cast,
    confirm,
    entry_url,
    last_token,
    make_ballot,
    vote_and_confirm,
    votes,
)


def _three_votes(client, db, ballot):
    kampala, xianning, _ = ballot.entries
    vote_and_confirm(client, db, ballot, kampala, "k1@example.org", ip="192.0.2.1")
    vote_and_confirm(client, db, ballot, kampala, "k2@example.org", ip="192.0.2.2")
    vote_and_confirm(client, db, ballot, xianning, "x1@example.org", ip="192.0.2.3")


def _public_views(client, ballot):
    page = client.get(f"/vote/{ballot.cycle.slug}").get_data(as_text=True)
    entry_page = client.get(entry_url(ballot, ballot.entries[0])).get_data(as_text=True)
    data = client.get(f"/vote/{ballot.cycle.slug}/results.json").get_json()
    return page, entry_page, data


def test_running_totals_stay_hidden_while_the_vote_runs(client, db, ballot):
    _three_votes(client, db, ballot)
    page, entry_page, data = _public_views(client, ballot)
    for html in (page, entry_page):
        assert "vote-count" not in html
        assert "Running totals" not in html
        assert "Confirmed votes" not in html
    assert data["totals_public"] is False
    assert data["winner"] is None
    assert {e["title"] for e in data["entries"]} == {e.title for e in ballot.entries}
    assert all(set(e) == {"id", "title", "city", "country"} for e in data["entries"])
    assert '"votes"' not in json.dumps(data) and '"position"' not in json.dumps(data)


def test_running_totals_are_shown_when_the_secretariat_chose_so(client, db):
    ballot = make_ballot(db, show_running_totals=True)
    _three_votes(client, db, ballot)
    page, _, data = _public_views(client, ballot)
    assert "Running totals" in page
    assert '<td class="text-end vote-count">2</td>' in page
    assert data["totals_public"] is True
    assert [(e["city"], e["votes"]) for e in data["entries"]] == [
        ("Kampala", 2),
        ("Xianning", 1),
        ("Mannheim", 0),
    ]
    assert data["winner"] is None  # running totals are not a result


def test_totals_and_winner_are_public_once_the_vote_closed(client, db, ballot):
    _three_votes(client, db, ballot)
    with frozen_clock(ballot.campaign.closes_at + timedelta(minutes=5)):
        page, _, data = _public_views(client, ballot)
    assert "Final count" in page
    assert "The City of Your Choice" in page
    assert data["state"] == "closed"
    assert data["winner"]["city"] == "Kampala" and data["winner"]["votes"] == 2


def _dump_database(db) -> str:
    """Every value of every row of every table, as one lower-case text."""
    db.session.expire_all()
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            parts.extend(str(value) for value in row)
    return "\n".join(parts).lower()


def test_voters_addresses_are_never_stored_in_clear(client, db, ballot, mailbox, deliver_mail):
    addresses = ["Zhang.Wei@Example.org", "amara.okafor+vote@gmail.com", "lea.moreau@exämple.de"]
    for n, address in enumerate(addresses):
        response = cast(client, ballot, ballot.entries[n], address, ip=f"192.0.2.{n}")
        assert response.status_code == 302
        if n < 2:
            assert confirm(client, last_token(db), ip=f"192.0.2.{n}").status_code == 200
    # Until the worker sends them, the outbox is the one place that holds the addresses.
    outbox = _dump_database(db)
    assert all(a.lower() in outbox for a in addresses)

    assert deliver_mail() == (3, 0)
    assert [len(mailbox.messages_to(a)) for a in addresses] == [1, 1, 1]
    everything = _dump_database(db)
    for address in addresses:
        assert address.lower() not in everything
        assert address.split("@")[0].lower() not in everything
    assert "zhang.wei" not in everything and "amara.okafor" not in everything
    # The votes keep what fraud analysis needs, and nothing that names a person.
    stored = votes(db)
    assert [v.email_domain for v in stored] == ["example.org", "gmail.com", "xn--exmple-cua.de"]
    assert [v.status for v in stored] == [
        VoteStatus.CONFIRMED,
        VoteStatus.CONFIRMED,
        VoteStatus.PENDING,
    ]
    sent = db.session.scalars(select(OutboxMessage)).all()
    assert {(m.status, m.to_address, m.body_text) for m in sent} == {(OutboxStatus.SENT, "", "")}


def test_outbox_forgets_only_vote_recipients(db, mailbox):
    queue_mail("mayor@kampala.go.ug", "Other", "verify_email", user=_Named(), link="http://x/")
    queue_mail(
        "voter@example.org",
        "Vote",
        "verify_email",
        category="vote",
        user=_Named(),
        link="http://x/",
    )
    db.session.commit()
    assert deliver_due() == (2, 0)
    rows = {m.category: m for m in db.session.scalars(select(OutboxMessage))}
    assert rows["general"].to_address == "mayor@kampala.go.ug"
    assert rows["vote"].to_address == "" and rows["vote"].body_text == ""
    assert rows["vote"].status == OutboxStatus.SENT
    assert len(mailbox.messages_to("voter@example.org")) == 1


def test_outbox_forgets_a_vote_recipient_when_it_gives_up(app, db, monkeypatch):
    down = SMTPSink()  # not started: nothing listens on its port
    monkeypatch.setitem(app.config, "SMTP_PORT", down.port)
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    queue_mail("gone@example.org", "Vote", "verify_email", category="vote", user=_Named(), link="l")
    db.session.commit()
    assert deliver_due() == (0, 1)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.status == OutboxStatus.FAILED
    assert (message.to_address, message.body_text) == ("", "")
    assert "gone@example.org" not in message.last_error


class _Named:
    name = "Ana"


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _attachment(db, storage, submission, *, public: bool, name: str) -> Attachment:
    key = storage.new_key("test-votes")
    storage.put(key, io.BytesIO(PNG), content_type="image/png")
    attachment = Attachment(
        submission_id=submission.id,
        storage_key=key,
        original_name=name,
        content_type="image/png",
        kind="png",
        size_bytes=len(PNG),
        caption=f"Caption of {name}",
        public=public,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def test_only_photos_marked_public_are_shown(client, db, storage, ballot):
    entry = ballot.entries[0]
    shown = _attachment(db, storage, entry, public=True, name="market.png")
    hidden = _attachment(db, storage, entry, public=False, name="budget.png")
    outsider = _attachment(db, storage, ballot.outsider, public=True, name="outsider.png")
    shown_id, hidden_id, outsider_id = shown.id, hidden.id, outsider.id

    for url in (f"/vote/{ballot.cycle.slug}", entry_url(ballot, entry)):
        page = client.get(url).get_data(as_text=True)
        assert f"/votes/photo/{shown_id}" in page
        assert 'loading="lazy"' in page
        assert f"/votes/photo/{hidden_id}" not in page
        assert "budget.png" not in page
    response = client.get(f"/votes/photo/{shown_id}")
    assert response.status_code == 302
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as served:
        assert served.read() == PNG
    assert client.get(f"/votes/photo/{hidden_id}").status_code == 404
    assert client.get(f"/votes/photo/{outsider_id}").status_code == 404
    assert client.get("/votes/photo/999999").status_code == 404


def test_photos_stay_private_before_the_vote_opens(client, db, storage):
    opens = utcnow() + timedelta(days=1)
    ballot = make_ballot(db, opens_at=opens, closes_at=opens + timedelta(days=2))
    photo = _attachment(db, storage, ballot.entries[0], public=True, name="early.png")
    assert client.get(f"/votes/photo/{photo.id}").status_code == 404


def test_services_work_without_a_request(app, db, ballot):
    """What a benchmark or a script calls: cast_vote then confirm_vote, committing itself."""
    vote = services.cast_vote(
        ballot.campaign,
        ballot.entries[0].id,
        "script@example.org",
        voter=services.VoterContext(ip="192.0.2.77", user_agent="bench", accept_language="en"),
    )
    db.session.commit()
    token = last_token(db)
    confirmed = services.confirm_vote(token)
    db.session.commit()
    assert confirmed.id == vote.id and confirmed.status == VoteStatus.CONFIRMED


def test_production_refuses_to_start_without_a_vote_hash_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/x")
    monkeypatch.delenv("VOTE_HASH_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="VOTE_HASH_KEY must be set"):
        create_app(ProductionConfig)
    monkeypatch.setenv("VOTE_HASH_KEY", "s" * 40)  # the same as SECRET_KEY
    with pytest.raises(ConfigurationError, match="different from SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("VOTE_HASH_KEY", "short")
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        create_app(ProductionConfig)
    monkeypatch.setenv("VOTE_HASH_KEY", "v" * 40)
    assert create_app(ProductionConfig).config["SESSION_COOKIE_SECURE"] is True


def test_address_hash_depends_on_the_key(app, monkeypatch):
    first = services.email_hash("ana@example.org")
    monkeypatch.setitem(app.config, "VOTE_HASH_KEY", "another-key-of-sufficient-length-000")
    assert services.email_hash("ana@example.org") != first
    assert len(first) == 64
