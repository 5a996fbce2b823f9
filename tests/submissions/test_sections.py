"""Step 2: each section saves on its own, within its word limit, never overwriting a colleague."""

from datetime import timedelta

import pytest

from awards.db import frozen_clock
from awards.errors import DomainError, StaleEdit
from awards.models import FormSection
from awards.submissions import services
from awards.submissions.queries import CJK_PUNCTUATION, CJK_WORD_CHARACTERS, count_words
from tests.submissions.conftest import JSON, answer_of, section_of


def post_section(client, submission_id, section, body, version, json=True):
    return client.post(
        f"/applications/{submission_id}/sections/{section.id}",
        data={f"s{section.id}-body": body, f"s{section.id}-version": str(version)},
        headers=JSON if json else {},
    )


def test_initiative_page_lists_the_cycles_sections_with_limits_and_help(
    client, login_as, applicant, draft, db
):
    section = section_of(draft, "background")
    section.help_text = "Describe the situation before the initiative."
    db.session.commit()
    login_as(applicant)
    page = client.get(f"/applications/{draft.id}/initiative").get_data(as_text=True)
    for title in ("Background", "Innovation", "Outcomes and evidence", "Replicability"):
        assert title in page
    assert "Describe the situation before the initiative." in page
    assert f'data-word-limit="{section.word_limit}"' in page
    assert 'id="section-background"' in page
    assert "(optional)" in page  # replicability is optional


def test_section_autosave_stores_the_text_and_bumps_its_version(client, login_as, applicant, draft):
    section = section_of(draft, "background")
    version = answer_of(draft.id, section.id).version
    login_as(applicant)
    response = post_section(client, draft.id, section, "Bogotá had few safe cycle routes.", version)
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "ok": True,
        "version": version + 1,
        "saved_at": body["saved_at"],
        "words": 6,
    }
    answer = answer_of(draft.id, section.id)
    assert answer.body == "Bogotá had few safe cycle routes."
    assert answer.version == version + 1
    assert answer.updated_by_id == applicant.id


def test_section_save_without_javascript_redirects_to_the_section(
    client, login_as, applicant, draft
):
    section = section_of(draft, "innovation")
    login_as(applicant)
    response = post_section(client, draft.id, section, "New idea.", 1, json=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/applications/{draft.id}/initiative#section-innovation"
    )


def test_section_over_the_word_limit_is_refused_and_the_text_kept(
    client, login_as, applicant, draft, db
):
    section = section_of(draft, "replicability")  # 400 words
    login_as(applicant)
    assert post_section(client, draft.id, section, "Saved before.", 1).status_code == 200
    too_long = " ".join(f"w{i}" for i in range(412))
    response = post_section(client, draft.id, section, too_long, 2)
    assert response.status_code == 422
    body = response.get_json()
    message = (
        "This section has 412 words; the limit is 400. Shorten it by 12 words. Your text is kept "
        "here but is not saved yet."
    )
    assert body["errors"][f"s{section.id}-body"] == [message]
    assert body["your_text"] == too_long
    assert answer_of(draft.id, section.id).body == "Saved before."

    page = post_section(client, draft.id, section, too_long, 2, json=False)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html
    assert too_long in html  # the textarea still holds the user's text
    assert "word-count small mt-1 over" in html


def test_exactly_the_word_limit_is_accepted(client, login_as, applicant, draft):
    section = section_of(draft, "replicability")
    login_as(applicant)
    text = " ".join(["word"] * 400)
    assert post_section(client, draft.id, section, text, 1).status_code == 200


def test_two_members_editing_one_section_second_is_told_and_keeps_text(
    client, login_as, applicant, colleague, draft
):
    section = section_of(draft, "outcomes")
    login_as(colleague)
    first = post_section(client, draft.id, section, "Carlos: 40% more cyclists.", 1)
    assert first.status_code == 200
    login_as(applicant)
    response = post_section(client, draft.id, section, "Ana: ridership doubled.", 1)
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"] is True
    assert body["message"].startswith("Carlos Colleague saved this section at ")
    assert "Your text is not saved yet and is still here" in body["message"]
    assert body["your_text"] == "Ana: ridership doubled."
    assert body["current"] == {"body": "Carlos: 40% more cyclists.", "version": 2}
    assert answer_of(draft.id, section.id).body == "Carlos: 40% more cyclists."
    # "Keep my text": save again naming the current version.
    assert post_section(client, draft.id, section, "Ana: ridership doubled.", 2).status_code == 200
    assert answer_of(draft.id, section.id).body == "Ana: ridership doubled."


def test_stale_section_without_javascript_shows_both_texts(
    client, login_as, applicant, colleague, draft
):
    section = section_of(draft, "outcomes")
    login_as(colleague)
    post_section(client, draft.id, section, "Their words.", 1)
    login_as(applicant)
    response = post_section(client, draft.id, section, "My words.", 1, json=False)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Carlos Colleague saved this section at" in html
    assert "My words.</textarea>" in html
    assert "Their words.</textarea>" in html
    assert f'name="s{section.id}-version" type="hidden" value="2"' in html


