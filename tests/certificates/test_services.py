"""Issuing certificates: what the PDF says, what is stored, and every refusal (nothing changed)."""

import io
from datetime import date

import pytest

from amiable.models import Case, Stage
from certificates import codes, services
from certificates.models import Certificate, ProductGuarantee
from portal.errors import ApplicationError, PermissionDeniedError
from portal.models import Product, StoredDocument
from portal.pdf import sha256_hex
from tests.certificates.conftest import SUSPENSION, TERMINATION, code_of, pdf_text

pytestmark = pytest.mark.django_db


def nothing_issued():
    return not Certificate.objects.exists() and not StoredDocument.objects.exists()


def test_the_certificate_says_who_what_when_and_how_to_verify_it(issue, admin_user, policy, settings):
    settings.PORTAL_BASE_URL = "https://portail.example.fr"
    certificate = issue(admin_user, policy)
    content = services.certificate_content(certificate)
    text = pdf_text(content)
    for words in ("ATTESTATION D'ASSURANCE", "L'Auxiliaire", "MENUISERIE DUPOND", "P-1", "Pyramide Artisan",
                  "du 02/03/2026 au 01/03/2027", "Responsabilité civile exploitation", "8 000 000 € par sinistre",
                  "Responsabilité civile décennale", "Fait à Grenoble, le 02/03/2026", "Cabinet Un",
                  "https://portail.example.fr/verifier/"):
        assert words in text, words
    code = code_of(certificate)
    assert f"https://portail.example.fr/verifier/{code}" in text.replace("\n", "")
    assert (certificate.holder_name, certificate.policy_number, certificate.product_name, certificate.place) == (
        "MENUISERIE DUPOND", "P-1", "Pyramide Artisan", "Grenoble")
    assert (certificate.broker, certificate.member, certificate.issued_by) == (policy.broker, policy.member, admin_user)


def test_the_pdf_is_stored_as_issued_with_its_sha256(issue, admin_user, policy):
    certificate = issue(admin_user, policy)
    document = certificate.document
    content = services.certificate_content(certificate)
    assert content.startswith(b"%PDF") and document.size == len(content)
    assert document.sha256 == sha256_hex(content) and document.content_type == "application/pdf"


def test_the_verification_code_is_random_readable_and_only_its_hash_is_kept(issue, admin_user, policy):
    first, second = issue(admin_user, policy), issue(admin_user, policy)
    code = code_of(first)
    assert codes.is_well_formed(code) and len(code.replace("-", "")) * 5 >= 80
    assert code != code_of(second)
    assert first.verification_hash == codes.code_hash(code) != second.verification_hash
    stored = " ".join(str(value) for value in Certificate.objects.values_list().get(id=first.id))
    assert code not in stored and code.replace("-", "") not in stored


def test_codes_are_read_leniently_and_anything_can_be_hashed():
    code = codes.code_new()
    assert codes.code_hash(code.lower().replace("-", " ")) == codes.code_hash(code)
    assert codes.code_hash("O1IL-0000-0000-0000") == codes.code_hash("0111-0000-0000-0000")
    for junk in ("", "abc", "x" * 5000, "\x00", "..%2F"):
        assert len(codes.code_hash(junk)) == 64 and not codes.is_well_formed(junk)


def test_a_collaborator_certifies_the_clients_delegated_to_them(issue, certificates_collaborator, policy):
    assert issue(certificates_collaborator, policy).issued_by == certificates_collaborator


@pytest.mark.parametrize("who", ["other_admin", "outside_collaborator"])
def test_a_policy_the_user_may_not_certify_is_refused(who, request, issue, policy):
    user = request.getfixturevalue(who)
    with pytest.raises(ApplicationError, match="ne fait pas partie des contrats que vous pouvez attester"):
        issue(user, policy)
    assert nothing_issued()


@pytest.mark.parametrize("who", ["amiable_collaborator", "accounting_user"])
def test_only_users_with_the_certificates_area_issue_certificates(who, request, issue, policy):
    with pytest.raises(PermissionDeniedError, match="Attestations"):
        issue(request.getfixturevalue(who), policy)
    assert nothing_issued()


