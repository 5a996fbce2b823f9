"""Attachments in any S3-compatible store (AWS S3, SeaweedFS, MinIO, R2) through boto3.

One client per app. Uploads stream (multipart above a threshold), downloads are short-lived
presigned URLs so file bytes never pass through the app on the way out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
)
from flask import current_app

AUTH_ERROR_CODES = {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"}


class StorageError(Exception):
    """The file store refused or failed; `message` is safe to show to users."""

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(f"{message} ({detail})" if detail else message)
        self.message = message
        self.detail = detail


class StorageUnavailable(StorageError):
    pass


class StorageCredentialsRejected(StorageError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str


class Storage:
    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        bucket: str,
        access_key_id: str,
        secret_access_key: str,
        key_prefix: str = "",
        presign_seconds: int = 120,
        connect_timeout: int = 3,
        public_endpoint_url: str | None = None,
    ):
        self.bucket = bucket
        self.key_prefix = key_prefix.strip("/")
        self.presign_seconds = presign_seconds
        boto_config = BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=connect_timeout,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        session = boto3.session.Session()
        credentials = {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "region_name": region,
            "config": boto_config,
        }
        self.client = session.client("s3", endpoint_url=endpoint_url, **credentials)
        # Browsers may reach the store under another name than the app servers do.
        self.presign_client = (
            session.client("s3", endpoint_url=public_endpoint_url, **credentials)
            if public_endpoint_url
            else self.client
        )

    @classmethod
    def from_config(cls, config) -> Storage:
        return cls(
            endpoint_url=config["S3_ENDPOINT_URL"],
            region=config["S3_REGION"],
            bucket=config["S3_BUCKET"],
            access_key_id=config["S3_ACCESS_KEY_ID"],
            secret_access_key=config["S3_SECRET_ACCESS_KEY"],
            key_prefix=config.get("S3_KEY_PREFIX", ""),
            presign_seconds=config.get("S3_PRESIGN_SECONDS", 120),
            connect_timeout=config.get("S3_CONNECT_TIMEOUT", 3),
            public_endpoint_url=config.get("S3_PUBLIC_ENDPOINT_URL") or None,
        )

    def new_key(self, folder: str) -> str:
        """A random, unguessable key: original file names never reach the store's paths."""
        parts = [self.key_prefix, folder.strip("/"), secrets.token_urlsafe(24)]
        return "/".join(p for p in parts if p)

    def _translate(self, operation: str, exc: Exception) -> StorageError:
        """Turn a boto error into a StorageError whose message a user can act on."""
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in AUTH_ERROR_CODES:
                return StorageCredentialsRejected(
                    "The file store rejected the app's credentials. The administrators have to "
                    "check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.",
                    detail=f"{operation}: {code}",
                )
            return StorageError(
                "The file store refused the request.", detail=f"{operation}: {code}"
            )
        return StorageUnavailable(
            "The file store cannot be reached right now. Nothing was lost; please try again "
            "in a moment.",
            detail=f"{operation}: {exc}",
        )

    def _call(self, operation: str, fn, *args, **kwargs) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise self._translate(operation, exc) from exc

    def _exists(self, operation: str, fn, **kwargs) -> dict | None:
        """Call a HEAD operation; None when the object or bucket does not exist."""
        try:
            return fn(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "404",
                "NoSuchKey",
                "NoSuchBucket",
                "NotFound",
            }:
                return None
            raise self._translate(operation, exc) from exc
        except BotoCoreError as exc:
            raise self._translate(operation, exc) from exc

    def ensure_bucket(self) -> None:
        """Create the bucket if missing (development and tests; production buckets pre-exist)."""
        if self._exists("head_bucket", self.client.head_bucket, Bucket=self.bucket) is None:
            self._call("create_bucket", self.client.create_bucket, Bucket=self.bucket)

    def check(self) -> None:
        """Raise StorageError unless the bucket answers: used by /healthz."""
        self._call("head_bucket", self.client.head_bucket, Bucket=self.bucket)

    def put(self, key: str, stream: IO[bytes], *, content_type: str) -> None:
        """Stream `stream` to `key`; large bodies go up in parts without being held in memory."""
        self._call(
            "put",
            self.client.upload_fileobj,
            stream,
            self.bucket,
            key,
            ExtraArgs={"ContentType": content_type},
        )

    def get_bytes(self, key: str) -> bytes:
        response = self._call("get", self.client.get_object, Bucket=self.bucket, Key=key)
        return response["Body"].read()

    def head(self, key: str) -> StoredObject | None:
        response = self._exists("head", self.client.head_object, Bucket=self.bucket, Key=key)
        if response is None:
            return None
        return StoredObject(key, response["ContentLength"], response.get("ContentType", ""))

    def delete(self, key: str) -> None:
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=key)

    def presigned_get(
        self, key: str, *, filename: str, content_type: str, inline: bool = False
    ) -> str:
        """A short-lived download URL that names the file and fixes the content type.

        `inline` lets PDFs and images open in the browser; everything else downloads.
        """
        disposition = "inline" if inline else "attachment"
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": (
                f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            ),
        }
        return self.presign_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.presign_seconds
        )


def get_storage() -> Storage:
    return current_app.extensions["awards_storage"]
