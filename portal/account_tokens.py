"""The secret links of accounts: activation (48 h), invitation (7 days) and confirmation of a
new e-mail address (48 h). Stateless HMACs, like Django's password-reset tokens, each bound to
the state its use changes — so that a link works once:

* activation: the account's activation moment (set by the activation);
* invitation: the password and the activation moment (both set by accepting);
* new address: the current and the pending address (the confirmation swaps them).

They are never stored: the outbox makes them when it sends the e-mail
(``portal.notifications.personal_link_url``). Their age is measured on the business clock
(``portal.clock``), like every time rule of the product.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from portal import clock
from portal.models import User

ACTIVATION_VALID_FOR = timedelta(hours=48)
INVITATION_VALID_FOR = timedelta(days=7)
EMAIL_CHANGE_VALID_FOR = timedelta(hours=48)


class AccountTokenGenerator(PasswordResetTokenGenerator):
    """A token for one purpose, valid ``valid_for`` and bound to ``state(user)``."""

    def __init__(self, *, purpose: str, valid_for: timedelta, state: Callable[[User], str]) -> None:
        super().__init__()
        self.key_salt = f"portal.account_tokens.{purpose}"
        self.valid_for = valid_for
        self.state = state

    def _now(self) -> datetime:
        return clock.local_now().astimezone(UTC).replace(tzinfo=None)

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}|{user.email}|{self.state(user)}|{timestamp}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            stamp, _ = token.split("-")
            timestamp = base36_to_int(stamp)
        except ValueError:
            return False
        if not any(constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
                   for secret in [self.secret, *self.secret_fallbacks]):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return 0 <= age <= self.valid_for.total_seconds()


def _moment(value: datetime | None) -> str:
    return "" if value is None else value.replace(microsecond=0).isoformat()


activation_tokens = AccountTokenGenerator(
    purpose="activation", valid_for=ACTIVATION_VALID_FOR, state=lambda user: _moment(user.activated_at))
invitation_tokens = AccountTokenGenerator(
    purpose="invitation", valid_for=INVITATION_VALID_FOR,
    state=lambda user: f"{user.password}|{_moment(user.activated_at)}")
email_change_tokens = AccountTokenGenerator(
    purpose="email_change", valid_for=EMAIL_CHANGE_VALID_FOR, state=lambda user: user.pending_email.lower())


def uid_of(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_of_uid(uidb64: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk).first()