def test_another_organisations_policy_is_refused_to_an_administrator(issue, admin_user, other_policy):
    with pytest.raises(ApplicationError, match="ne fait pas partie"):
        issue(admin_user, other_policy)
    assert nothing_issued()


def test_suspended_cover_is_refused_with_the_reason(issue, admin_user, policy, notice, tick, set_today):
    notice(policy)
    tick(SUSPENSION)
    set_today(SUSPENSION)
    assert Case.objects.get(policy=policy).stage == Stage.SUSPENDED
    with pytest.raises(ApplicationError) as refused:
        issue(admin_user, policy)
    assert refused.value.message == (
        "Attestation refusée : les garanties de la police P-1 sont suspendues depuis le 23/03/2026 pour non-paiement "
        "de la cotisation (mise en demeure du 20/02/2026, cycle amiable).")
    assert nothing_issued()


def test_the_business_date_decides_even_before_the_daily_run(issue, admin_user, policy, notice, set_today):
    """The suspension date has come but the daily run has not moved the case yet."""
    notice(policy)
    set_today(date(2026, 3, 22))
    issue(admin_user, policy, end=date(2026, 3, 22))  # the day before: in force, until the eve
    set_today(SUSPENSION)
    assert Case.objects.get(policy=policy).stage == Stage.FORMAL_NOTICE
    with pytest.raises(ApplicationError, match="suspendues depuis le 23/03/2026"):
        issue(admin_user, policy)
    set_today(TERMINATION)
    with pytest.raises(ApplicationError, match="résiliée pour non-paiement depuis le 01/04/2026"):
        issue(admin_user, policy)
    assert Certificate.objects.count() == 1


def test_terminated_cover_is_refused_even_once_the_debt_is_settled(issue, admin_user, policy, notice, tick, pay,
                                                                   set_today):
    case = notice(policy)
    tick(TERMINATION)
    set_today(TERMINATION)
    with pytest.raises(ApplicationError, match="Attestation refusée : la police P-1 est résiliée pour non-paiement"):
        issue(admin_user, policy)
    pay(case, "1000.00", date(2026, 4, 2))
    tick(date(2026, 4, 2))
    set_today(date(2026, 4, 2))
    assert Case.objects.get(id=case.id).stage == Stage.SETTLED
    with pytest.raises(ApplicationError, match="résiliée pour non-paiement depuis le 01/04/2026"):
        issue(admin_user, policy)
    assert nothing_issued()


def test_a_reinstated_policy_is_certified_again(issue, admin_user, policy, notice, tick, pay, set_today):
    case = notice(policy)
    tick(SUSPENSION)
    pay(case, "1000.00", date(2026, 3, 25))
    tick(date(2026, 3, 25))
    set_today(date(2026, 3, 26))
    assert Case.objects.get(id=case.id).stage == Stage.REINSTATED
    assert issue(admin_user, policy).policy_number == "P-1"


def test_a_premium_paid_before_the_suspension_date_keeps_the_cover(issue, admin_user, policy, notice, pay,
                                                                   set_today):
    """Paid in full, not yet seen by a run: the run would reinstate, not suspend."""
    case = notice(policy)
    pay(case, "1000.00", date(2026, 3, 20))
    set_today(SUSPENSION)
    assert issue(admin_user, policy)


def test_a_case_on_manual_follow_up_keeps_the_stage_it_has(issue, admin_user, accounting_user, policy, notice,
                                                           set_today):
    from amiable import services as amiable_services

    case = notice(policy)
    amiable_services.case_manual_follow_up(case=case, by=accounting_user, enabled=True, note="Échéancier",
                                           today=date(2026, 3, 2))
    set_today(SUSPENSION)
    assert issue(admin_user, policy)


def test_during_a_formal_notice_the_period_ends_before_the_planned_suspension(issue, admin_user, policy, notice,
                                                                             client_for):
    notice(policy)  # formal notice sent on 20/02: in force on 02/03, suspended on 23/03 unless paid
    with pytest.raises(ApplicationError) as refused:
        issue(admin_user, policy)
    assert refused.value.message == (
        "Une mise en demeure est en cours sur la police P-1 : ses garanties seront suspendues le 23/03/2026 si la "
        "cotisation n'est pas réglée. L'attestation peut couvrir au plus jusqu'au 22/03/2026.")
    assert nothing_issued()
    assert issue(admin_user, policy, end=date(2026, 3, 22)).period_end == date(2026, 3, 22)
    page = client_for(admin_user).get(f"/attestations/nouvelle/?client={policy.member_id}").content.decode()
    assert "Mise en demeure en cours : garanties suspendues le 23/03/2026" in page


