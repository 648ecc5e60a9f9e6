"""Imports of premium calls (émissions) and payments: upsert, per-row French errors,
all-or-nothing, set-based, plausible values, payments recorded once by reference (SPEC §8)."""

import itertools
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from portal import services
from portal.errors import ApplicationError
from portal.models import Member, Payment, Policy, PremiumCall, Product

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
PAYMENT_NUMBERS = itertools.count(1)


def emission_row(**overrides) -> services.EmissionRow:
    values = {"reference": "EM-1", "policy_number": "P-1", "member_number": "M-1",
              "company_name": "BOULANGERIE MARTIN", "broker_orias": "07000001", "broker_manages": True,
              "due_date": date(2026, 2, 2), "amount": Decimal("1000.00")}
    return services.EmissionRow(**{**values, **overrides})


def payment_row(**overrides) -> services.PaymentRow:
    values = {"emission_reference": "EM-1", "amount": Decimal("400.00"), "paid_on": date(2026, 2, 10),
              "reference": f"PAY-AUTO-{next(PAYMENT_NUMBERS)}"}
    return services.PaymentRow(**{**values, **overrides})


def snapshot():
    """Everything an import may change, to prove a refused import changed nothing."""
    return (
        list(Member.objects.order_by("id").values_list("member_number", "company_name")),
        list(Policy.objects.order_by("id").values_list("number", "member_id", "broker_id", "broker_manages")),
        list(PremiumCall.objects.order_by("id").values_list("reference", "policy_id", "due_date", "amount",
                                                            "paid_amount")),
        list(Payment.objects.order_by("id").values_list("premium_call_id", "amount", "paid_on", "reference")),
    )


def errors_of(call) -> tuple[str, list[dict]]:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.message, caught.value.errors


# ---------------------------------------------------------------------------- émissions


def test_emissions_import_creates_members_policies_and_premium_calls(org):
    result = services.emissions_import(rows=[
        emission_row(),
        emission_row(reference="EM-2", due_date=date(2026, 3, 2), amount=Decimal("250.50")),
        emission_row(reference="EM-3", policy_number="P-2", member_number="M-2", company_name="GARAGE DURAND",
                     broker_orias=None, broker_manages=False),
    ])
    assert (result.created, result.updated) == (3, 0)
    call = PremiumCall.objects.select_related("policy__member", "policy__broker").get(reference="EM-2")
    assert (call.amount, call.due_date, call.paid_amount) == (Decimal("250.50"), date(2026, 3, 2), Decimal("0.00"))
    assert call.policy.number == "P-1" and call.policy.broker == org and call.policy.broker_manages
    assert call.policy.member.company_name == "BOULANGERIE MARTIN"
    orphan = Policy.objects.get(number="P-2")
    assert orphan.broker is None and not orphan.broker_manages
    assert Member.objects.count() == 2 and Policy.objects.count() == 2


def test_emissions_import_upserts_by_reference_and_keeps_what_was_paid(org, other_org):
    services.emissions_import(rows=[emission_row()])
    services.payments_import(rows=[payment_row()], today=TODAY)
    result = services.emissions_import(rows=[
        emission_row(amount=Decimal("1200.00"), due_date=date(2026, 2, 5), company_name="BOULANGERIE MARTIN SAS",
                     broker_orias="07000002", broker_manages=False),
        emission_row(reference="EM-2", company_name="BOULANGERIE MARTIN SAS", broker_orias="07000002",
                     broker_manages=False),
    ])
    assert (result.created, result.updated) == (1, 1)
    call = PremiumCall.objects.select_related("policy__member").get(reference="EM-1")
    assert (call.amount, call.due_date, call.paid_amount) == (Decimal("1200.00"), date(2026, 2, 5), Decimal("400.00"))
    assert call.policy.broker_id == other_org.id and not call.policy.broker_manages
    assert call.policy.member.company_name == "BOULANGERIE MARTIN SAS"
    assert PremiumCall.objects.count() == 2 and Policy.objects.count() == 1 and Member.objects.count() == 1


