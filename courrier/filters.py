"""« Tous les courriers papiers »: filters (état, mode, période, créé par), search and sorting,
shared by the page and the API (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from courrier.models import NUMBER_OFFSET, Mode, Status
from courrier.selectors import creators_for
from portal.forms import parse_id

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SORTS = (
    ("id", "number"),
    ("sender_name", "sender"),
    ("recipient_name", "recipient"),
    ("mode", "mode"),
    ("created_by__last_name", "created_by"),
    ("status", "status"),
    ("created_at", "created"),
)


class EnvelopeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Rechercher",
                                  help_text="N°, destinataire, expéditeur, ville, code postal ou n° de suivi")
    status = django_filters.ChoiceFilter(choices=Status.choices, label="État", empty_label="Tous")
    mode = django_filters.ChoiceFilter(choices=Mode.choices, label="Mode d'envoi", empty_label="Tous")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="Créé du",
                                             widget=DATE)
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="au", widget=DATE)
    created_by = django_filters.ModelChoiceFilter(label="Créé par", empty_label="Tous", queryset=None)
    ordering = django_filters.OrderingFilter(fields=SORTS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["created_by"].queryset = creators_for(user=user)

    def search(self, queryset, name, value):
        term = value.strip().lstrip("#")
        if not term:
            return queryset
        condition = (Q(recipient_name__icontains=term) | Q(recipient_city__icontains=term)
                     | Q(sender_name__icontains=term) | Q(sender_city__icontains=term)
                     | Q(tracking_number__iexact=term))
        number = parse_id(term)  # ASCII digits the database can hold ("²" and huge numbers are text)
        if number is not None:
            condition |= Q(recipient_postal_code=term) | Q(sender_postal_code=term)
            if number > NUMBER_OFFSET:
                condition |= Q(pk=number - NUMBER_OFFSET)
        return queryset.filter(condition)
