from __future__ import annotations

from flask import url_for

from awards.core.urls import url_template


def test_a_url_template_builds_what_url_for_builds(app):
    with app.test_request_context("/"):
        entry_url = url_template("judging.entry", "submission_id", round_id=7)
        assert [entry_url(n) for n in (1, 42, 987654321)] == [
            url_for("judging.entry", round_id=7, submission_id=n) for n in (1, 42, 987654321)
        ]


def test_a_url_template_works_for_a_query_argument_too(app):
    with app.test_request_context("/"):
        page_url = url_template("judging.dashboard", "page")
        assert page_url(3) == url_for("judging.dashboard", page=3) == "/judging/?page=3"
