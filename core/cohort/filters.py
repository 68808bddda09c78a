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

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from core.cohort.coding import present_levels
from core.cohort.columns import extra_columns
from core.cohort.read import split_list
from core.cohort.schema import ALIVE_OR_LOST, BY_NAME, LABELS
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
    if (cohort["outcome"] == ALIVE_OR_LOST).any():  # built from dates: alive, lost not told
        levels["outcome"] = ["dead", ALIVE_OR_LOST]
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
