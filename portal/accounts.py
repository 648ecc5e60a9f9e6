"""Accounts (issue 10 §1–5; seeds 001 §2 and §9.3–9.6, 002, 003): sign-up and activation, Mon
compte (details, new e-mail address, letter header), the users of an organisation and their
rights (memberships, delegation profiles), several organisations per person, API tokens.

Writes only — keyword-only, typed, atomic; bad input raises ``ApplicationError`` in French,
several fields at once in ``errors`` ({field: [messages]}) where a form has many. Reads are in
``portal.account_selectors``; the membership a request acts for in ``portal.memberships``.
Every change of an organisation's users, rights and details is written to ``AccountAudit`` in
the transaction of the change (who, when, before, after).

The last active administrator of an organisation is never demoted nor deactivated: checked
here under a lock of the organisation row, and by a database trigger (migration 0006).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal import account_tokens, clock, notifications
from portal.errors import ApplicationError
from portal.memberships import api_token_hash
from portal.models import (
    AccountAudit,
    Affiliation,
    ApiToken,
    Area,
    AuditAction,
    DelegationDepartement,
    DelegationProfile,
    Member,
    Membership,
    Organisation,
    OutboxMessage,
    PersonalLink,
    Role,
    User,
    departement_validator,
    orias_display,
)

# ------------------------------------------------------------------------------ checks

# Shared mailboxes (seed 002: « sa propre adresse mail professionnelle (non générique) »): a
# login is one person's, so that « Géré par » and the audit name who did what.
GENERIC_MAILBOXES = frozenset({
    "accueil", "admin", "administratif", "administration", "agence", "assistance", "assurance", "assurances",
    "bonjour", "bureau", "cabinet", "commercial", "compta", "comptabilite", "contact", "contacts", "courrier",
    "courtage", "devis", "direction", "gestion", "hello", "info", "infos", "information", "informations",
    "mail", "noreply", "office", "postmaster", "reception", "secretariat", "service", "sinistre", "sinistres",
    "standard", "support", "webmaster",
})
NAME_MAX = 80
LETTERHEAD_MAX_LINES = 5
LETTERHEAD_LINE_MAX = 60


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def check_login_email(value: str, *, field: str = "email") -> str:
    """A person's own professional address, lower-cased; generic mailboxes are refused."""
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ApplicationError("Saisissez une adresse e-mail valide.", field=field) from error
    local = email.split("@", 1)[0].split("+", 1)[0]
    if re.sub(r"[._-]", "", local).rstrip("0123456789") in GENERIC_MAILBOXES:
        raise ApplicationError(
            f"« {email} » est une adresse générique, partagée par plusieurs personnes : chaque utilisateur se "
            "connecte avec sa propre adresse professionnelle (par exemple prenom.nom@votre-cabinet.fr), pour que "
            "chacun soit identifié sur les courriers qu'il gère.",
            field=field,
        )
    return email


