from datetime import UTC, datetime

from awards.audit import record
from awards.db import frozen_clock
from tests.factories import ApplicantFactory, JudgeFactory, SecretariatFactory, SubmissionFactory


def _events(db):
    staff = SecretariatFactory(email="li.wei@gzaward.org")
    submission = SubmissionFactory()
    with frozen_clock(datetime(2026, 3, 1, 9, tzinfo=UTC)):
        record(
            staff,
            "submission.marked_valid",
            submission,
            before={"status": "submitted"},
            after={"status": "valid"},
        )
        db.session.flush()  # created_at is stamped at flush, inside the frozen clock
    with frozen_clock(datetime(2026, 3, 5, 9, tzinfo=UTC)):
        record(
            staff,
            "cycle.deadline_extended",
            ("cycles", 7),
            before={"final_deadline": "2026-03-31"},
            after={"final_deadline": "2026-04-15"},
            message="Many cities asked for more time",
        )
        db.session.flush()
    db.session.commit()
    return staff, submission


def test_audit_trail_lists_changes_with_before_and_after(db, login_as):
    staff, _ = _events(db)
    response = login_as(staff).get("/secretariat/audit/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 events" in page
    assert "cycle.deadline_extended" in page and "submission.marked_valid" in page
    assert "2026-04-15" in page and "Many cities asked for more time" in page
    assert page.index("cycle.deadline_extended") < page.index("submission.marked_valid")


def test_audit_trail_filters_by_action_subject_actor_and_dates(db, login_as):
    staff, submission = _events(db)
    client = login_as(staff)
    by_action = client.get("/secretariat/audit/?action=cycle.").get_data(as_text=True)
    assert "1 event" in by_action and "submission.marked_valid" not in by_action
    by_subject = client.get(
        f"/secretariat/audit/?subject_type=submissions&subject_id={submission.id}"
    ).get_data(as_text=True)
    assert "1 event" in by_subject and "submission.marked_valid" in by_subject
    by_actor = client.get("/secretariat/audit/?actor=nobody@x.org").get_data(as_text=True)
    assert "0 events" in by_actor
    by_date = client.get("/secretariat/audit/?since=2026-03-02&until=2026-03-05").get_data(
        as_text=True
    )
    assert "1 event" in by_date and "cycle.deadline_extended" in by_date


def test_audit_trail_is_refused_to_judges_and_applicants(db, login_as, client):
    _events(db)
    assert login_as(JudgeFactory()).get("/secretariat/audit/").status_code == 403
    assert login_as(ApplicantFactory()).get("/secretariat/audit/").status_code == 403
