"""`{{ code|country_name }}`: a country's name for its ISO 3166-1 code, on any page."""

from django import template

from accord.accounts.countries import country_name as _country_name

register = template.Library()


@register.filter
def country_name(code: str | None) -> str:
    return _country_name(code)
