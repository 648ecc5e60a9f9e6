"""No input makes the portal answer 500: every page, filter, form field and path id, for every role.

The test discovers what to send by itself, so a new page or field is fuzzed without editing it:

1. it crawls the site from every URL of the resolver that takes no argument, following the links,
   frames, htmx attributes and forms of each rendered page (the real ids of the user's rows);
2. each GET filter and each POST field of each form found is sent wrong values — letters for
   numbers, 99999999999999999999999, -1, empty, very long strings, NUL bytes, superscript digits,
   impossible dates, lists, bad files —, all fields at once and field by field;
3. every route of the resolver is requested with huge, zero, foreign (another organisation's) and
   malformed path ids;
4. the API is fuzzed from its OpenAPI schema (query parameters and request bodies).

Every answer must be below 500; a file served must carry ``nosniff`` and never be HTML.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from portal import clock
from portal import services as portal_services
from portal.models import Area, Role
from tests import profiles
from tests.files import PDF_BYTES, PNG_BYTES

ROLES = ["admin", "collaborator", "clerk", "anonymous"]
HUGE = "99999999999999999999999"
SUPERSCRIPT = "²" * 16  # str.isdigit() says yes, int() says no
BAD_VALUES = ("abc", HUGE, "-1", "", SUPERSCRIPT, "\x00", "x" * 3000, "2026-02-30")
FIELD_VALUES = ("abc", HUGE, "\x00", SUPERSCRIPT)  # one field wrong, the others as the page filled them
ADMIN_VALUES = ("abc", HUGE)  # the Django admin's own forms: fewer rounds, they are many
PATH_INTS = (HUGE, "0")
PATH_STRINGS = ("abc", "x" * 300, "%00", "..%2F..%2F")
SKIPPED_PATHS = ("/static/", "/media", "/compte/deconnexion/", "/admin/logout/", "/api/docs/")
PAGES_PER_NAME = 3  # crawl at most this many distinct paths of one URL name (e.g. two letters)…
ADMIN_PAGES_PER_NAME = 1  # … one for the admin's generic pages (every change page has the same form)
FORMSET_MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
CPU_BUDGET = 200 if profiles.THOROUGH else 40  # seconds of CPU per role: the fuzz must stay a matter of seconds


def bad_files():
    return [SimpleUploadedFile("vide.pdf", b""), SimpleUploadedFile("page.pdf", b"<html><script>x</script>"),
            SimpleUploadedFile("nul\x00.pdf", b"\x00" * 64)]


# ------------------------------------------------------------------------------ the world


def build_world():
    """Two organisations with rows in every module, built through the services."""
    from amiable import cycle, letters
    from amiable import services as amiable_services
    from amiable.models import Case, Letter
    from billing import purchases
    from billing.payments import SandboxProvider
    from billing.services import price_list_install_defaults
    from portal.businessdays import BusinessCalendar
    from resiliation import services as resiliation_services
    from resiliation.insurers import insurers_load
    from resiliation.models import Insurer

    calendar = BusinessCalendar()
    price_list_install_defaults()
    insurers_load(Insurer)
    insurer = Insurer.objects.get(name="MAAF ASSURANCES")
    users = {}
    for index, orias in enumerate(["07000001", "07000002"]):
        org = portal_services.organisation_create(orias=orias, name=f"Cabinet {index}", trade_name=f"Cabinet {index}",
                                                  address_line1="1 rue des Fleurs", postal_code="38000",
                                                  city="Grenoble")
        admin = portal_services.user_create(email=f"admin{index}@test.fr", password=None, role=Role.ADMINISTRATOR,
                                            organisation=org, first_name="Ada", last_name=f"Admin{index}")
        collaborator = portal_services.user_create(email=f"collab{index}@test.fr", password=None,
                                                   role=Role.COLLABORATOR, organisation=org, first_name="Colin",
                                                   last_name=f"Collab{index}")
        portal_services.emissions_import(rows=[portal_services.EmissionRow(
            reference=f"EM-{index}", policy_number=f"P-{index}", member_number=f"M-{index}",
            company_name=f"SOCIÉTÉ {index}", broker_orias=orias, broker_manages=True, due_date=date(2026, 2, 2),
            amount=Decimal("1000.00"))])
        portal_services.contact_add(organisation=org, email=f"compta{index}@test.fr", is_accounting=True)
        cycle.amiable_tick(today=date(2026, 2, 12), calendar=calendar)
        case = Case.objects.get(premium_call__reference=f"EM-{index}")
        portal_services.delegation_profile_create(
            organisation=org, name="Tout", members=[case.policy.member], collaborators=[collaborator],
            areas=[Area.AMIABLE, Area.RESILIATION, Area.BILLING, Area.COMMISSIONS])
        for letter in Letter.objects.filter(case=case):
            letters.letter_render(letter_id=letter.id)
        if index == 0:
            amiable_services.case_answer(case=case, by=admin, requested=True, reason="other", comment="Échéancier",
                                         today=date(2026, 2, 13), calendar=calendar,
                                         document=SimpleUploadedFile("echeancier.pdf", PDF_BYTES))
        provider = SandboxProvider()
        now = clock.local_now()
        purchase, _ = purchases.credit_purchase_start(organisation=org, amount=Decimal("100.00"), by=admin,
                                                      provider=provider, now=now)
        payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=now)
        purchases.credit_purchase_notify(provider=provider, payload=payload, signature=signature, now=now,
                                         today=clock.business_today())
        subscriber = resiliation_services.SubscriberData(
            civility="M", last_name="Dupont", first_name="Jean", address_line1="2 rue des Fleurs",
            postal_code="38000", city="Grenoble", email="jean.dupont@client.test")
        contract = resiliation_services.ContractData(contract_type="auto", reference="1234", reason="main_due_date",
                                                     main_due_date=date(2026, 7, 1))
        resiliation_services.orias_certificate_add(
            organisation=org, by=admin, upload=SimpleUploadedFile("orias.pdf", PDF_BYTES),
            valid_until=date(2026, 12, 31), today=clock.business_today())
        agency = resiliation_services.letter_create(by=admin, subscriber=subscriber, insurer=insurer,
                                                    contract=contract)
        resiliation_services.letter_attachment_add(letter=agency, upload=SimpleUploadedFile("piece.png", PNG_BYTES))
        resiliation_services.letter_mandate_choose(letter=agency, choice="scan", today=clock.business_today(),
                                      upload=SimpleUploadedFile("mandat.pdf", PDF_BYTES))
        platform = resiliation_services.letter_create(by=admin, subscriber=subscriber, insurer=insurer,
                                                      contract=contract)
        resiliation_services.letter_sender_mode_set(letter=platform, mode="platform")
        managed = resiliation_services.letter_create(by=admin, subscriber=subscriber, insurer=insurer,
                                                     contract=contract)
        resiliation_services.letter_manager_set(letter=managed, manager=collaborator, by=admin)
        users[index] = {"admin": admin, "collaborator": collaborator}
        portal_services.payments_import(rows=[portal_services.PaymentRow(f"EM-{index}", Decimal("100.00"),
                                                                         date(2026, 2, 20), f"PAY-{index}")],
                                        today=clock.business_today())
    # Commissions (issue 13 §3): February's statements of both organisations.
    from commissions.services import statements_issue

    statements_issue(period_start=date(2026, 2, 1), today=clock.business_today())
    _certificates_world(users)
    clerk = portal_services.user_create(email="compta@auxiliaire.test", password=None, role=Role.ACCOUNTING,
                                        first_name="Camille", last_name="Compta")
    return {"admin": users[0]["admin"], "collaborator": users[0]["collaborator"], "clerk": clerk,
            "anonymous": None, "foreign": users[1]["admin"]}


def _certificates_world(users):
    """A product with its guarantees on every policy, the certificates area for the collaborators
    and a certificate per organisation."""
    from certificates import services as certificate_services
    from certificates.models import ProductGuarantee
    from portal.models import Policy, Product

    product = Product.objects.create(code="fuzz", name="Multirisque")
    ProductGuarantee.objects.create(product=product, label="Responsabilité civile", limit="1 000 000 €")
    Policy.objects.update(product=product)
    today = clock.business_today()
    for index, people in users.items():
        policy = Policy.objects.get(number=f"P-{index}")
        portal_services.delegation_profile_create(
            organisation=people["admin"].organisation, name="Attestations", members=[policy.member],
            collaborators=[people["collaborator"]], areas=[Area.CERTIFICATES])
        certificate_services.certificate_issue(by=people["admin"], policy_id=policy.id, period_start=today,
                                               period_end=date(today.year, 12, 31), today=today)


# -------------------------------------------------------------------------- discovering


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # where a user types (text, search, textarea)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: one is sent
    steps: tuple = ()  # the forms submitted (as filled) on the way to the page that shows this one

    def identity(self) -> tuple:
        return self.action, tuple(sorted((key, str(value)) for key, value in self.fields.items()
                                         if key != "csrfmiddlewaretoken"))


class PageParser(HTMLParser):
    """Links, frames, htmx targets and forms (with the values the page put in them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        for name in ("href", "src", "hx-get", "action"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "form":
            method = "post" if attrs.get("hx-post") or attrs.get("method", "").lower() == "post" else "get"
            self._form = Form(method, attrs.get("hx-post") or attrs.get("hx-get") or attrs.get("action") or "")
            return
        if tag == "option" and self._select and self._form is not None and (
                "selected" in attrs or not self._form.fields.get(self._select)):
            self._form.fields[self._select] = attrs.get("value", "")
        name = attrs.get("name")
        if not name:
            return
        form = self._form
        if form is None and (attrs.get("hx-get") or attrs.get("hx-post")):  # a lone htmx control
            form = Form("post" if attrs.get("hx-post") else "get", attrs.get("hx-post") or attrs.get("hx-get"))
            self.forms.append(form)
        if form is None:
            return
        kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
        if kind == "submit" and tag in ("input", "button"):
            form.buttons.append((name, attrs.get("value", "")))
        elif tag == "input" and kind == "file":
            form.files.append(name)
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs or name not in form.fields:
                form.fields[name] = attrs.get("value", "on")
        elif tag in ("input", "textarea", "button"):
            form.fields.setdefault(name, attrs.get("value", ""))
            if tag == "textarea" or kind in ("text", "search"):
                form.texts.append(name)
        elif tag == "select":
            self._select = name
            form.fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if self._form.buttons:  # the first button is the one a user clicks to go on
                self._form.fields.update([self._form.buttons[0]])
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def routes(patterns=None, prefix="", namespace=""):
    """Every route of the resolver: (full route, URL name, view module)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}", pattern.callback.__module__


ROUTE_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


@functools.cache
def our_modules() -> tuple[str, ...]:
    """The project's apps (those in the repository, not the installed libraries): a new app's
    pages are in the fuzz's « every page was requested » check without editing this file."""
    base = Path(settings.BASE_DIR).resolve()
    return tuple(f"{config.name}." for config in apps.get_app_configs()
                 if Path(config.path).resolve().is_relative_to(base) and ".venv" not in Path(config.path).parts)


def ours(route: str, module: str) -> bool:
    """Our pages and API, and our own admin views (the Django admin's generic pages are
    reached by the crawl instead)."""
    return "^" not in route and "(?P" not in route and module.startswith(our_modules())


class Fuzzer:
    def __init__(self, client: Client, *, deadline: float = 0) -> None:
        self.client = client
        self.failures: list[str] = []
        self.requested: set[str] = set()
        self.count = 0
        self.deadline = deadline

    def send(self, method: str, url: str, data=None, *, json_body=None, **extra):
        assert time.process_time() < self.deadline, "le fuzz dépasse son budget de temps (CPU)"
        parts = urlsplit(url)
        if data is None and parts.query:
            data = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.count += 1
        label = f"{method.upper()} {parts.path} {_short(data if json_body is None else json_body)}"
        try:
            with _savepoint():  # a failure rolls back to here: the next request starts clean
                if json_body is not None:
                    response = getattr(self.client, method)(parts.path, json.dumps(json_body),
                                                            content_type="application/json", **extra)
                else:
                    response = getattr(self.client, method)(parts.path, data or {}, **extra)
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
        except Exception as error:  # the test client re-raises what the view raised
            self.failures.append(f"{label} → {type(error).__name__}: {str(error)[:160]}")
            return None
        with contextlib.suppress(Resolver404):
            self.requested.add(resolve(parts.path).view_name)
        if response.status_code >= 500:
            self.failures.append(f"{label} → {response.status_code}")
        disposition = response.get("Content-Disposition", "")
        if disposition and response.get("X-Content-Type-Options") != "nosniff":
            self.failures.append(f"{label} → fichier servi sans nosniff")
        if disposition and "html" in response.get("Content-Type", ""):
            self.failures.append(f"{label} → fichier servi en HTML")
        return response


def _savepoint():
    """A savepoint marked as the test's own (as Django's TestCase marks its atomics), so that
    pages rendering a PDF do not take it for a business transaction."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    return atomic


def _short(data) -> str:
    text = repr(data)
    return text if len(text) < 120 else text[:117] + "…"


def _local(url: str, base: str) -> str | None:
    """A same-site URL (relative ones resolved against the page), without its fragment."""
    url = url.split("#", 1)[0]
    if not url or url.startswith(("http:", "https:", "mailto:", "tel:", "javascript:", "data:", "blob:", "//")):
        return None
    if url.startswith("?"):
        url = urlsplit(base).path + url
    elif not url.startswith("/"):
        url = urlsplit(base).path.rsplit("/", 1)[0] + "/" + url
    return None if url.startswith(SKIPPED_PATHS) else url


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@dataclass
class Site:
    """What the crawl found: pages by path, GET parameters by URL name, forms to fuzz."""

    paths: dict[str, str] = field(default_factory=dict)  # path → URL name, of pages that answered
    pages: set[str] = field(default_factory=set)  # URL names that answered an HTML page
    seen: set[str] = field(default_factory=set)
    per_name: dict[str, int] = field(default_factory=dict)
    get_params: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: dict[tuple, Form] = field(default_factory=dict)  # one per URL name and field names
    submissions: list[Form] = field(default_factory=list)  # every distinct filled form, to send once


PROBE = "as"  # what the crawl types in an empty search box (two letters, as in « assurances »)


def crawl(fuzzer: Fuzzer, starts: list[str], *, site: Site | None = None, steps: tuple = (),
          limit: int = 400) -> Site:
    """Follow links, frames, htmx targets, GET forms (as filled, and with a word typed in their
    empty text boxes) and redirects; ``steps`` are the submissions that led here."""
    site = site or Site()
    queue, redirected = list(starts), set()
    while queue and len(site.seen) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        name = _view_name(path)
        cap = ADMIN_PAGES_PER_NAME if name and name.startswith("admin:") else PAGES_PER_NAME
        if name is None or url in site.seen or url in redirected or site.per_name.get(name, 0) >= cap:
            continue
        response = fuzzer.send("get", url)
        if response is not None and response.status_code in (301, 302, 303) and response.get("Location"):
            redirected.add(url)  # another state (a session step) may open it later
            target = _local(response["Location"], path)
            if target:
                queue.append(target)
            continue
        site.seen.add(url)
        site.per_name[name] = site.per_name.get(name, 0) + 1
        site.paths.setdefault(path, name)
        if response is None or "html" not in response.get("Content-Type", "") or response.status_code != 200:
            continue
        site.pages.add(name)
        parser = PageParser()
        parser.feed(response.content.decode(errors="replace"))
        for link in parser.links:
            target = _local(link, url)
            if target is None:
                continue
            query = urlsplit(target).query
            target_name = _view_name(urlsplit(target).path)
            if query and target_name:
                site.get_params.setdefault(target_name, {}).update(parse_qsl(query, keep_blank_values=True))
            queue.append(target)
        for form in parser.forms:
            action = _local(form.action, url) if form.action else path
            if action is None or _view_name(urlsplit(action).path) is None:
                continue
            action_path, action_name = urlsplit(action).path, _view_name(urlsplit(action).path)
            if form.method == "get":
                site.get_params.setdefault(action_name, {}).update(form.fields)
                queue.append(f"{action_path}?{urlencode(form.fields)}")
                typed = {key: PROBE if key in form.texts and not value else value for key, value in form.fields.items()}
                if typed != form.fields:
                    queue.append(f"{action_path}?{urlencode(typed)}")
                continue
            found = Form("post", action_path, dict(form.fields), list(form.files), list(form.texts), steps=steps)
            known = {submission.identity() for submission in site.submissions}
            for button in form.buttons[1:] or [None]:  # each other button: the same form sent with it
                variant = found
                if button is not None:
                    fields = {key: value for key, value in found.fields.items() if key != form.buttons[0][0]}
                    variant = Form("post", action_path, {**fields, button[0]: button[1]}, steps=steps)
                for submission in (found, variant):
                    if not action_name.startswith("admin:") and submission.identity() not in known:
                        known.add(submission.identity())
                        site.submissions.append(submission)
            site.forms.setdefault((action_name, tuple(sorted(form.fields)), tuple(form.files)), found)
    return site


# ---------------------------------------------------------------------------- the rounds


def one_by_one(names) -> list[tuple[str, str]]:
    """Each name with one of the wrong values, in turn, so that every value meets many fields
    alone (all the values meet every field in the all-at-once rounds); the thorough profile
    (``make test-thorough``) sends every wrong value to every field alone."""
    if profiles.THOROUGH:
        return [(name, value) for name in names for value in FIELD_VALUES]
    return [(name, FIELD_VALUES[index % len(FIELD_VALUES)]) for index, name in enumerate(names)]


def fuzz_filters(fuzzer: Fuzzer, site: Site) -> None:
    """Each page's GET parameters: all wrong at once (each value), then one by one (files and
    PDFs rendered on the fly take no parameter worth a round: their ids are fuzzed in the path)."""
    first_path = {}
    for path, name in site.paths.items():
        if name in site.pages:
            first_path.setdefault(name, path)
    for name, params in site.get_params.items():
        path = first_path.get(name)
        if path is None or not params:
            continue
        admin = name.startswith("admin:")
        for value in ADMIN_VALUES if admin else BAD_VALUES:
            fuzzer.send("get", path, dict.fromkeys(params, value))
        fuzzer.send("get", path, dict.fromkeys(params, ["1", "abc"]))  # lists where one value is expected
        fuzzer.send("get", path, dict.fromkeys(params, HUGE), HTTP_HX_REQUEST="true")
        for key, value in [] if admin else one_by_one(params):
            fuzzer.send("get", path, {**params, key: value})


def fuzz_forms(fuzzer: Fuzzer, site: Site) -> None:
    """Each filled form is sent once as the page filled it, and the crawl goes on where it leads
    (a payment page, the wizard's next step, a sent letter…); each form is then fuzzed — every
    field wrong at once (each value), field by field, bad files, lists — after replaying the
    submissions that led to its page (the session is then in the state its page had)."""
    sent, fuzzed = set(), set()
    while True:
        submissions = [form for form in site.submissions if form.identity() not in sent]
        keys = [key for key in site.forms if key not in fuzzed]
        if not submissions and not keys:
            return
        for form in submissions:
            sent.add(form.identity())
            if _view_name(form.action) in ("logout",):
                continue
            replay(fuzzer, form.steps)
            response = fuzzer.send("post", form.action, form.fields)
            target = _local(response.get("Location", ""), form.action) if response is not None else None
            if target:
                crawl(fuzzer, [target], site=site, steps=(*form.steps, form))
        for key in keys:
            fuzzed.add(key)
            fuzz_form(fuzzer, key[0], site.forms[key])


def replay(fuzzer: Fuzzer, steps: tuple) -> None:
    for step in steps:
        fuzzer.send("post", step.action, step.fields)


def fuzz_form(fuzzer: Fuzzer, name: str, form: Form) -> None:
    if name in ("logout", "admin:logout") or name.endswith("_delete"):  # the admin deletes on any POST
        return
    admin = name.startswith("admin:")
    replay(fuzzer, form.steps)
    if admin:
        # The management fields of inline formsets keep their values: Django caps a huge form
        # count at 2 000 forms, which answers correctly but slowly.
        for value in ADMIN_VALUES:
            fuzzer.send("post", form.action, {key: default if key.endswith(FORMSET_MANAGEMENT) else value
                                              for key, default in form.fields.items()})
        return
    for value in BAD_VALUES:
        fuzzer.send("post", form.action, dict.fromkeys(form.fields, value))
    fuzzer.send("post", form.action, {})
    fuzzer.send("post", form.action, dict.fromkeys(form.fields, ["1", "abc"]))
    for key, value in one_by_one(form.fields):
        fuzzer.send("post", form.action, {**form.fields, key: value})
    for key in form.files:
        for upload in bad_files():
            fuzzer.send("post", form.action, {**form.fields, key: upload})
        fuzzer.send("post", form.action, {**form.fields, key: "pas un fichier"})


def fuzz_paths(fuzzer: Fuzzer, site: Site, foreign: Site) -> None:
    """Every route: huge, zero and malformed ids, then the other organisation's real paths."""
    real = {}
    for path, name in site.paths.items():
        real.setdefault(name, resolve(path).kwargs)
    for route, name, module in routes():
        if not ours(route, module):
            continue
        arguments = ROUTE_ARGUMENT.findall(route)
        if not arguments:
            continue
        for position, (converter, _) in enumerate(arguments):
            wrongs = PATH_INTS if converter == "int" else PATH_STRINGS
            for wrong in wrongs:
                values = {}
                for other, (_, other_kwarg) in enumerate(arguments):
                    values[other_kwarg] = wrong if other == position else str(real.get(name, {}).get(other_kwarg, 1))
                path = "/" + ROUTE_ARGUMENT.sub(lambda match, values=values: values[match.group(2)], route)
                fuzzer.send("get", path)
                fuzzer.send("post", path, {"id": wrong})
    for path, name in foreign.paths.items():
        if "<" not in path and resolve(path).kwargs and not name.startswith("admin:"):
            fuzzer.send("get", path)
            fuzzer.send("post", path, {"pk": HUGE})


JSON_VALUES = ("abc", 10**23, -1, "", None, [], {}, "\x00", "x" * 3000, "2026-02-30", 1.5)


def fuzz_api(fuzzer: Fuzzer) -> None:
    """The API, from its OpenAPI schema: query parameters and request bodies, ids huge or real."""
    response = fuzzer.send("get", "/api/schema/", {"format": "json"})
    if response is None or response.status_code != 200:
        return
    schema = json.loads(response.content)
    ids = set()
    for path, operations in schema.get("paths", {}).items():
        if "{" not in path and "get" in operations:
            listing = fuzzer.send("get", path)
            if listing is not None and listing.get("Content-Type", "").startswith("application/json"):
                ids |= {int(v) for v in re.findall(r'"id":\s*(\d+)', listing.content.decode())}
    for path, operations in schema.get("paths", {}).items():
        concrete = [re.sub(r"\{\w+\}", value, path) for value in [HUGE, *map(str, sorted(ids)[:1])]]
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            body = operation.get("requestBody", {}).get("content", {})
            properties = {}
            for media in body.values():
                properties |= _properties(media.get("schema", {}), schema)
            for url in concrete if "{" in path else [path]:
                for value in BAD_VALUES[:8]:
                    fuzzer.send(method, url, dict.fromkeys(query, value) if method == "get" else None,
                                **({} if method == "get" else {"json_body": dict.fromkeys(properties, value)}))
                if method == "get":
                    continue
                for value in JSON_VALUES:
                    fuzzer.send(method, url, json_body=dict.fromkeys(properties, value))
                    fuzzer.send(method, url, json_body=[dict.fromkeys(properties, value)])
                fuzzer.send(method, url, json_body=["abc", None, 10**23])
                fuzzer.send(method, url, dict.fromkeys(properties, "abc"))  # form-encoded


def _properties(node: dict, schema: dict, depth: int = 0) -> dict:
    if depth > 5:
        return {}
    if "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {})
        return _properties(target, schema, depth + 1)
    if node.get("type") == "array":
        return _properties(node.get("items", {}), schema, depth + 1)
    found = dict(node.get("properties", {}))
    for combined in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
        found |= _properties(combined, schema, depth + 1)
    return found


# -------------------------------------------------------------------------------- the test


def logged_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def start_urls() -> list[str]:
    return ["/" + route for route, name, _ in routes()
            if name and "<" not in route and "^" not in route and "(?P" not in route and name != "logout"]


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_input_makes_a_server_error(role, settings):
    settings.PORTAL_BASE_URL = "http://127.0.0.1:9"  # sandbox webhooks never leave the test
    world = build_world()
    deadline = time.process_time() + CPU_BUDGET
    foreign = crawl(Fuzzer(logged_in(world["foreign"]), deadline=deadline), start_urls(), limit=120)
    fuzzer = Fuzzer(logged_in(world[role]), deadline=deadline)
    site = crawl(fuzzer, start_urls())
    fuzz_forms(fuzzer, site)
    fuzz_filters(fuzzer, site)
    fuzz_paths(fuzzer, site, foreign)
    fuzz_api(fuzzer)
    assert not fuzzer.failures, f"{len(fuzzer.failures)} erreur(s) serveur sur {fuzzer.count} requêtes :\n" + \
        "\n".join(fuzzer.failures[:60])
    # The crawl and the path round reached every page of ours (the fuzz cannot silently shrink).
    missing = {name for route, name, module in routes() if name and ours(route, module)} - fuzzer.requested
    assert not missing, f"Pages jamais demandées : {sorted(missing)}"
    if role != "anonymous":
        assert len(site.forms) >= (1 if role == "clerk" else 10), sorted(site.forms)


# ----------------------------------------------- the review's cases, with their French messages


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.mark.django_db
def test_the_reviews_wrong_inputs_get_french_messages_and_change_nothing(settings):
    from resiliation.models import TerminationLetter

    settings.PORTAL_BASE_URL = "http://127.0.0.1:9"
    world = build_world()
    admin = world["admin"]
    client = logged_in(admin)
    platform = TerminationLetter.objects.filter(organisation=admin.organisation, sender_mode="platform").first()
    agency = TerminationLetter.objects.filter(organisation=admin.organisation, sender_mode="agency").first()

    # POST /resiliations/<id>/mandat/ on a letter sent in the platform's name (empty form).
    response = client.post(f"/resiliations/{platform.pk}/mandat/", {})
    assert response.status_code == 200  # the error next to the form, once
    assert response.content.decode().count("Au nom de la plateforme, le mandat est toujours signé électroniquement.") == 1
    assert TerminationLetter.objects.get(pk=platform.pk).mandate_choice == platform.mandate_choice

    # « Géré par » with a user id that is not one.
    for wrong in ("abc", HUGE, SUPERSCRIPT, "\x00"):
        response = client.post(f"/resiliations/{agency.pk}/gere-par/", {"managed_by": wrong}, follow=True)
        assert "Choisissez un utilisateur du cabinet." in messages_of(response)
    assert TerminationLetter.objects.get(pk=agency.pk).managed_by_id == agency.managed_by_id

    # The wizard's insurer step, the souscripteur already entered.
    client.get(f"/resiliations/nouvelle/?depuis={agency.pk}")
    client.post("/resiliations/nouvelle/", {
        "civility": "M", "last_name": "Dupont", "first_name": "Jean", "address_line1": "2 rue des Fleurs",
        "postal_code": "38000", "city": "Grenoble", "email": "jean.dupont@client.test"})
    for wrong in ("abc", HUGE, ""):
        response = client.post("/resiliations/nouvelle/assureur/", {"insurer": wrong}, follow=True)
        assert "Choisissez l'ancien assureur dans la liste." in messages_of(response)
        assert "insurer_id" not in client.session.get("resiliation_wizard", {})

    # List filters with a huge id: the filter is left out, and the page says so.
    response = client.get("/resiliations/", {"manager": HUGE, "subscriber": "Dupont"})
    assert response.status_code == 200
    assert messages_of(response) == ["Filtre ignoré car sa valeur n'est pas valide : « Collaborateur »."]
    assert response.context["page"].paginator.count == TerminationLetter.objects.filter(
        organisation=admin.organisation, trashed_at__isnull=True, last_name__icontains="Dupont").count()
    response = client.get("/amiable/", {"client": HUGE})
    assert response.status_code == 200
    assert messages_of(response) == ["Filtre ignoré car sa valeur n'est pas valide : « Client »."]
    assert len(response.context["page"].object_list) == 1  # the organisation's case, unfiltered


@pytest.mark.parametrize(("raw", "parsed"), [
    ("12", 12), (" 12 ", 12), ("abc", None), (HUGE, None), ("9223372036854775807", 2**63 - 1),
    ("9223372036854775808", None), ("-1", None), ("0", None), ("", None), (None, None), (SUPERSCRIPT, None),
    ("\x00", None), ("1.5", None), ("9" * 5000, None),
])
def test_one_way_to_read_an_id_from_a_request(raw, parsed):
    from portal.forms import request_id

    assert request_id({"id": raw}, "id") == parsed


@pytest.mark.django_db
def test_nul_bytes_never_reach_a_query(admin_user, api_for, client_for):
    """PostgreSQL refuses NUL bytes in text: they are refused before (SQLite would not tell)."""
    response = api_for(admin_user).get("/api/v1/amiable/cases/", {"policy_number": "P-1\x00"})
    assert response.status_code == 400 and "policy_number" in response.json()
    assert client_for(admin_user).get("/facturation/achat-de-credits/ab%00cd/").status_code == 404
