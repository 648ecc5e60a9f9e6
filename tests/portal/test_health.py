"""``/sante/`` for load balancers: 200 when the database, the broker and the storage answer, 503
naming the part that failed; public, nothing personal, never cached, cheap; answered before
ALLOWED_HOSTS and the HTTPS redirect."""

import json

import pytest

from portal.celery import app
from portal.settings.base import s3_storage
from tests.portal.test_clock import manage
from tests.production import PRODUCTION, REAL_PROVIDERS
from tests.s3 import REGION

pytestmark = pytest.mark.django_db

ALL_OK = {"database": True, "broker": True, "storage": True}


def statuses(body: dict) -> dict:
    return {name: check["ok"] for name, check in body["checks"].items()}


@pytest.mark.parametrize("path", ["/sante/", "/healthz"])
def test_everything_answers(client, path, django_assert_num_queries, settings):
    with django_assert_num_queries(1):  # SELECT 1
        response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == [] and statuses(body) == ALL_OK
    assert all(set(check) == {"ok", "ms"} for check in body["checks"].values())
    assert "no-store" in response["Cache-Control"] and "Set-Cookie" not in response
    assert list((settings.MEDIA_ROOT / "sante").iterdir()) == []  # the probe file is deleted


def test_head_is_answered_and_other_methods_are_not(client):
    assert client.head("/sante/").status_code == 200
    assert client.post("/sante/").status_code == 405


def test_a_broker_that_does_not_answer(client, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens there
    response = client.get("/sante/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["failed"] == ["broker"]
    assert statuses(body) == {**ALL_OK, "broker": False}
    assert body["checks"]["broker"]["error"] == "OperationalError"
    assert "127.0.0.1" not in response.content.decode()  # the details go to the log only


def test_a_filesystem_broker_without_its_folder(client, monkeypatch, tmp_path):
    options = {**app.conf.broker_transport_options, "data_folder_in": str(tmp_path / "absent")}
    monkeypatch.setitem(app.conf, "broker_url", "filesystem://")
    monkeypatch.setitem(app.conf, "broker_transport_options", options)
    response = client.get("/sante/")
    assert response.status_code == 503 and response.json()["failed"] == ["broker"]


def test_a_missing_bucket(client, settings, s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "portail-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "portail-test-secret")
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(
        bucket_name="seau-absent", endpoint_url=s3_server, region_name=REGION)}
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"] and response.json()["checks"]["storage"]["error"] == "NoSuchBucket"


def test_a_bucket_that_answers(client, s3_bucket):
    response = client.get("/sante/")
    assert response.status_code == 200 and statuses(response.json()) == ALL_OK
    assert s3_bucket.object_keys() == []  # written, read back, deleted


def test_a_local_disk_that_cannot_be_written(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "a-file"
    settings.MEDIA_ROOT.write_text("not a folder")
    response = client.get("/sante/")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


PROBE = """
import json
from django.test import Client
client = Client(HTTP_HOST="10.0.3.7:8000")  # a load balancer's probe: the machine's own address, plain HTTP
health = client.get("/sante/")
page = client.get("/compte/connexion/")
print(json.dumps({"health": health.status_code, "body": json.loads(health.content), "page": page.status_code}))
"""


def probe(tmp_path, **env) -> dict:
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
                   "REDIS_URL": "", **PRODUCTION, **REAL_PROVIDERS, **env}
    result = manage("shell", "-c", PROBE, settings_module="portal.settings.production", **environment)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_probe_with_the_machine_s_address_over_http_gets_its_answer_in_production(tmp_path):
    answer = probe(tmp_path, SECURE_SSL_REDIRECT="true")
    assert answer["health"] == 200 and statuses(answer["body"]) == ALL_OK
    assert answer["page"] == 400  # any other page: ALLOWED_HOSTS still applies


def test_a_database_that_does_not_answer(tmp_path):
    answer = probe(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/absent")  # nothing listens there
    assert answer["health"] == 503
    assert answer["body"]["failed"] == ["database"] and answer["body"]["checks"]["database"]["error"] == "OperationalError"
    assert statuses(answer["body"]) == {**ALL_OK, "database": False}


def test_compose_runs_the_stack_on_its_bucket_and_probes_sante():
    import yaml
    from django.conf import settings

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "/sante/" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        environment, depends = services[name]["environment"], services[name]["depends_on"]
        assert environment["AWS_STORAGE_BUCKET_NAME"] == "${AWS_STORAGE_BUCKET_NAME:-portail}"
        assert environment["AWS_S3_ENDPOINT_URL"].endswith("http://minio:9000}")
        assert environment["LOG_FORMAT"] == "${LOG_FORMAT:-json}"
        assert depends["minio-setup"] == {"condition": "service_completed_successfully"}
        assert not any(str(volume).endswith("/data/media") for volume in services[name].get("volumes", []))
    setup = services["minio-setup"]
    assert setup["environment"]["BUCKET"] == "${AWS_STORAGE_BUCKET_NAME:-portail}"
    assert 'mc mb --ignore-existing "store/$$BUCKET"' in setup["command"][0]
    assert setup["depends_on"]["minio"] == {"condition": "service_healthy"}
    assert "--access-logfile" not in " ".join(services["web"]["command"])
