"""File types come from content; names are made safe to show."""

import io

import pytest

from awards.submissions.files import KINDS, MAX_NAME_LENGTH, measure, sanitise_filename, sniff
from tests.submissions.conftest import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    office_bytes,
)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (PDF_BYTES, "pdf"),
        (PNG_BYTES, "png"),
        (JPEG_BYTES, "jpeg"),
        (office_bytes("docx"), "docx"),
        (office_bytes("pptx"), "pptx"),
        (office_bytes("xlsx"), "xlsx"),
    ],
)
def test_sniff_recognises_each_accepted_type_by_content(payload, kind):
    stream = io.BytesIO(payload)
    result = sniff(stream)
    assert result.kind is KINDS[kind]
    assert stream.tell() == 0  # ready to be streamed to the store


def test_sniff_names_an_executable_whatever_it_is_called():
    result = sniff(io.BytesIO(EXE_BYTES))
    assert result.kind is None
    assert result.description == "a program"


def test_sniff_tells_a_plain_zip_from_an_office_document():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    result = sniff(io.BytesIO(buffer.getvalue()))
    assert result.kind is None
    assert result.description == "a zip archive"


def test_sniff_flags_macros_inside_a_word_document():
    result = sniff(io.BytesIO(office_bytes("docx", macros=True)))
    assert result.kind is KINDS["docx"]
    assert result.has_macros is True


def test_sniff_names_other_known_types():
    result = sniff(io.BytesIO(b"GIF89a" + b"\x00" * 40))
    assert result.kind is None
    assert "GIF" in result.description


def test_sniff_reports_text_and_damaged_zips():
    assert sniff(io.BytesIO(b"just some text, not a PDF")).description == "plain text"
    assert sniff(io.BytesIO(b"PK\x03\x04garbage")).description == "a damaged zip archive"
    assert sniff(io.BytesIO(b"")).description == "an empty file"


def test_measure_gives_the_size_without_moving_the_stream():
    stream = io.BytesIO(b"x" * 12345)
    assert measure(stream) == 12345
    assert stream.tell() == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C:\\Users\\ana\\Desktop\\plan.pdf", "plan.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("report\x00\x1b[31m.pdf", "report[31m.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  ..hidden.pdf  ", "hidden.pdf"),
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("", "attachment"),
        ("Plan Bogotá  2024.pdf", "Plan Bogotá 2024.pdf"),
    ],
)
def test_sanitise_filename_drops_paths_and_invisible_characters(raw, expected):
    assert sanitise_filename(raw) == expected


def test_sanitise_filename_caps_the_length_and_keeps_the_extension():
    name = sanitise_filename("a" * 500 + ".pdf")
    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith(".pdf")


def test_sanitise_filename_matches_the_extension_to_the_content():
    assert sanitise_filename("photo.pdf", kind=KINDS["png"]) == "photo.pdf.png"
    assert sanitise_filename("photo.JPG", kind=KINDS["jpeg"]) == "photo.jpg"
    assert sanitise_filename("slides", kind=KINDS["pptx"]) == "slides.pptx"
