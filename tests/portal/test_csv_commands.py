"""``import_emissions`` / ``import_payments``: the API's imports from the insurer's CSV files."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.models import Member, Payment, Policy, PremiumCall

pytestmark = pytest.mark.django_db
HEADER = "reference;policy_number;member_number;company_name;broker_orias;broker_manages;due_date;amount"


def write(tmp_path, text: str, *, name="import.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(command: str, path: str) -> str:
    out = StringIO()
    call_command(command, path, stdout=out)
    return out.getvalue()


def refused(command: str, path: str) -> str:
    with pytest.raises(CommandError) as error:
        call_command(command, path, stdout=StringIO())
    return str(error.value)


def nothing_imported():
    return not (Member.objects.exists() or Policy.objects.exists() or PremiumCall.objects.exists()
                or Payment.objects.exists())


def test_semicolon_file_with_bom_french_decimals_dates_and_booleans(tmp_path, org):
    path = write(tmp_path, "\ufeff" + "\n".join([
        HEADER,
        "EM-1;P-1;M-1;BOULANGERIE MARTIN;07000001;oui;02/02/2026;1 250,50",
        "EM-2;P-2;M-2;\"GARAGE DURAND; FILS\";;non;15/02/2026;80",
        "",
    ]))
    assert run("import_emissions", path) == "2 émission(s) créée(s), 0 mise(s) à jour.\n"
    first = PremiumCall.objects.select_related("policy").get(reference="EM-1")
    assert (first.amount, first.due_date) == (Decimal("1250.50"), date(2026, 2, 2))
    assert first.policy.broker == org and first.policy.broker_manages
    second = PremiumCall.objects.select_related("policy__member").get(reference="EM-2")
    assert second.policy.broker is None and not second.policy.broker_manages
    assert second.policy.member.company_name == "GARAGE DURAND; FILS"
    assert run("import_emissions", path) == "0 émission(s) créée(s), 2 mise(s) à jour.\n"


def test_comma_file_with_iso_values(tmp_path, org):
    path = write(tmp_path, HEADER.replace(";", ",") + "\nEM-1,P-1,M-1,MENUISERIE ROUX,07000001,true,2026-02-02,99.90\n")
    assert run("import_emissions", path).startswith("1 émission(s) créée(s)")
    assert PremiumCall.objects.get().amount == Decimal("99.90")


def test_bad_lines_are_named_with_their_line_number_and_nothing_is_imported(tmp_path, org):
    path = write(tmp_path, "\n".join([
        HEADER,
        "EM-1;P-1;M-1;BOULANGERIE MARTIN;07000001;oui;02/02/2026;1250,50",
        "EM-2;P-2;M-2;GARAGE DURAND;07000001;oui;31/02/2026;100",
        "EM-3;P-3;M-3;PLOMBERIE PETIT;0700;oui;02/02/2026;-5",
    ]))
    message = refused("import_emissions", path)
    assert message.startswith("2 lignes en erreur, rien n'a été enregistré.")
    assert "Ligne 3 — due_date : La date n'a pas le bon format" in message
    assert "Ligne 4 — broker_orias : Le numéro ORIAS comporte 8 chiffres." in message
    assert "Ligne 4 — amount : Le montant doit être positif." in message
    assert "Ligne 2" not in message
    assert nothing_imported()


def test_business_errors_name_the_line_even_after_blank_and_multiline_rows(tmp_path, org):
    path = write(tmp_path, "\n".join([
        HEADER,
        "EM-1;P-1;M-1;\"BOULANGERIE\nMARTIN\";07000001;oui;02/02/2026;10",  # lines 2-3
        "",  # line 4, skipped
        "EM-2;P-2;M-2;GARAGE;07999999;oui;02/02/2026;10",  # line 5
    ]))
    message = refused("import_emissions", path)
    assert "Ligne 5 — broker_orias : Aucun cabinet n'a le numéro ORIAS 07999999." in message
    assert nothing_imported()


@pytest.mark.parametrize(("content", "encoding", "message"), [
    ("reference;policy_number\nEM-1;P-1\n", "utf-8",
     "Colonnes manquantes : amount, broker_manages, company_name, due_date, member_number."),
    (HEADER + "\n", "utf-8", "Le fichier ne contient aucune ligne."),
    (HEADER + "\nEM-1;P-1;M-1;SOCIÉTÉ GÉNÉRALE DU BÂTIMENT;;non;02/02/2026;10\n", "latin-1",
     "Le fichier doit être encodé en UTF-8."),
])
def test_unreadable_files_are_refused_in_french(tmp_path, org, content, encoding, message):
    assert refused("import_emissions", write(tmp_path, content, encoding=encoding)) == message
    assert nothing_imported()


def test_a_missing_file_is_named(tmp_path):
    assert refused("import_payments", str(tmp_path / "absent.csv")).startswith("Fichier introuvable : ")


def test_payments_file(tmp_path, org, emission):
    emission(reference="EM-1", broker=org, amount="1000.00")
    path = write(tmp_path, "emission_reference,amount,paid_on,reference\n"
                           "EM-1,\"400,00\",10/02/2026,PAY-1\nEM-1,100.00,2026-03-02,\n")
    assert run("import_payments", path) == "2 paiement(s) enregistré(s), 0 déjà connu(s).\n"
    assert PremiumCall.objects.get().paid_amount == Decimal("500.00")
    # Replayed: the referenced payment is known, the one without reference is new again.
    assert run("import_payments", path) == "1 paiement(s) enregistré(s), 1 déjà connu(s).\n"
    assert PremiumCall.objects.get().paid_amount == Decimal("600.00")


def test_payments_in_the_future_are_refused_with_their_line(tmp_path, org, emission, set_today):
    emission(reference="EM-1", broker=org)
    set_today("2026-02-27")
    path = write(tmp_path, "emission_reference;amount;paid_on\nEM-1;10;27/02/2026\nEM-1;10;02/03/2026\n")
    message = refused("import_payments", path)
    assert "Ligne 3 — paid_on : La date de paiement 02/03/2026 est dans le futur." in message
    assert not Payment.objects.exists()
    assert PremiumCall.objects.get().paid_amount == Decimal("0.00")
