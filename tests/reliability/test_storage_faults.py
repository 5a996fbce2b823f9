# ruff: noqa: F811 (the applicant journey's fixtures are imported by name and used as arguments)
"""SeaweedFS stopped under a running app, then started again: uploads and downloads get a clear
message, the draft's text is intact, /healthz says 503 then 200, and retrying works, all in the
same app (no restart). The store is the test's own SeaweedFS (own data directory and ports), so
the suite's shared store is not disturbed."""

from __future__ import annotations

import urllib.request

import pytest

from awards.devstack import SeaweedFS
from awards.storage import Storage
from tests.conftest import S3_ACCESS_KEY, S3_SECRET_KEY
from tests.submissions.conftest import (  # noqa: F401 (fixtures)
    PDF_BYTES,
    applicant,
    cycle,
    draft,
    organisation,
    request_ctx,
)
from tests.submissions.test_attachments import (  # noqa: F401 (fixtures)
    assert_text_intact,
    attachments_of,
    upload,
    with_text,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def own_store(app, tmp_path):
    server = SeaweedFS(tmp_path / "weed", access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY)
    server.start()
    store = Storage(
        endpoint_url=server.endpoint_url,
        region="us-east-1",
        bucket="awards-faults",
        access_key_id=S3_ACCESS_KEY,
        secret_access_key=S3_SECRET_KEY,
        connect_timeout=2,
    )
    store.ensure_bucket()
    shared = app.extensions["awards_storage"]
    app.extensions["awards_storage"] = store
    try:
        yield server
    finally:
        app.extensions["awards_storage"] = shared
        server.stop()


def _restart(server: SeaweedFS) -> None:
    ports = [server.master_port, server.volume_port, server.filer_port, server.s3_port]
    again = SeaweedFS(
        server.data_dir, access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY, ports=ports
    ).start()
    server.process = again.process


def test_storage_down_during_upload_and_download_then_back_without_restart(
    app, client, own_store, draft, db, with_text
):
    assert client.get("/healthz").status_code == 200
    assert upload(client, draft.id, PDF_BYTES, "before.pdf").status_code == 302
    [before] = attachments_of(db, draft.id)

    own_store.stop()
    refused = upload(client, draft.id, PDF_BYTES, "during.pdf")
    assert refused.status_code == 503
    assert "The file store cannot be reached right now. Nothing was lost; please try again" in (
        refused.get_data(as_text=True)
    )
    assert [a.original_name for a in attachments_of(db, draft.id)] == ["before.pdf"]
    assert_text_intact(draft, with_text)
    assert client.get("/healthz").status_code == 503
    download = client.get(f"/applications/{draft.id}/attachments/{before.id}")
    assert download.status_code in (302, 503)
    if download.status_code == 302:  # a signed link: the browser's fetch fails, nothing else
        with pytest.raises(OSError):
            urllib.request.urlopen(download.headers["Location"], timeout=5)
    else:
        assert "cannot be reached" in download.get_data(as_text=True)

    _restart(own_store)
    assert client.get("/healthz").status_code == 200
    assert upload(client, draft.id, PDF_BYTES, "during.pdf").status_code == 302
    assert [a.original_name for a in attachments_of(db, draft.id)] == ["before.pdf", "during.pdf"]
    download = client.get(f"/applications/{draft.id}/attachments/{before.id}")
    with urllib.request.urlopen(download.headers["Location"], timeout=10) as remote:
        assert remote.read() == PDF_BYTES
    assert_text_intact(draft, with_text)
