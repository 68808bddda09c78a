"""A frozen, serialisable cohort filter and its application.

A :class:`CohortFilter` is plain data: it round-trips through a dict (JSON) and through URL
query parameters, so a copied link reopens the same view. Applying it never drops a patient
silently: patients with a missing value in a filtered field are counted in the result.

An uploaded cohort's extra columns (:func:`core.cohort.columns.extra_columns`) are filters too,
under their own names: a categorical one keeps the chosen levels (``extra_levels``), a numeric
one keeps an inclusive range (``extra_ranges``). In a link they travel as ``x.<column>=a,b``
and ``x.<column>.min=1`` / ``x.<column>.max=9``. A key that names a categorical column exactly
is read as that column first: in the rare file with a text column ``ldh.min`` beside a numeric
``ldh``, ``x.ldh.min`` means the text column. A level containing a comma cannot travel in a
link (the comma separates levels); the sidebar still filters on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from core.cohort.coding import present_levels
from core.cohort.columns import extra_columns
from core.cohort.read import split_list
from core.cohort.schema import BY_NAME, LABELS
from core.errors import CohortError

CATEGORY_FIELDS: tuple[str, ...] = (
    "eln2022_risk", "sorafenib_timing", "mrd_pre_status", "sex", "fab_class", "fusion_gene",
    "relapse_type", "outcome",
)
"""Categorical columns the filter can restrict, in sidebar order."""

QUERY_KEYS: tuple[str, ...] = (*CATEGORY_FIELDS, "age_min", "age_max", "co_mutations",
                               "co_mutation_mode")
"""URL query parameters owned by the filter (pages may add their own keys beside them)."""

LIST_KEYS: tuple[str, ...] = (*CATEGORY_FIELDS, "co_mutations")
"""Query keys whose value is a list (comma-separated, or the key repeated)."""

EXTRA_PREFIX = "x."
"""Query keys starting with this belong to the filter on an uploaded cohort's extra columns."""

MAX_QUERY_VALUE = 200
"""Longer query values are ignored with a notice (a link is never that long legitimately)."""


