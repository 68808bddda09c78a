"""Filters from a link: URL query parameters to a :class:`~core.cohort.filters.CohortFilter`.

What a link may say is documented in :mod:`core.cohort.filters`. Every part of a link the
cohort cannot use is ignored with a notice that quotes the value inert (at most 40 characters,
no markup), so a copied or hand-edited link never fails and never injects text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from core.cohort.columns import extra_columns
from core.cohort.filters import (
    CATEGORY_FIELDS,
    EXTRA_PREFIX,
    LIST_KEYS,
    MAX_QUERY_VALUE,
    QUERY_KEYS,
    CohortFilter,
    extra_filter_levels,
    filter_levels,
)
from core.cohort.schema import LABELS


def is_filter_key(key: str) -> bool:
    """Whether URL query key ``key`` belongs to the filter (the sidebar rewrites those)."""
    return key in QUERY_KEYS or key.startswith(EXTRA_PREFIX)


def filter_from_query_params(params: Mapping[str, str | list[str]],
                             cohort: pd.DataFrame) -> tuple[CohortFilter, list[str]]:
    """Build a filter from URL query parameters, ignoring what it cannot use.

    Parameters
    ----------
    params : mapping
        Query parameters (``st.query_params`` or a dict); a value may be a comma-separated
        string or a list of strings (the key repeated in the URL). Keys not in
        :data:`QUERY_KEYS` and not starting with :data:`EXTRA_PREFIX` are ignored (pages own
        them). ``x.<column>`` names levels of a categorical extra column, ``x.<column>.min`` and
        ``x.<column>.max`` inclusive bounds of a numeric one. A repeated list key combines its
        values, with a notice; a repeated single-value key (an age bound, the co-mutation
        mode) is used when every copy agrees and refused with a notice otherwise.
    cohort : pandas.DataFrame
        The cohort whose values are allowed.

    Returns
    -------
    (CohortFilter, list of str)
        The filter, and one plain-text notice per value that was ignored and why. Notices
        quote at most 40 characters of the offending value, with markup characters removed.
        The filter means exactly what the link says: an age bound outside the cohort's ages
        is kept (and may leave no patient), never moved to the nearest age; a bound that is
        not a whole number of years is refused with a notice.
    """
    levels = filter_levels(cohort)
    notices: list[str] = []
    values: dict[str, object] = {}

    def text_of(key: str, is_list: bool | None = None) -> str | None:
        is_list = key in LIST_KEYS if is_list is None else is_list
        raw = params.get(key)
        if raw is None:
            return None
        if isinstance(raw, (list, tuple)):
            raw = [str(r) for r in raw]
            if len(raw) > 1 and is_list:
                notices.append(f"The link names `{key}` {len(raw)} times; all its values were "
                               "combined (a patient matching any of them is kept).")
            elif len(set(raw)) > 1:
                notices.append(f"The link names `{key}` {len(raw)} times with different values "
                               f"({', '.join(_safe(r) for r in raw[:4])}); it cannot mean "
                               "both, so that part of the link was ignored.")
                return None
            elif len(raw) > 1:
                notices.append(f"The link names `{key}` {len(raw)} times with the same value; "
                               "it was used once.")
            raw = ",".join(raw) if is_list else raw[0]
        else:
            raw = str(raw)
        if len(raw) > MAX_QUERY_VALUE:
            notices.append(f"The link's value for `{key}` is {len(raw)} characters long and was "
                           "ignored.")
            return None
        return raw

    for key in (*CATEGORY_FIELDS, "co_mutations"):
        raw = text_of(key)
        if raw is None:
            continue
        chosen, unknown = [], []
        lookup = {v.lower(): v for v in levels[key]}
        for part in (p.strip() for p in raw.split(",") if p.strip()):
            (chosen if part.lower() in lookup else unknown).append(lookup.get(part.lower(), part))
        if unknown:
            label = LABELS.get(key, key)
            notices.append(f"The link asks for {label} {', '.join(_safe(u) for u in unknown)}, "
                           f"which this cohort does not have; that part of the link was ignored. "
                           f"Known values: {', '.join(levels[key]) or 'none'}.")
        if chosen:
            values[key] = tuple(chosen)
    for key in ("age_min", "age_max"):
        raw = text_of(key)
        if raw is None:
            continue
        try:
            number = float(raw)
            if not math.isfinite(number) or not 0 <= number <= 150 or \
                    not number.is_integer():
                raise ValueError
            values[key] = number
        except ValueError:
            notices.append(f"The link's `{key}` value {_safe(raw)} is not a whole number of "
                           "years between 0 and 150 and was ignored (the age filter works in "
                           "whole years).")
    mode = text_of("co_mutation_mode")
    if mode is not None:
        if mode in ("any", "all"):
            values["co_mutation_mode"] = mode
        else:
            notices.append(f"The link's `co_mutation_mode` value {_safe(mode)} is not 'any' or "
                           "'all' and was ignored.")
    values.update(_extras_from_query_params(params, cohort, text_of, notices))
    if values.get("age_min") is not None and values.get("age_max") is not None and \
            values["age_min"] > values["age_max"]:
        notices.append("The link's age range is empty (minimum above maximum) and was ignored.")
        values.pop("age_min"), values.pop("age_max")
    return CohortFilter(**values), notices


def _extras_from_query_params(params: Mapping, cohort: pd.DataFrame, text_of,
                              notices: list[str]) -> dict[str, tuple]:
    """The ``x.`` part of :func:`filter_from_query_params`: ``extra_levels`` and
    ``extra_ranges`` for the columns this cohort has, a notice for every other part."""
    categorical = extra_filter_levels(cohort)
    numeric = set(extra_columns(cohort).numeric)
    levels: dict[str, tuple[str, ...]] = {}
    bounds: dict[str, dict[str, float]] = {}
    for key in [str(k) for k in params if str(k).startswith(EXTRA_PREFIX)]:
        column = key[len(EXTRA_PREFIX):]
        if column in categorical:
            raw = text_of(key, is_list=True)
            if raw is None:
                continue
            known = categorical[column]
            lookup = {v.lower(): v for v in known}
            chosen, unknown = [], []
            for part in (p.strip() for p in raw.split(",") if p.strip()):
                match = part if part in known else lookup.get(part.lower())
                (chosen if match is not None else unknown).append(match or part)
            if unknown:
                notices.append(f"The link asks for {_safe(column)} "
                               f"{', '.join(_safe(u) for u in unknown)}, which this cohort does "
                               "not have; that part of the link was ignored. Known values: "
                               f"{', '.join(_safe(v) for v in known)}.")
            if chosen:
                levels[column] = tuple(chosen)
        elif column[-4:] in (".min", ".max") and column[:-4] in numeric:
            raw = text_of(key, is_list=False)
            if raw is None:
                continue
            try:
                number = float(raw)
                if not math.isfinite(number):
                    raise ValueError
            except ValueError:
                notices.append(f"The link's `{_safe(key)[1:-1]}` value {_safe(raw)} is not a "
                               "finite number and was ignored.")
                continue
            bounds.setdefault(column[:-4], {})[column[-3:]] = number
        else:
            notices.append(f"The link filters on a column {_safe(column)} that this cohort does "
                           "not have as a filter (filters on uploaded columns need the same "
                           "file loaded); that part of the link was ignored.")
    ranges = []
    for column, bound in bounds.items():
        low, high = bound.get("min"), bound.get("max")
        if low is not None and high is not None and low > high:
            notices.append(f"The link's range on {_safe(column)} is empty (minimum above "
                           "maximum) and was ignored.")
            continue
        ranges.append((column, low, high))
    return {"extra_levels": tuple(levels.items()), "extra_ranges": tuple(ranges)}


def _safe(value: str) -> str:
    """Quote a user-supplied value for a notice: at most 40 characters, no markup."""
    cleaned = re.sub(r"[^0-9A-Za-z _.\-+/%()]", "", value)[:40]
    return f"'{cleaned}'" + ("…" if len(value) > 40 else "")
