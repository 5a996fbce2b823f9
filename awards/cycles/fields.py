"""The vocabulary of fields a round can hide from its judges (Round.blind_fields).

Values are stable strings: the submission's own fields by name, and each step-2 section as
"section:<key>". The judges' entry page leaves out every field listed in the round's
`blind_fields`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from awards.cycles.models import Cycle

SUBMISSION_BLIND_FIELDS: list[tuple[str, object]] = [
    ("organisation", _l("Applying government and its website")),
    ("city", _l("City")),
    ("country", _l("Country")),
    ("region", _l("World region")),
    ("population", _l("Population")),
    ("contacts", _l("Contact persons")),
    ("partners", _l("Partners")),
    ("umbrella_programme", _l("Umbrella programme")),
    ("attachments", _l("Attachments")),
    ("video_links", _l("Video links")),
]

SECTION_PREFIX = "section:"


def section_blind_key(section_key: str) -> str:
    return f"{SECTION_PREFIX}{section_key}"


def blind_field_choices(cycle: Cycle) -> list[tuple[str, str]]:
    choices = [(key, str(label)) for key, label in SUBMISSION_BLIND_FIELDS]
    choices += [
        (section_blind_key(section.key), str(_l("Section: %(title)s", title=section.title)))
        for section in cycle.sections
    ]
    return choices
