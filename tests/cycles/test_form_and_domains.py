"""The application form's sections and the cycle's domains."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from awards.cycles import services
from awards.errors import DomainError
from awards.models import Domain, FormSection, SectionAnswer
from tests.factories import SubmissionFactory


def test_add_section_makes_its_key_from_the_title(as_staff, db, cycle):
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/sections",
        data={"title": "Financing model", "help_text": "Who pays.", "word_limit": "300"},
    )
    assert response.status_code == 302
    section = db.session.scalar(select(FormSection).where(FormSection.key == "financing_model"))
    assert (section.title, section.word_limit, section.required) == (
        "Financing model",
        300,
        False,  # an unticked checkbox
    )
    assert section.position == 4


def test_add_section_word_limit_zero_is_refused(as_staff, cycle):
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/sections",
        data={"title": "Budget", "word_limit": "0", "required": "y"},
    )
    assert response.status_code == 422
    assert "The word limit must be at least 1." in response.get_data(as_text=True)


def test_add_section_with_a_key_in_use_is_refused(db, cycle, staff):
    with pytest.raises(DomainError) as exc:
        services.add_section(cycle, actor=staff, title="Again", key="background")
    assert exc.value.field == "key"


def test_edit_section_changes_title_limit_and_requirement(as_staff, db, cycle):
    section_id = cycle.sections[0].id
    response = as_staff.post(
        f"/secretariat/cycles/{cycle.id}/sections/{section_id}/edit",
        data={"title": "Context", "help_text": "", "word_limit": "250"},
    )
    assert response.status_code == 302
    section = db.session.get(FormSection, section_id)
    assert (section.title, section.word_limit, section.required, section.key) == (
        "Context",
        250,
        False,
        "background",
    )


def test_deleting_a_section_with_answers_is_refused(db, cycle, staff):
    section = cycle.sections[0]
    submission = SubmissionFactory(cycle=cycle)
    db.session.add(SectionAnswer(submission=submission, section=section, body="We began..."))
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        services.delete_section(section, actor=staff)
    assert "Applicants have written 1 answers in this section" in exc.value.message


def test_deleting_an_unanswered_section_works(as_staff, db, cycle):
    section_id = cycle.sections[3].id
    as_staff.post(f"/secretariat/cycles/{cycle.id}/sections/{section_id}/delete")
    assert db.session.get(FormSection, section_id) is None


def test_moving_a_section_up_swaps_it_with_the_one_above(as_staff, db, cycle):
    first, second = cycle.sections[0].id, cycle.sections[1].id
    as_staff.post(
        f"/secretariat/cycles/{cycle.id}/sections/{second}/move", data={"direction": "up"}
    )
    assert db.session.get(FormSection, second).position == 0
    assert db.session.get(FormSection, first).position == 1


def test_section_of_another_cycle_is_404(as_staff, db, cycle):
    from tests.factories import CycleFactory

    other = CycleFactory()
    response = as_staff.get(f"/secretariat/cycles/{cycle.id}/sections/{other.sections[0].id}/edit")
    assert response.status_code == 404


def test_add_domain_and_rename_it(as_staff, db, cycle):
    cycle_id = cycle.id
    as_staff.post(f"/secretariat/cycles/{cycle_id}/domains", data={"name": "Economic"})
    domain = db.session.scalar(select(Domain).where(Domain.key == "economic"))
    domain_id = domain.id
    as_staff.post(
        f"/secretariat/cycles/{cycle_id}/domains/{domain_id}/rename",
        data={"name": "Economic development"},
    )
    renamed = db.session.get(Domain, domain_id)
    assert (renamed.key, renamed.name) == ("economic", "Economic development")


def test_deleting_a_domain_used_by_entries_is_refused(db, cycle, staff):
    domain = cycle.domains[0]
    SubmissionFactory(cycle=cycle, domains=[domain])
    with pytest.raises(DomainError) as exc:
        services.delete_domain(domain, actor=staff)
    assert exc.value.message == "1 entries are filed under this domain; it cannot be deleted."


def test_database_rejects_two_sections_with_one_key(db, cycle):
    db.session.add(FormSection(cycle_id=cycle.id, key="background", title="Twice"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
