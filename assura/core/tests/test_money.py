"""The one money formatter of every screen and document (`assura.core.money`, filter `da`)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import number_format

from assura.core.money import format_da


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_amounts_are_written_as_number_format_would(language):
    values = [Decimal("0"), Decimal("-0.005"), Decimal("999.995"), Decimal("1000"), Decimal("-1234567.891"),
              Decimal("123456789012.5"), 7, "1500.5"]
    with translation.override(language):
        assert [format_da(v) for v in values] == [
            f"{number_format(Decimal(v).quantize(Decimal('0.01')), 2, force_grouping=True)}\u00a0DA"
            for v in values]
    assert format_da(None) == "—" and format_da("") == "—"


def test_french_amounts_read_as_an_algerian_insurer_prints_them():
    with translation.override("fr"):
        assert format_da(Decimal("12345.5")) == "12\u00a0345,50\u00a0DA"
        assert format_da(Decimal("-0.01")) == "-0,01\u00a0DA"


@pytest.mark.parametrize("library", ["portfolio_tags", "sales_tags"])
def test_every_module_filter_is_the_same_formatter(library):
    """Sales and portfolio screens print the currency the same way (one filter, `da`)."""
    with translation.override("fr"):
        rendered = Template("{% load " + library + " %}{{ amount|da }}").render(Context({"amount": Decimal("1000")}))
    assert rendered == "1\u00a0000,00\u00a0DA"