@dataclass(frozen=True)
class CohortFilter:
    """Which patients to keep. An empty tuple or ``None`` means "do not filter on this".

    Parameters
    ----------
    eln2022_risk, sorafenib_timing, mrd_pre_status, sex, fab_class, fusion_gene, relapse_type, \
outcome : tuple of str
        Keep patients whose value is one of these.
    age_min, age_max : float, optional
        Inclusive age bounds in years.
    co_mutations : tuple of str
        Gene symbols (upper case).
    co_mutation_mode : {"any", "all"}
        Keep patients with any of ``co_mutations`` or with all of them.
    extra_levels : tuple of (str, tuple of str)
        Per extra categorical column (its own name), the levels to keep.
    extra_ranges : tuple of (str, float or None, float or None)
        Per extra numeric column, inclusive bounds in the column's own unit (``None``: open).
    """

    eln2022_risk: tuple[str, ...] = ()
    sorafenib_timing: tuple[str, ...] = ()
    mrd_pre_status: tuple[str, ...] = ()
    sex: tuple[str, ...] = ()
    fab_class: tuple[str, ...] = ()
    fusion_gene: tuple[str, ...] = ()
    relapse_type: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    age_min: float | None = None
    age_max: float | None = None
    co_mutations: tuple[str, ...] = ()
    co_mutation_mode: Literal["any", "all"] = "any"
    extra_levels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extra_ranges: tuple[tuple[str, float | None, float | None], ...] = ()

    def __post_init__(self) -> None:
        for name in (*CATEGORY_FIELDS, "co_mutations"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"CohortFilter.{name} must be a tuple of strings, got {value!r}")
            object.__setattr__(self, name, tuple(dict.fromkeys(value)))
        if self.co_mutation_mode not in ("any", "all"):
            raise ValueError(f"co_mutation_mode must be 'any' or 'all', got "
                             f"{self.co_mutation_mode!r}")
        if (self.age_min is not None and self.age_max is not None
                and self.age_min > self.age_max):
            raise ValueError(f"age_min ({self.age_min:g}) is above age_max ({self.age_max:g})")
        levels = []
        for item in self.extra_levels:
            column, wanted = item
            if not isinstance(column, str) or isinstance(wanted, str) or \
                    not all(isinstance(v, str) for v in wanted):
                raise TypeError("CohortFilter.extra_levels must hold (column, tuple of strings) "
                                f"pairs, got {item!r}")
            if wanted:
                levels.append((column, tuple(dict.fromkeys(wanted))))
        ranges = []
        for item in self.extra_ranges:
            column, low, high = item
            if not isinstance(column, str):
                raise TypeError(f"CohortFilter.extra_ranges names a column {column!r}, not a "
                                "string")
            low, high = (None if b is None else float(b) for b in (low, high))
            if low is not None and high is not None and low > high:
                raise ValueError(f"The range on {column!r} is empty: minimum {low:g} is above "
                                 f"maximum {high:g}; swap the bounds.")
            if low is not None or high is not None:
                ranges.append((column, low, high))
        columns = [c for c, _ in levels] + [c for c, *_ in ranges]
        if len(set(columns)) != len(columns):
            raise ValueError(f"CohortFilter names an extra column twice ({columns!r}); give each "
                             "column one filter.")
        object.__setattr__(self, "extra_levels", tuple(levels))
        object.__setattr__(self, "extra_ranges", tuple(ranges))

    # ---- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-serialisable dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping) -> CohortFilter:
        """Inverse of :meth:`to_dict`; unknown keys raise ``TypeError``."""
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        if "extra_levels" in values:
            values["extra_levels"] = tuple((c, tuple(v)) for c, v in values["extra_levels"])
        if "extra_ranges" in values:
            values["extra_ranges"] = tuple(tuple(r) for r in values["extra_ranges"])
        return cls(**values)

    def to_query_params(self) -> dict[str, str]:
        """URL query parameters for the active parts of the filter (values comma-separated)."""
        params: dict[str, str] = {}
        for name in (*CATEGORY_FIELDS, "co_mutations"):
            if getattr(self, name):
                params[name] = ",".join(getattr(self, name))
        for name in ("age_min", "age_max"):
            if getattr(self, name) is not None:
                params[name] = f"{getattr(self, name):g}"
        if self.co_mutations and self.co_mutation_mode == "all":
            params["co_mutation_mode"] = "all"
        for column, wanted in self.extra_levels:
            params[f"{EXTRA_PREFIX}{column}"] = ",".join(wanted)
        for column, low, high in self.extra_ranges:
            for suffix, bound in ((".min", low), (".max", high)):
                if bound is not None:
                    params[f"{EXTRA_PREFIX}{column}{suffix}"] = repr(bound)
        return params

    def is_active(self) -> bool:
        """True when the filter restricts anything."""
        return self != CohortFilter(co_mutation_mode=self.co_mutation_mode)

    def describe(self) -> list[str]:
        """One readable line per active part, e.g. ``"ELN 2022 risk: adverse"``."""
        lines = [f"{LABELS[n]}: {', '.join(getattr(self, n))}" for n in CATEGORY_FIELDS
                 if getattr(self, n)]
        if self.age_min is not None or self.age_max is not None:
            low = "" if self.age_min is None else f"{self.age_min:g}"
            high = "" if self.age_max is None else f"{self.age_max:g}"
            lines.append(f"Age (years): {low}–{high}" if low and high else
                         f"Age (years): {'>= ' + low if low else '<= ' + high}")
        if self.co_mutations:
            lines.append(f"Co-mutations ({self.co_mutation_mode} of): "
                         f"{', '.join(self.co_mutations)}")
        lines += [f"{column}: {', '.join(wanted)}" for column, wanted in self.extra_levels]
        for column, low, high in self.extra_ranges:
            lines.append(f"{column}: {low:g}–{high:g}" if low is not None and high is not None
                         else f"{column}: >= {low:g}" if low is not None
                         else f"{column}: <= {high:g}")
        return lines

    # ---- application -----------------------------------------------------------------------
    def apply(self, cohort: pd.DataFrame) -> FilterResult:
        """Keep the patients that satisfy every active part.

        Parameters
        ----------
        cohort : pandas.DataFrame
            A validated cohort (:func:`core.cohort.read.validate_cohort`).

        Returns
        -------
        FilterResult
            The kept patients, and per filtered field how many patients were left out because
            that field is missing for them (an extra column under its own name).

        Raises
        ------
        CohortError
            An extra-column filter names a column the cohort does not have, or a range is set
            on a column that is not numeric.
        """
        keep = pd.Series(True, index=cohort.index)
        missing: list[tuple[str, int]] = []

        def restrict(name: str, matches: pd.Series, is_missing: pd.Series) -> None:
            nonlocal keep
            count = int((is_missing & keep).sum())
            if count:
                missing.append((name, count))
            keep &= matches & ~is_missing

        for name in CATEGORY_FIELDS:
            wanted = getattr(self, name)
            if wanted:
                column = cohort[name]
                restrict(name, column.isin(wanted), column.isna())
        if self.age_min is not None or self.age_max is not None:
            age = cohort["age"]
            inside = pd.Series(True, index=cohort.index)
            if self.age_min is not None:
                inside &= age >= self.age_min
            if self.age_max is not None:
                inside &= age <= self.age_max
            restrict("age", inside.fillna(False).astype(bool), age.isna())
        if self.co_mutations:
            wanted = set(self.co_mutations)
            genes = cohort["co_mutations"].map(split_list)
            test = (lambda g: wanted <= g) if self.co_mutation_mode == "all" else (
                lambda g: bool(wanted & g))
            restrict("co_mutations", genes.map(test).astype(bool), cohort["co_mutations"].isna())
        absent = [c for c, *_ in (*self.extra_levels, *self.extra_ranges)
                  if c not in cohort.columns]
        if absent:
            raise CohortError([f"The filter names column(s) {', '.join(map(repr, absent))} "
                               "that this cohort does not have; clear those filters (a filter "
                               "made on one uploaded file does not carry over to another)."])
        for column, wanted in self.extra_levels:
            values = cohort[column]
            restrict(column, values.astype(str).isin(wanted), values.isna())
        for column, low, high in self.extra_ranges:
            values = cohort[column]
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                raise CohortError([f"A range filter needs a numeric column, but {column!r} "
                                   f"holds {values.dtype} values; filter it by its levels "
                                   "instead."])
            inside = pd.Series(True, index=cohort.index)
            if low is not None:
                inside &= values >= low
            if high is not None:
                inside &= values <= high
            restrict(column, inside.fillna(False).astype(bool), values.isna())
        return FilterResult(cohort=cohort[keep].copy(), n_total=len(cohort),
                            missing=tuple(missing))


