# ruff: noqa: F811 (the applicant journey's fixtures are imported by name and used as arguments)
"""Hostile uploads, beyond tests/submissions/test_attachments.py (executables renamed .pdf,
macros, sizes, ../ NUL and right-to-left names, downloads' content type and disposition): zip
bombs dressed as Office files, HTML and SVG with scripts, 500-character names, and a request
declaring far more than MAX_CONTENT_LENGTH, and bodies whose Content-Length disagrees with what
is sent."""

from __future__ import annotations

import io
import socket
import struct
import threading
import urllib.request
import zipfile

import pytest
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from awards.security import CleanRequest
from awards.submissions import files
from tests.submissions.conftest import (  # noqa: F401 (fixtures)
    JSON,
    PDF_BYTES,
    applicant,
    cycle,
    draft,
    office_bytes,
    organisation,
    request_ctx,
    section_of,
)
from tests.submissions.test_attachments import (  # noqa: F401 (fixtures)
    assert_text_intact,
    attachments_of,
    upload,
    with_text,
)


def zip_bomb_by_ratio() -> bytes:
    """A valid .docx whose document part is 64 MB of zeros: a few dozen KB on the wire."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (64 * 1024 * 1024))
    return buffer.getvalue()


def zip_bomb_by_declaration() -> bytes:
    """A small .docx whose central directory claims the document unpacks to 4 GB."""
    data = bytearray(office_bytes("docx"))
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        name = bytes(data[start + 46 : start + 46 + name_length])
        if name == b"word/document.xml":
            struct.pack_into("<I", data, start + 24, 0xFFFFFFFE)  # uncompressed size
        start += 4
    return bytes(data)


@pytest.mark.parametrize("payload", [zip_bomb_by_ratio, zip_bomb_by_declaration])
def test_sniffer_refuses_an_office_file_that_would_unpack_to_gigabytes(payload):
    sniffed = files.sniff(io.BytesIO(payload()))
    assert sniffed.kind is None
    assert sniffed.description.startswith("an archive that would unpack to ")


def test_an_ordinary_office_file_still_passes_the_sniffer():
    assert files.sniff(io.BytesIO(office_bytes("docx"))).kind.key == "docx"


def test_zip_bomb_upload_is_refused_with_a_clear_message(client, login_as, applicant, draft, db):
    login_as(applicant)
    response = upload(client, draft.id, zip_bomb_by_declaration(), "report.docx", json=True)
    assert response.status_code == 422
    answer = str(response.get_json())
    assert "report.docx is not a file type we accept" in answer
    assert "its content is an archive that would unpack to 4096.0 MB" in answer
    assert attachments_of(db, draft.id) == []


SCRIPTED = {
    "html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.cookie)</script></svg>"
    ),
}


@pytest.mark.parametrize("kind", sorted(SCRIPTED))
@pytest.mark.parametrize("name", ["page.{kind}", "report.pdf", "photo.png"])
def test_html_and_svg_with_script_are_refused_whatever_their_name(
    client, login_as, applicant, draft, db, kind, name
):
    login_as(applicant)
    filename = name.format(kind=kind)
    response = upload(client, draft.id, SCRIPTED[kind], filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{filename} is not a file type we accept" in page
    assert "<script>alert" not in page
    assert attachments_of(db, draft.id) == []


def test_a_500_character_name_is_shortened_and_keeps_its_extension(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    name = "\u202e" + "plan-" * 100 + ".pdf"
    assert len(name) > 500
    assert upload(client, draft.id, PDF_BYTES, name).status_code == 302
    [attachment] = attachments_of(db, draft.id)
    assert len(attachment.original_name) <= files.MAX_NAME_LENGTH
    assert attachment.original_name.endswith(".pdf")
    assert "\u202e" not in attachment.original_name


def test_download_of_a_document_is_an_attachment_with_its_sniffed_type(
    client, login_as, applicant, draft, db
):
    login_as(applicant)
    upload(client, draft.id, office_bytes("docx"), "<b>notes</b>.docx")
    [attachment] = attachments_of(db, draft.id)
    response = client.get(f"/applications/{draft.id}/attachments/{attachment.id}")
    assert response.status_code == 302
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as remote:
        assert remote.headers["Content-Type"] == attachment.content_type
        assert remote.headers["Content-Disposition"].startswith("attachment;")


def test_a_request_declaring_far_more_than_the_limit_is_cut_off_before_reading(
    app, client, login_as, applicant, draft, db
):
    login_as(applicant)
    declared = app.config["MAX_CONTENT_LENGTH"] * 20
    body = io.BytesIO(b"--x\r\n")  # the body is never read: only its declared length counts
    response = client.post(
        f"/applications/{draft.id}/attachments",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        headers=JSON,
        environ_overrides={"CONTENT_LENGTH": str(declared)},
    )
    assert response.status_code == 413
    assert body.tell() == 0
    assert attachments_of(db, draft.id) == []


BOUNDARY = "----awards-boundary"
INCOMPLETE = "Nothing was saved from this upload: it did not arrive complete"


def multipart_body(payload: bytes) -> bytes:
    return b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="caption"\r\n\r\nThe plan\r\n',
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="plan.pdf"\r\n',
            b"Content-Type: application/pdf\r\n\r\n",
            payload,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


@pytest.fixture
def live_app(app):
    """The app behind a real HTTP server, so that Content-Length is honoured as on the wire
    (the test client reads its input stream to the end whatever the header says)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()


