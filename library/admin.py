"""The library in the admin: staff (accounting clerks included) add versions; an issued version
is never changed. A superuser may delete a version whose date of effect has not come yet."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from library import services
from library.models import ProductDocument
from portal import clock
from portal.admin import PortalModelAdmin
from portal.errors import ApplicationError


class ProductDocumentAddForm(forms.ModelForm):
    upload = forms.FileField(label="fichier", help_text="PDF (ou Word, Excel, OpenDocument pour un formulaire) : "
                                                        "le type est vérifié sur le contenu.")

    class Meta:
        model = ProductDocument
        fields = ["product", "kind", "title", "version", "effective_from"]
        help_texts = {"title": "Laissé vide : le type de document. Les versions d'un même document partagent "
                               "produit, type et intitulé."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.checked = None

    def validate_unique(self):  # the service checks the series (with the title it completes)
        pass

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.checked = services.product_document_check(
                product=data.get("product"), kind=data.get("kind", ""), title=data.get("title", ""),
                version=data.get("version", ""), effective_from=data.get("effective_from"), upload=data.get("upload"),
            )
        except ApplicationError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(ProductDocument)
class ProductDocumentAdmin(PortalModelAdmin):
    list_display = ["title", "product", "kind", "version", "effective_from", "state", "uploaded_by", "created_at"]
    list_filter = ["product", "kind"]
    search_fields = ["title", "version", "product__name", "product__code"]
    list_select_related = ["product", "uploaded_by"]
    date_hierarchy = "effective_from"
    actions = None  # no bulk delete: a version is deleted one at a time, before its date of effect
    readonly_fields = ["product", "kind", "title", "version", "effective_from", "download_link", "sha256",
                       "uploaded_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ProductDocumentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["product", "kind", "title", "version", "effective_from", "upload"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # an issued version is kept as it is: a correction is a new version

    def has_delete_permission(self, request, obj=None):
        return (obj is not None and obj.effective_from > clock.business_today()
                and super().has_delete_permission(request, obj))

    def save_model(self, request, obj, form, change):
        created = services.product_document_store(checked=form.checked, by=request.user)
        for model_field in ProductDocument._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(created, model_field.attname))
        obj._state.adding = False

    def delete_model(self, request, obj):
        """A withdrawn version takes its file with it (no other row refers to it)."""
        stored = obj.document
        super().delete_model(request, obj)
        stored.file.delete(save=False)
        stored.delete()

    @admin.display(description="état")
    def state(self, obj):
        return "à venir" if obj.effective_from > clock.business_today() else "publiée"

    @admin.display(description="fichier")
    def download_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:portal_storeddocument_download",
                                                          args=[obj.document_id]), obj.document.original_name)

    @admin.display(description="SHA-256")
    def sha256(self, obj):
        return obj.document.sha256
