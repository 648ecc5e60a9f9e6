"""Issued and uploaded documents in an S3-compatible bucket (moto's server over HTTP): stored,
read back, private, never overwritten, and nothing on the local disk."""

import json

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from portal import storage
from portal.pdf import document_bytes, document_store
from portal.settings.base import s3_storage
from tests.s3 import CREDENTIALS, REGION, bucket_create, local_files

pytestmark = pytest.mark.django_db


def test_a_document_is_stored_in_the_bucket_and_read_back(s3_bucket):
    document = document_store(content=b"%PDF-1.7 lettre", name="lettre.pdf", content_type="application/pdf")
    assert s3_bucket.object_keys() == [document.file.name]
    assert document.file.name.startswith("documents/")
    assert s3_bucket.read(document.file.name) == b"%PDF-1.7 lettre"
    assert document_bytes(document) == b"%PDF-1.7 lettre"
    assert local_files(settings.MEDIA_ROOT) == []


def test_two_documents_with_the_same_name_are_two_objects(s3_bucket):
    first = document_store(content=b"premier", name="recu.pdf", content_type="application/pdf")
    second = document_store(content=b"second", name="recu.pdf", content_type="application/pdf")
    assert first.file.name != second.file.name
    assert document_bytes(first) == b"premier" and document_bytes(second) == b"second"
    assert len(s3_bucket.object_keys()) == 2


def test_objects_are_private(s3_bucket):
    document = document_store(content=b"secret", name="mandat.pdf", content_type="application/pdf")
    grants = s3_bucket.acl_grants(document.file.name)
    assert not [g for g in grants if g["Grantee"].get("URI", "").endswith(("AllUsers", "AuthenticatedUsers"))]
    default_storage.delete(document.file.name)
    assert s3_bucket.object_keys() == []


def test_the_storage_options_never_overwrite_and_never_publish():
    options = s3_storage(bucket_name="portail", endpoint_url="http://minio:9000")["OPTIONS"]
    assert options["file_overwrite"] is False and options["default_acl"] is None
    assert options["querystring_auth"] is True


def test_many_files_leave_the_bucket_in_batches(s3_bucket, monkeypatch):
    monkeypatch.setattr(storage, "S3_DELETE_BATCH", 2)  # S3 takes 1 000 keys a request; 2 keeps the test short
    names = [f"documents/2026/03/piece-{number}.pdf" for number in range(5)]
    for name in [*names, "documents/garde.pdf"]:
        s3_bucket.client.put_object(Bucket=s3_bucket.name, Key=name, Body=b"x")
    calls = []
    default_storage.connection.meta.client.meta.events.register(
        "before-call.s3", lambda model, **kwargs: calls.append(model.name))
    assert storage.files_delete([*names, "", "documents/absent.pdf"]) == 6
    assert calls == ["DeleteObjects"] * 3
    assert s3_bucket.object_keys() == ["documents/garde.pdf"]


def test_files_on_the_local_disk_are_deleted_one_by_one():
    kept = default_storage.save("documents/garde.pdf", ContentFile(b"x"))
    names = [default_storage.save(f"documents/piece-{number}.pdf", ContentFile(b"x")) for number in range(3)]
    assert storage.files_delete([*names, "documents/absent.pdf"]) == 4
    assert not any(default_storage.exists(name) for name in names) and default_storage.exists(kept)


STORAGE_SCRIPT = """
import json
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
name = default_storage.save("documents/essai.txt", ContentFile(b"contenu"))
with default_storage.open(name, "rb") as handle:
    content = handle.read().decode()
print(json.dumps({"backend": type(default_storage._wrapped).__name__, "name": name, "content": content,
                  "location": getattr(default_storage, "location", None)}))
"""


def run_storage_script(tmp_path, **env) -> dict:
    from tests.portal.test_clock import manage
    from tests.production import PRODUCTION, REAL_PROVIDERS

    result = manage("shell", "-c", STORAGE_SCRIPT, settings_module="portal.settings.production",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
                    **PRODUCTION, **REAL_PROVIDERS, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_environment_switches_production_to_the_bucket(tmp_path, s3_server):
    bucket = bucket_create(s3_server)
    answer = run_storage_script(tmp_path, AWS_STORAGE_BUCKET_NAME=bucket.name, AWS_S3_ENDPOINT_URL=s3_server,
                                AWS_S3_REGION_NAME=REGION, AWS_LOCATION="portail", **CREDENTIALS)
    assert answer == {"backend": "S3Storage", "name": "documents/essai.txt", "content": "contenu",
                      "location": "portail"}
    assert bucket.object_keys() == ["portail/documents/essai.txt"]
    assert local_files(tmp_path / "media") == []


def test_without_a_bucket_files_stay_on_the_local_disk(tmp_path):
    answer = run_storage_script(tmp_path, AWS_STORAGE_BUCKET_NAME="")
    assert answer["backend"] == "FileSystemStorage" and answer["content"] == "contenu"
    assert local_files(tmp_path / "media") == ["documents/essai.txt"]