@dataclass(frozen=True)
class FilterResult:
    """The outcome of :meth:`CohortFilter.apply`.

    Attributes
    ----------
    cohort : pandas.DataFrame
        The patients kept.
    n_total : int
        Patients before filtering.
    missing : tuple of (str, int)
        Per filtered column, the number of patients left out because their value is missing.
    """

    cohort: pd.DataFrame
    n_total: int
    missing: tuple[tuple[str, int], ...] = field(default=())

    @property
    def n(self) -> int:
        """Patients kept."""
        return len(self.cohort)

    def notes(self) -> list[str]:
        """Readable sentences for every patient left out for a missing value."""
        return [f"{count} patient{'s' if count != 1 else ''} with no recorded "
                f"{LABELS.get(name, name)} {'are' if count != 1 else 'is'} left out by that "
                f"filter." for name, count in self.missing]


def filter_levels(cohort: pd.DataFrame) -> dict[str, list[str]]:
    """The values each filter field can take in this cohort, in display order.

    Fixed vocabularies (ELN risk, sex, ...) keep the schema's order and include levels with
    no patients; open ones (FAB class, fusion gene) list the observed values in natural order.
    ``co_mutations`` lists every gene seen.
    """
    levels: dict[str, list[str]] = {}
    for name in CATEGORY_FIELDS:
        allowed = BY_NAME[name].allowed
        levels[name] = list(allowed) if allowed else list(present_levels(cohort[name], name))
    genes: set[str] = set()
    for value in cohort["co_mutations"]:
        genes |= split_list(value)
    levels["co_mutations"] = sorted(genes)
    return levels


def extra_filter_levels(cohort: pd.DataFrame) -> dict[str, list[str]]:
    """The levels of each categorical extra column (:mod:`core.cohort.coding`'s order), in
    file order of the columns (see :func:`core.cohort.columns.extra_columns`)."""
    return {name: list(present_levels(cohort[name], name))
            for name in extra_columns(cohort).categorical}


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
