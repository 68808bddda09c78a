"""User-defined endpoints: defined on the Your data page from dates or times, named, and
offered on every page like the built-ins; kept as plain JSON (:func:`endpoint_to_dict`) in the
session, the link and the reproduce scripts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.survival.endpoint.definition import (
    BY_KEY,
    DAYS_PER_MONTH,
    ENTRY,
    EVENT,
    STATUS,
    TIME,
    USER_PREFIX,
    Endpoint,
    EndpointRecipe,
)
from core.survival.endpoint.resolve import ResolvedEndpoint, _ids, _values, _who


def _months(cohort: pd.DataFrame, column: str, unit: str) -> pd.Series:
    """A date column as days since 1970 / 30.4375, or a months column as numbers."""
    if unit == "months":
        return _values(cohort, column)
    dates = pd.to_datetime(cohort[column], errors="coerce")
    days = (dates - pd.Timestamp("1970-01-01")).dt.days
    return days.astype(float) / DAYS_PER_MONTH


def from_recipe(cohort: pd.DataFrame, endpoint: Endpoint) -> ResolvedEndpoint:
    """A user-defined endpoint: earliest event (or competing event) else last contact,
    minus the origin; the entry likewise."""
    r = endpoint.recipe
    missing = [c for c in r.columns() if c not in cohort.columns]
    if missing:
        raise AnalysisError(f"{endpoint.label} needs {', '.join(f'`{c}`' for c in missing)}, "
                            "which this cohort does not have. Fix: map them on the Your data "
                            "page, or define the endpoint again.")
    origin = (_months(cohort, r.origin, r.unit) if r.origin
              else pd.Series(0.0, index=cohort.index))
    event_at = pd.concat([_months(cohort, c, r.unit) for c in r.events], axis=1).min(axis=1)
    competing_at = (pd.concat([_months(cohort, c, r.unit) for c in r.competing], axis=1)
                    .min(axis=1) if r.competing else pd.Series(np.nan, index=cohort.index))
    last = _months(cohort, r.censor, r.unit)
    first = pd.concat([event_at, competing_at], axis=1).min(axis=1)
    end = first.where(first.notna(), last)
    frame = cohort.copy()
    frame[TIME] = end - origin
    own = event_at.notna() & (competing_at.isna() | (event_at <= competing_at))
    status = np.where(end.isna(), np.nan, np.where(own, 1.0, np.where(first.notna(), 2.0, 0.0)))
    frame[EVENT] = np.where(np.isnan(status), np.nan, (status == 1).astype(float))
    if r.competing:
        frame[STATUS] = status
        frame[EVENT] = np.where(np.isnan(status), np.nan, (status > 0).astype(float))
    entry = None
    if r.entry:
        frame[ENTRY] = _months(cohort, r.entry, r.unit) - origin
        entry = ENTRY
    negative = frame[TIME] < 0
    notes = ()
    if negative.any():
        raise AnalysisError(f"{endpoint.label}: the end of follow-up is before the origin "
                            f"(`{r.origin}`) for {_who(_ids(cohort, negative))}. Fix: correct "
                            "those dates, or choose another origin.")
    return ResolvedEndpoint(endpoint, frame, TIME, EVENT,
                            status=STATUS if r.competing else None, entry=entry, notes=notes)


def user_endpoint(name: str, abbreviation: str, recipe: EndpointRecipe,
                  origin_label: str | None = None) -> Endpoint:
    """A user-defined endpoint (key ``u.<abbreviation in lower case>``), labelled from its
    columns; the name and abbreviation are kept as typed (shown through the app's escaping)."""
    name, abbreviation = name.strip(), abbreviation.strip()
    if not name or not abbreviation:
        raise AnalysisError("An endpoint needs a name and an abbreviation. Fix: type both, "
                            "e.g. 'GVHD-free relapse-free survival' and 'GRFS'.")
    if not recipe.events:
        raise AnalysisError(f"{name}: choose at least one column whose date ends the endpoint "
                            "with an event.")
    slug = re.sub(r"[^a-z0-9]+", "-", abbreviation.lower()).strip("-") or "endpoint"
    if slug in BY_KEY:
        slug += "-own"  # never shadow a built-in
    return Endpoint(USER_PREFIX + slug, name, abbreviation,
                    origin_label or (recipe.origin or "time 0"), tuple(recipe.events),
                    censoring=recipe.censor, noun="events",
                    entry=recipe.entry, competing=tuple(recipe.competing), recipe=recipe)


def endpoint_to_dict(endpoint: Endpoint) -> dict:
    """A user-defined endpoint as plain JSON-able values (for the mapping file and links)."""
    r = endpoint.recipe
    return {"name": endpoint.name, "abbreviation": endpoint.abbreviation,
            "origin": r.origin, "events": list(r.events), "censor": r.censor,
            "entry": r.entry, "competing": list(r.competing), "unit": r.unit}


def endpoint_from_dict(data: dict) -> Endpoint:
    """Inverse of :func:`endpoint_to_dict` (raises :class:`AnalysisError` on a bad entry)."""
    try:
        recipe = EndpointRecipe(origin=data.get("origin"), events=tuple(data["events"]),
                                censor=data["censor"], entry=data.get("entry"),
                                competing=tuple(data.get("competing", ())),
                                unit=data.get("unit", "date"))
        return user_endpoint(data["name"], data["abbreviation"], recipe)
    except (KeyError, TypeError) as error:
        raise AnalysisError(f"An endpoint definition lacks {error}. Fix: define it again on "
                            "the Your data page.") from error
