# ruff: noqa: F811 (the applicant journey's fixtures are imported by name and used as arguments)
"""Reference codes under parallel submissions from many organisations: every entry gets its own
code, the codes run without gaps, the cycle's counter matches, and each receipt is queued once.
Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from awards.core.models import OutboxMessage
from awards.models import Cycle, Submission, SubmissionStatus
from tests.conftest import IsolatedClient
from tests.factories import ApplicantFactory, OrganisationFactory
from tests.submissions.conftest import (  # noqa: F401 (fixtures)
    complete,
    cycle,
    new_draft,
    request_ctx,
)

ORGANISATIONS = 8


def test_parallel_submissions_from_many_organisations_get_unique_gapless_codes(app, cycle, db):
    drafts, clients = [], []
    for n in range(ORGANISATIONS):
        applicant = ApplicantFactory(organisation=OrganisationFactory(name=f"Parallel City {n}"))
        draft = complete(new_draft(cycle, applicant, title=f"Parallel initiative {n}"))
        drafts.append(draft.id)
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        with client.session_transaction() as session:
            session["_user_id"] = str(applicant.id)
            session["_fresh"] = True
        clients.append(client)
    barrier = threading.Barrier(ORGANISATIONS)
    statuses: list[int] = []

    def submit(client, draft_id):
        barrier.wait()
        statuses.append(client.post(f"/applications/{draft_id}/submit").status_code)

    pairs = zip(clients, drafts, strict=True)
    threads = [threading.Thread(target=submit, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [302] * ORGANISATIONS
    db.session.expire_all()
    entries = db.session.scalars(select(Submission).where(Submission.id.in_(drafts))).all()
    assert {e.status for e in entries} == {SubmissionStatus.SUBMITTED}
    codes = sorted(e.reference_code for e in entries)
    assert codes == [f"GZA7-{n:04d}" for n in range(1, ORGANISATIONS + 1)]
    assert db.session.get(Cycle, cycle.id).reference_counter == ORGANISATIONS
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == ORGANISATIONS
