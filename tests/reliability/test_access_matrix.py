"""Walk the whole URL map: every endpoint, every kind of user, real objects.

Each endpoint has an explicit audience below (grouped by who uses it). The test builds the URL
from the world's objects, asks it as each of the eight kinds of user and checks the outcome:
allowed means 200 or a redirect; refused means 403 or 404, or the login page for anonymous
visitors, and a refused body never contains the entry's title, reference code, summary or the
review's comment. GET for pages; POST-only endpoints are asked (without data) only by the users
who must be refused, so nothing changes. A new endpoint, or a URL argument the world cannot
fill, fails the test until it is added here.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import IsolatedClient, login
from tests.reliability.world import SECRETS, USER_KINDS, build_world

STATIC_ENDPOINTS = {"static", "core.vendor.static"}

EVERYONE = frozenset(USER_KINDS)
SIGNED_IN = EVERYONE - {"anonymous"}
APPLICANTS = frozenset({"owner", "other_applicant"})
OWNER = frozenset({"owner"})
JUDGES = frozenset({"assigned_judge", "unassigned_judge", "conflicted_judge"})
ASSIGNED = frozenset({"assigned_judge"})
STAFF = frozenset({"secretariat", "admin"})
NOBODY = frozenset()

# Public pages and actions.
PUBLIC = {
    "core.home": EVERYONE,
    "core.healthz": EVERYONE,
    "core.set_language": EVERYONE,
    "core.choose_language": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.register": EVERYONE,
    "accounts.check_inbox": EVERYONE,
    "accounts.forgot_password": EVERYONE,
    "accounts.resend_verification": EVERYONE,
    "accounts.set_browser_timezone": EVERYONE,
    "votes.index": EVERYONE,
    "votes.ballot": EVERYONE,
    "votes.sent": EVERYONE,
    "votes.results_json": EVERYONE,
    # S1 is not on the ballot and its attachment is not marked public: nobody sees them here.
    "votes.entry": NOBODY,
    "votes.photo": NOBODY,
}
# Links from e-mails, asked with a forged token: a page saying so, never a 500 or any data.
TOKEN_LINKS = {
    "accounts.accept_invitation",
    "accounts.reset_password",
    "accounts.verify_email",
    "votes.confirm",
}
SIGNED_IN_ONLY = {
    "accounts.profile": SIGNED_IN,
    "accounts.logout": SIGNED_IN,
}
# Applicants: their organisation, their applications. S1 belongs to the owner's organisation.
APPLICANT = {
    "accounts.create_organisation": APPLICANTS,
    "accounts.organisation": APPLICANTS,
    "submissions.dashboard": APPLICANTS,
    "submissions.new": APPLICANTS,
    "submissions.overview": OWNER,
    "submissions.basic": OWNER,
    "submissions.initiative": OWNER,
    "submissions.attachments": OWNER,
    "submissions.confirmation": OWNER,
    "submissions.submit": OWNER,
    "submissions.withdraw": OWNER,
    "submissions.add_video": OWNER,
    "submissions.attachment_details": OWNER,
    "submissions.delete": OWNER,
    "submissions.delete_attachment": OWNER,
    "submissions.delete_video": OWNER,
    "submissions.reopen": OWNER,
    "submissions.replace_attachment": OWNER,
    "submissions.save_section": OWNER,
    "submissions.upload_attachment": OWNER,
}
# Read by the owners and the secretariat (judges read entries through their own pages).
SHARED_READING = {
    "submissions.download_attachment": OWNER | STAFF,
    "submissions.print_view": OWNER | STAFF,
    "submissions.version_view": OWNER | STAFF,
}
# Judges: their dashboard for all; an entry only for the judge assigned to it.
JUDGE = {
    "judging.dashboard": JUDGES,
    "judging.guide": JUDGES,
    "judging.entry": ASSIGNED,
    "judging.attachment": ASSIGNED,
    "judging.declare_conflict": ASSIGNED,
    "judging.autosave": ASSIGNED,
}
# Published results are public; the world's cycle is not published, so before publication
# nobody at all may see them (404 for everyone, staff included: they use the ranking pages).
UNPUBLISHED_RESULTS = {
    "results.public_page": NOBODY,
    "results.public_json": NOBODY,
}
# Everything under /secretariat: the secretariat and admins only.
STAFF_ENDPOINT_PREFIXES = (
    "cycles.",
    "rounds_admin.",
    "screening.",
    "audit.",
    "votes.admin_",
    "results.",
)
STAFF_EXTRA = {"judging.review_history"}


def audience(endpoint: str) -> frozenset[str] | None:
    for table in (PUBLIC, SIGNED_IN_ONLY, APPLICANT, SHARED_READING, JUDGE, UNPUBLISHED_RESULTS):
        if endpoint in table:
            return table[endpoint]
    if endpoint in TOKEN_LINKS:
        return EVERYONE
    if endpoint in STAFF_EXTRA or endpoint.startswith(STAFF_ENDPOINT_PREFIXES):
        return STAFF
    return None


def url_values(world) -> dict[str, object]:
    """URL argument name -> the world object it names."""
    i = world.ids
    return {
        "cycle_id": i["cycle_a"],
        "round_id": i["r1"],
        "submission_id": i["s1"],
        "attachment_id": i["attachment"],
        "review_id": i["review"],
        "assignment_id": i["assignment"],
        "conflict_id": i["conflict"],
        "member_id": i["member"],
        "criterion_id": i["criterion_a"],
        "domain_id": i["domain_a"],
        "section_id": i["section_a"],
        "user_id": world.users["assigned_judge"],
        "other_id": i["other_entry"],
        "slug": world.cycle_a_slug,
        "number": 1,
        "index": 0,
        "kind": "reviews",  # an export of a round's reviews (cycles.move is POST-only)
        "fmt": "csv",
        "action": "generate",
        "item_id": i["criterion_a"],
        "batch_id": 1,
        "token": "forged-token-0123456789",
        "locale": "zh",
    }


def client_for(app, world, kind: str) -> FlaskClient:
    client = app.test_client()
    assert isinstance(client, IsolatedClient)
    user = world.user(kind)
    if user is not None:
        login(client, user)
    return client


def refused(response, kind: str) -> bool:
    if response.status_code in (403, 404):
        return True
    return (
        kind == "anonymous"
        and response.status_code == 302
        and response.headers["Location"].startswith("/login")
    )


def allowed(response) -> bool:
    return response.status_code in (200, 302)


@pytest.fixture
def world(app, storage):
    return build_world()


def test_every_endpoint_has_an_audience_and_known_url_arguments(app, world):
    values = url_values(world)
    unknown_endpoints, unknown_arguments = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC_ENDPOINTS:
            continue
        if audience(rule.endpoint) is None:
            unknown_endpoints.append(rule.endpoint)
        unknown_arguments += [f"{rule.endpoint}:{a}" for a in rule.arguments if a not in values]
    assert unknown_endpoints == []
    assert unknown_arguments == []


def _matrix_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint not in STATIC_ENDPOINTS:
            yield rule


def test_every_endpoint_answers_each_kind_of_user_as_its_audience_says(app, world):
    values = url_values(world)
    clients = {kind: client_for(app, world, kind) for kind in USER_KINDS}
    failures = []
    for rule in _matrix_rules(app):
        who = audience(rule.endpoint)
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        get = "GET" in rule.methods
        for kind, client in clients.items():
            may = kind in who
            if not get and may:
                continue  # a POST by an allowed user would change the world
            response = client.get(url) if get else client.post(url)
            body = response.get_data(as_text=True)
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} as {kind}: {response.status_code}")
            elif rule.endpoint in TOKEN_LINKS:
                if response.status_code not in (200, 302, 400, 404, 410):
                    failures.append(f"{rule.endpoint} as {kind}: {response.status_code}")
            elif may and not allowed(response):
                failures.append(f"{rule.endpoint} as {kind}: refused {response.status_code}")
            elif not may and not refused(response, kind):
                failures.append(f"{rule.endpoint} as {kind}: let in {response.status_code}")
            if not may or rule.endpoint in TOKEN_LINKS or rule.endpoint in PUBLIC:
                leaked = [s for s in SECRETS if s in body]
                if leaked:
                    failures.append(f"{rule.endpoint} as {kind}: body shows {leaked}")
    assert failures == []


# Objects of another cycle or round, named under the right parent's URL: always a 404.
CROSSED = [
    ("admin", "cycles.edit_criterion", {"cycle_id": "cycle_a", "criterion_id": "criterion_b"}),
    ("admin", "cycles.edit_section", {"cycle_id": "cycle_a", "section_id": "section_b"}),
    ("admin", "cycles.edit_round", {"cycle_id": "cycle_a", "round_id": "r2"}),
    ("secretariat", "cycles.edit_round", {"cycle_id": "cycle_b", "round_id": "r1"}),
    ("assigned_judge", "judging.entry", {"round_id": "r2", "submission_id": "s1"}),
    ("assigned_judge", "judging.entry", {"round_id": "r1", "submission_id": "entry_b"}),
    ("assigned_judge", "judging.entry", {"round_id": "r1", "submission_id": "other_entry"}),
    (
        "assigned_judge",
        "judging.attachment",
        {"round_id": "r1", "submission_id": "s1", "attachment_id": "other_attachment"},
    ),
    ("owner", "submissions.overview", {"submission_id": "other_entry"}),
    (
        "owner",
        "submissions.download_attachment",
        {"submission_id": "s1", "attachment_id": "other_attachment"},
    ),
    (
        "owner",
        "submissions.download_attachment",
        {"submission_id": "other_entry", "attachment_id": "other_attachment"},
    ),
    (
        "secretariat",
        "submissions.download_attachment",
        {"submission_id": "s1", "attachment_id": "other_attachment"},
    ),
]


@pytest.mark.parametrize(("kind", "endpoint", "names"), CROSSED)
def test_objects_of_another_cycle_round_or_entry_are_not_found(app, world, kind, endpoint, names):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.build({a: world.ids[n] for a, n in names.items()}, append_unknown=False)[1]
    response = client_for(app, world, kind).get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Lagos bus lanes" not in body
    assert [s for s in SECRETS if s in body] == []