BAD_EMISSIONS = [
    # (rows, row index, field, French message)
    ([emission_row(), emission_row(amount=Decimal("5.00"))], 1, "reference", "La référence EM-1 apparaît 2 fois"),
    ([emission_row(reference="EM-2", amount=Decimal("0.00"))], 0, "amount", "Le montant doit être positif."),
    ([emission_row(reference="EM-2", broker_orias=None)], 0, "broker_manages",
     "Un courtier gestionnaire doit avoir un numéro ORIAS."),
    ([emission_row(reference="EM-2", broker_orias="07999999")], 0, "broker_orias",
     "Aucun cabinet n'a le numéro ORIAS 07999999."),
    ([emission_row(reference="EM-2"), emission_row(reference="EM-3", member_number="M-9")], 1, "policy_number",
     "La police P-1 apparaît avec des sociétaires ou courtiers différents."),
    ([emission_row(reference="EM-2", member_number="M-9")], 0, "member_number",
     "La police P-1 appartient au sociétaire M-1, pas à M-9."),
    ([emission_row(policy_number="P-9", member_number="M-9")], 0, "reference",
     "L'émission EM-1 concerne déjà la police P-1."),
]


@pytest.mark.parametrize(("rows", "index", "field", "message"), BAD_EMISSIONS)
def test_every_bad_emission_is_a_french_row_error_and_changes_nothing(org, rows, index, field, message):
    services.emissions_import(rows=[emission_row()])
    before = snapshot()
    good = emission_row(reference="EM-OK", policy_number="P-OK", member_number="M-OK")
    text, errors = errors_of(lambda: services.emissions_import(rows=[*rows, good]))
    assert "rien n'a été enregistré" in text
    failing = {error["row"]: error for error in errors}
    assert any(message in text for text in failing[index][field]), errors
    assert len(rows) not in failing  # the good row is not blamed
    assert snapshot() == before


def test_an_empty_batch_is_refused(org):
    with pytest.raises(ApplicationError, match="La liste des émissions est vide."):
        services.emissions_import(rows=[])
    with pytest.raises(ApplicationError, match="La liste des paiements est vide."):
        services.payments_import(rows=[], today=TODAY)


def test_all_errors_of_a_batch_are_reported_together(org):
    text, errors = errors_of(lambda: services.emissions_import(rows=[
        emission_row(amount=Decimal("-1")),
        emission_row(reference="EM-2"),
        emission_row(reference="EM-3", broker_orias="07999999"),
    ]))
    assert text == "Import des émissions : 2 lignes en erreur, rien n'a été enregistré."
    assert [error["row"] for error in errors] == [0, 2]
    assert not PremiumCall.objects.exists() and not Member.objects.exists()


def capture(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries.captured_queries)


def test_import_query_count_does_not_grow_with_the_number_of_rows(org):
    def batch(size, prefix, amount="100.00"):
        return [emission_row(reference=f"{prefix}-{i}", policy_number=f"{prefix}P-{i // 2}",
                             member_number=f"{prefix}M-{i // 4}", amount=Decimal(amount)) for i in range(size)]

    def payments(size, prefix):
        return [payment_row(emission_reference=f"{prefix}-{i}", reference=f"PAY-{prefix}-{i}") for i in range(size)]

    small_create = capture(lambda: services.emissions_import(rows=batch(10, "A")))
    large_create = capture(lambda: services.emissions_import(rows=batch(300, "B")))
    small_update = capture(lambda: services.emissions_import(rows=batch(10, "A", "110.00")))
    large_update = capture(lambda: services.emissions_import(rows=batch(300, "B", "110.00")))
    small_pay = capture(lambda: services.payments_import(rows=payments(10, "A"), today=TODAY))
    large_pay = capture(lambda: services.payments_import(rows=payments(300, "B"), today=TODAY))
    assert PremiumCall.objects.filter(amount=Decimal("110.00")).count() == 310
    assert Payment.objects.count() == 310
    assert small_create == large_create
    assert small_update == large_update
    assert small_pay == large_pay
    assert large_create <= 15 and large_pay <= 10