@pytest.mark.parametrize(("start", "end", "message"), [
    (date(2026, 3, 10), date(2026, 3, 9), "La fin de la période de couverture précède son début."),
    (date(2026, 3, 2), date(2027, 3, 3), "Une attestation couvre au plus un an : raccourcissez la période."),
    (date(2026, 6, 1), date(2026, 12, 31), "commence au plus tard 90 jours après aujourd'hui (02/03/2026)"),
    (date(2025, 11, 1), date(2026, 10, 31), "plus de 90 jours avant aujourd'hui (02/03/2026)"),
])
def test_a_period_that_makes_no_sense_is_refused(start, end, message, issue, admin_user, policy):
    with pytest.raises(ApplicationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        issue(admin_user, policy, start=start, end=end)
    assert nothing_issued()


def test_a_policy_without_product_or_guarantees_is_refused(issue, admin_user, insured, org):
    Product.objects.create(code="bare", name="Multirisque sans garanties")
    bare = insured(policy_number="P-3", member_number="M-3", broker=org, product_code="bare")
    with pytest.raises(ApplicationError, match="les garanties du produit Multirisque sans garanties ne sont pas"):
        issue(admin_user, bare)
    nameless = insured(policy_number="P-4", member_number="M-4", broker=org, product_code=None)
    with pytest.raises(ApplicationError, match="la police P-4 n'a pas de produit connu"):
        issue(admin_user, nameless)
    assert nothing_issued()


def test_what_was_certified_stays_as_issued(issue, admin_user, policy, product):
    certificate = issue(admin_user, policy)
    before = services.certificate_content(certificate)
    ProductGuarantee.objects.filter(product=product, position=1).update(label="Autre garantie")
    policy.member.company_name = "NOUVEAU NOM"
    policy.member.save()
    certificate.refresh_from_db()
    assert services.certificate_content(certificate) == before and certificate.holder_name == "MENUISERIE DUPOND"


def test_an_altered_file_is_detected(issue, admin_user, policy):
    certificate = issue(admin_user, policy)
    with open(certificate.document.file.path, "r+b") as handle:
        handle.seek(20)
        handle.write(b"X")
    with pytest.raises(services.CertificateAlteredError):
        services.certificate_content(certificate)


def test_the_qr_code_carries_the_public_page_of_the_code(issue, admin_user, policy, settings, monkeypatch):
    import segno

    from portal import pdf

    settings.PORTAL_BASE_URL = "https://portail.example.fr/"
    rendered = {}
    real_render = pdf.pdf_render

    def capture(*, template_name, context):
        rendered.update(context)
        return real_render(template_name=template_name, context=context)

    monkeypatch.setattr(pdf, "pdf_render", capture)
    certificate = issue(admin_user, policy)
    url = f"https://portail.example.fr/verifier/{rendered['code']}"
    assert rendered["verification_url"] == url and certificate.verification_hash == codes.code_hash(rendered["code"])
    assert rendered["qr_code"] == segno.make_qr(url, error="m").svg_data_uri(scale=4, border=2, dark="#000000")


def test_the_certificate_fits_on_one_page(issue, admin_user, policy, product):
    from pypdf import PdfReader

    for position in range(3, 8):
        ProductGuarantee.objects.create(product=product, position=position, label=f"Garantie {position}",
                                        limit="100 000 € par sinistre")
    content = services.certificate_content(issue(admin_user, policy))
    assert len(PdfReader(io.BytesIO(content)).pages) == 1


def test_a_missing_file_is_detected_too(issue, admin_user, policy):
    import os

    certificate = issue(admin_user, policy)
    os.remove(certificate.document.file.path)
    with pytest.raises(services.CertificateAlteredError):
        services.certificate_content(certificate)
