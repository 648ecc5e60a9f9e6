"""Integers are never grouped in templates (ids end up in attributes and URLs); money is."""

from decimal import Decimal

from django.template import Context, Template


def test_ids_are_not_grouped_but_money_is():
    html = Template('{% load portal_tags %}<option value="{{ id }}">{{ amount|money }}</option>').render(
        Context({"id": 12345, "amount": Decimal("12345.6")}))
    assert 'value="12345"' in html
    assert "12\u202f345,60\xa0€" in html