# ----------------------------------------------------------------------------- payments


@pytest.fixture
def two_calls(org):
    services.emissions_import(rows=[emission_row(), emission_row(reference="EM-2", amount=Decimal("300.00"))])


def paid(reference: str) -> Decimal:
    return PremiumCall.objects.get(reference=reference).paid_amount


def test_payments_are_recorded_and_paid_amounts_kept_right(two_calls):
    result = services.payments_import(rows=[
        payment_row(reference="PAY-1"),
        payment_row(amount=Decimal("100.00"), reference="PAY-2"),
        payment_row(emission_reference="EM-2", amount=Decimal("300.00"), paid_on=TODAY),
    ], today=TODAY)
    assert (result.recorded, result.already_recorded) == (3, 0)
    assert paid("EM-1") == Decimal("500.00") and paid("EM-2") == Decimal("300.00")
    services.payments_import(rows=[payment_row(amount=Decimal("500.00"), reference="PAY-3")], today=TODAY)
    assert paid("EM-1") == Decimal("1000.00")
    assert PremiumCall.objects.get(reference="EM-1").outstanding == Decimal("0.00")


def test_a_replayed_payment_reference_is_recorded_once(two_calls):
    services.payments_import(rows=[payment_row(reference="PAY-1")], today=TODAY)
    result = services.payments_import(rows=[payment_row(reference="PAY-1"), payment_row(reference="PAY-2")],
                                      today=TODAY)
    assert (result.recorded, result.already_recorded) == (1, 1)
    assert Payment.objects.filter(reference="PAY-1").count() == 1
    assert paid("EM-1") == Decimal("800.00")


def test_a_batch_sent_again_records_nothing_twice(org):
    """The review's case: 60 € paid on a 100 € premium call, the batch sent twice: 40 € still due."""
    services.emissions_import(rows=[emission_row(amount=Decimal("100.00"))])
    batch = [payment_row(amount=Decimal("60.00"), reference="VIR-2026-0042")]
    first = services.payments_import(rows=batch, today=TODAY)
    again = services.payments_import(rows=batch, today=TODAY)
    assert (first.recorded, first.already_recorded) == (1, 0)
    assert (again.recorded, again.already_recorded) == (0, 1)
    call = PremiumCall.objects.get(reference="EM-1")
    assert (call.paid_amount, call.outstanding) == (Decimal("60.00"), Decimal("40.00"))
    assert Payment.objects.count() == 1


