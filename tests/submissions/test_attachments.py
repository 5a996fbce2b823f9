"""Attachments in the real SeaweedFS: type by content, limits, safe names, failures that lose
nothing, and downloads behind a permission check."""

import io
import urllib.request

import pytest
from sqlalchemy import func, select

from awards.models import Attachment
from awards.storage import Storage
from awards.submissions import services
from tests.submissions.conftest import (
    EXE_BYTES,
    JSON,
    PDF_BYTES,
    PNG_BYTES,
    answer_of,
    office_bytes,
    section_of,
)

MB = 1024 * 1024


def upload(
    client, submission_id, payload, filename, *, caption="", public=False, json=False, to=""
):
    data = {"file": (io.BytesIO(payload), filename), "caption": caption}
    if public:
        data["public"] = "y"
    url = f"/applications/{submission_id}/attachments{to}"
    return client.post(
        url, data=data, content_type="multipart/form-data", headers=JSON if json else {}
    )


def attachments_of(db, submission_id):
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.submission_id == submission_id)
            .order_by(Attachment.id)
            .execution_options(populate_existing=True)
        )
    )


@pytest.fixture
def with_text(client, login_as, applicant, draft):
    """The draft has some saved text that a failed upload must not touch."""
    section = section_of(draft, "background")
    login_as(applicant)
    client.post(
        f"/applications/{draft.id}/sections/{section.id}",
        data={f"s{section.id}-body": "Our saved background.", f"s{section.id}-version": "1"},
        headers=JSON,
    )
    return section


def assert_text_intact(draft, section):
    assert answer_of(draft.id, section.id).body == "Our saved background."


def test_upload_a_pdf_stores_it_under_a_random_key(client, login_as, applicant, draft, db, storage):
    login_as(applicant)
    response = upload(
        client,
        draft.id,
        PDF_BYTES,
        "/home/ana/Desktop/Plan Bogotá.pdf",
        caption="The plan",
        public=True,
    )
    assert response.status_code == 302
    [attachment] = attachments_of(db, draft.id)
    assert attachment.original_name == "Plan Bogotá.pdf"
    assert attachment.kind == "pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size_bytes == len(PDF_BYTES)
    assert attachment.caption == "The plan"
    assert attachment.public is True
    assert "Bogot" not in attachment.storage_key
    assert attachment.storage_key.startswith(f"attachments/{draft.cycle_id}/")
    assert storage.get_bytes(attachment.storage_key) == PDF_BYTES
    assert storage.head(attachment.storage_key).content_type == "application/pdf"
    page = client.get(f"/applications/{draft.id}/attachments").get_data(as_text=True)
    assert "Plan Bogotá.pdf" in page and "The plan" in page


def test_upload_by_script_answers_json(client, login_as, applicant, draft, db):
    login_as(applicant)
    response = upload(client, draft.id, office_bytes("pptx"), "slides.pptx", json=True)
    assert response.status_code == 200
    assert response.get_json() == {
        "ok": True,
        "message": "slides.pptx is attached.",
        "redirect": f"/applications/{draft.id}/attachments",
    }
    assert attachments_of(db, draft.id)[0].kind == "pptx"


def test_file_renamed_to_look_like_a_pdf_is_refused(client, login_as, draft, db, with_text):
    response = upload(client, draft.id, EXE_BYTES, "report.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "report.pdf is not a file type we accept: its content is a program, whatever its name "
        "says. Accepted types: PDF, JPEG, PNG, DOCX, PPTX, XLSX."
    ) in page
    assert attachments_of(db, draft.id) == []
    assert_text_intact(draft, with_text)


