"""Contract types, reasons and their compatibility (seed 001 §5.3–5.5, SPEC §5)."""

import pytest

from resiliation import rules


def test_the_seed_list_of_types_in_order_with_autre_type_last():
    labels = [t.label for t in rules.CONTRACT_TYPES]
    assert len(labels) == 22 and labels[0] == "Assurance auto" and labels[-1] == "Autre type"
    assert "Assurance habitation (Locataire)" in labels and "Assurance Récolte" in labels


def test_loi_hamon_suits_auto_home_and_affinity_contracts_only():
    hamon = {t.code for t in rules.CONTRACT_TYPES if rules.reason_suits_type("hamon", t.code)}
    assert hamon == {"auto", "home_owner", "other_vehicle", "motorbike", "home_tenant", "mobile_devices", "other"}


def test_ria_only_for_health():
    assert [t.code for t in rules.CONTRACT_TYPES if rules.reason_suits_type("health_ria", t.code)] == ["health"]


@pytest.mark.parametrize(("reason", "type_code", "ok"), [
    ("vehicle_sale", "auto", True), ("vehicle_sale", "home_owner", False),
    ("death_or_sale", "home_owner", True), ("death_or_sale", "motorbike", False),
    ("chatel", "auto", True), ("chatel", "ten_year_liability", False),
    ("main_due_date", "crop", True), ("custom", "other", True),
])
def test_reason_suits_type(reason, type_code, ok):
    assert rules.reason_suits_type(reason, type_code) is ok


def test_a_hamon_letter_accepts_only_hamon_or_ria_contracts():
    assert rules.contract_compatible(type_code="motorbike", reason_code="hamon", letter_reason_codes=["hamon"]) is None
    assert rules.contract_compatible(type_code="health", reason_code="health_ria", letter_reason_codes=["hamon"]) is None
    refusal = rules.contract_compatible(type_code="auto", reason_code="main_due_date", letter_reason_codes=["hamon"])
    assert "loi Hamon" in refusal
    refusal = rules.contract_compatible(type_code="auto", reason_code="hamon", letter_reason_codes=["main_due_date"])
    assert "ne se mêlent pas" in refusal
    assert "ne s'applique pas" in rules.contract_compatible(type_code="building", reason_code="hamon",
                                                            letter_reason_codes=[])


def test_types_offered_when_adding_to_a_hamon_letter():
    offered = [t.code for t in rules.types_for_mode(rules.DateMode.NEW_CONTRACT_START)]
    assert offered == ["auto", "home_owner", "health", "other_vehicle", "motorbike", "home_tenant", "mobile_devices",
                       "other"]
    assert len(rules.types_for_mode(None)) == 22


def test_autre_categorie_is_offered_on_a_hamon_letter():
    """Seed 001 §5.5c: adding to a Loi Hamon letter offers « Autre catégorie »."""
    hamon_types = {t.code: t.label for t in rules.types_for_mode(rules.DateMode.NEW_CONTRACT_START)}
    assert hamon_types.get(rules.OTHER_TYPE) == "Autre catégorie"
    assert [r.code for r in rules.reasons_for_type("other", mode=rules.DateMode.NEW_CONTRACT_START)] == ["hamon"]
    assert rules.contract_compatible(type_code="other", reason_code="hamon", letter_reason_codes=["hamon"]) is None
    # a new letter still lists it as « Autre type », last of the seed's list
    assert rules.types_for_mode(None)[-1].label == "Autre type"
    assert rules.field_needs("other", "hamon").custom_type and rules.field_needs("other", "hamon").new_insurer


@pytest.mark.parametrize(("reason", "kind", "article"), [
    ("health_ria", "company", "article L113-15-2 du Code des assurances"),
    ("health_ria", "mutual", "article L221-10-2 du Code de la mutualité"),
    ("health_ria", "provident", "article L932-12-2 du Code de la sécurité sociale"),
    ("hamon", "company", "article L113-15-2 du Code des assurances"),
    ("main_due_date", "company", "article L113-12 du Code des assurances"),
    ("chatel", "company", "article L113-15-1 du Code des assurances"),
    ("chatel", "mutual", "article L221-10-1 du Code de la mutualité"),
    ("change_of_address", "mutual", "article L113-16 du Code des assurances"),
    ("vehicle_sale", "company", "article L121-11 du Code des assurances"),
    ("price_increase", "company", ""),
])
def test_legal_reference_by_reason_and_insurer_kind(reason, kind, article):
    assert rules.legal_reference(reason, kind) == article
    assert [r.code for r in rules.reasons_for_type("auto", mode=rules.DateMode.NEW_CONTRACT_START)] == ["hamon"]


def test_field_needs():
    auto = rules.field_needs("auto", "hamon")
    assert auto.registration and auto.new_insurer and not auto.insured_address
    home = rules.field_needs("home_tenant", "main_due_date")
    assert home.insured_address and home.main_due_date and not home.new_insurer
    assert rules.field_needs("other", "custom").custom_type and rules.field_needs("other", "custom").custom_reason
    assert rules.field_needs("auto", "vehicle_sale").event_date


def test_platform_name_exclusions():
    assert "loi Hamon" in rules.platform_refusal([("auto", "hamon")])
    assert "loi Hamon" in rules.platform_refusal([("home_tenant", "hamon")])
    assert "infra-annuelle" in rules.platform_refusal([("health", "health_ria")])
    assert rules.platform_refusal([("home_owner", "hamon")]) is None
    assert rules.platform_refusal([("auto", "main_due_date")]) is None


def test_billing_products():
    assert rules.billing_products(sender_mode="agency", with_acknowledgement=False, esignature=False) == ["registered_eletter"]
    assert rules.billing_products(sender_mode="agency", with_acknowledgement=True, esignature=True) == [
        "registered_eletter_acknowledgement", "esignature"]
    assert rules.billing_products(sender_mode="platform", with_acknowledgement=True, esignature=True) == [
        "platform_registered_eletter"]
