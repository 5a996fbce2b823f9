"""The S3 module against a real SeaweedFS."""

import io
import urllib.request

import pytest

from awards.storage import (
    Storage,
    StorageCredentialsRejected,
    StorageUnavailable,
)
from tests.conftest import S3_ACCESS_KEY


def test_storage_round_trip_put_head_get_delete(storage):
    key = storage.new_key("tests")
    payload = b"%PDF-1.4 hello" * 1000
    storage.put(key, io.BytesIO(payload), content_type="application/pdf")
    head = storage.head(key)
    assert head is not None
    assert head.size == len(payload)
    assert head.content_type == "application/pdf"
    assert storage.get_bytes(key) == payload
    storage.delete(key)
    assert storage.head(key) is None


def test_storage_streams_a_multipart_upload(storage):
    key = storage.new_key("tests")
    payload = bytes(range(256)) * (40 * 4096)  # 40 MiB: above boto3's multipart threshold
    storage.put(key, io.BytesIO(payload), content_type="application/octet-stream")
    assert storage.head(key).size == len(payload)
    storage.delete(key)


def test_storage_keys_are_random_and_prefixed(app):
    storage = Storage.from_config({**app.config, "S3_KEY_PREFIX": "gza/"})
    first, second = storage.new_key("attachments"), storage.new_key("attachments")
    assert first.startswith("gza/attachments/")
    assert first != second
    assert len(first.rsplit("/", 1)[1]) >= 32


def test_presigned_url_downloads_the_file_with_its_name(storage):
    key = storage.new_key("tests")
    storage.put(key, io.BytesIO(b"plan contents"), content_type="application/pdf")
    url = storage.presigned_get(key, filename="Plan Bogotá.pdf", content_type="application/pdf")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"plan contents"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''Plan%20Bogot%C3%A1.pdf" in disposition
        assert response.headers["Content-Type"] == "application/pdf"


def test_presigned_url_stops_working_after_it_expires(app, storage):
    import time
    import urllib.error

    short = Storage.from_config({**app.config, "S3_PRESIGN_SECONDS": 1})
    key = storage.new_key("tests")
    storage.put(key, io.BytesIO(b"secret"), content_type="text/plain")
    url = short.presigned_get(key, filename="a.txt", content_type="text/plain")
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(url, timeout=10)
    assert excinfo.value.code == 403


def test_wrong_credentials_give_a_clear_error(app, seaweed):
    wrong = Storage.from_config(
        {**app.config, "S3_ACCESS_KEY_ID": S3_ACCESS_KEY, "S3_SECRET_ACCESS_KEY": "wrong-secret"}
    )
    with pytest.raises(StorageCredentialsRejected) as excinfo:
        wrong.put("tests/x", io.BytesIO(b"x"), content_type="text/plain")
    assert "rejected the app's credentials" in excinfo.value.message
    assert "S3_SECRET_ACCESS_KEY" in excinfo.value.message


def test_unreachable_endpoint_gives_a_clear_error(app):
    down = Storage.from_config(
        {**app.config, "S3_ENDPOINT_URL": "http://127.0.0.1:9", "S3_CONNECT_TIMEOUT": 1}
    )
    with pytest.raises(StorageUnavailable) as excinfo:
        down.put("tests/x", io.BytesIO(b"x"), content_type="text/plain")
    assert "cannot be reached" in excinfo.value.message
    with pytest.raises(StorageUnavailable):
        down.check()
