"""The catalogs' content: translations keep their placeholders, the public vote is complete in
every language, and a voter whose browser asks for Chinese, French or Spanish reads it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from awards.core.models import OutboxMessage
from tests.votes.conftest import VOTER_IP, entry_url, make_ballot

CATALOGS = Path(__file__).resolve().parents[2] / "awards" / "translations"
LOCALES = ("zh", "fr", "es")

# %(name)s, %(n)d, and the unnamed %s / %d too: what the code fills in at run time.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr])")

# Where the messages a voter meets come from: the public vote's pages, its e-mail, and the
# messages of the vote's code (refusals, link problems, the tie rule).
PUBLIC_VOTE = re.compile(
    r"^(templates/votes/(index|ballot|entry|check_inbox|confirm|confirmed|link_problem"
    r"|_state|_photo)\.html"
    r"|templates/mail/(vote_confirm|_signature)\.txt"
    r"|awards/votes/(services|queries|forms|views)\.py)$"
)

# "Send me the confirmation link" and "Voting is open", as each language shows them.
SEND_LINK = {
    "zh": "向我发送确认链接",
    "fr": "M'envoyer le lien de confirmation",
    "es": "Enviarme el enlace de confirmación",
}
VOTING_IS_OPEN = {"zh": "投票进行中", "fr": "Le vote est ouvert", "es": "La votación está abierta"}
CONFIRM_SUBJECT = {
    "zh": "请确认您在“您心目中的城市”评选中的投票",
    "fr": "Veuillez confirmer votre vote pour la Ville de votre choix",
    "es": "Confirme su voto para la Ciudad de su elección",
}
# The e-mail's privacy sentence: "We do not keep your e-mail address."
NOT_KEPT = {
    "zh": "我们不会保存您的邮箱地址。",
    "fr": "Nous ne conservons pas votre adresse e-mail.",
    "es": "No guardamos su dirección de correo electrónico.",
}


def _catalog(locale: str):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((match.group(1) or "", match.group(2)) for match in PLACEHOLDER.finditer(text))


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.id, tuple) else [message.string]


def _translated(message) -> bool:
    return not message.fuzzy and all(_forms(message))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_translation_keeps_exactly_the_placeholders_of_its_message(locale):
    problems = []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = [_placeholders(msgid) for msgid in ids]
        for form in _forms(message):
            # A plural form matches the singular or the plural message.
            if form and _placeholders(form) not in expected:
                problems.append((ids[0], form))
    assert problems == []


def _messages_from(locale: str, is_source) -> list:
    """The catalog's messages used in at least one file for which `is_source(path)` holds."""
    return [
        message
        for message in _catalog(locale)
        if message.id and any(is_source(path) for path, _ in message.locations)
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_public_vote_is_translated_completely(locale):
    voters_messages = _messages_from(locale, PUBLIC_VOTE.match)
    assert len(voters_messages) >= 100  # the pattern still finds the vote's files
    missing = [message.id for message in voters_messages if not _translated(message)]
    assert missing == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_judges_pages_are_translated_completely(locale):
    # The judges come from many countries and read the app in a second language.
    judges_messages = _messages_from(locale, lambda path: path.startswith("templates/judging/"))
    assert len(judges_messages) >= 80  # the prefix still finds the judging templates
    missing = [message.id for message in judges_messages if not _translated(message)]
    assert missing == []


def test_the_product_names_are_rendered_one_way_in_chinese():
    catalog = _catalog("zh")
    assert catalog["City of Your Choice"].string == "您心目中的城市"
    assert catalog["Guangzhou Award"].string == "广州奖"
    mentions = [
        message.string
        for message in catalog
        if isinstance(message.id, str) and "City of Your Choice" in message.id and message.string
    ]
    assert len(mentions) >= 6
    assert all("您心目中的城市" in text for text in mentions)


@pytest.fixture
def ballot(db):
    return make_ballot(db)


@pytest.mark.parametrize(
    ("accept_language", "locale"), [("zh-CN,zh;q=0.9", "zh"), ("fr-FR", "fr"), ("es-419", "es")]
)
def test_the_vote_page_speaks_the_voters_language(client, ballot, accept_language, locale):
    response = client.get(
        entry_url(ballot, ballot.entries[0]), headers={"Accept-Language": accept_language}
    )
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f'<html lang="{locale}"' in page
    assert f">{SEND_LINK[locale]}</button>" in page
    assert VOTING_IS_OPEN[locale] in page
    assert "Send me the confirmation link" not in page


@pytest.mark.parametrize("locale", LOCALES)
def test_the_confirmation_mail_is_written_in_the_voters_language(client, db, ballot, locale):
    response = client.post(
        entry_url(ballot, ballot.entries[0]),
        data={"email": "voter@example.org", "website": ""},
        environ_base={"REMOTE_ADDR": VOTER_IP},
        headers={"Accept-Language": locale},
    )
    assert response.status_code == 302
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.category == "vote")
    ).one()
    assert message.subject == CONFIRM_SUBJECT[locale]
    assert NOT_KEPT[locale] in message.body_text
    assert "Confirm my vote" not in message.body_text


@pytest.mark.parametrize(
    ("locale", "region", "status"),
    [("zh", "非洲", "进行中"), ("fr", "Afrique", "en cours"), ("es", "África", "en curso")],
)
def test_stored_regions_and_statuses_are_shown_in_the_viewer_s_language(
    app, locale, region, status
):
    """They are stored in English (reports group by them); pages show them translated."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(locale):
        render = app.jinja_env.from_string(
            "{{ region_name('Africa') }}|{{ initiative_status_label('ongoing') }}"
            "|{{ region_name(None) }}"
        ).render
        assert render() == f"{region}|{status}|"