def test_image_named_pdf_is_accepted_as_an_image_with_a_true_extension(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    assert upload(client, draft.id, PNG_BYTES, "photo.pdf").status_code == 302
    [attachment] = attachments_of(db, draft.id)
    assert (attachment.kind, attachment.original_name) == ("png", "photo.pdf.png")


def test_type_not_allowed_in_this_cycle_is_refused(client, login_as, applicant, draft, db):
    draft.cycle.allowed_types = "pdf"
    db.session.commit()
    login_as(applicant)
    response = upload(client, draft.id, PNG_BYTES, "photo.png", json=True)
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == [
        "photo.png is not a file type we accept: its content is PNG, whatever its name says. "
        "Accepted types: PDF."
    ]


def test_document_with_macros_is_refused(client, login_as, applicant, draft, db):
    login_as(applicant)
    response = upload(client, draft.id, office_bytes("docx", macros=True), "report.docx", json=True)
    assert response.status_code == 422
    assert "contains macros" in response.get_json()["message"]
    assert attachments_of(db, draft.id) == []


def test_empty_file_is_refused(client, login_as, applicant, draft):
    login_as(applicant)
    response = upload(client, draft.id, b"", "empty.pdf", json=True)
    assert response.status_code == 422
    assert response.get_json()["message"] == "empty.pdf is empty."


def test_file_too_large_for_the_cycle_is_refused(client, draft, db, with_text):
    draft.cycle.max_file_mb = 1
    db.session.commit()
    payload = PDF_BYTES + b"x" * (MB + 100 * 1024)  # just over 1 MB: the service measures it
    response = upload(client, draft.id, payload, "big.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "big.pdf is 1.1 MB; the limit is 1 MB per file. Nothing was saved from this upload."
    ) in page
    assert attachments_of(db, draft.id) == []
    assert_text_intact(draft, with_text)


def test_far_too_large_upload_is_refused_before_the_body_is_read(client, draft, db, with_text):
    draft.cycle.max_file_mb = 1
    db.session.commit()
    response = upload(client, draft.id, PDF_BYTES + b"x" * (3 * MB), "huge.pdf", json=True)
    assert response.status_code == 413
    assert response.get_json()["message"].startswith(
        "The file is larger than 1 MB, the limit per file. Nothing was saved from this upload."
    )
    assert attachments_of(db, draft.id) == []
    assert_text_intact(draft, with_text)


def test_too_many_files_are_refused(client, draft, db, with_text):
    draft.cycle.max_files = 2
    db.session.commit()
    assert upload(client, draft.id, PDF_BYTES, "one.pdf").status_code == 302
    assert upload(client, draft.id, PNG_BYTES, "two.png").status_code == 302
    response = upload(client, draft.id, PDF_BYTES, "three.pdf", json=True)
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == [
        "This application has 2 files already, the most allowed. Remove or replace one to add "
        "three.pdf."
    ]
    assert [a.original_name for a in attachments_of(db, draft.id)] == ["one.pdf", "two.png"]
    assert_text_intact(draft, with_text)
    page = client.get(f"/applications/{draft.id}/attachments").get_data(as_text=True)
    assert "This application has the most files allowed." in page


def test_total_size_limit_is_enforced(client, draft, db, with_text):
    draft.cycle.max_file_mb = 1
    draft.cycle.max_total_mb = 1
    db.session.commit()
    chunk = PDF_BYTES + b"x" * (600 * 1024)
    assert upload(client, draft.id, chunk, "a.pdf").status_code == 302
    response = upload(client, draft.id, chunk, "b.pdf", json=True)
    assert response.status_code == 422
    assert "the limit is 1 MB in total" in response.get_json()["message"]
    assert len(attachments_of(db, draft.id)) == 1


def test_filename_with_path_and_control_characters_is_cleaned(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    name = "../../secret/\u202eplan\x00\x1f 2024.pdf"
    assert upload(client, draft.id, PDF_BYTES, name).status_code == 302
    [attachment] = attachments_of(db, draft.id)
    assert attachment.original_name == "plan 2024.pdf"


def test_storage_unreachable_keeps_the_draft_and_the_upload_can_be_retried(
    app, client, draft, db, with_text
):
    healthy = app.extensions["awards_storage"]
    app.extensions["awards_storage"] = Storage(
        endpoint_url="http://127.0.0.1:9",  # nothing listens on the discard port
        region="us-east-1",
        bucket="awards",
        access_key_id="x",
        secret_access_key="y",
        connect_timeout=1,
    )
    try:
        response = upload(client, draft.id, PDF_BYTES, "plan.pdf")
    finally:
        app.extensions["awards_storage"] = healthy
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The file store cannot be reached right now. Nothing was lost; please try again" in page
    assert attachments_of(db, draft.id) == []
    assert_text_intact(draft, with_text)
    # The store is back: the same upload works.
    assert upload(client, draft.id, PDF_BYTES, "plan.pdf").status_code == 302
    assert [a.original_name for a in attachments_of(db, draft.id)] == ["plan.pdf"]


def test_replace_swaps_the_file_and_deletes_the_old_object(
    client, login_as, applicant, draft, db, storage
):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "v1.pdf", caption="Plan")
    [old] = attachments_of(db, draft.id)
    old_id, old_key = old.id, old.storage_key
    response = upload(client, draft.id, office_bytes("docx"), "v2.docx", to=f"/{old_id}/replace")
    assert response.status_code == 302
    [new] = attachments_of(db, draft.id)
    assert new.id == old_id
    assert (new.original_name, new.kind, new.caption) == ("v2.docx", "docx", "Plan")
    assert new.storage_key != old_key
    assert storage.head(old_key) is None
    assert storage.head(new.storage_key).size == len(office_bytes("docx"))


def test_replace_with_a_bad_file_shows_the_error_at_that_file(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "v1.pdf")
    [old] = attachments_of(db, draft.id)
    response = upload(client, draft.id, EXE_BYTES, "v2.pdf", to=f"/{old.id}/replace")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="replace-{old.id}-error" data-upload-error>v2.pdf is not a file type' in page
    assert attachments_of(db, draft.id)[0].original_name == "v1.pdf"


def test_remove_deletes_the_row_and_the_object(client, login_as, applicant, draft, db, storage):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "gone.pdf")
    [attachment] = attachments_of(db, draft.id)
    key = attachment.storage_key
    response = client.post(f"/applications/{draft.id}/attachments/{attachment.id}/delete")
    assert response.status_code == 302
    assert attachments_of(db, draft.id) == []
    assert storage.head(key) is None


