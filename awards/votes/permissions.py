"""Who may do what with the public vote.

Voting itself needs no account (the views are `@public`); what protects the count is the
confirmation e-mail, the rate limits and the secretariat's fraud report, not a login.
"""

from __future__ import annotations

from awards.accounts.permissions import is_staff
from awards.submissions.models import Attachment
from awards.votes import queries


def can_manage_votes(user) -> bool:
    """Open, close and audit public votes: the secretariat and administrators."""
    return is_staff(user)


def can_see_voter_data(user) -> bool:
    """The fraud report (network prefixes, e-mail domains, fingerprint counts). Addresses
    themselves are never readable by anyone: only their keyed hashes are stored."""
    return is_staff(user)


def can_view_public_attachment(user, attachment: Attachment | None) -> bool:
    """Anyone may see an attachment its applicant marked public, once the entry stands on a
    ballot that has opened; nothing else of an application is public."""
    if attachment is None or not attachment.public:
        return False
    return queries.attachment_on_public_ballot(attachment.id) is not None