def check_email_free(email: str, *, field: str = "email", user: User | None = None) -> None:
    others = User.objects.filter(email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise ApplicationError("Un compte existe déjà avec cette adresse e-mail.", field=field)


def check_orias(value: str | None) -> str | None:
    """An ORIAS number: 8 digits, typed with or without spaces (« 0700 0001 »); None when empty."""
    raw = re.sub(r"[\s.]", "", value or "")
    if not raw:
        return None
    if not re.fullmatch(r"\d{8}", raw):
        raise ApplicationError("Le numéro ORIAS comporte 8 chiffres (par exemple 0700 0001).", field="orias")
    return raw


def check_orias_free(orias: str) -> None:
    if Organisation.objects.filter(orias=orias).exists():
        raise ApplicationError(
            f"Un compte existe déjà pour le numéro ORIAS {orias_display(orias)} : demandez à son administrateur "
            "de vous ajouter comme utilisateur.",
            field="orias",
        )


def check_phone(value: str, *, field: str, required: bool) -> str:
    """A phone number, French (10 digits) or international (+…), stored grouped by two."""
    raw = (value or "").strip()
    if not raw:
        if required:
            raise ApplicationError("Indiquez un numéro de téléphone.", field=field)
        return ""
    digits = re.sub(r"[\s.\-()/]", "", raw)
    if re.fullmatch(r"\+33[1-9]\d{8}", digits):
        digits = "0" + digits[3:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return " ".join(digits[index:index + 2] for index in range(0, 10, 2))
    if re.fullmatch(r"\+\d{8,15}", digits):
        return digits
    raise ApplicationError(
        "Numéro de téléphone invalide : 10 chiffres (04 76 00 00 00) ou le format international (+33 4 76…).",
        field=field,
    )


def check_password(password1: str, password2: str, *, user: User | None) -> None:
    """Two identical passwords that pass Django's validators (length, common, like the name…)."""
    if not password1:
        raise ApplicationError("Choisissez un mot de passe.", field="password1")
    if password1 != password2:
        raise ApplicationError("Les deux mots de passe ne sont pas identiques.", field="password2")
    try:
        password_validation.validate_password(password1, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password1") from error


class Errors:
    """Collects the French messages of a form's fields, to report them all at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def check(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ApplicationError as error:
            self.add(error.field or "__all__", error.message)
            return None

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            first = next(iter(self.by_field.values()))[0]
            field = next(iter(self.by_field))
            raise ApplicationError(first, field=None if field == "__all__" else field, errors=self.by_field)


def _required(errors: Errors, field: str, value: str, label: str, max_length: int) -> str:
    value = _clean(value)
    if not value:
        errors.add(field, f"Indiquez {label}.")
    elif len(value) > max_length:
        errors.add(field, f"Au plus {max_length} caractères.")
    return value


def _administrator_of(*, by: User, organisation: Organisation) -> Membership:
    """``by``'s active administrator membership of ``organisation`` (else: refused)."""
    membership = Membership.objects.filter(user_id=by.pk, organisation=organisation, role=Role.ADMINISTRATOR,
                                           is_active=True).first()
    if membership is None or not by.is_active:
        raise ApplicationError("Seul un administrateur du cabinet peut faire cette modification.",
                               code="permission_denied")
    return membership


def _person(user: User) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


def audit_record(*, organisation: Organisation, by: User | None, action: AuditAction, subject: str,
                 before: dict | None = None, after: dict | None = None) -> AccountAudit:
    return AccountAudit.objects.create(
        organisation=organisation, actor=by, actor_label=_person(by) if by else "L'Auxiliaire",
        action=action, subject=subject[:200], before=before or {}, after=after or {},
    )


def _template_context(**extra) -> dict:
    return {"insurer_name": settings.PORTAL_INSURER_NAME, "base_url": settings.PORTAL_BASE_URL.rstrip("/"),
            "personal_link": notifications.PERSONAL_LINK_PLACEHOLDER, **extra}


def _minute_slot() -> str:
    """The current minute of the business clock: asking twice within it sends one e-mail."""
    return f"{clock.local_now():%Y%m%d%H%M}"


# ---------------------------------------------------------------------- sign-up (§1)


@dataclass(frozen=True)
class SignupData:
    """The sign-up form of seed 001 §2 (« Inscription d'un intermédiaire en assurance »)."""

    email: str
    password1: str
    password2: str
    last_name: str
    first_name: str
    trade_name: str
    orias: str | None  # None: « Continuer sans ORIAS »
    affiliation: str
    address_line1: str
    postal_code: str
    city: str
    phone: str
    terms_accepted: bool
    address_line2: str = ""
    mobile_phone: str = ""


def signup_check(*, data: SignupData) -> SignupData:
    """Every field of the form, all errors at once; returns the cleaned data."""
    errors = Errors()
    email = errors.check(check_login_email, data.email)
    if email:
        errors.check(check_email_free, email)
    last_name = _required(errors, "last_name", data.last_name, "votre nom", NAME_MAX)
    first_name = _required(errors, "first_name", data.first_name, "votre prénom", NAME_MAX)
    trade_name = _required(errors, "trade_name", data.trade_name, "le nom commercial", 120)
    orias = errors.check(check_orias, data.orias) if data.orias else None
    if orias:
        errors.check(check_orias_free, orias)
    if data.affiliation not in Affiliation.values:
        errors.add("affiliation", "Choisissez une affiliation dans la liste.")
    address_line1 = _required(errors, "address_line1", data.address_line1, "l'adresse", 38)
    address_line2 = _clean(data.address_line2)
    if len(address_line2) > 38:
        errors.add("address_line2", "Au plus 38 caractères.")
    postal_code = _clean(data.postal_code)
    if not re.fullmatch(r"\d{5}", postal_code):
        errors.add("postal_code", "Le code postal comporte 5 chiffres.")
    city = _required(errors, "city", data.city, "la ville", 38)
    phone = errors.check(check_phone, data.phone, field="phone", required=True)
    mobile_phone = errors.check(check_phone, data.mobile_phone, field="mobile_phone", required=False)
    someone = User(email=email or "", first_name=first_name, last_name=last_name)
    errors.check(check_password, data.password1, data.password2, user=someone)
    if not data.terms_accepted:
        errors.add("terms_accepted", "Acceptez les CGU et les CGV pour créer votre compte.")
    errors.raise_if_any()
    return SignupData(email=email, password1=data.password1, password2=data.password2, last_name=last_name,
                      first_name=first_name, trade_name=trade_name, orias=orias, affiliation=data.affiliation,
                      address_line1=address_line1, address_line2=address_line2, postal_code=postal_code,
                      city=city.upper(), phone=phone, mobile_phone=mobile_phone or "", terms_accepted=True)


def signup_register(*, data: SignupData) -> User:
    """« Créer un compte »: the organisation, its first user — its administrator, not activated
    yet — and the activation e-mail, all or nothing."""
    data = signup_check(data=data)
    now = timezone.now()
    try:
        with transaction.atomic():
            organisation = Organisation(
                orias=data.orias, name=data.trade_name, trade_name=data.trade_name, affiliation=data.affiliation,
                address_line1=data.address_line1, address_line2=data.address_line2, postal_code=data.postal_code,
                city=data.city, phone=data.phone,
            )
            organisation.full_clean()
            organisation.save()
            user = User(email=data.email, first_name=data.first_name, last_name=data.last_name,
                        mobile_phone=data.mobile_phone, role=Role.ADMINISTRATOR, organisation=organisation,
                        terms_accepted_at=now)
            user.set_password(data.password1)
            user.save()
            Membership.objects.create(user=user, organisation=organisation, role=Role.ADMINISTRATOR)
            audit_record(organisation=organisation, by=user, action=AuditAction.SIGNUP, subject=_person(user),
                         after={"orias": orias_display(data.orias) or "sans ORIAS", "administrateur": data.email})
            account_activation_send(user=user)
    except IntegrityError as error:  # the same e-mail or ORIAS number signed up a moment before
        raise ApplicationError("Un compte existe déjà avec cette adresse e-mail ou ce numéro ORIAS.",
                               field="email") from error
    return user


def account_activation_send(*, user: User) -> OutboxMessage | None:
    """The activation e-mail (a personal link, valid 48 h); nothing for an activated account."""
    if user.activated_at is not None or not user.is_active:
        return None
    context = _template_context(user=user, valid_hours=int(account_tokens.ACTIVATION_VALID_FOR.total_seconds() // 3600))
    return notifications.email_enqueue(
        key=f"activation:{user.pk}:{_minute_slot()}",
        to=user.email,
        subject=f"Activez votre compte — espace courtier {settings.PORTAL_INSURER_NAME}",
        text=render_to_string("portal/account/emails/activation.txt", context),
        personal_link=PersonalLink.ACCOUNT_ACTIVATION,
        personal_link_user=user,
    )


def activation_resend(*, email: str) -> None:
    """« Renvoyer le lien »: a new activation e-mail if that address has an account to activate.
    Says nothing either way (the page answers the same: no way to probe for accounts)."""
    user = User.objects.filter(email__iexact=(email or "").strip(), activated_at__isnull=True,
                               is_active=True).first()
    if user is not None and user.has_usable_password():  # an invited user gets its invitation again instead
        account_activation_send(user=user)


def _link_user(*, uidb64: str, token: str, tokens, message: str) -> User:
    user = account_tokens.user_of_uid(uidb64)
    if user is None or not user.is_active or not tokens.check_token(user, token):
        raise ApplicationError(message, code="invalid_link")
    return user


ACTIVATION_LINK_INVALID = ("Ce lien d'activation n'est plus valable : il a expiré (il vaut 48 heures) ou a déjà "
                           "servi. Si votre compte n'est pas encore activé, demandez un nouveau lien.")


def activation_link_user(*, uidb64: str, token: str) -> User:
    """The account an activation link is for, if the link is still valid."""
    return _link_user(uidb64=uidb64, token=token, tokens=account_tokens.activation_tokens,
                      message=ACTIVATION_LINK_INVALID)


def account_activate(*, uidb64: str, token: str) -> User:
    """Activate the account of a valid link; the link then no longer works (single use)."""
    with transaction.atomic():
        user = activation_link_user(uidb64=uidb64, token=token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.activated_at is not None or not account_tokens.activation_tokens.check_token(user, token):
            raise ApplicationError(ACTIVATION_LINK_INVALID, code="invalid_link")
        user.activated_at = timezone.now()
        user.save(update_fields=["activated_at"])
    return user


# ------------------------------------------------------------------ Mon compte (§2)


@dataclass(frozen=True)
class DetailsResult:
    user: User
    confirmation_sent_to: str  # the new address a confirmation link went to ("" if unchanged)


def account_details_update(*, user: User, email: str, phone: str, mobile_phone: str,
                           organisation_phone: str | None = None) -> DetailsResult:
    """« Modifier mes coordonnées »: the person's phones now; a new e-mail address only once it is
    confirmed (a link sent to it). ``organisation_phone`` (the agency's « Téléphone ») is for an
    administrator of the current organisation; every other field goes through a help request."""
    errors = Errors()
    if (email or "").strip().lower() == user.email.lower():
        email = user.email.lower()  # unchanged: the address the account already has
    else:
        email = errors.check(check_login_email, email)
        if email:
            errors.check(check_email_free, email, user=user)
    phone = errors.check(check_phone, phone, field="phone", required=False)
    mobile_phone = errors.check(check_phone, mobile_phone, field="mobile_phone", required=False)
    organisation = None
    if organisation_phone is not None:
        organisation = user.organisation
        if organisation is None or organisation.pk is None:
            errors.add("organisation_phone", "Aucun cabinet.")
        else:
            organisation_phone = errors.check(check_phone, organisation_phone, field="organisation_phone",
                                              required=True)
    errors.raise_if_any()
    with transaction.atomic():
        if organisation is not None:
            _administrator_of(by=user, organisation=organisation)
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"téléphone": locked.phone, "téléphone portable": locked.mobile_phone}
        after = {"téléphone": phone, "téléphone portable": mobile_phone}
        locked.phone, locked.mobile_phone = phone, mobile_phone
        changed = ["phone", "mobile_phone"]
        sent_to = ""
        if email != locked.email.lower() and email != locked.pending_email:
            locked.pending_email = email
            changed.append("pending_email")
            sent_to = email
            after["nouvelle adresse à confirmer"] = email
        locked.save(update_fields=changed)
        if organisation is not None:
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            before["téléphone du cabinet"], after["téléphone du cabinet"] = organisation.phone, organisation_phone
            organisation.phone = organisation_phone
            organisation.save(update_fields=["phone"])
        if before != {key: after.get(key) for key in before} or sent_to:
            for audited in _organisations_of(locked, current=organisation):
                audit_record(organisation=audited, by=locked, action=AuditAction.DETAILS_CHANGE,
                             subject=_person(locked), before=before, after=after)
        if sent_to:
            _email_change_send(user=locked)
    user.phone, user.mobile_phone, user.pending_email = locked.phone, locked.mobile_phone, locked.pending_email
    return DetailsResult(user=locked, confirmation_sent_to=sent_to)


def _organisations_of(user: User, *, current: Organisation | None = None) -> list[Organisation]:
    """The organisations whose audit shows a change of the person's own details."""
    organisations = list(Organisation.objects.filter(memberships__user=user).order_by("id"))
    if current is not None and current.pk not in {o.pk for o in organisations}:
        organisations.append(current)
    return organisations


def _email_change_send(*, user: User) -> OutboxMessage:
    context = _template_context(user=user, new_email=user.pending_email,
                                valid_hours=int(account_tokens.EMAIL_CHANGE_VALID_FOR.total_seconds() // 3600))
    return notifications.email_enqueue(
        key=f"email-change:{user.pk}:{uuid.uuid4().hex}",
        to=user.pending_email,
        subject=f"Confirmez votre nouvelle adresse e-mail — espace courtier {settings.PORTAL_INSURER_NAME}",
        text=render_to_string("portal/account/emails/email_change.txt", context),
        personal_link=PersonalLink.EMAIL_CHANGE,
        personal_link_user=user,
    )


EMAIL_LINK_INVALID = ("Ce lien de confirmation n'est plus valable : il a expiré (il vaut 48 heures), a déjà servi "
                      "ou une autre adresse a été demandée depuis.")


def email_change_link_user(*, uidb64: str, token: str) -> User:
    user = _link_user(uidb64=uidb64, token=token, tokens=account_tokens.email_change_tokens,
                      message=EMAIL_LINK_INVALID)
    if not user.pending_email:
        raise ApplicationError(EMAIL_LINK_INVALID, code="invalid_link")
    return user


def email_change_confirm(*, uidb64: str, token: str) -> User:
    """The new address, confirmed by its link, becomes the login; the link then no longer works."""
    with transaction.atomic():
        user = email_change_link_user(uidb64=uidb64, token=token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.pending_email or not account_tokens.email_change_tokens.check_token(user, token):
            raise ApplicationError(EMAIL_LINK_INVALID, code="invalid_link")
        check_email_free(user.pending_email, user=user)
        before, after = user.email, user.pending_email
        user.email, user.pending_email = after, ""
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "pending_email"])
        except IntegrityError as error:
            raise ApplicationError("Un compte existe déjà avec cette adresse e-mail.", field="email") from error
        for organisation in _organisations_of(user):
            audit_record(organisation=organisation, by=user, action=AuditAction.EMAIL_CHANGE, subject=_person(user),
                         before={"adresse e-mail": before}, after={"adresse e-mail": after})
    return user


# ----------------------------------------------------------------- letter header (§2)


def _letterhead_change(*, organisation: Organisation, by: User, change) -> Organisation:
    with transaction.atomic():
        _administrator_of(by=by, organisation=organisation)
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = locked.letterhead_extra_lines
        after = change(list(before))
        locked.letter_header = "\n".join(after)
        locked.save(update_fields=["letter_header"])
        audit_record(organisation=locked, by=by, action=AuditAction.LETTERHEAD_CHANGE, subject=locked.signature_name,
                     before={"lignes ajoutées": before}, after={"lignes ajoutées": after})
    organisation.letter_header = locked.letter_header
    return locked


def check_letterhead_line(text: str) -> str:
    line = _clean(text)
    if not line:
        raise ApplicationError("Saisissez le texte de la ligne à ajouter.", field="line")
    if len(line) > LETTERHEAD_LINE_MAX:
        raise ApplicationError(f"Une ligne de l'entête compte au plus {LETTERHEAD_LINE_MAX} caractères.",
                               field="line")
    if any(not char.isprintable() for char in line):
        raise ApplicationError("La ligne contient un caractère invisible ou de contrôle.", field="line")
    return line


def letterhead_line_add(*, organisation: Organisation, by: User, text: str) -> Organisation:
    """« Ajouter une ligne à l'entête »."""
    line = check_letterhead_line(text)

    def add(lines: list[str]) -> list[str]:
        if len(lines) >= LETTERHEAD_MAX_LINES:
            raise ApplicationError(f"L'entête compte au plus {LETTERHEAD_MAX_LINES} lignes ajoutées.", field="line")
        return [*lines, line]

    return _letterhead_change(organisation=organisation, by=by, change=add)


def _line_at(lines: list[str], index: int, expected: str) -> None:
    """The line the person saw at ``index`` (someone else may have changed the header since)."""
    if not 0 <= index < len(lines) or lines[index] != expected:
        raise ApplicationError("L'entête a été modifié entre-temps : vérifiez-le puis recommencez.")


def letterhead_line_move(*, organisation: Organisation, by: User, index: int, line: str,
                         offset: int) -> Organisation:
    """Move one added line up (-1) or down (+1)."""
    if offset not in (-1, 1):
        raise ApplicationError("Déplacement inconnu.")

    def move(lines: list[str]) -> list[str]:
        _line_at(lines, index, line)
        target = index + offset
        if not 0 <= target < len(lines):
            raise ApplicationError("Cette ligne est déjà en tête." if offset < 0 else "Cette ligne est déjà la dernière.")
        lines[index], lines[target] = lines[target], lines[index]
        return lines

    return _letterhead_change(organisation=organisation, by=by, change=move)


def letterhead_line_remove(*, organisation: Organisation, by: User, index: int, line: str) -> Organisation:
    def remove(lines: list[str]) -> list[str]:
        _line_at(lines, index, line)
        return lines[:index] + lines[index + 1:]

    return _letterhead_change(organisation=organisation, by=by, change=remove)


# ------------------------------------------------------------- users and rights (§3)


def _check_profiles(*, organisation: Organisation, role: str, profiles: Iterable[DelegationProfile]) -> list:
    profiles = list(profiles)
    if any(profile.organisation_id != organisation.id for profile in profiles):
        raise ApplicationError("Choisissez des profils de délégation du cabinet.", field="profiles")
    if role == Role.ADMINISTRATOR:
        return []  # an administrator works in every area, on the whole portfolio
    return profiles


def _profile_names(profiles) -> list[str]:
    return sorted(profile.name for profile in profiles)


def user_invite(*, organisation: Organisation, by: User, email: str, first_name: str, last_name: str,
                role: str, profiles: Iterable[DelegationProfile] = (), phone: str = "") -> Membership:
    """« Nouvel utilisateur »: a person joins the organisation with a role (and, for a
    collaborator, delegation profiles). A new person gets an invitation e-mail whose personal
    link sets their password; a person who already has a login gets a membership in this
    organisation too (one login, several organisations) and an e-mail saying so."""
    errors = Errors()
    email = errors.check(check_login_email, email)
    first_name = _required(errors, "first_name", first_name, "le prénom", NAME_MAX)
    last_name = _required(errors, "last_name", last_name, "le nom", NAME_MAX)
    phone = errors.check(check_phone, phone, field="phone", required=False)
    if role not in (Role.ADMINISTRATOR, Role.COLLABORATOR):
        errors.add("role", "Choisissez le rôle : administrateur ou collaborateur.")
    profiles = errors.check(_check_profiles, organisation=organisation, role=role, profiles=profiles) or []
    errors.raise_if_any()
    with transaction.atomic():
        _administrator_of(by=by, organisation=organisation)
        person = User.objects.select_for_update().filter(email__iexact=email).first()
        if person is not None:
            if person.role not in (Role.ADMINISTRATOR, Role.COLLABORATOR):
                raise ApplicationError("Cette adresse est celle d'un compte de L'Auxiliaire : invitez une autre "
                                       "adresse.", field="email")
            existing = Membership.objects.filter(user=person, organisation=organisation).first()
            if existing is not None:
                raise ApplicationError(
                    "Cette personne est déjà un utilisateur du cabinet" + ("." if existing.is_active
                                                                            else " (désactivé) : réactivez-le."),
                    field="email")
        else:
            person = User(email=email, first_name=first_name, last_name=last_name, phone=phone, role=role,
                          organisation=organisation)
            person.set_unusable_password()
            person.save()
        membership = Membership.objects.create(user=person, organisation=organisation, role=role, invited_by=by)
        membership.delegation_profiles.set(profiles)
        audit_record(organisation=organisation, by=by, action=AuditAction.INVITE, subject=_person(person),
                     after={"rôle": membership.get_role_display(), "profils": _profile_names(profiles)})
        _invitation_send(membership=membership, by=by)
    return membership


def _invitation_send(*, membership: Membership, by: User) -> OutboxMessage:
    person, organisation = membership.user, membership.organisation
    new = person.activated_at is None and not person.has_usable_password()
    context = _template_context(user=person, organisation=organisation, by=by, membership=membership, new=new,
                                valid_days=account_tokens.INVITATION_VALID_FOR.days)
    return notifications.email_enqueue(
        key=f"invitation:{membership.pk}:{_minute_slot()}",
        to=person.email,
        subject=f"{organisation.signature_name} vous invite sur l'espace courtier {settings.PORTAL_INSURER_NAME}",
        text=render_to_string("portal/account/emails/invitation.txt", context),
        personal_link=PersonalLink.INVITATION if new else "",
        personal_link_user=person if new else None,
    )


def invitation_resend(*, membership: Membership, by: User) -> OutboxMessage:
    """« Renvoyer l'invitation » to a person who has not chosen a password yet."""
    _administrator_of(by=by, organisation=membership.organisation)
    person = membership.user
    if person.activated_at is not None or person.has_usable_password():
        raise ApplicationError("Cette personne a déjà activé son compte.")
    if not membership.is_active:
        raise ApplicationError("Réactivez d'abord cet utilisateur.")
    return _invitation_send(membership=membership, by=by)


INVITATION_LINK_INVALID = ("Ce lien d'invitation n'est plus valable : il a expiré (il vaut 7 jours) ou a déjà servi. "
                           "Demandez à l'administrateur de votre cabinet de vous renvoyer l'invitation.")


def invitation_link_user(*, uidb64: str, token: str) -> User:
    user = _link_user(uidb64=uidb64, token=token, tokens=account_tokens.invitation_tokens,
                      message=INVITATION_LINK_INVALID)
    if user.activated_at is not None:
        raise ApplicationError(INVITATION_LINK_INVALID, code="invalid_link")
    if not user.memberships.filter(is_active=True).exists():
        raise ApplicationError("Votre accès a été désactivé par l'administrateur du cabinet : cette invitation ne "
                               "vaut plus.", code="invalid_link")
    return user


def invitation_accept(*, uidb64: str, token: str, password1: str, password2: str) -> User:
    """The invited person chooses their password: the account is activated, the link used up."""
    with transaction.atomic():
        user = invitation_link_user(uidb64=uidb64, token=token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.activated_at is not None or not account_tokens.invitation_tokens.check_token(user, token):
            raise ApplicationError(INVITATION_LINK_INVALID, code="invalid_link")
        check_password(password1, password2, user=user)
        user.set_password(password1)
        user.activated_at = timezone.now()
        user.save(update_fields=["password", "activated_at"])
    return user


def _lock_organisation(organisation_id: int) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation_id)


LAST_ADMINISTRATOR = ("Le cabinet doit garder au moins un administrateur actif : nommez d'abord un autre "
                      "administrateur.")


def check_keeps_an_administrator(membership: Membership, *, role: str, active: bool) -> None:
    """Under the organisation's lock: the change leaves another active administrator if it takes
    this one away (the database trigger holds the same rule)."""
    was = membership.role == Role.ADMINISTRATOR and membership.is_active
    stays = role == Role.ADMINISTRATOR and active
    if was and not stays and not Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Role.ADMINISTRATOR, is_active=True,
    ).exclude(pk=membership.pk).exists():
        raise ApplicationError(LAST_ADMINISTRATOR, field="role", code="last_administrator")


def _default_sync(membership: Membership) -> None:
    """A user's ``role`` column is its default membership's (``User.organisation``)."""
    User.objects.filter(pk=membership.user_id, organisation_id=membership.organisation_id).update(role=membership.role)


def membership_update(*, membership: Membership, by: User, role: str,
                      profiles: Iterable[DelegationProfile] = ()) -> Membership:
    """« Modifier » a user of the organisation: their role and, for a collaborator, their profiles."""
    if role not in (Role.ADMINISTRATOR, Role.COLLABORATOR):
        raise ApplicationError("Choisissez le rôle : administrateur ou collaborateur.", field="role")
    profiles = _check_profiles(organisation=membership.organisation, role=role, profiles=profiles)
    with transaction.atomic():
        _lock_organisation(membership.organisation_id)
        _administrator_of(by=by, organisation=membership.organisation)
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        check_keeps_an_administrator(locked, role=role, active=locked.is_active)
        before_profiles = _profile_names(locked.delegation_profiles.all())
        before_role = locked.get_role_display()
        if locked.role != role:
            locked.role = role
            locked.save(update_fields=["role"])
            _default_sync(locked)
            audit_record(organisation=locked.organisation, by=by, action=AuditAction.ROLE_CHANGE,
                         subject=_person(locked.user), before={"rôle": before_role},
                         after={"rôle": locked.get_role_display()})
        locked.delegation_profiles.set(profiles)
        after_profiles = _profile_names(profiles)
        if after_profiles != before_profiles:
            audit_record(organisation=locked.organisation, by=by, action=AuditAction.PROFILES_CHANGE,
                         subject=_person(locked.user), before={"profils": before_profiles},
                         after={"profils": after_profiles})
    return locked


def membership_set_active(*, membership: Membership, by: User, active: bool) -> Membership:
    """Deactivate (never delete: the history keeps the name) or reactivate a user of the organisation."""
    with transaction.atomic():
        _lock_organisation(membership.organisation_id)
        _administrator_of(by=by, organisation=membership.organisation)
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        if locked.is_active == active:
            raise ApplicationError("Cet utilisateur est déjà actif." if active else "Cet utilisateur est déjà désactivé.")
        check_keeps_an_administrator(locked, role=locked.role, active=active)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        audit_record(organisation=locked.organisation, by=by,
                     action=AuditAction.REACTIVATE if active else AuditAction.DEACTIVATE, subject=_person(locked.user),
                     before={"état": "désactivé" if active else "actif"},
                     after={"état": "actif" if active else "désactivé"})
    return locked


def membership_add(*, user: User, organisation: Organisation, role: str, by: User | None) -> Membership:
    """Staff attach a person to another organisation (« Ajouter un espace », after a help request)."""
    if user.role not in (Role.ADMINISTRATOR, Role.COLLABORATOR):
        raise ApplicationError("Seuls les utilisateurs des cabinets ont des accès aux cabinets.", field="user")
    if role not in (Role.ADMINISTRATOR, Role.COLLABORATOR):
        raise ApplicationError("Choisissez le rôle : administrateur ou collaborateur.", field="role")
    with transaction.atomic():
        if Membership.objects.filter(user=user, organisation=organisation).exists():
            raise ApplicationError("Cette personne a déjà un accès à ce cabinet.", field="organisation")
        membership = Membership.objects.create(user=user, organisation=organisation, role=role, invited_by=by)
        audit_record(organisation=organisation, by=by, action=AuditAction.MEMBERSHIP_ADD, subject=_person(user),
                     after={"rôle": membership.get_role_display()})
    return membership


def membership_change_by_staff(*, membership: Membership, by: User, role: str, active: bool) -> Membership:
    """A superuser's change of a membership in the admin: the same rules, audited."""
    with transaction.atomic():
        _lock_organisation(membership.organisation_id)
        locked = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
        check_keeps_an_administrator(locked, role=role, active=active)
        before = {"rôle": locked.get_role_display(), "état": "actif" if locked.is_active else "désactivé"}
        locked.role, locked.is_active = role, active
        locked.save(update_fields=["role", "is_active"])
        _default_sync(locked)
        after = {"rôle": locked.get_role_display(), "état": "actif" if locked.is_active else "désactivé"}
        if before != after:
            audit_record(organisation=locked.organisation, by=by, action=AuditAction.ROLE_CHANGE,
                         subject=_person(locked.user), before=before, after=after)
    return locked


# ----------------------------------------------------------------- delegation profiles


def _parse_codes(text: str | Iterable[str]) -> list[str]:
    items = re.split(r"[\s,;]+", text) if isinstance(text, str) else list(text)
    return sorted({item.strip().upper() for item in items if item and item.strip()})


@dataclass(frozen=True)
class ProfileData:
    name: str
    areas: frozenset[str]
    member_numbers: str | Iterable[str]  # « n° sociétaire », separated by spaces, commas or lines
    departements: str | Iterable[str]  # « 38, 73, 2A »


def delegation_profile_check(*, organisation: Organisation, data: ProfileData,
                             profile: DelegationProfile | None = None) -> tuple[str, set[str], list[int], list[str]]:
    """Name, areas, the organisation's clients listed and valid départements; all errors at once."""
    errors = Errors()
    name = _required(errors, "name", data.name, "le nom du profil", 80)
    if name and DelegationProfile.objects.filter(organisation=organisation, name__iexact=name).exclude(
            pk=profile.pk if profile else None).exists():
        errors.add("name", "Un profil de ce nom existe déjà.")
    areas = set(data.areas)
    if not areas:
        errors.add("areas", "Choisissez au moins un espace ("
                   + ", ".join(area.label.lower() for area in Area) + ").")
    elif not areas <= set(Area.values):
        errors.add("areas", "Espace inconnu.")
    numbers = _parse_codes(data.member_numbers)
    clients = dict(Member.objects.filter(member_number__in=numbers, policies__broker=organisation)
                   .values_list("member_number", "id").distinct())
    unknown = [number for number in numbers if number not in clients]
    if unknown:
        listed = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        errors.add("member_numbers", f"Sociétaire(s) inconnu(s) ou non client(s) du cabinet : {listed}.")
    codes = _parse_codes(data.departements)
    for code in codes:
        try:
            departement_validator(code)
        except ValidationError as error:
            errors.add("departements", f"{code} : {error.messages[0]}")
    errors.raise_if_any()
    return name, areas, sorted(clients.values()), codes


def _profile_state(profile: DelegationProfile) -> dict:
    return {
        "nom": profile.name,
        "espaces": sorted(Area(area).label for area in profile.areas()),
        "sociétaires": sorted(profile.members.values_list("member_number", flat=True)),
        "départements": sorted(profile.departements.values_list("code", flat=True)),
    }


def delegation_profile_save(*, organisation: Organisation, by: User, data: ProfileData,
                            profile: DelegationProfile | None = None) -> DelegationProfile:
    """Create or change a named, reusable delegation profile of the organisation."""
    if profile is not None and profile.organisation_id != organisation.id:
        raise ApplicationError("Ce profil n'est pas un profil du cabinet.", code="permission_denied")
    name, areas, member_ids, codes = delegation_profile_check(organisation=organisation, data=data, profile=profile)
    with transaction.atomic():
        _administrator_of(by=by, organisation=organisation)
        creating = profile is None
        if creating:
            profile = DelegationProfile(organisation=organisation)
            before = {}
        else:
            profile = DelegationProfile.objects.select_for_update().get(pk=profile.pk)
            before = _profile_state(profile)
        profile.name = name
        for area in Area:
            setattr(profile, f"area_{area.value}", area.value in areas)
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError as error:
            raise ApplicationError("Un profil de ce nom existe déjà.", field="name") from error
        profile.members.set(member_ids)
        profile.departements.exclude(code__in=codes).delete()
        known = set(profile.departements.values_list("code", flat=True))
        DelegationDepartement.objects.bulk_create([DelegationDepartement(profile=profile, code=code)
                                                   for code in codes if code not in known])
        after = _profile_state(profile)
        if after != before:
            audit_record(organisation=organisation, by=by,
                         action=AuditAction.PROFILE_CREATE if creating else AuditAction.PROFILE_UPDATE,
                         subject=name, before=before, after=after)
    return profile


# ------------------------------------------------------ several organisations (§5)


def membership_to_switch_to(*, user: User, membership_id: object) -> Membership:
    """« Changer de compte entreprise »: one of the person's own active memberships."""
    try:
        wanted = int(membership_id)
    except (TypeError, ValueError):
        wanted = 0
    membership = (Membership.objects.select_related("organisation")
                  .filter(pk=wanted, user_id=user.pk, is_active=True, organisation__is_active=True).first())
    if membership is None:
        raise ApplicationError("Vous n'avez pas accès à ce cabinet.", field="membership", code="permission_denied")
    return membership


def api_token_issue(*, membership: Membership) -> str:
    """A new API key acting for ``membership`` (its organisation): returned once, stored hashed."""
    if not membership.is_active:
        raise ApplicationError("Cet accès est désactivé.")
    key = secrets.token_hex(20)
    ApiToken.objects.create(key_hash=api_token_hash(key), prefix=key[:8], membership=membership)
    return key