def test_caption_and_public_flag_can_be_edited(client, login_as, applicant, draft, db):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "plan.pdf", public=True)
    [attachment] = attachments_of(db, draft.id)
    response = client.post(
        f"/applications/{draft.id}/attachments/{attachment.id}/details",
        data={f"a{attachment.id}-caption": "  The master plan  "},
    )
    assert response.status_code == 302
    [attachment] = attachments_of(db, draft.id)
    assert (attachment.caption, attachment.public) == ("The master plan", False)


def test_download_redirects_to_a_short_lived_url_inline_for_pdf(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "Plan Bogotá.pdf")
    upload(client, draft.id, office_bytes("xlsx"), "budget.xlsx")
    pdf, xlsx = attachments_of(db, draft.id)
    response = client.get(f"/applications/{draft.id}/attachments/{pdf.id}")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as remote:
        assert remote.read() == PDF_BYTES
        assert remote.headers["Content-Type"] == "application/pdf"
        assert remote.headers["Content-Disposition"].startswith("inline;")
        assert "filename*=UTF-8''Plan%20Bogot%C3%A1.pdf" in remote.headers["Content-Disposition"]
    response = client.get(f"/applications/{draft.id}/attachments/{xlsx.id}")
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as remote:
        assert remote.headers["Content-Disposition"].startswith("attachment;")


def test_download_is_404_for_another_organisation_and_open_to_the_secretariat(
    client, login_as, applicant, outsider, staff, draft, db
):
    login_as(applicant)
    upload(client, draft.id, PDF_BYTES, "plan.pdf")
    [attachment] = attachments_of(db, draft.id)
    url = f"/applications/{draft.id}/attachments/{attachment.id}"
    login_as(outsider)
    assert client.get(url).status_code == 404
    login_as(staff)
    assert client.get(url).status_code == 302


def test_attachment_of_another_application_is_404(client, login_as, applicant, cycle, draft, db):
    from tests.submissions.conftest import new_draft

    other = new_draft(cycle, applicant, title="Composting")
    login_as(applicant)
    upload(client, other.id, PDF_BYTES, "plan.pdf")
    [attachment] = attachments_of(db, other.id)
    assert client.get(f"/applications/{draft.id}/attachments/{attachment.id}").status_code == 404


def test_an_upload_rolled_back_leaves_no_object_behind(draft, applicant, db, storage):
    attachment = services.add_attachment(
        draft, services.Upload(io.BytesIO(PDF_BYTES), "plan.pdf"), actor=applicant
    )
    key = attachment.storage_key
    assert storage.head(key) is not None
    db.session.rollback()
    assert storage.head(key) is None
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_video_links_can_be_added_and_removed(client, login_as, applicant, draft, db):
    login_as(applicant)
    version = draft.lock_version
    response = client.post(
        f"/applications/{draft.id}/videos",
        data={"url": "https://www.youtube.com/watch?v=abc", "title": "Ciclovía"},
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.video_links == [
        {"url": "https://www.youtube.com/watch?v=abc", "title": "Ciclovía"}
    ]
    # Adding a video is not an edit of step 1: a colleague's open step-1 form stays valid.
    assert draft.lock_version == version
    bad = client.post(f"/applications/{draft.id}/videos", data={"url": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert "Enter the full address of the video, starting with https://" in bad.get_data(
        as_text=True
    )
    assert client.post(f"/applications/{draft.id}/videos/0/delete").status_code == 302
    db.session.refresh(draft)
    assert draft.video_links == []
