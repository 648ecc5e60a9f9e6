"""Pure rules of the termination-letter builder (seed 001 §5, SPEC §5). No Django import.

* the contract types of the seed (21 named types + « Autre type ») and what each needs;
* the termination reasons and which types they suit;
* letter-level compatibility: every contract of a letter shares its date mode (the new
  contract's start for Loi Hamon / RIA, the send date for every other reason);
* who may send in the platform's name.

The legal date engine is in ``resiliation.rules.dates``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

# A French mobile number (06 or 07), as the subscriber's and the account holder's SMS codes need.
MOBILE = re.compile(r"^(?:\+33\s?|0)[67](?:[\s.]?\d{2}){4}$")


class DateMode(StrEnum):
    NEW_CONTRACT_START = "new_contract_start"  # Loi Hamon, RIA: the user picks the new start date
    SEND_DATE = "send_date"  # every other reason: the user picks the send date


@dataclass(frozen=True)
class ContractType:
    code: str
    label: str
    vehicle: bool = False  # asks for the registration (immatriculation)
    home: bool = False  # asks for the insured address (adresse du bien assuré)
    hamon: bool = False  # Loi Hamon (L113-15-2): auto, home and "affinity" contracts of individuals
    health: bool = False  # complémentaire santé: résiliation infra-annuelle (RIA)
    professional: bool = False  # contracts of a business: no Loi Châtel
    tenant_home: bool = False


# The order of the seed's list (§5.3).
CONTRACT_TYPES: tuple[ContractType, ...] = (
    ContractType("auto", "Assurance auto", vehicle=True, hamon=True),
    ContractType("home_owner", "Assurance habitation (Propriétaire-Propriétaire non occupant)", home=True, hamon=True),
    ContractType("health", "Complémentaire Santé", health=True),
    ContractType("other_vehicle", "Autre véhicule terrestre à moteur", vehicle=True, hamon=True),
    ContractType("motorbike", "Assurance moto", vehicle=True, hamon=True),
    ContractType("family_protection", "Protection Familiale"),
    ContractType("business_multirisk", "Multi risque professionnelle", professional=True),
    ContractType("provident", "Prévoyance"),
    ContractType("legal_protection", "Protection juridique"),
    ContractType("home_tenant", "Assurance habitation (Locataire)", home=True, hamon=True, tenant_home=True),
    ContractType("income_protection", "Garantie perte de revenus"),
    ContractType("farm_multirisk", "Multi risque Agricole", professional=True),
    ContractType("ten_year_liability", "Garantie Décennale", professional=True),
    ContractType("municipal_multirisk", "Multirisque Commune", professional=True),
    ContractType("pleasure_boat", "Plaisance"),
    ContractType("mobile_devices", "Appareils nomades", hamon=True),
    ContractType("civil_liability", "Responsabilité civile"),
    ContractType("building", "Assurance Immeuble", home=True),
    ContractType("driver_injury", "Garantie Corporelle du Conducteur"),
    ContractType("accidents_of_life", "Garantie des Accidents de la vie"),
    ContractType("crop", "Assurance Récolte", professional=True),
    # « Autre type »; offered on a Loi Hamon letter as « Autre catégorie » (the seed's list of §5.5c):
    # Loi Hamon covers every contract of an individual's private life, affinity contracts included.
    ContractType("other", "Autre type", hamon=True),
)
CONTRACT_TYPES_BY_CODE = {t.code: t for t in CONTRACT_TYPES}
OTHER_TYPE = "other"
OTHER_TYPE_HAMON_LABEL = "Autre catégorie"


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    mode: DateMode = DateMode.SEND_DATE
    legal_reference: str = ""


REASONS: tuple[Reason, ...] = (
    Reason("hamon", "Loi Hamon", DateMode.NEW_CONTRACT_START, "article L113-15-2 du Code des assurances"),
    Reason("health_ria", "Résiliation infra-annuelle (complémentaire santé)", DateMode.NEW_CONTRACT_START,
           "article L113-15-2 du Code des assurances"),
    Reason("main_due_date", "Echéance principale", legal_reference="article L113-12 du Code des assurances"),
    Reason("chatel", "Loi Châtel : Application de l'article L.113-15-1 du Code des Assurances et L221-10-1 du "
           "Code de la Mutualité", legal_reference="article L113-15-1 du Code des assurances"),
    Reason("change_of_address", "Changement de domicile", legal_reference="article L113-16 du Code des assurances"),
    Reason("withdrawal", "Rétractation", legal_reference="article L112-9 du Code des assurances"),
    Reason("matrimonial_regime", "Changement de régime matrimonial",
           legal_reference="article L113-16 du Code des assurances"),
    Reason("marital_status", "Changement de situation matrimoniale",
           legal_reference="article L113-16 du Code des assurances"),
    Reason("professional_situation", "Changement de situation professionnelle",
           legal_reference="article L113-16 du Code des assurances"),
    Reason("price_increase", "Augmentation de votre tarif"),
    Reason("vehicle_sale", "Vente du véhicule", legal_reference="article L121-11 du Code des assurances"),
    Reason("death_or_sale", "Décès de l'assuré ou vente d'un bien autre qu'un véhicule",
           legal_reference="article L121-10 du Code des assurances"),
    Reason("custom", "Motif de résiliation personnalisé"),
)
REASONS_BY_CODE = {r.code: r for r in REASONS}
SITUATION_CHANGES = frozenset({"change_of_address", "matrimonial_regime", "marital_status", "professional_situation"})


class InsurerKind(StrEnum):
    """Which code governs the old insurer: the article a letter cites depends on it."""

    COMPANY = "company"  # entreprise d'assurance: Code des assurances
    MUTUAL = "mutual"  # mutuelle or union of the Code de la mutualité
    PROVIDENT = "provident"  # institution de prévoyance: Code de la sécurité sociale


# Where a mutuelle or an institution de prévoyance is governed by another article than the
# reason's own (Code des assurances).
REFERENCES_BY_INSURER_KIND: dict[tuple[str, InsurerKind], str] = {
    ("health_ria", InsurerKind.MUTUAL): "article L221-10-2 du Code de la mutualité",
    ("health_ria", InsurerKind.PROVIDENT): "article L932-12-2 du Code de la sécurité sociale",
    ("chatel", InsurerKind.MUTUAL): "article L221-10-1 du Code de la mutualité",
}


def legal_reference(reason_code: str, insurer_kind: str = InsurerKind.COMPANY) -> str:
    """The article a termination for this reason cites, at an insurer of this kind ("" when the
    law sets none: the contract's own terms apply)."""
    why = reason(reason_code)
    return REFERENCES_BY_INSURER_KIND.get((why.code, InsurerKind(insurer_kind)), why.legal_reference)


def contract_type(code: str) -> ContractType:
    try:
        return CONTRACT_TYPES_BY_CODE[code]
    except KeyError:
        raise ValueError(f"Type de contrat inconnu : {code!r}") from None


def reason(code: str) -> Reason:
    try:
        return REASONS_BY_CODE[code]
    except KeyError:
        raise ValueError(f"Motif de résiliation inconnu : {code!r}") from None


def reason_suits_type(reason_code: str, type_code: str) -> bool:
    """Whether a termination reason exists for a contract type."""
    kind, why = contract_type(type_code), reason(reason_code)
    match why.code:
        case "hamon":
            return kind.hamon
        case "health_ria":
            return kind.health
        case "chatel":
            return not kind.professional
        case "vehicle_sale":
            return kind.vehicle
        case "death_or_sale":
            return not kind.vehicle
        case "change_of_address" | "matrimonial_regime" | "marital_status" | "professional_situation":
            return kind.code != "municipal_multirisk"
        case _:
            return True


def reasons_for_type(type_code: str, *, mode: DateMode | None = None) -> list[Reason]:
    """The reasons offered for a type, optionally only those of a letter's date mode."""
    return [r for r in REASONS if reason_suits_type(r.code, type_code) and (mode is None or r.mode == mode)]


def types_for_mode(mode: DateMode | None) -> list[ContractType]:
    """The types that can join a letter of that date mode (all types for a new letter); on a Loi
    Hamon / RIA letter « Autre type » is named « Autre catégorie », as in the seed."""
    types = [t for t in CONTRACT_TYPES if reasons_for_type(t.code, mode=mode)]
    if mode == DateMode.NEW_CONTRACT_START:
        types = [replace(t, label=OTHER_TYPE_HAMON_LABEL) if t.code == OTHER_TYPE else t for t in types]
    return types


def letter_mode(reason_codes: list[str]) -> DateMode | None:
    """The date mode of a letter from its contracts' reasons (None when it has no contract)."""
    modes = {reason(code).mode for code in reason_codes}
    if len(modes) > 1:
        raise ValueError("Une lettre ne mélange pas la loi Hamon / RIA et les autres motifs.")
    return modes.pop() if modes else None


def contract_compatible(*, type_code: str, reason_code: str, letter_reason_codes: list[str]) -> str | None:
    """Why a contract may not join a letter (French message), or None when it may."""
    if not reason_suits_type(reason_code, type_code):
        return (f"Le motif « {reason(reason_code).label} » ne s'applique pas à un contrat "
                f"« {contract_type(type_code).label} ».")
    mode = letter_mode(letter_reason_codes)
    if mode is not None and reason(reason_code).mode != mode:
        if mode == DateMode.NEW_CONTRACT_START:
            return "Cette lettre est une résiliation loi Hamon / RIA : seuls ces motifs peuvent s'y ajouter."
        return "La loi Hamon et la résiliation infra-annuelle ne se mêlent pas aux autres motifs dans une lettre."
    return None


@dataclass(frozen=True)
class FieldNeeds:
    registration: bool
    insured_address: bool
    custom_type: bool
    new_insurer: bool  # required
    main_due_date: bool  # required
    notice_date: bool  # Loi Châtel: date the due-date notice was sent (optional)
    event_date: bool  # required: change of situation, sale
    custom_reason: bool  # required


def field_needs(type_code: str, reason_code: str) -> FieldNeeds:
    """The fields a contract of this type, terminated for this reason, asks for."""
    kind, why = contract_type(type_code), reason(reason_code)
    return FieldNeeds(
        registration=kind.vehicle,
        insured_address=kind.home,
        custom_type=kind.code == OTHER_TYPE,
        new_insurer=why.mode == DateMode.NEW_CONTRACT_START,
        main_due_date=why.code in {"main_due_date", "chatel"},
        notice_date=why.code == "chatel",
        event_date=why.code in SITUATION_CHANGES | {"vehicle_sale", "death_or_sale"},
        custom_reason=why.code == "custom",
    )


def event_date_label(reason_code: str) -> str:
    if reason_code == "vehicle_sale":
        return "Date de la vente du véhicule"
    if reason_code == "death_or_sale":
        return "Date du décès ou de la vente"
    return "Date de l'évènement"


# ------------------------------------------------------------------------ sending modes


class SenderMode(StrEnum):
    AGENCY = "agency"  # the organisation sends in its own name, with a mandate
    PLATFORM = "platform"  # the platform sends in its name: e-signed mandate, AR only


def platform_refusal(contracts: list[tuple[str, str]]) -> str | None:
    """Why a letter (list of (type, reason)) may not be sent in the platform's name."""
    for type_code, reason_code in contracts:
        kind = contract_type(type_code)
        if reason_code == "hamon" and (kind.vehicle or kind.tenant_home):
            return ("L'envoi au nom de la plateforme n'est pas possible pour une résiliation loi Hamon "
                    "d'un contrat automobile ou habitation locataire.")
        if reason_code == "health_ria":
            return ("L'envoi au nom de la plateforme n'est pas possible pour la résiliation infra-annuelle "
                    "d'une complémentaire santé.")
    return None


def billing_products(*, sender_mode: str, with_acknowledgement: bool, esignature: bool) -> list[str]:
    """The price-list products of a sending (billing's product codes)."""
    if sender_mode == SenderMode.PLATFORM:
        return ["platform_registered_eletter"]  # e-signature included, AR only
    products = ["registered_eletter_acknowledgement" if with_acknowledgement else "registered_eletter"]
    if esignature:
        products.append("esignature")
    return products
