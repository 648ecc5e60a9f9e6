"""What every external provider of the product shares: whether sandboxes may run, the HTTP
client of a provider gateway, and the system checks of a provider's settings.

Sandboxes (the payment page, the e-signature page, the registered-mail console and the identity
operator that the portal serves itself) exist for development, tests and demos only.
``PORTAL_SANDBOX_PROVIDERS`` says whether they may run: true in ``dev`` and ``test`` settings,
always false in ``production``. When false, their pages are not routed, their providers refuse
to run (``sandbox_guard``) and ``manage.py check`` reports a sandbox configured in the settings.

Real providers are reached through an HTTP gateway (``HttpGateway``): JSON over HTTPS, a bearer
API key, an ``Idempotency-Key`` header on creations, bounded timeouts. Each interface module
documents its own endpoints (``billing.payments``, ``resiliation.providers.base``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from portal.errors import ApplicationError

logger = logging.getLogger(__name__)

SANDBOX = "sandbox"
HTTP = "http"
PROVIDER_NAMES = (HTTP, SANDBOX)
# Connect and read timeouts of every call to a provider (seconds).
TIMEOUT = (5, 30)
# Shared secrets (HMAC of notifications and webhooks): at least this many characters.
SECRET_MIN_LENGTH = 32


def sandboxes_allowed() -> bool:
    return bool(getattr(settings, "PORTAL_SANDBOX_PROVIDERS", False))


def sandbox_guard(setting: str) -> None:
    """Refuse to run a sandbox provider where sandboxes are not allowed (production)."""
    if not sandboxes_allowed():
        raise ImproperlyConfigured(
            f"{setting}=sandbox : le prestataire bac à sable est refusé par ces réglages (production). "
            f"Configurez le prestataire réel ({setting}=http)."
        )


def provider_choice(setting: str, name: str | None = None) -> str:
    """``name`` (the provider an object was handed to), else the provider ``setting`` names:
    ``http``, or ``sandbox`` where sandboxes may run; anything else is refused."""
    chosen = name or getattr(settings, setting, "")
    if chosen == SANDBOX:
        sandbox_guard(setting)
    elif chosen != HTTP:
        raise ImproperlyConfigured(f"{setting} : prestataire inconnu « {chosen} » (http ou sandbox).")
    return chosen


def is_web_url(value: str, *, https_only: bool = False) -> bool:
    parts = urlsplit(value or "")
    schemes = ("https",) if https_only else ("http", "https")
    return parts.scheme in schemes and bool(parts.netloc)


# --------------------------------------------------------------------------- the gateway


class HttpGateway:
    """A provider's JSON API. Every failure (network, timeout, an answer other than 2xx, an
    unreadable body) is an ``ApplicationError`` with a French message naming the service
    (``code="provider_unavailable"``): a page shows it, a Celery task retries on it."""

    def __init__(self, *, base_url: str, api_key: str, service: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.service = service  # e.g. "Le service de signature électronique"

    def _unavailable(self, detail: str) -> ApplicationError:
        logger.warning("%s: %s", self.service, detail)
        return ApplicationError(f"{self.service} ne répond pas correctement ({detail}). Réessayez dans quelques "
                                "minutes.", code="provider_unavailable")

    def _request(self, method: str, path: str, *, payload: dict | None = None,
                 idempotency_key: str | None = None, accept: str = "application/json") -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": accept}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(method, self.base_url + path, json=payload, headers=headers,
                                        timeout=TIMEOUT, allow_redirects=False)
        except requests.Timeout:
            raise self._unavailable("délai dépassé")
        except requests.RequestException as error:
            raise self._unavailable(f"connexion impossible : {type(error).__name__}")
        if not 200 <= response.status_code < 300:
            raise self._unavailable(f"réponse HTTP {response.status_code}")
        return response

    def post_json(self, path: str, payload: dict, *, idempotency_key: str | None = None) -> dict:
        response = self._request("POST", path, payload=payload, idempotency_key=idempotency_key)
        try:
            answer = response.json()
        except ValueError:
            raise self._unavailable("réponse illisible")
        if not isinstance(answer, dict):
            raise self._unavailable("réponse illisible")
        return answer

    def post(self, path: str, payload: dict | None = None) -> None:
        self._request("POST", path, payload=payload or {})

    def get_pdf(self, path: str) -> bytes:
        response = self._request("GET", path, accept="application/pdf")
        if not response.content.startswith(b"%PDF-"):
            raise self._unavailable("le document reçu n'est pas un PDF")
        return response.content

    def text(self, answer: dict, key: str, *, max_length: int) -> str:
        """A required string of an answer (a reference, an id), never cut."""
        value = answer.get(key)
        if not isinstance(value, str) or not value or len(value) > max_length:
            raise self._unavailable(f"« {key} » absent ou de plus de {max_length} caractères")
        return value

    def url(self, answer: dict, key: str) -> str:
        """A web address of an answer (where the user's browser goes)."""
        value = answer.get(key)
        if not isinstance(value, str) or len(value) > 500 or not is_web_url(value, https_only=not sandboxes_allowed()):
            raise self._unavailable(f"« {key} » n'est pas une adresse https:// valide")
        return value


def document_json(name: str, content: bytes) -> dict:
    """A document in a gateway's JSON body: its name and its bytes in base64."""
    return {"name": name, "content": base64.b64encode(content).decode("ascii")}


def path_segment(value: str) -> str:
    """A provider's reference as one segment of a gateway path (``/`` and the like escaped)."""
    return quote(value, safe="")


def gateway_from_settings(*, url_setting: str, key_setting: str, service: str) -> HttpGateway:
    base_url, api_key = getattr(settings, url_setting, ""), getattr(settings, key_setting, "")
    if not base_url or not api_key:
        raise ImproperlyConfigured(f"{url_setting} et {key_setting} sont nécessaires au prestataire http.")
    return HttpGateway(base_url=base_url, api_key=api_key, service=service)


# ------------------------------------------------------------------------------ checks


def provider_checks(*, app: str, setting: str, url_setting: str, key_setting: str, what: str) -> list[Error]:
    """The errors of one provider's settings (``<app>.E001`` to ``E003``)."""
    name = getattr(settings, setting, "")
    if name not in PROVIDER_NAMES:
        return [Error(f"{setting} : prestataire inconnu « {name} ».",
                      hint="Valeurs possibles : http (production), sandbox (développement et tests).",
                      id=f"{app}.E001")]
    if name == SANDBOX:
        if sandboxes_allowed():
            return []
        return [Error(f"{setting}=sandbox : le bac à sable {what} est refusé par ces réglages (production).",
                      hint=f"Configurez le prestataire réel : {setting}=http, {url_setting}=https://… et "
                           f"{key_setting}=….",
                      id=f"{app}.E002")]
    errors = []
    base_url = getattr(settings, url_setting, "")
    if not is_web_url(base_url, https_only=not sandboxes_allowed()):
        errors.append(Error(f"{url_setting} manque ou n'est pas une adresse https:// (prestataire http {what}).",
                            hint=f"L'adresse de l'API du prestataire, par exemple {url_setting}=https://api.exemple.fr/v1.",
                            id=f"{app}.E003"))
    if not getattr(settings, key_setting, ""):
        errors.append(Error(f"{key_setting} manque (prestataire http {what}).",
                            hint="La clé d'API que le prestataire vous a remise.", id=f"{app}.E003"))
    return errors


def secret_checks(*, app: str, setting: str, purpose: str) -> list[Error]:
    """Without sandboxes, a shared secret is required (no fallback derived from SECRET_KEY)."""
    if sandboxes_allowed() or len(getattr(settings, setting, "") or "") >= SECRET_MIN_LENGTH:
        return []
    return [Error(f"{setting} manque ou compte moins de {SECRET_MIN_LENGTH} caractères : {purpose}.",
                  hint=f"Le secret partagé avec le prestataire : une valeur aléatoire d'au moins "
                       f"{SECRET_MIN_LENGTH} caractères (python -c 'import secrets; print(secrets.token_urlsafe(48))').",
                  id=f"{app}.E004")]


def shared_secret(setting: str, *, derived_from: str) -> bytes:
    """The secret of ``setting``; in development and tests only, a key derived from SECRET_KEY
    when it is not set (production refuses to run without it)."""
    configured = getattr(settings, setting, "") or ""
    if configured:
        return configured.encode("utf-8")
    if not sandboxes_allowed():
        raise ImproperlyConfigured(f"{setting} manque : il est obligatoire en production.")
    return hashlib.sha256(f"{derived_from}:{settings.SECRET_KEY}".encode()).hexdigest().encode()
