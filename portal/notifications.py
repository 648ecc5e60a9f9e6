"""E-mail outbox and daily digests (SPEC §4, §9).

* ``email_enqueue`` writes an ``OutboxMessage`` in the caller's transaction; the send task is
  queued on commit, so a rolled-back change never sends anything. ``emails_enqueue`` does the
  same for many e-mails at once, set-based (the day's digests).
* ``outbox_send`` claims a message with a conditional UPDATE (two workers never both send
  it), sends it through Django's e-mail API — django-anymail's backend for real providers —
  outside any transaction, then marks it sent. A failure puts it back with a back-off; the
  unique ``key`` makes enqueuing the same message twice a no-op.
* A personal link (a password reset, an account activation, an invitation, the confirmation
  of a new address: a link that lets whoever holds it act as one user) is never stored: the message holds ``PERSONAL_LINK_PLACEHOLDER``
  and the kind of link and its user; ``outbox_send`` makes the link when it sends, so the
  stored body, the admin and the key never contain it. Django's reset tokens are stateless
  HMACs: a link made at sending time is valid for ``PASSWORD_RESET_TIMEOUT`` from then on.
  A secret link for someone without an account (a subscriber's signature page, their
  documents) is kept out the same way: the app registers, for a prefix of its message keys,
  the function that makes the link from the key when the message is sent (``key_link_register``).
* ``digest_items_add`` records news for an address or for a party (organisation, member); a
  set-based step records one item about many policies for each policy's broker or member;
  ``digests_send`` looks up the parties, their accounting contacts and the policies, and
  turns the pending news of each recipient into a single e-mail per day (key
  ``digest:<recipient>:<date>``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import make_msgid
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from portal.models import Contact, DigestItem, OutboxMessage, OutboxStatus, PersonalLink, Policy, User
from portal.transactions import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


class EmailDeliveryError(Exception):
    """The provider refused or failed; the message is pending again and will be retried."""

    def __init__(self, message: str, *, retry_in: timedelta) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


# Where a personal link goes in a stored message; what the admin shows instead of the link.
PERSONAL_LINK_PLACEHOLDER = "[lien personnel masqué]"


# Key prefix → the function that makes, from a message's key, the secret link it carries (None:
# no longer to be sent). Registered by the apps (``AppConfig.ready``).
KEY_LINKS: dict[str, Callable[[str], str | None]] = {}


def key_link_register(*, prefix: str, make: Callable[[str], str | None]) -> None:
    """Messages whose key starts with ``prefix`` hold ``PERSONAL_LINK_PLACEHOLDER`` where
    ``make(key)`` puts the link when the message is sent; the outbox never stores it."""
    KEY_LINKS[prefix] = make


def _key_link(key: str) -> Callable[[str], str | None] | None:
    return next((make for prefix, make in KEY_LINKS.items() if key.startswith(prefix)), None)


def _check_personal_link(*, text: str, html: str, personal_link: str, user: User | None, key: str = "") -> None:
    """A personal link is written by the outbox only: a message that has one holds the
    placeholder (in its HTML too, if any) and names its user, or has a key whose link an app
    makes; other messages hold none."""
    holds = [PERSONAL_LINK_PLACEHOLDER in body for body in (text, html) if body]
    if not personal_link and _key_link(key) is not None:
        return  # the app makes the link of its key, if the message holds a place for it
    if personal_link:
        if user is None or user.pk is None or not all(holds):
            raise ValueError("Un lien personnel demande son destinataire et l'emplacement du lien dans le texte.")
        PersonalLink(personal_link)  # a known kind
    elif any(holds):
        raise ValueError("Emplacement d'un lien personnel sans lien personnel.")


def email_enqueue(*, key: str, to: str, subject: str, text: str, html: str = "",
                  personal_link: PersonalLink | str = "", personal_link_user: User | None = None) -> OutboxMessage:
    """Write an e-mail to the outbox (idempotent by ``key``) and send it after commit.

    With ``personal_link``, ``text`` (and ``html``) hold ``PERSONAL_LINK_PLACEHOLDER`` where
    the link of that kind for ``personal_link_user`` goes: it is made when the e-mail is sent.
    """
    from portal.tasks import outbox_send_task

    _check_personal_link(text=text, html=html, personal_link=personal_link, user=personal_link_user, key=key)
    message, created = OutboxMessage.objects.get_or_create(
        key=key,
        defaults={"to": to, "subject": subject, "body_text": text, "body_html": html,
                  "personal_link": personal_link, "personal_link_user": personal_link_user},
    )
    if created:
        # robust: a broker that is down must not turn a committed change into an error page;
        # the message stays pending and the periodic flush sends it.
        enqueue_on_commit(outbox_send_task, message.id, robust=True)
    return message


def _known_keys(model, keys: list[str]) -> set[str]:
    """Which of these unique ``key`` values ``model`` already holds (5 000 per query)."""
    known: set[str] = set()
    for start in range(0, len(keys), 5000):
        known.update(model.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True))
    return known


@dataclass(frozen=True)
class Email:
    key: str
    to: str
    subject: str
    text: str
    html: str = ""
    personal_link: PersonalLink | str = ""
    personal_link_user: User | None = None


# Messages per send task when many e-mails go out at once (a day's digests).
SEND_BATCH = 100


def emails_enqueue(*, emails: list[Email]) -> int:
    """``email_enqueue`` for many e-mails at once (the day's digests): the new keys are written
    a thousand per INSERT and, once the transaction commits, queued ``SEND_BATCH`` per task.
    Returns how many were new."""
    from portal.tasks import outbox_send_batch_task

    for email in emails:
        _check_personal_link(text=email.text, html=email.html, personal_link=email.personal_link,
                             user=email.personal_link_user, key=email.key)
    known = _known_keys(OutboxMessage, [email.key for email in emails])
    created = OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=email.key, to=email.to, subject=email.subject, body_text=email.text, body_html=email.html,
                       personal_link=email.personal_link, personal_link_user=email.personal_link_user)
         for email in emails if email.key not in known],
        batch_size=1000,
    )
    ids = [message.id for message in created]
    for start in range(0, len(ids), SEND_BATCH):
        # robust, as one by one: a broker that is down leaves them pending for the periodic flush
        enqueue_on_commit(outbox_send_batch_task, ids[start : start + SEND_BATCH], robust=True)
    return len(ids)


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - LEASE)
    claimed = (
        OutboxMessage.objects.filter(claimable, id=message_id)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("personal_link_user").get(id=message_id)


def personal_link_url(*, kind: str, user: User) -> str | None:
    """The secret link of ``kind`` for ``user``, made now; None when the account may no longer
    receive it: a reset for an active account with a password (as Django's reset form), an
    activation or an invitation for an active account not activated yet, a new address's
    confirmation while that address is pending."""
    from portal import account_tokens

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    if kind == PersonalLink.PASSWORD_RESET:
        if not (user.is_active and user.has_usable_password()):
            return None
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})
    elif kind == PersonalLink.ACCOUNT_ACTIVATION:
        if not user.is_active or user.activated_at is not None:
            return None
        path = reverse("account_activate", kwargs={"uidb64": uid,
                                                   "token": account_tokens.activation_tokens.make_token(user)})
    elif kind == PersonalLink.INVITATION:
        if not user.is_active or user.activated_at is not None:
            return None
        path = reverse("invitation_accept", kwargs={"uidb64": uid,
                                                    "token": account_tokens.invitation_tokens.make_token(user)})
    elif kind == PersonalLink.EMAIL_CHANGE:
        if not user.is_active or not user.pending_email:
            return None
        path = reverse("account_email_confirm", kwargs={"uidb64": uid,
                                                        "token": account_tokens.email_change_tokens.make_token(user)})
    else:
        raise ValueError(f"Lien personnel inconnu : {kind}")
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _personal_link_address(message: OutboxMessage, user: User) -> str:
    """The address a personal link may go to: the account's own, or for the confirmation of a
    new address, that pending address."""
    return user.pending_email if message.personal_link == PersonalLink.EMAIL_CHANGE else user.email


def _bodies(message: OutboxMessage) -> tuple[str, str] | None:
    """The text and HTML to send, the personal link written in; None when it cannot be made."""
    if not message.personal_link:
        make = _key_link(message.key) if PERSONAL_LINK_PLACEHOLDER in message.body_text else None
        if make is None:
            return message.body_text, message.body_html
        url = make(message.key)
        if url is None:
            return None
        return (message.body_text.replace(PERSONAL_LINK_PLACEHOLDER, url),
                message.body_html.replace(PERSONAL_LINK_PLACEHOLDER, escape(url)))
    user = message.personal_link_user
    if user is None or _personal_link_address(message, user).lower() != message.to.lower():
        return None  # the account is gone, or its address changed since: the link is not theirs to get
    url = personal_link_url(kind=message.personal_link, user=user)
    if url is None:
        return None
    return (message.body_text.replace(PERSONAL_LINK_PLACEHOLDER, url),
            message.body_html.replace(PERSONAL_LINK_PLACEHOLDER, escape(url)))


def outbox_send(*, message_id: int) -> bool:
    """Send one message if it is still to be sent. True when this call sent it."""
    message = _claim(message_id)
    if message is None:
        return False
    bodies = _bodies(message)
    if bodies is None:
        OutboxMessage.objects.filter(id=message.id).update(
            status=OutboxStatus.FAILED, claimed_at=None,
            last_error="Compte supprimé, désactivé, déjà activé ou d'adresse changée depuis la demande, ou lien "
                       "qui n'a plus lieu d'être : lien personnel non envoyé.",
        )
        logger.warning("outbox message %s: no personal link for its user, not sent", message.id)
        return False
    text, html = bodies
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": make_msgid(idstring=f"outbox-{message.id}")},
    )
    if html:
        email.attach_alternative(html, "text/html")
    try:
        email.send()
    except Exception as exc:  # the provider's own errors vary: anymail, SMTP, network
        failed = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(id=message.id).update(
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + backoff(message.attempts),
            claimed_at=None,
        )
        # The error's type only: providers' messages name the recipients (kept in last_error).
        logger.warning("outbox message %s failed (attempt %s): %s", message.id, message.attempts,
                       type(exc).__name__)
        if failed:
            return False
        raise EmailDeliveryError(type(exc).__name__, retry_in=backoff(message.attempts)) from exc
    provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None)
    OutboxMessage.objects.filter(id=message.id).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id="" if provider_id is None else str(provider_id)[:200],
        last_error="",
    )
    return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    """Messages a flush should (re)try: pending and due, or claimed by a worker that died."""
    now = timezone.now()
    due = Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - LEASE)
    return list(
        OutboxMessage.objects.filter(due | stale).order_by("created_at").values_list("id", flat=True)[:limit]
    )


# ------------------------------------------------------------------------------- digests


@dataclass(frozen=True)
class DigestNews:
    """News for one addressee: an e-mail ``recipient``, or the accounting contacts of an
    ``organisation_id`` or a ``member_id`` (looked up when the digest goes out)."""

    key: str
    kind: str
    text: str
    business_date: date
    recipient: str = ""
    organisation_id: int | None = None
    member_id: int | None = None
    link: str = ""  # a path; in news about several policies it may hold POLICY_NUMBER, one line each
    audience: str = "partner"


# In the link of news about several policies (``DigestItem.policies``): replaced, line by line,
# by each policy's number (the app that writes the news builds its link with ``reverse()``).
POLICY_NUMBER = "{policy_number}"


def policy_link(link: str, policy_number: str) -> str:
    return link.replace(POLICY_NUMBER, quote(policy_number, safe="")) if link else ""


def digest_items_add(*, news: list[DigestNews]) -> int:
    """Record news for the next digests, set-based; news already recorded (same key) is skipped.
    Returns how many were new."""
    known = _known_keys(DigestItem, [item.key for item in news])
    fresh = {item.key: item for item in news if item.key not in known}
    DigestItem.objects.bulk_create(
        [
            DigestItem(
                key=item.key,
                recipient=item.recipient.lower(),
                organisation_id=item.organisation_id,
                member_id=item.member_id,
                kind=item.kind,
                text=item.text[:300],
                link=item.link,
                business_date=item.business_date,
                audience=item.audience,
            )
            for item in fresh.values()
        ],
        ignore_conflicts=True,  # a concurrent run recorded the same news first
        batch_size=2000,
    )
    return len(fresh)


def _accounting_contacts(*, organisations: set[int], members: set[int]) -> dict[str, dict[int, list[str]]]:
    """The accounting e-mail addresses of these organisations and members."""
    found: dict[str, dict[int, list[str]]] = {"organisation_id": defaultdict(list), "member_id": defaultdict(list)}
    for field, ids in (("organisation_id", sorted(organisations)), ("member_id", sorted(members))):
        for start in range(0, len(ids), 5000):
            contacts = Contact.objects.filter(is_accounting=True, **{f"{field}__in": ids[start : start + 5000]})
            for owner, email in contacts.values_list(field, "email"):
                found[field][owner].append(email.lower())
    return found


@dataclass(frozen=True)
class _Delivery:
    """What one piece of news tells some recipients: its lines (one per policy, or its text)."""

    recipients: tuple[str, ...]
    lines: tuple[dict, ...]


class _Policy(NamedTuple):
    id: int
    number: str
    broker_id: int | None
    member_id: int
    company_name: str
    member_number: str


def _deliveries(items: list[DigestItem]) -> dict[int, list[_Delivery]]:
    """Who gets each item and what it says: its recipient or its party's accounting contacts;
    for an item about many policies, each policy's party, told about its own policies."""
    policies: dict[int, _Policy] = {}
    ids = sorted({policy_id for item in items for policy_id in item.policies})
    for start in range(0, len(ids), 5000):
        rows = Policy.objects.filter(id__in=ids[start : start + 5000]).values_list(*_Policy._fields[:4],
                                                                                   "member__company_name",
                                                                                   "member__member_number")
        policies.update((row[0], _Policy(*row)) for row in rows)
    contacts = _accounting_contacts(
        organisations={item.organisation_id for item in items if item.organisation_id}
        | {policy.broker_id for policy in policies.values() if policy.broker_id},
        members={item.member_id for item in items if item.member_id}
        | {policy.member_id for policy in policies.values()},
    )
    deliveries: dict[int, list[_Delivery]] = {}
    for item in items:
        if not item.fan_out:
            recipients = (
                [item.recipient] if item.recipient
                else contacts["organisation_id"].get(item.organisation_id, []) if item.organisation_id
                else contacts["member_id"].get(item.member_id, [])
            )
            deliveries[item.id] = [_Delivery(tuple(recipients), ({"text": item.text, "link": item.link},))]
            continue
        to_broker = item.fan_out == DigestItem.FanOut.BROKER
        by_party: dict[int, list[_Policy]] = defaultdict(list)
        for policy in filter(None, map(policies.get, item.policies)):
            party = policy.broker_id if to_broker else policy.member_id
            if party:  # a policy without broker tells no broker
                by_party[party].append(policy)
        deliveries[item.id] = [
            _Delivery(
                tuple(contacts["organisation_id" if to_broker else "member_id"].get(party, [])),
                tuple(
                    {"text": f"Police {policy.number} — {policy.company_name} (sociétaire {policy.member_number}) : "
                             f"{item.text}",
                     "link": policy_link(item.link, policy.number) if to_broker else ""}
                    for policy in sorted(rows, key=lambda policy: policy.number)
                ),
            )
            for party, rows in by_party.items()
        ]
    return deliveries


def digests_send(*, business_date: date) -> int:
    """One e-mail per recipient gathering all their pending news up to ``business_date``.

    One transaction, serialised on PostgreSQL: the e-mails are written to the outbox and the
    news marked as sent together. A recipient whose digest for that date already went out gets
    nothing more that day: news addressed to them waits for the next day's digest (for all
    its recipients, so nobody gets it twice).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('portal.digests_send'))")
        items = list(
            DigestItem.objects.filter(digested_on__isnull=True, business_date__lte=business_date).order_by(
                "business_date", "id"
            )
        )
        suffix = f":{business_date.isoformat()}"
        already = {
            key.removeprefix("digest:").removesuffix(suffix)
            for key in OutboxMessage.objects.filter(key__startswith="digest:", key__endswith=suffix).values_list(
                "key", flat=True
            )
        }
        by_recipient: dict[str, list[tuple[DigestItem, tuple[dict, ...]]]] = defaultdict(list)
        done: list[int] = []
        deliveries = _deliveries(items)
        for item in items:
            if any(recipient in already for delivery in deliveries[item.id] for recipient in delivery.recipients):
                continue  # tomorrow, for everyone
            for delivery in deliveries[item.id]:
                for recipient in sorted(set(delivery.recipients)):
                    by_recipient[recipient].append((item, delivery.lines))
            done.append(item.id)
        emails = []
        for recipient, news in by_recipient.items():
            context = {
                "items": [item for item, _ in news],
                "lines": [line for _, lines in news for line in lines],
                "audience": news[0][0].audience,
                "insurer_name": settings.PORTAL_INSURER_NAME,
                "base_url": settings.PORTAL_BASE_URL,
                "business_date": business_date,
                "needs_action": any(item.kind.endswith("_action") for item, _ in news),
            }
            emails.append(Email(
                key=f"digest:{recipient}{suffix}",
                to=recipient,
                subject=render_to_string("emails/digest_subject.txt", context).strip(),
                text=render_to_string("emails/digest.txt", context),
                html=render_to_string("emails/digest.html", context),
            ))
            if len(emails) == 1000:  # written as they come: memory does not grow with recipients
                emails_enqueue(emails=emails)
                emails = []
        emails_enqueue(emails=emails)
        for start in range(0, len(done), 5000):
            DigestItem.objects.filter(id__in=done[start : start + 5000]).update(digested_on=business_date)
    return len(by_recipient)
