"""API of the platform (SPEC §8): premium calls and payments pushed by the insurer's system.

Interfaces only: parse with a serializer, call one service, respond. Errors of services
(``ApplicationError``) become a 400 with French messages here, in one place.
"""

from __future__ import annotations

from decimal import Decimal

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
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Élément introuvable.")
    return drf_exception_handler(exc, context)


POSITIVE_AMOUNT = {"min_value": "Le montant doit être positif."}


class MayPushCoreData(BasePermission):
    message = "Seuls le système de L'Auxiliaire et la comptabilité peuvent envoyer ces données."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.may_push_core_data)


class RowListSerializer(serializers.ListSerializer):
    """Per-row errors come back as ``[{"row": 3, "field": ["…"]}, …]`` (only failing rows)."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, list) and not data:
            raise serializers.ValidationError({"non_field_errors": ["La liste est vide."]})
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            detail = exc.detail  # {index: {field: [messages]}} (LIST_SERIALIZER_ERRORS_AS_DICT)
            if isinstance(detail, dict) and detail and all(isinstance(key, int) for key in detail):
                rows = [{"row": index, **(errors if isinstance(errors, dict) else {"non_field_errors": errors})}
                        for index, errors in sorted(detail.items()) if errors]
                raise ApplicationError(
                    f"{len(rows)} ligne{'s' if len(rows) > 1 else ''} en erreur, rien n'a été enregistré.",
                    code="invalid_rows",
                    errors=rows,
                ) from exc
            raise


class EmissionRowSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)
    policy_number = serializers.CharField(max_length=20)
    member_number = serializers.CharField(max_length=20)
    company_name = serializers.CharField(max_length=120)
    broker_orias = serializers.CharField(
        max_length=8, min_length=8, allow_null=True, required=False, validators=[orias_validator]
    )
    broker_manages = serializers.BooleanField()
    due_date = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), error_messages=POSITIVE_AMOUNT
    )

    class Meta:
        list_serializer_class = RowListSerializer

    def to_row(self, data: dict) -> services.EmissionRow:
        return services.EmissionRow(**{**data, "broker_orias": data.get("broker_orias") or None})


class PaymentRowSerializer(serializers.Serializer):
    emission_reference = serializers.CharField(max_length=40)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), error_messages=POSITIVE_AMOUNT
    )
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    class Meta:
        list_serializer_class = RowListSerializer


def parse_rows(serializer_class, data) -> list[dict]:
    if not isinstance(data, list):
        raise ApplicationError("Le corps de la requête doit être une liste JSON.", field="non_field_errors")
    serializer = serializer_class(data=data, many=True)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


ImportResultSerializer = inline_serializer(
    "ImportResult", fields={"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
)
PaymentResultSerializer = inline_serializer(
    "PaymentImportResult",
    fields={"recorded": serializers.IntegerField(), "already_recorded": serializers.IntegerField()},
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
    rows = parse_rows(EmissionRowSerializer, request.data)
    result = services.emissions_import(rows=[EmissionRowSerializer().to_row(row) for row in rows])
    return Response({"created": result.created, "updated": result.updated})


@extend_schema(
    request=PaymentRowSerializer(many=True),
    responses={200: PaymentResultSerializer},
    summary="Enregistrer des paiements",
)
@api_view(["POST"])
@permission_classes([IsAuthenticated, MayPushCoreData])
def payments_import_api(request):
    rows = parse_rows(PaymentRowSerializer, request.data)
    result = services.payments_import(
        rows=[services.PaymentRow(**row) for row in rows], today=clock.business_today()
    )
    return Response({"recorded": result.recorded, "already_recorded": result.already_recorded})