def test_the_database_refuses_a_payment_without_reference_or_twice_the_same(two_calls):
    call = PremiumCall.objects.get(reference="EM-1")
    Payment.objects.create(premium_call=call, amount=Decimal("1.00"), paid_on=TODAY, reference="PAY-1")
    for reference in ("", "PAY-1"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(premium_call=call, amount=Decimal("1.00"), paid_on=TODAY, reference=reference)
    assert list(Payment.objects.values_list("reference", flat=True)) == ["PAY-1"]


BAD_PAYMENTS = [
    ([payment_row(reference="")], 0, "reference", "Ce champ ne peut être vide."),
    ([payment_row(reference="   ")], 0, "reference", "Ce champ ne peut être vide."),
    ([payment_row(emission_reference="EM-404")], 0, "emission_reference", "Aucune émission n'a la référence EM-404."),
    ([payment_row(paid_on=date(2026, 3, 3))], 0, "paid_on", "La date de paiement 03/03/2026 est dans le futur."),
    ([payment_row(amount=Decimal("0"))], 0, "amount", "Le montant doit être positif."),
    # the duplicate is named on its own row
    ([payment_row(), payment_row(reference="PAY-9"), payment_row(reference="PAY-9")], 2, "reference",
     "Le paiement PAY-9 apparaît 2 fois dans l'envoi."),
    ([payment_row(reference="PAY-1", amount=Decimal("999.00"))], 0, "reference",
     "Le paiement PAY-1 est déjà enregistré avec une autre émission, un autre montant ou une autre date."),
]


@pytest.mark.parametrize(("rows", "index", "field", "message"), BAD_PAYMENTS)
def test_every_bad_payment_is_a_french_row_error_and_changes_nothing(two_calls, rows, index, field, message):
    services.payments_import(rows=[payment_row(reference="PAY-1")], today=TODAY)
    before = snapshot()
    good = payment_row(emission_reference="EM-2", reference="PAY-OK")
    text, errors = errors_of(lambda: services.payments_import(rows=[*rows, good], today=TODAY))
    assert text.startswith("Import des paiements") and "rien n'a été enregistré" in text
    failing = {error["row"]: error for error in errors}
    assert message in failing[index][field], errors
    assert len(rows) not in failing
    assert snapshot() == before
    assert paid("EM-2") == Decimal("0.00")


def test_a_payment_dated_today_is_accepted(two_calls, set_today):
    set_today("2026-03-09")
    services.payments_import(rows=[payment_row(paid_on=date(2026, 3, 9))], today=date(2026, 3, 9))
    assert paid("EM-1") == Decimal("400.00")


def test_emission_rows_are_immutable_values():
    row = emission_row()
    assert replace(row, amount=Decimal("1")).amount == Decimal("1") and row.amount == Decimal("1000.00")


# ------------------------------------------------------------------ plausible values (both imports)

LATEST_DUE_DATE = date(2028, 3, 2)  # the business date (Monday 2 March 2026) + 2 years

IMPLAUSIBLE_EMISSIONS = [
    # (change, field, French message)
    ({"due_date": date(1, 1, 1)}, "due_date",
     "L'échéance 01/01/0001 n'est pas plausible : elle doit être comprise entre le 01/01/2000 et le 02/03/2028."),
    ({"due_date": date(9999, 12, 31)}, "due_date", "L'échéance 31/12/9999 n'est pas plausible"),
    ({"due_date": date(1999, 12, 31)}, "due_date", "L'échéance 31/12/1999 n'est pas plausible"),
    ({"due_date": date(2028, 3, 3)}, "due_date", "L'échéance 03/03/2028 n'est pas plausible"),
    ({"company_name": "BOULANGERIE\r\nMARTIN"}, "company_name",
     "Le texte doit tenir sur une seule ligne (retour à la ligne interdit)."),
    ({"company_name": "BOULANGERIE\nMARTIN"}, "company_name", "Le texte doit tenir sur une seule ligne"),
    ({"company_name": "BOULANGERIE\u2028MARTIN"}, "company_name", "Le texte doit tenir sur une seule ligne"),
    ({"company_name": "BOULANGERIE\tMARTIN"}, "company_name",
     "Le texte contient un caractère de contrôle ou invisible interdit (U+0009)."),
    ({"company_name": "BOULANGERIE\u202eNITRAM"}, "company_name", "invisible interdit (U+202E)."),
    ({"company_name": "BOULANGERIE\x00"}, "company_name", "(U+0000)"),
    ({"company_name": " BOULANGERIE"}, "company_name", "Le texte ne doit ni commencer ni finir par une espace."),
    ({"company_name": "  "}, "company_name", "Ce champ ne peut être vide."),
    ({"company_name": "B" * 121}, "company_name", "Au plus 120 caractères (reçu 121)."),
    ({"reference": "EM-" + "9" * 38}, "reference", "Au plus 40 caractères (reçu 41)."),
    ({"policy_number": "P\n1"}, "policy_number", "Le texte doit tenir sur une seule ligne"),
    ({"member_number": ""}, "member_number", "Ce champ ne peut être vide."),
    ({"member_number": 1234567}, "member_number", "Une chaîne de caractères est attendue."),
    ({"broker_orias": "0700\n001"}, "broker_orias", "Le texte doit tenir sur une seule ligne"),
    ({"broker_manages": "true"}, "broker_manages", "Un booléen est attendu."),
    ({"amount": Decimal("10000000000.00")}, "amount", "Le montant ne peut pas dépasser 9\u202f999\u202f999\u202f999,99\u00a0€."),
    ({"amount": Decimal("1E+30")}, "amount", "Le montant ne peut pas dépasser"),
    ({"amount": Decimal("12.345")}, "amount", "Le montant a au plus 2 chiffres après la virgule."),
    ({"amount": Decimal("NaN")}, "amount", "Un nombre valide est requis."),
    ({"amount": Decimal("-Infinity")}, "amount", "Un nombre valide est requis."),
    ({"amount": 12.5}, "amount", "Un montant décimal est attendu."),
]


@pytest.mark.parametrize(("change", "field", "message"), IMPLAUSIBLE_EMISSIONS)
def test_implausible_emission_values_are_refused_in_french(org, change, field, message):
    good = emission_row(reference="EM-OK", policy_number="P-OK", member_number="M-OK")
    text, errors = errors_of(lambda: services.emissions_import(rows=[emission_row(**change), good], today=TODAY))
    assert text == "Import des émissions : 1 ligne en erreur, rien n'a été enregistré."
    assert [error["row"] for error in errors] == [0]
    assert any(message in text for text in errors[0][field]), errors
    assert not PremiumCall.objects.exists() and not Member.objects.exists() and not Policy.objects.exists()


def test_the_edges_of_the_plausible_window_are_accepted(org):
    result = services.emissions_import(rows=[
        emission_row(due_date=date(2000, 1, 1), amount=Decimal("9999999999.99"), company_name="B" * 120),
        emission_row(reference="EM-2", due_date=LATEST_DUE_DATE, amount=Decimal("0.01"), company_name="B" * 120),
        emission_row(reference="EM-3", amount=Decimal("12.300"), company_name="B" * 120),  # 12,30 €
    ], today=TODAY)
    assert result.created == 3
    services.payments_import(rows=[payment_row(paid_on=date(2000, 1, 1), amount=Decimal("9999999999.99"),
                                               reference="R" * 40)], today=TODAY)
    assert paid("EM-1") == Decimal("9999999999.99")


def test_the_due_date_window_follows_the_business_date(org, set_today):
    set_today("2027-01-04")
    services.emissions_import(rows=[emission_row(due_date=date(2029, 1, 4))])  # today read from the clock
    text, errors = errors_of(lambda: services.emissions_import(rows=[emission_row(due_date=date(2029, 1, 5))]))
    assert "entre le 01/01/2000 et le 04/01/2029" in errors[0]["due_date"][0]


def test_a_value_error_does_not_hide_the_other_errors_of_the_batch(org):
    text, errors = errors_of(lambda: services.emissions_import(rows=[
        emission_row(company_name="A\nB"),
        emission_row(reference="EM-2", policy_number="P-2", member_number="M-2", broker_orias="07999999"),
    ], today=TODAY))
    assert errors == [
        {"row": 0, "company_name": ["Le texte doit tenir sur une seule ligne (retour à la ligne interdit)."]},
        {"row": 1, "broker_orias": ["Aucun cabinet n'a le numéro ORIAS 07999999."]},
    ]


IMPLAUSIBLE_PAYMENTS = [
    ({"paid_on": date(1, 1, 1)}, "paid_on",
     "La date de paiement 01/01/0001 n'est pas plausible : elle doit être postérieure au 01/01/2000."),
    ({"paid_on": date(1999, 12, 31)}, "paid_on", "La date de paiement 31/12/1999 n'est pas plausible"),
    ({"paid_on": date(9999, 12, 31)}, "paid_on", "La date de paiement 31/12/9999 est dans le futur."),
    ({"reference": "VIR\r\n42"}, "reference", "Le texte doit tenir sur une seule ligne"),
    ({"reference": "R" * 41}, "reference", "Au plus 40 caractères (reçu 41)."),
    ({"emission_reference": "EM-1\x1b"}, "emission_reference", "(U+001B)"),
    ({"amount": Decimal("1E+12")}, "amount", "Le montant ne peut pas dépasser"),
    ({"amount": Decimal("0.001")}, "amount", "Le montant a au plus 2 chiffres après la virgule."),
    ({"amount": Decimal("-5")}, "amount", "Le montant doit être positif."),
]


@pytest.mark.parametrize(("change", "field", "message"), IMPLAUSIBLE_PAYMENTS)
def test_implausible_payment_values_are_refused_in_french(two_calls, change, field, message):
    before = snapshot()
    good = payment_row(emission_reference="EM-2", reference="PAY-OK")
    text, errors = errors_of(lambda: services.payments_import(rows=[payment_row(**change), good], today=TODAY))
    assert text == "Import des paiements : 1 ligne en erreur, rien n'a été enregistré."
    assert [error["row"] for error in errors] == [0]
    assert any(message in text for text in errors[0][field]), errors
    assert snapshot() == before


# ------------------------------------------------------------------ the same batch sent twice at once


def run_together(*calls):
    """Each call on its own thread and database connection, started together."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # asserted by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_batch_sent_twice_at_once_is_recorded_once(org):
    """A client that times out and sends its batch again while the first is still written."""
    services.emissions_import(rows=[emission_row(reference=f"EM-{i}", policy_number=f"P-{i}", member_number=f"M-{i}",
                                                 amount=Decimal("100.00")) for i in range(200)])
    batch = [payment_row(emission_reference=f"EM-{i}", amount=Decimal("60.00"), reference=f"VIR-{i}")
             for i in range(200)]
    results = run_together(*[lambda: services.payments_import(rows=batch, today=TODAY)] * 4)
    assert not [result for result in results if isinstance(result, Exception)], results
    assert sorted((result.recorded, result.already_recorded) for result in results) == [(0, 200)] * 3 + [(200, 0)]
    assert Payment.objects.count() == 200
    assert set(PremiumCall.objects.values_list("paid_amount", flat=True)) == {Decimal("60.00")}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_one_reference_sent_at_once_for_two_premium_calls_is_recorded_once(two_calls):
    one = [payment_row(emission_reference="EM-1", amount=Decimal("10.00"), reference="VIR-X")]
    other = [payment_row(emission_reference="EM-2", amount=Decimal("10.00"), reference="VIR-X")]
    results = run_together(lambda: services.payments_import(rows=one, today=TODAY),
                           lambda: services.payments_import(rows=other, today=TODAY))
    recorded = [result for result in results if isinstance(result, services.PaymentImportResult)]
    refused = [result for result in results if isinstance(result, ApplicationError)]
    assert len(recorded) == 1 and recorded[0].recorded == 1 and len(refused) == 1, results
    assert "Le paiement VIR-X est déjà enregistré avec une autre émission" in refused[0].errors[0]["reference"][0]
    assert Payment.objects.count() == 1
    assert sorted(PremiumCall.objects.values_list("paid_amount", flat=True)) == [Decimal("0.00"), Decimal("10.00")]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real parallel transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_batches_paying_the_same_premium_calls_at_once_both_count(org):
    services.emissions_import(rows=[emission_row(reference=f"EM-{i}", policy_number=f"P-{i}", member_number=f"M-{i}",
                                                 amount=Decimal("100.00")) for i in range(200)])

    def batch(prefix, amount):
        return [payment_row(emission_reference=f"EM-{i}", amount=Decimal(amount), reference=f"{prefix}-{i}")
                for i in range(200)]

    first, second = batch("VIR-A", "30.00"), batch("VIR-B", "20.00")
    results = run_together(lambda: services.payments_import(rows=first, today=TODAY),
                           lambda: services.payments_import(rows=second, today=TODAY))
    assert [(result.recorded, result.already_recorded) for result in results] == [(200, 0), (200, 0)], results
    assert set(PremiumCall.objects.values_list("paid_amount", flat=True)) == {Decimal("50.00")}


# ----------------------------------------------------------------------------- products


@pytest.fixture
def products(db):
    return {code: Product.objects.create(code=code, name=name)
            for code, name in (("pyramide_artisan", "Pyramide Artisan"), ("rc_pro", "RC professionnelle"))}


def test_the_import_links_each_policy_to_its_product_and_leaves_it_when_absent(org, products):
    services.emissions_import(rows=[
        emission_row(product="pyramide_artisan"),
        emission_row(reference="EM-2", policy_number="P-2", member_number="M-2", product="rc_pro"),
        emission_row(reference="EM-3", policy_number="P-3", member_number="M-3"),
    ])
    assert dict(Policy.objects.values_list("number", "product__code")) == {
        "P-1": "pyramide_artisan", "P-2": "rc_pro", "P-3": None}
    # A later batch without the field keeps the product; with it, the policy changes product.
    services.emissions_import(rows=[emission_row(reference="EM-4", due_date=date(2026, 3, 2)),
                                    emission_row(reference="EM-5", policy_number="P-2", member_number="M-2",
                                                 product="pyramide_artisan")])
    assert dict(Policy.objects.values_list("number", "product__code")) == {
        "P-1": "pyramide_artisan", "P-2": "pyramide_artisan", "P-3": None}


@pytest.mark.parametrize(("rows", "message"), [
    ([emission_row(product="inconnu")], "Aucun produit n'a le code inconnu"),
    ([emission_row(product="rc_pro"), emission_row(reference="EM-2", product="pyramide_artisan")],
     "La police P-1 apparaît avec des produits différents."),
    ([emission_row(product="a" * 31)], "caractères"),
    ([emission_row(product="rc\npro")], "une seule ligne"),
])
def test_a_wrong_product_is_a_french_row_error_and_changes_nothing(org, products, rows, message):
    before = snapshot()
    _, errors = errors_of(lambda: services.emissions_import(rows=rows))
    assert any(message in text for error in errors for text in error.get("product", [])), errors
    assert snapshot() == before


def test_products_cost_the_same_queries_for_few_and_many_policies(org, products):
    def batch(size, prefix):
        return [emission_row(reference=f"{prefix}-{i}", policy_number=f"{prefix}P-{i}", member_number=f"{prefix}M-{i}",
                             product=("pyramide_artisan", "rc_pro")[i % 2]) for i in range(size)]

    assert capture(lambda: services.emissions_import(rows=batch(10, "A"))) == \
        capture(lambda: services.emissions_import(rows=batch(400, "B")))
    assert Policy.objects.filter(product__code="rc_pro").count() == 205


def test_the_api_takes_the_optional_product_and_answers_in_french(org, products, api_for, system_user):
    body = {"reference": "EM-1", "policy_number": "P-1", "member_number": "M-1", "company_name": "BOULANGERIE",
            "broker_orias": "07000001", "broker_manages": True, "due_date": "2026-02-02", "amount": "100.00"}
    api = api_for(system_user)
    assert api.post("/api/v1/emissions/", [{**body, "product": "rc_pro"}], format="json").status_code == 200
    assert Policy.objects.get(number="P-1").product.code == "rc_pro"
    assert api.post("/api/v1/emissions/", [{**body, "product": None}], format="json").status_code == 200
    assert Policy.objects.get(number="P-1").product.code == "rc_pro"
    refused = api.post("/api/v1/emissions/", [{**body, "reference": "EM-2", "product": "rien"}], format="json")
    assert refused.status_code == 400
    assert "Aucun produit n'a le code rien" in refused.json()["errors"][0]["product"][0]