def post_raw(port: int, path: str, cookie: str, body: bytes, declared: int, accept: str) -> str:
    """POST `body` announcing `declared` bytes (whatever its real length), then stop sending;
    the whole answer as text."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session={cookie}\r\n"
        f"Accept: {accept}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(head + body)
        connection.shutdown(socket.SHUT_WR)  # what a client that gave up looks like
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # the server closed with bytes beyond the declared length still unread
    return answer.decode("utf-8", "replace")


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
@pytest.mark.parametrize("mismatch", ["declares-more-than-sent", "sends-more-than-declared"])
@pytest.mark.parametrize("padding", [40_000, 3 * 1024 * 1024])  # within one read of 1 MiB, and not
def test_a_body_whose_length_disagrees_with_its_content_is_refused_and_the_draft_kept(
    client, draft, db, with_text, live_app, mismatch, accept, padding
):
    """Declaring less than is sent cuts the body at the declared length, before the closing
    boundary; declaring more leaves the server reading until the client stops. Either way the
    file is incomplete: it must be refused, never stored truncated."""
    body = multipart_body(PDF_BYTES + b"%" + b"x" * padding + b"\n%%EOF\n")
    if mismatch == "declares-more-than-sent":
        sent, declared = body[:-1000], len(body)
    else:
        sent, declared = body, len(body) // 2
    cookie = client.get_cookie("session").value
    path = f"/applications/{draft.id}/attachments"
    answer = post_raw(live_app, path, cookie, sent, declared, accept)

    assert answer.startswith("HTTP/1.1 400 ")
    assert INCOMPLETE in answer
    assert attachments_of(db, draft.id) == []
    assert_text_intact(draft, with_text)


def test_the_same_upload_complete_is_stored_whole(client, draft, db, with_text, live_app):
    """The control for the test above: the same bytes with an honest length are accepted."""
    payload = PDF_BYTES + b"%" + b"x" * 40_000 + b"\n%%EOF\n"
    body = multipart_body(payload)
    cookie = client.get_cookie("session").value
    path = f"/applications/{draft.id}/attachments"
    answer = post_raw(live_app, path, cookie, body, len(body), "text/html")

    assert answer.startswith("HTTP/1.1 302 ")
    [attachment] = attachments_of(db, draft.id)
    assert attachment.original_name == "plan.pdf"
    assert attachment.size_bytes == len(payload)


class RecordingInput:
    """A server's input stream, with only `read` like gunicorn's, that notes the size of every
    read the app asks for."""

    def __init__(self, data: bytes):
        self.data = io.BytesIO(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return self.data.read(size)


def parse_multipart(body: bytes, app) -> tuple[CleanRequest, RecordingInput]:
    environ = EnvironBuilder(
        method="POST",
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    ).get_environ()
    stream = RecordingInput(body)
    environ["wsgi.input"] = stream
    with app.app_context():
        request = CleanRequest(environ)
        request.files  # noqa: B018  (parses the body)
    return request, stream


def test_a_large_body_is_read_from_the_server_in_steps_of_a_mebibyte(app):
    """Gunicorn copies what it holds of the body on every read; 64 KiB reads of a 10 MB upload
    copied it about 150 times over. Reads of 1 MiB take each received block once."""
    payload = PDF_BYTES + b"%" + b"x" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    body = multipart_body(payload)

    request, stream = parse_multipart(body, app)

    assert request.files["file"].read() == payload
    assert request.form["caption"] == "The plan"
    mib = 1024 * 1024
    assert stream.asked == [mib, mib, mib, len(body) - 3 * mib]  # the last one: what is left
