"""API of the paper-mail service (SPEC §8): thin — parse with a serializer, call the services
the pages use, respond. ``ApplicationError`` becomes a 400 with a French message per field in
``portal.api.exception_handler``; envelopes the caller may not see are 404, callers without the
courrier area 403."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from courrier import charges, rules, services
from courrier.models import DocumentStatus, Envelope, EnvelopeDocument, Mode, RecipientSource, Status
from courrier.selectors import envelope_rows_for, envelopes_visible_to
from courrier.services.sending import envelope_address_page, envelope_sheets
from portal import clock
from portal.errors import ApplicationError
from portal.models import Area
from portal.selectors import user_has_area

# ------------------------------------------------------------------------------- output


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    address_lines = serializers.ListField(child=serializers.CharField(max_length=60), min_length=1, max_length=4,
                                          error_messages={"min_length": "L'adresse compte de 1 à 4 lignes.",
                                                          "max_length": "L'adresse compte au plus 4 lignes."})
    postal_code = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=60)

    def validate(self, data):
        errors = rules.address_errors(_address(data))
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return data


def _address(data: dict) -> rules.AddressInput:
    return rules.AddressInput(name=data["name"], address_lines=tuple(data["address_lines"]),
                              postal_code=data["postal_code"], city=data["city"])


class DocumentOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    pages = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    error = serializers.CharField()


class EventOutSerializer(serializers.Serializer):
    type = serializers.CharField()
    label = serializers.CharField(source="get_type_display")
    date = serializers.DateTimeField(source="occurred_at")
    detail = serializers.CharField()


class EnvelopeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    mode = serializers.ChoiceField(choices=Mode.choices)
    mode_label = serializers.CharField(source="get_mode_display")
    delivery_promise = serializers.CharField()
    colour = serializers.BooleanField()
    duplex = serializers.BooleanField()
    staple = serializers.BooleanField()
    ready = serializers.SerializerMethodField(help_text="Tous les documents sont convertis.")
    pages = serializers.SerializerMethodField()
    sheets = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField(help_text="Euros TTC : le prix débité, ou celui d'un brouillon "
                                                        "tel qu'il est.")
    send_on = serializers.DateField(allow_null=True)
    handover_date = serializers.SerializerMethodField(help_text="Jour où La Poste prend (ou prendra) le pli.")
    recipient_source = serializers.CharField()
    recipient = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    delivery_status = serializers.CharField()
    events = EventOutSerializer(many=True)
    created_by = serializers.EmailField(source="created_by.email")
    created_at = serializers.DateTimeField()
    content_deleted_at = serializers.DateTimeField(allow_null=True)

    def _documents(self, envelope: Envelope) -> list[EnvelopeDocument]:
        return list(envelope.documents.all())

    def _sheets(self, envelope: Envelope) -> tuple[int, int]:
        if not envelope.is_draft:
            return envelope.pages or 0, envelope.sheets or 0
        return envelope_sheets(envelope, self._documents(envelope))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_ready(self, envelope: Envelope) -> bool:
        documents = self._documents(envelope)
        return bool(documents) and all(d.status == DocumentStatus.READY for d in documents)

    @extend_schema_field(OpenApiTypes.INT)
    def get_pages(self, envelope: Envelope) -> int:
        return self._sheets(envelope)[0]

    @extend_schema_field(OpenApiTypes.INT)
    def get_sheets(self, envelope: Envelope) -> int:
        return self._sheets(envelope)[1]

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_price(self, envelope: Envelope) -> str | None:
        if not envelope.is_draft:
            return f"{envelope.price:.2f}" if envelope.price is not None else None
        pages, sheets = self._sheets(envelope)
        address_page = envelope_address_page(envelope)
        if sheets - (1 if address_page else 0) < 1:
            return None
        total = charges.paper_total(table=self.context["prices"], mode=envelope.mode, sheets=sheets,
                                    typed_address=address_page,
                                    first_page_address=envelope.recipient_source == RecipientSource.DOCUMENT)
        return f"{total:.2f}" if total is not None else None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_handover_date(self, envelope: Envelope) -> date | None:
        if envelope.handover_date is not None:
            return envelope.handover_date
        if envelope.is_draft:
            return rules.handover_date(validated_at=self.context["now"], send_on=envelope.send_on,
                                       calendar=self.context["calendar"])
        return None

    def _address(self, name, lines, postal_code, city) -> dict | None:
        if not name:
            return None
        return {"name": name, "address_lines": list(lines), "postal_code": postal_code, "city": city}

    @extend_schema_field(AddressSerializer(allow_null=True))
    def get_recipient(self, envelope: Envelope):
        return self._address(envelope.recipient_name, envelope.recipient_lines, envelope.recipient_postal_code,
                             envelope.recipient_city)

    @extend_schema_field(AddressSerializer(allow_null=True))
    def get_sender(self, envelope: Envelope):
        return self._address(envelope.sender_name, envelope.sender_lines, envelope.sender_postal_code,
                             envelope.sender_city)

    @extend_schema_field(DocumentOutSerializer(many=True))
    def get_documents(self, envelope: Envelope):
        return DocumentOutSerializer(self._documents(envelope), many=True).data


def _rows(queryset):
    return queryset.select_related("created_by").prefetch_related(
        Prefetch("documents", queryset=EnvelopeDocument.objects.order_by("position", "id")), "events")


def _context() -> dict:
    return {"now": clock.local_now(), "calendar": clock.business_calendar(),
            "prices": charges.price_table(on=clock.business_today())}


def _check_area(user) -> None:
    if not user_has_area(user=user, area=Area.COURRIER):
        raise PermissionDenied("Le courrier papier ne fait pas partie de vos habilitations.")


def _envelope(request, envelope_id: int) -> Envelope:
    _check_area(request.user)
    return get_object_or_404(envelopes_visible_to(user=request.user), pk=envelope_id)


def _answer(request, envelope_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    envelope = _rows(envelopes_visible_to(user=request.user)).get(pk=envelope_id)
    return Response(EnvelopeSerializer(envelope, context=_context()).data, status=status_code)


# -------------------------------------------------------------------------------- input


class OptionalBooleanField(serializers.BooleanField):
    """A boolean whose absence from a multipart form means its default (not False)."""

    default_empty_html = serializers.empty


class EnvelopeCreateSerializer(serializers.Serializer):
    documents = serializers.ListField(child=serializers.FileField(), min_length=1,
                                      help_text="Un ou plusieurs fichiers, dans cet ordre (PDF, images, Word, Excel, "
                                                "PowerPoint, LibreOffice ; 10 Mo chacun).",
                                      error_messages={"min_length": "Joignez au moins un document.",
                                                      "required": "Joignez au moins un document."})
    mode = serializers.ChoiceField(choices=Mode.values)
    recipient = serializers.JSONField(binary=True, required=False, allow_null=True,
                                      help_text="JSON {name, address_lines: [1 à 4 lignes], postal_code, city} ; "
                                                "facultatif en écopli et lettre verte (lu dans la fenêtre du premier "
                                                "document).")
    sender = serializers.JSONField(binary=True, required=False, allow_null=True,
                                   help_text="JSON comme recipient ; obligatoire en lettre suivie et recommandé.")
    colour = OptionalBooleanField(default=True)
    duplex = OptionalBooleanField(default=True)
    staple = OptionalBooleanField(default=False)
    send_on = serializers.DateField(required=False, allow_null=True, default=None,
                                    help_text="AAAA-MM-JJ, à partir de demain ; absent : envoyer maintenant.")

    def _address_field(self, value, field: str):
        if value in (None, ""):
            return None
        serializer = AddressSerializer(data=value)
        if not isinstance(value, dict) or not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors if isinstance(value, dict) else
                                              [f"L'adresse ({field}) doit être un objet JSON."])
        return serializer.validated_data

    def validate_recipient(self, value):
        return self._address_field(value, "recipient")

    def validate_sender(self, value):
        return self._address_field(value, "sender")

    def validate_send_on(self, value):
        if value is not None:
            error = rules.send_on_error(send_on=value, today=clock.business_today())
            if error:
                raise serializers.ValidationError(error)
        return value

    def validate(self, data):
        if data["mode"] in rules.TRACKED_MODES:
            errors = {}
            if not data.get("recipient"):
                errors["recipient"] = ["Le destinataire est obligatoire en lettre suivie et en recommandé."]
            if not data.get("sender"):
                errors["sender"] = ["L'expéditeur est obligatoire en lettre suivie et en recommandé."]
            if errors:
                raise serializers.ValidationError(errors)
        return data


class SendSerializer(serializers.Serializer):
    accepted_price = serializers.DecimalField(max_digits=8, decimal_places=2,
                                              help_text="Le prix présenté (euros TTC) : un autre prix est refusé.")


class RescheduleSerializer(serializers.Serializer):
    send_on = serializers.DateField()


# -------------------------------------------------------------------------------- views


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="N°, destinataire, expéditeur, ville, code postal ou n° de suivi"),
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("mode", str, enum=Mode.values),
    OpenApiParameter("created_from", OpenApiTypes.DATE),
    OpenApiParameter("created_to", OpenApiTypes.DATE),
    OpenApiParameter("created_by", int),
    OpenApiParameter("ordering", str, description="number, sender, recipient, mode, created_by, status, created "
                                                  "(préfixe - : décroissant)"),
]


@extend_schema(methods=["GET"], summary="Courriers papier visibles par l'appelant", parameters=LIST_PARAMETERS,
               responses=EnvelopeSerializer(many=True))
@extend_schema(methods=["POST"], summary="Créer un courrier papier (brouillon) avec ses documents",
               request={"multipart/form-data": EnvelopeCreateSerializer}, responses={201: EnvelopeSerializer})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
@parser_classes([MultiPartParser, FormParser, JSONParser])
def envelopes_api(request):
    _check_area(request.user)
    if request.method == "GET":
        rows = _rows(envelope_rows_for(user=request.user, params=request.query_params).qs)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request)
        return paginator.get_paginated_response(EnvelopeSerializer(page, many=True, context=_context()).data)
    data = EnvelopeCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    envelope = _create(request.user, data.validated_data)
    return _answer(request, envelope.pk, status_code=status.HTTP_201_CREATED)


def _create(user, data: dict) -> Envelope:
    """The draft, its documents, recipient, sender and date — nothing left behind on an error."""
    now = clock.local_now()
    envelope = services.envelope_start(by=user, now=now, uploads=data["documents"], mode=data["mode"],
                                       colour=data["colour"], duplex=data["duplex"], staple=data["staple"])
    try:
        with transaction.atomic():
            if data.get("recipient"):
                services.envelope_recipient_type(envelope=envelope, address=_address(data["recipient"]))
            else:
                services.envelope_recipient_from_document_requested(envelope=envelope)
            if data.get("sender"):
                services.envelope_sender_set(envelope=envelope, address=_address(data["sender"]))
            services.envelope_send_on_set(envelope=envelope, send_on=data["send_on"], today=now.date())
    except ApplicationError:
        services.envelope_erase(envelope=envelope)
        raise
    return envelope


@extend_schema(summary="Un courrier papier", responses=EnvelopeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def envelope_api(request, envelope_id: int):
    _envelope(request, envelope_id)
    return _answer(request, envelope_id)


@extend_schema(summary="Valider et envoyer un brouillon au prix présenté (débité), maintenant ou à sa date",
               request=SendSerializer, responses=EnvelopeSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def envelope_send_api(request, envelope_id: int):
    envelope = _envelope(request, envelope_id)
    data = SendSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    services.envelope_send(envelope=envelope, by=request.user, accepted_price=data.validated_data["accepted_price"],
                           send_on=envelope.send_on, now=clock.local_now(), calendar=clock.business_calendar())
    return _answer(request, envelope_id)


@extend_schema(summary="Modifier la date d'envoi (jusqu'à la veille de la date programmée)",
               request=RescheduleSerializer, responses=EnvelopeSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def envelope_reschedule_api(request, envelope_id: int):
    envelope = _envelope(request, envelope_id)
    data = RescheduleSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    services.envelope_reschedule(envelope=envelope, send_on=data.validated_data["send_on"], by=request.user,
                                 now=clock.local_now(), calendar=clock.business_calendar())
    return _answer(request, envelope_id)


@extend_schema(summary="Annuler un envoi programmé, remboursé (jusqu'à la veille de la date programmée)",
               request=None, responses=EnvelopeSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def envelope_cancel_api(request, envelope_id: int):
    envelope = _envelope(request, envelope_id)
    services.envelope_cancel(envelope=envelope, by=request.user, now=clock.local_now())
    return _answer(request, envelope_id)

