"""API of the platform (SPEC §8): premium calls and payments pushed by the insurer's system.

Interfaces only: parse with a serializer, call one service, respond. Errors of services
(``ApplicationError``) become a 400 with French messages here, in one place.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal import clock, services
from portal.errors import ApplicationError, PermissionDeniedError
from portal.models import orias_validator


def exception_handler(exc, context):
    if isinstance(exc, PermissionDeniedError):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, exceptions.ParseError):
        # DRF's parsers explain in English ("JSON parse error - …"): say it in French.
        return Response({"non_field_errors": [unreadable_body_message(context)]}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Élément introuvable.")
    return drf_exception_handler(exc, context)


def unreadable_body_message(context) -> str:
    request = context.get("request")
    if request is not None and "json" in (request.content_type or ""):
        return ("Le corps de la requête n'est pas un JSON valide (syntaxe, NaN ou Infinity, nombre de plus "
                "de 4 300 chiffres…).")
    return "Le corps de la requête est illisible."


class MayPushCoreData(BasePermission):
    message = "Seuls le système de L'Auxiliaire et la comptabilité peuvent envoyer ces données."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.may_push_core_data)


# ------------------------------------------------------------------------------ imports
# The fields check JSON types, then call the import services' check_* functions — the one
# definition of what a value may be (single line, length, plausible date, amount the columns
# hold) — so that a batch gets all its errors in one answer; the services check again for their
# other callers (CSV commands, demo data), then check the rows against each other and the data.


class RowListSerializer(serializers.ListSerializer):
    """Per-row errors come back as ``[{"row": 3, "field": ["…"]}, …]`` (only failing rows)."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, list) and not data:
            raise serializers.ValidationError({"non_field_errors": ["La liste est vide."]})
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail  # {index: {field: [messages]} or [messages]} (LIST_SERIALIZER_ERRORS_AS_DICT)
            if isinstance(detail, dict) and detail and all(isinstance(key, int) for key in detail):
                rows = [{"row": index, **(errors if isinstance(errors, dict) else {"non_field_errors": errors})}
                        for index, errors in sorted(detail.items()) if errors]
                raise ApplicationError(
                    f"{len(rows)} ligne{'s' if len(rows) > 1 else ''} en erreur, rien n'a été enregistré.",
                    code="invalid_rows",
                    errors=rows,
                ) from exc
            raise


class ImportRowSerializer(serializers.Serializer):
    """A row of an import. ``context["today"]`` is the business date the dates are checked
    against (the clock's when absent)."""

    default_error_messages = {"null": "La ligne est vide (null) : un objet JSON est attendu."}

    class Meta:
        list_serializer_class = RowListSerializer


def refuse(problems: list[str]) -> None:
    if problems:
        raise serializers.ValidationError(problems)


def business_date(field: serializers.Field) -> date:
    return field.context.get("today") or clock.business_today()


