"""Reads of the library: the versions in effect at a date, each marked current or not.

Every broker's user (administrator or collaborator, whatever their delegation) reads the whole
library; other accounts (staff, the insurer's system) read it in the admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from library.models import DocumentKind, ProductDocument
from portal.models import Product, User

KIND_ORDER = Case(*(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(DocumentKind.values)),
                  output_field=IntegerField())


def library_open_to(*, user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_intermediary)


def documents_in_effect(*, user: User, today: date, product_id: int | None = None) -> QuerySet[ProductDocument]:
    """The versions whose date of effect has come (``today`` included), newest first within a
    series, with ``is_current``: no later version of the same series is in effect."""
    if not library_open_to(user=user):
        return ProductDocument.objects.none()
    rows = ProductDocument.objects.filter(effective_from__lte=today)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    newer = ProductDocument.objects.filter(
        product_id=OuterRef("product_id"), kind=OuterRef("kind"), title=OuterRef("title"),
        effective_from__gt=OuterRef("effective_from"), effective_from__lte=today,
    )
    return (rows.annotate(is_current=~Exists(newer), kind_rank=KIND_ORDER)
            .select_related("product", "document")
            .order_by("product__name", "product_id", "kind_rank", "title", "-effective_from"))


def products_in_library(*, user: User, today: date) -> QuerySet[Product]:
    """The products with at least one document in effect (the page's product filter)."""
    if not library_open_to(user=user):
        return Product.objects.none()
    return Product.objects.filter(
        Exists(ProductDocument.objects.filter(product_id=OuterRef("pk"), effective_from__lte=today))
    ).order_by("name", "pk")


@dataclass
class Series:
    current: ProductDocument
    older: list[ProductDocument] = field(default_factory=list)


@dataclass
class ProductShelf:
    product: Product
    series: list[Series] = field(default_factory=list)


def library_shelves(documents) -> list[ProductShelf]:
    """``documents_in_effect`` rows grouped by product, then by series (current version first)."""
    shelves: list[ProductShelf] = []
    for document in documents:
        if not shelves or shelves[-1].product.pk != document.product_id:
            shelves.append(ProductShelf(document.product))
        shelf = shelves[-1]
        if document.is_current:
            shelf.series.append(Series(current=document))
        elif shelf.series and (shelf.series[-1].current.kind, shelf.series[-1].current.title) == (
                document.kind, document.title):
            shelf.series[-1].older.append(document)
    return shelves
