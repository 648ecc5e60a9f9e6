"""API of the cycle amiable (SPEC §8). Thin: parse, call one service or selector, respond."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from amiable import selectors, services
from amiable.models import Case, Event, ExtensionRequest, Letter, Reason
from portal import clock
from portal.errors import PermissionDeniedError
from portal.models import Area, Role
from portal.selectors import user_has_area


class EventSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_type_display")

    class Meta:
        model = Event
        fields = ["type", "label", "date", "detail", "amount"]


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    comment = serializers.CharField()
    requested_on = serializers.DateField()
    decided_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    has_document = serializers.SerializerMethodField()

    def get_has_document(self, extension) -> bool:
        return extension.document_id is not None


class LetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    letter_date = serializers.DateField()
    acknowledged = serializers.SerializerMethodField()

    def get_acknowledged(self, letter) -> bool:
        return letter.acknowledged_at is not None


class CaseSerializer(serializers.ModelSerializer):
    policy_number = serializers.CharField(source="policy.number")
    member_number = serializers.CharField(source="policy.member.member_number")
    company_name = serializers.CharField(source="policy.member.company_name")
    emission_reference = serializers.CharField(source="premium_call.reference")
    due_date = serializers.DateField(source="premium_call.due_date")
    amount_due = serializers.DecimalField(source="premium_call.outstanding", max_digits=12, decimal_places=2)
    status = serializers.CharField(source="stage")
    status_label = serializers.CharField()
    formal_notice_date = serializers.DateField(source="notice_date", allow_null=True)
    remaining_days = serializers.IntegerField()
    extension = serializers.SerializerMethodField()
    letters = LetterSerializer(many=True)
    events = EventSerializer(many=True)

    class Meta:
        model = Case
        fields = [
            "id", "policy_number", "member_number", "company_name", "emission_reference", "due_date",
            "amount_due", "status", "status_label", "broker_manages", "reminder_date", "response_deadline",
            "formal_notice_date", "suspension_date", "termination_date", "remaining_days", "manual_follow_up",
            "extension", "letters", "events",
        ]

    @extend_schema_field(ExtensionSerializer(allow_null=True))
    def get_extension(self, case: Case):
        try:
            return ExtensionSerializer(case.extension).data
        except ExtensionRequest.DoesNotExist:
            return None


# Of each case the API returns, its letters and events: the columns it shows (a letter's content
# columns are for its PDF).
RELATED = (
    Prefetch("letters", queryset=Letter.objects.only("id", "case_id", "kind", "letter_date", "acknowledged_at")),
    Prefetch("events", queryset=Event.objects.only("id", "case_id", "type", "date", "detail", "amount")),
)


def _check_reader(user) -> None:
    if user.role in (Role.ACCOUNTING, Role.SYSTEM) or user.is_superuser:
        return
    if not user_has_area(user=user, area=Area.AMIABLE):
        raise PermissionDeniedError("Le cycle amiable ne fait pas partie de vos habilitations.")


class CasesQuerySerializer(serializers.Serializer):
    policy_number = serializers.CharField(required=False, allow_blank=True, max_length=20)  # no NUL byte


@extend_schema(
    summary="Dossiers du cycle amiable visibles par l'appelant",
    parameters=[OpenApiParameter("policy_number", str, description="N° de police")],
    responses=CaseSerializer(many=True),
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def cases_api(request):
    _check_reader(request.user)
    query = CasesQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    rows = selectors.case_rows_for(
        user=request.user,
        today=clock.business_today(),
        calendar=clock.business_calendar(),
        policy_number=query.validated_data.get("policy_number") or None,
        sort=selectors.API_SORT,
    ).with_related("extension", prefetch=RELATED)
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(rows, request)
    return paginator.get_paginated_response(CaseSerializer(page, many=True).data)


class ExtensionInputSerializer(serializers.Serializer):
    requested = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=Reason.values, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    document = serializers.FileField(required=False, allow_null=True, default=None)


@extend_schema(
    summary="Répondre à la proposition de prolongation (Oui avec justification, ou Non)",
    request={"application/json": ExtensionInputSerializer, "multipart/form-data": ExtensionInputSerializer},
    responses=CaseSerializer,
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@parser_classes([JSONParser, MultiPartParser, FormParser])
def case_extension_api(request, case_id: int):
    case = selectors.case_for(user=request.user, case_id=case_id)
    services.check_broker_may_act(user=request.user, case=case)  # a wrong role is a 403, never a 400
    data = ExtensionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    services.case_answer(
        case=case, by=request.user, today=clock.business_today(), calendar=clock.business_calendar(),
        **data.validated_data,
    )
    return _case_response(request, case.id)


class DecisionInputSerializer(serializers.Serializer):
    approved = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


@extend_schema(summary="Décision de la comptabilité sur une demande de prolongation",
               request=DecisionInputSerializer, responses=CaseSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def extension_decision_api(request, extension_id: int):
    extension = selectors.extension_for(user=request.user, extension_id=extension_id)
    services.check_accounting(user=request.user)  # a wrong role is a 403, never a 400
    data = DecisionInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    services.extension_decide(
        extension=extension, by=request.user, today=clock.business_today(), now=clock.local_now(),
        calendar=clock.business_calendar(), **data.validated_data,
    )
    return _case_response(request, extension.case_id)


@extend_schema(summary="J'ai bien pris connaissance du courrier", request=None, responses=CaseSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def letter_acknowledge_api(request, letter_id: int):
    letter = selectors.letter_for(user=request.user, letter_id=letter_id)
    services.letter_acknowledge(letter=letter, by=request.user, now=clock.local_now())
    return _case_response(request, letter.case_id)


def _case_response(request, case_id: int) -> Response:
    case = selectors.case_row(user=request.user, case_id=case_id, today=clock.business_today(),
                              calendar=clock.business_calendar(), related=("extension",), prefetch=RELATED)
    return Response(CaseSerializer(case).data)