class TextField(serializers.CharField):
    """A JSON string, trimmed, checked by ``services.check_text``. A number is refused, not
    turned into text: ``1e20`` or ``0123`` would not come back as the insurer meant them."""

    default_error_messages = {"invalid": "Une chaîne de caractères est attendue."}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"Une ligne, {kwargs['max_length']} caractères au plus.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        refuse(services.check_text(value, max_length=self.max_length))
        return value


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` (JSON booleans); the CSV reader turns ``oui``/``non`` into them."""

    default_error_messages = {"invalid": "Un booléen est attendu : true ou false (oui ou non dans un fichier CSV)."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class AmountField(serializers.DecimalField):
    """Euros: a decimal string (``"1250.50"``) or a JSON number, checked by ``services.check_amount``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "En euros, positif, 2 décimales au plus, 9 999 999 999,99 au plus.")
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        refuse(services.check_amount(value))
        return value


class DueDateField(serializers.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"Entre le {services.EARLIEST_DATE:%d/%m/%Y} et la date du jour + "
                                       f"{services.DUE_DATE_HORIZON_YEARS} ans.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        refuse(services.check_due_date(value, today=business_date(self)))
        return value


class PaidOnField(serializers.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"Entre le {services.EARLIEST_DATE:%d/%m/%Y} et la date du jour "
                                       "(jamais dans le futur).")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        refuse(services.check_paid_on(value, today=business_date(self)))
        return value


class EmissionRowSerializer(ImportRowSerializer):
    reference = TextField(max_length=services.EMISSION_TEXTS["reference"])
    policy_number = TextField(max_length=services.EMISSION_TEXTS["policy_number"])
    member_number = TextField(max_length=services.EMISSION_TEXTS["member_number"])
    company_name = TextField(max_length=services.EMISSION_TEXTS["company_name"])
    broker_orias = TextField(
        max_length=8, min_length=8, allow_null=True, required=False, validators=[orias_validator],
        help_text="8 chiffres, ou null quand la police n'a pas de courtier.",
    )
    broker_manages = StrictBooleanField()
    due_date = DueDateField()
    amount = AmountField()
    product = TextField(
        max_length=30, allow_null=True, required=False,
        help_text="Facultatif : le code du produit de la police (créé par L'Auxiliaire dans l'administration) ; "
        "absent ou null, le produit de la police ne change pas.",
    )

    def to_row(self, data: dict) -> services.EmissionRow:
        return services.EmissionRow(**{**data, "broker_orias": data.get("broker_orias") or None,
                                       "product": data.get("product") or None})


class PaymentRowSerializer(ImportRowSerializer):
    reference = TextField(
        max_length=services.PAYMENT_TEXTS["reference"],
        help_text="Identifiant du paiement chez L'Auxiliaire, obligatoire et unique : un paiement envoyé "
        "de nouveau n'est pas enregistré deux fois.",
    )
    emission_reference = TextField(max_length=services.PAYMENT_TEXTS["emission_reference"])
    amount = AmountField()
    paid_on = PaidOnField()

    def to_row(self, data: dict) -> services.PaymentRow:
        return services.PaymentRow(**data)


def parse_rows(serializer_class, data, *, today: date) -> list[dict]:
    if not isinstance(data, list):
        raise ApplicationError("Le corps de la requête doit être une liste JSON.", field="non_field_errors")
    serializer = serializer_class(data=data, many=True, context={"today": today})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


ImportResultSerializer = inline_serializer(
    "ImportResult", fields={"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
)
PaymentResultSerializer = inline_serializer(
    "PaymentImportResult",
    fields={
        "recorded": serializers.IntegerField(help_text="Paiements nouveaux, enregistrés par cet envoi."),
        "already_recorded": serializers.IntegerField(
            help_text="Paiements déjà connus (même référence, même émission, montant et date) : ignorés."
        ),
    },
)


@extend_schema(
    request=EmissionRowSerializer(many=True),
    responses={200: ImportResultSerializer},
    summary="Créer ou mettre à jour des émissions (par référence)",
    examples=[
        OpenApiExample(
            "Une émission",
            value=[
                {
                    "reference": "EM-2026-000001",
                    "policy_number": "123456789",
                    "member_number": "1234567",
                    "company_name": "ENTREPRISE",
                    "broker_orias": "07000001",
                    "broker_manages": True,
                    "due_date": "2026-03-02",
                    "amount": "1250.00",
                }
            ],
            request_only=True,
        )
    ],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated, MayPushCoreData])
def emissions_import_api(request):
    today = clock.business_today()
    rows = parse_rows(EmissionRowSerializer, request.data, today=today)
    result = services.emissions_import(rows=[EmissionRowSerializer().to_row(row) for row in rows], today=today)
    return Response({"created": result.created, "updated": result.updated})


@extend_schema(
    request=PaymentRowSerializer(many=True),
    responses={200: PaymentResultSerializer},
    summary="Enregistrer des paiements (par référence, jamais deux fois)",
    description="Chaque paiement porte sa référence chez L'Auxiliaire, obligatoire et unique. Un lot envoyé "
    "de nouveau n'enregistre rien deux fois : la réponse compte les paiements nouveaux et ceux déjà connus. "
    "Une référence déjà connue avec une autre émission, un autre montant ou une autre date est refusée.",
    examples=[
        OpenApiExample(
            "Un paiement",
            value=[{"reference": "PAY-2026-000001", "emission_reference": "EM-2026-000001", "amount": "600.00",
                    "paid_on": "2026-03-02"}],
            request_only=True,
        ),
        OpenApiExample(
            "Le même lot envoyé deux fois (réponse du second envoi)",
            value={"recorded": 0, "already_recorded": 1},
            response_only=True,
        ),
    ],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated, MayPushCoreData])
def payments_import_api(request):
    today = clock.business_today()
    rows = parse_rows(PaymentRowSerializer, request.data, today=today)
    result = services.payments_import(rows=[PaymentRowSerializer().to_row(row) for row in rows], today=today)
    return Response({"recorded": result.recorded, "already_recorded": result.already_recorded})
