"""Strong (eIDAS) identity of the account holder and qualified sending (seed 001 §7)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.errors import ApplicationError
from resiliation import services
from resiliation.models import IdentityStatus, Insurer, SandboxRegisteredMail

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def start(user, **overrides):
    values = {"mobile_phone": "0612345678", "email": user.email, "confirmed": True, "price_accepted": True}
    return services.identity_check_start(user=user, now=NOW, **{**values, **overrides})


def test_identity_check_debits_14_40_once(admin_user, funded, balance):
    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    check = start(admin_user)
    assert balance(admin_user.organisation) == before - Decimal("14.40")
    with pytest.raises(ApplicationError, match="déjà en cours"):
        start(admin_user)
    with pytest.raises(ApplicationError, match="incorrect"):
        services.identity_check_confirm(check=check, code="x", now=NOW)
    services.identity_check_confirm(check=check, code=check.code, now=NOW)
    assert check.status == IdentityStatus.VERIFIED
    assert balance(admin_user.organisation) == before - Decimal("14.40")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"confirmed": False}, "confirmed"), ({"price_accepted": False}, "price_accepted"),
    ({"mobile_phone": "0412345678"}, "mobile_phone"),
])
def test_identity_check_refusals_debit_nothing(admin_user, funded, balance, overrides, field):
    funded(admin_user.organisation)
    before = balance(admin_user.organisation)
    with pytest.raises(ApplicationError) as error:
        start(admin_user, **overrides)
    assert error.value.field == field and balance(admin_user.organisation) == before


def test_only_the_account_holder(resiliation_collaborator):
    with pytest.raises(ApplicationError, match="titulaire"):
        start(resiliation_collaborator)


def test_qualified_sending_when_both_sides_are_identified(admin_user, make_letter, orias_on_file, funded):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)  # MAAF: identified recipient
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    first = services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=True, start=None,
                                   send=date(2026, 3, 2), dates_confirmed=True, now=NOW)
    assert first.qualified is False  # the holder is not identified yet
    check = start(admin_user)
    services.identity_check_confirm(check=check, code=check.code, now=NOW)
    second = make_letter(admin_user)
    services.letter_mandate_choose(letter=second, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    second = services.letter_confirm(letter=second, by=admin_user, with_acknowledgement=True, start=None,
                                    send=date(2026, 3, 2), dates_confirmed=True, now=NOW)
    assert second.qualified is True
    services.letter_dispatch(letter_id=second.pk, now=NOW)
    assert SandboxRegisteredMail.objects.get().qualified is True
    Insurer.objects.filter(pk=second.insurer_id).update(is_identified=False)
    third = make_letter(admin_user)
    services.letter_mandate_choose(letter=third, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    third = services.letter_confirm(letter=third, by=admin_user, with_acknowledgement=True, start=None,
                                   send=date(2026, 3, 2), dates_confirmed=True, now=NOW)
    assert third.qualified is False  # simple LRE towards a recipient that is not identified
