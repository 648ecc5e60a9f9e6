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


def test_a_value_on_several_lines_is_refused_naming_the_first_line_of_its_row(tmp_path, org):
    path = write(tmp_path, "\n".join([
        HEADER,
        "EM-1;P-1;M-1;\"BOULANGERIE\nMARTIN\";07000001;oui;02/02/2026;10",  # lines 2-3
        "",  # line 4, skipped
        "EM-2;P-2;M-2;GARAGE;07000001;oui;02/02/2026;10",  # line 5
        "EM-3;P-3;M-3;\"PLOMBERIE\r\nPETIT\r\nSARL\";07000001;oui;02/02/2026;10",  # lines 6-8
        "EM-4;P-4;M-4;GARAGE;07000001;oui;02/02/2026;-1",  # line 9
    ]))
    assert refused("import_emissions", path).splitlines() == [
        "3 lignes en erreur, rien n'a été enregistré.",
        "  Ligne 2 — company_name : Le texte doit tenir sur une seule ligne (retour à la ligne interdit).",
        "  Ligne 6 — company_name : Le texte doit tenir sur une seule ligne (retour à la ligne interdit).",
        "  Ligne 9 — amount : Le montant doit être positif.",
    ]
    assert nothing_imported()


def test_business_errors_name_the_line_even_after_blank_lines(tmp_path, org):
    path = write(tmp_path, "\n".join([
        HEADER,
        "EM-1;P-1;M-1;BOULANGERIE MARTIN;07000001;oui;02/02/2026;10",  # line 2
        "",  # line 3, skipped
        "",  # line 4, skipped
        "EM-2;P-2;M-2;GARAGE;07999999;oui;02/02/2026;10",  # line 5
    ]))
    assert refused("import_emissions", path).splitlines() == [
        "Import des émissions : 1 ligne en erreur, rien n'a été enregistré.",
        "  Ligne 5 — broker_orias : Aucun cabinet n'a le numéro ORIAS 07999999.",
    ]
    assert nothing_imported()


def test_implausible_values_of_a_file_are_refused_with_their_line(tmp_path, org):
    path = write(tmp_path, "\n".join([
        HEADER,
        "EM-1;P-1;M-1;BOULANGERIE MARTIN;07000001;oui;01/01/0001;10",
        "EM-2;P-2;M-2;GARAGE DURAND;07000001;oui;31/12/9999;10",
        "EM-3;P-3;M-3;PLOMBERIE\tPETIT;07000001;oui;02/02/2026;99 999 999 999,00",
        "EM-4;P-4;M-4;MENUISERIE ROUX;07000001;peut-être;02/02/2026;10,005",
        "EM-5;P-5;M-5;ÉLECTRICITÉ BLANC;07000001;non;02/02/2026;10",
    ]))
    message = refused("import_emissions", path)
    assert message.splitlines() == [
        "4 lignes en erreur, rien n'a été enregistré.",
        "  Ligne 2 — due_date : L'échéance 01/01/0001 n'est pas plausible : elle doit être comprise entre le "
        "01/01/2000 et le 02/03/2028.",
        "  Ligne 3 — due_date : L'échéance 31/12/9999 n'est pas plausible : elle doit être comprise entre le "
        "01/01/2000 et le 02/03/2028.",
        "  Ligne 4 — company_name : Le texte contient un caractère de contrôle ou invisible interdit (U+0009).",
        "  Ligne 4 — amount : Le montant ne peut pas dépasser 9\u202f999\u202f999\u202f999,99\u00a0€.",
        "  Ligne 5 — broker_manages : Un booléen est attendu : true ou false (oui ou non dans un fichier CSV).",
        "  Ligne 5 — amount : Le montant a au plus 2 chiffres après la virgule.",
    ]
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


def test_payments_file_sent_again_records_nothing_twice(tmp_path, org, emission):
    emission(reference="EM-1", broker=org, amount="1000.00")
    path = write(tmp_path, "reference,emission_reference,amount,paid_on\n"
                           "VIR-1,EM-1,\"400,00\",10/02/2026\nVIR-2,EM-1,100.00,2026-03-02\n")
    assert run("import_payments", path) == "2 paiement(s) enregistré(s), 0 déjà connu(s).\n"
    assert PremiumCall.objects.get().paid_amount == Decimal("500.00")
    assert run("import_payments", path) == "0 paiement(s) enregistré(s), 2 déjà connu(s).\n"
    assert PremiumCall.objects.get().paid_amount == Decimal("500.00")
    assert Payment.objects.count() == 2


def test_a_payments_file_needs_the_reference_of_each_payment(tmp_path, org, emission):
    emission(reference="EM-1", broker=org)
    without_column = write(tmp_path, "emission_reference;amount;paid_on\nEM-1;10;27/02/2026\n", name="a.csv")
    assert refused("import_payments", without_column) == "Colonnes manquantes : reference."
    without_value = write(tmp_path, "reference;emission_reference;amount;paid_on\nVIR-1;EM-1;10;27/02/2026\n"
                                    ";EM-1;10;27/02/2026\n  ;EM-1;10;27/02/2026\n", name="b.csv")
    message = refused("import_payments", without_value)
    assert message.splitlines() == [
        "2 lignes en erreur, rien n'a été enregistré.",
        "  Ligne 3 — reference : Ce champ est obligatoire.",
        "  Ligne 4 — reference : Ce champ est obligatoire.",
    ]
    assert not Payment.objects.exists()


def test_payments_in_the_future_or_implausible_are_refused_with_their_line(tmp_path, org, emission, set_today):
    emission(reference="EM-1", broker=org)
    set_today("2026-02-27")
    path = write(tmp_path, "reference;emission_reference;amount;paid_on\nVIR-1;EM-1;10;27/02/2026\n"
                           "VIR-2;EM-1;10;02/03/2026\nVIR-3;EM-1;10;31/12/1999\n")
    message = refused("import_payments", path)
    assert "Ligne 3 — paid_on : La date de paiement 02/03/2026 est dans le futur." in message
    assert "Ligne 4 — paid_on : La date de paiement 31/12/1999 n'est pas plausible" in message
    assert "Ligne 2" not in message
    assert not Payment.objects.exists()
    assert PremiumCall.objects.get().paid_amount == Decimal("0.00")