def test_section_of_another_cycle_is_404(client, login_as, applicant, draft, db):
    from tests.factories import CycleFactory

    foreign = CycleFactory().sections[0]
    login_as(applicant)
    response = post_section(client, draft.id, foreign, "x", 1)
    assert response.status_code == 404


def test_section_save_after_the_deadline_is_refused(client, login_as, applicant, draft):
    section = section_of(draft, "background")
    login_as(applicant)
    with frozen_clock(draft.cycle.final_deadline + timedelta(minutes=1)):
        response = post_section(client, draft.id, section, "Too late.", 1)
    assert response.status_code == 422
    body = response.get_json()
    assert body["closed"] is True
    assert "The deadline passed on" in body["errors"][f"s{section.id}-body"][0]
    assert body["your_text"] == "Too late."
    assert answer_of(draft.id, section.id).body == ""


def test_save_section_service_is_a_single_guarded_update(draft, applicant, db):
    section = section_of(draft, "background")
    services.save_section(draft, section, body="One", expected_version=1, actor=applicant)
    db.session.commit()
    with pytest.raises(StaleEdit):
        services.save_section(draft, section, body="Two", expected_version=1, actor=applicant)
    db.session.rollback()
    assert answer_of(draft.id, section.id).body == "One"


def test_save_section_normalises_line_ends_and_drops_control_characters(draft, applicant):
    section = section_of(draft, "background")
    answer = services.save_section(
        draft, section, body="Line one\r\nLine\x07 two\t!  \n", expected_version=1, actor=applicant
    )
    assert answer.body == "Line one\nLine two\t!"


def test_new_section_added_to_the_cycle_gets_an_answer_row(client, login_as, applicant, draft, db):
    draft.cycle.sections.append(
        FormSection(key="financing", title="Financing", word_limit=300, position=9)
    )
    db.session.commit()
    login_as(applicant)
    assert client.get(f"/applications/{draft.id}/initiative").status_code == 200
    section = section_of(draft, "financing")
    assert answer_of(draft.id, section.id).version == 1


def test_save_section_refuses_a_section_of_another_cycle(draft, applicant):
    from tests.factories import CycleFactory

    foreign = CycleFactory().sections[0]
    with pytest.raises(DomainError, match="not part of the application"):
        services.save_section(draft, foreign, body="x", expected_version=1, actor=applicant)


def test_two_members_saving_one_section_at_the_same_moment_lose_nothing(
    app, applicant, colleague, draft, db
):
    """Both saves start from version 1 at the same instant: exactly one is stored, whole, and
    the other is told (409) with its text handed back."""
    import threading

    from tests.conftest import IsolatedClient, login

    section = section_of(draft, "outcomes")
    texts = {applicant.id: "Ana: ridership doubled.", colleague.id: "Carlos: 40% more cyclists."}
    clients = {}
    for user in (applicant, colleague):
        clients[user.id] = IsolatedClient(app, app.response_class, use_cookies=True)
        login(clients[user.id], user)
    barrier = threading.Barrier(2)
    answers: dict[int, object] = {}

    def save(user_id):
        barrier.wait()
        answers[user_id] = post_section(clients[user_id], draft.id, section, texts[user_id], 1)

    threads = [threading.Thread(target=save, args=(user_id,)) for user_id in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    winner = next(uid for uid, a in answers.items() if a.status_code == 200)
    loser = next(uid for uid, a in answers.items() if a.status_code == 409)
    assert answers[loser].get_json()["your_text"] == texts[loser]
    db.session.expire_all()
    stored = answer_of(draft.id, section.id)
    assert stored.body == texts[winner]
    assert stored.version == 2


def test_chinese_text_is_counted_character_by_character_against_the_limit(
    client, login_as, applicant, draft, db
):
    """Chinese is written without spaces: counted by spaces, any length would pass as one word."""
    section = section_of(draft, "replicability")  # 400 words
    login_as(applicant)
    too_long = "城市创新" * 103  # 412 characters, no space
    response = post_section(client, draft.id, section, too_long, 1)
    assert response.status_code == 422
    assert response.get_json()["errors"][f"s{section.id}-body"] == [
        "This section has 412 words; the limit is 400. Shorten it by 12 words. Your text is kept "
        "here but is not saved yet."
    ]
    assert post_section(client, draft.id, section, "城市创新" * 100, 1).status_code == 200


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("  two  words ", 2),
        ("e-mail, (test)", 2),
        ("广州国际城市创新奖", 9),
        ("你好，世界。", 4),
        ("Sponge city 海绵城市 project", 7),
        ("東京の取り組み", 7),
        ("서울 혁신 프로젝트", 3),  # Korean separates words with spaces
    ],
)
def test_words_are_counted_as_the_browser_counts_them(text, words):
    assert count_words(text) == words


def test_the_browser_counter_uses_the_server_s_character_ranges(project_root):
    script = (project_root / "awards/static/js/autosave.js").read_text()
    ranges = CJK_WORD_CHARACTERS + CJK_PUNCTUATION
    assert f"/[{CJK_WORD_CHARACTERS}]|[^\\s{ranges}]+/g" in script
