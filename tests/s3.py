"""An S3-compatible server for the tests: moto's, in this process, over real HTTP on the loopback.

``s3_bucket`` points ``STORAGES["default"]`` at a new, empty private bucket, with the options the
settings build from ``AWS_STORAGE_BUCKET_NAME`` (``portal.settings.base.s3_storage``): what the
code under test writes, reads and deletes then goes through django-storages' ``S3Storage``,
boto3 and HTTP, as with AWS or MinIO. Nothing is mocked in between.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import boto3
import pytest

from portal.settings.base import s3_storage

REGION = "eu-west-3"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "portail-test", "AWS_SECRET_ACCESS_KEY": "portail-test-secret"}


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of moto's S3 server (one per test process)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    endpoint_url: str
    client: object

    def object_keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def acl_grants(self, key: str) -> list[dict]:
        return self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]


def bucket_create(endpoint_url: str) -> Bucket:
    client = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION,
                          aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    name = f"portail-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Bucket(name=name, endpoint_url=endpoint_url, client=client)


@pytest.fixture
def s3_bucket(s3_server, settings, monkeypatch) -> Bucket:
    """Files go to a new bucket of the S3 server for this test (and nowhere on disk)."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    bucket = bucket_create(s3_server)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket_name=bucket.name, endpoint_url=s3_server, region_name=REGION),
    }
    return bucket


def local_files(root) -> list[str]:
    """Files under a folder (MEDIA_ROOT): none may be written there while the bucket is used."""
    from pathlib import Path

    root = Path(root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []
