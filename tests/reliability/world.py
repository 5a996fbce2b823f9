"""A small but complete world for access and confidentiality tests: two cycles, two
organisations, an entry with an attachment in S3 and a review, judges in every relation to it,
the secretariat, an admin and a vote campaign. Plain functions, so any test module can use it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

from awards.db import utcnow
from awards.extensions import db
from awards.models import (
    Attachment,
    Conflict,
    ConflictSource,
    Decision,
    Outcome,
    PanelMember,
    SubmissionStatus,
    SubmissionVersion,
    User,
    VoteCampaign,
)
from awards.storage import get_storage
from awards.submissions.services import build_snapshot
from tests.factories import (
    AdminFactory,
    ApplicantFactory,
    AssignmentFactory,
    CycleFactory,
    JudgeFactory,
    OpenRoundFactory,
    OrganisationFactory,
    ReviewFactory,
    SecretariatFactory,
    SubmissionFactory,
    ValidEntryFactory,
)

# What only the owners and the staff may read; no refused response may contain any of it.
S1_TITLE = "Floating gardens of Ribeira Quay"
S1_REFERENCE = "GZR-7731"
S1_SUMMARY = "Tidal planters clean the estuary water."
DRAFT_TITLE = "Unfinished plan for rooftop orchards"
REVIEW_COMMENT = "Quietly brilliant drainage work, kappa-omega-17."
REVIEW_SCORE = 9
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 500

SECRETS = (S1_TITLE, S1_REFERENCE, S1_SUMMARY, DRAFT_TITLE, REVIEW_COMMENT)

USER_KINDS = (
    "anonymous",
    "owner",
    "other_applicant",
    "assigned_judge",
    "unassigned_judge",
    "conflicted_judge",
    "secretariat",
    "admin",
)


@dataclass
class World:
    ids: dict[str, int]
    users: dict[str, int]
    cycle_a_slug: str
    cycle_b_slug: str

    def user(self, kind: str) -> User | None:
        return None if kind == "anonymous" else db.session.get(User, self.users[kind])


def build_world() -> World:
    now = utcnow()
    cycle_a = CycleFactory(
        name="Cycle A", opens_at=now - timedelta(days=30), final_deadline=now + timedelta(days=30)
    )
    cycle_b = CycleFactory(name="Cycle B")
    r1 = OpenRoundFactory(cycle=cycle_a, name="Committee A")
    r2 = OpenRoundFactory(cycle=cycle_b, name="Committee B")

    org1 = OrganisationFactory(name="City of Porto Alegre")
    org2 = OrganisationFactory(name="City of Lagos")
    owner = ApplicantFactory(organisation=org1)
    other = ApplicantFactory(organisation=org2)
    j1, j2, j3 = JudgeFactory(), JudgeFactory(), JudgeFactory()
    staff = SecretariatFactory()
    admin = AdminFactory()

    s1 = ValidEntryFactory(
        cycle=cycle_a,
        organisation=org1,
        title=S1_TITLE,
        reference_code=S1_REFERENCE,
        summary=S1_SUMMARY,
        created_by=owner,
    )
    draft = SubmissionFactory(
        cycle=cycle_a, organisation=org1, title=DRAFT_TITLE, status=SubmissionStatus.DRAFT
    )
    other_entry = ValidEntryFactory(cycle=cycle_a, organisation=org2, title="Lagos bus lanes")
    entry_b = ValidEntryFactory(cycle=cycle_b, organisation=org1, title="Porto Alegre in cycle B")

    storage = get_storage()
    key = storage.new_key("attachments")
    storage.put(key, io.BytesIO(PDF_BYTES), content_type="application/pdf")
    attachment = Attachment(
        submission_id=s1.id,
        storage_key=key,
        original_name="plan.pdf",
        content_type="application/pdf",
        kind="pdf",
        size_bytes=len(PDF_BYTES),
        uploaded_by_id=owner.id,
    )
    other_key = storage.new_key("attachments")
    storage.put(other_key, io.BytesIO(PDF_BYTES), content_type="application/pdf")
    other_attachment = Attachment(
        submission_id=other_entry.id,
        storage_key=other_key,
        original_name="lagos.pdf",
        content_type="application/pdf",
        kind="pdf",
        size_bytes=len(PDF_BYTES),
        uploaded_by_id=other.id,
    )
    db.session.add_all([attachment, other_attachment])
    db.session.add(
        SubmissionVersion(
            submission_id=s1.id,
            number=1,
            snapshot=build_snapshot(s1),
            submitted_at=now,
            submitted_by_id=owner.id,
        )
    )
    for judge in (j1, j2, j3):
        db.session.add(PanelMember(round_id=r1.id, user_id=judge.id))
    conflict = Conflict(
        judge_id=j3.id, submission_id=s1.id, source=ConflictSource.SECRETARIAT, reason="Advisor"
    )
    db.session.add(conflict)
    db.session.commit()

    assignment = AssignmentFactory(round=r1, judge=j1, submission=s1)
    review = ReviewFactory(assignment=assignment, score=REVIEW_SCORE, score__comment=REVIEW_COMMENT)
    review.overall_comment = REVIEW_COMMENT
    campaign = VoteCampaign(
        cycle_id=cycle_a.id, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5)
    )
    db.session.add(campaign)
    # A draft decision, so the secretariat's decision page exists ("deserving": not on the
    # public vote's ballot).
    db.session.add(Decision(round_id=r1.id, submission_id=s1.id, outcome=Outcome.DESERVING))
    db.session.commit()
    member = db.session.query(PanelMember).filter_by(round_id=r1.id, user_id=j2.id).one()

    ids = {
        "cycle_a": cycle_a.id,
        "cycle_b": cycle_b.id,
        "r1": r1.id,
        "r2": r2.id,
        "s1": s1.id,
        "draft": draft.id,
        "other_entry": other_entry.id,
        "entry_b": entry_b.id,
        "attachment": attachment.id,
        "other_attachment": other_attachment.id,
        "assignment": assignment.id,
        "review": review.id,
        "conflict": conflict.id,
        "member": member.id,
        "criterion_a": cycle_a.criteria[0].id,
        "criterion_b": cycle_b.criteria[0].id,
        "domain_a": cycle_a.domains[0].id,
        "domain_b": cycle_b.domains[0].id,
        "section_a": cycle_a.sections[0].id,
        "section_b": cycle_b.sections[0].id,
        "campaign": campaign.id,
    }
    users = {
        "owner": owner.id,
        "other_applicant": other.id,
        "assigned_judge": j1.id,
        "unassigned_judge": j2.id,
        "conflicted_judge": j3.id,
        "secretariat": staff.id,
        "admin": admin.id,
    }
    return World(ids=ids, users=users, cycle_a_slug=cycle_a.slug, cycle_b_slug=cycle_b.slug)
