"""What each column of a loaded cohort can be used for: which have values, which extra columns
are groups and which are numbers.

Design: an uploaded cohort keeps the file's extra columns under their own names
(:func:`core.cohort.validate.validate_cohort` types them: numbers as ``float64``, anything else
as text). This module decides, in one pass per column, which of them a page may offer: a text
column with 2 to :data:`MAX_LEVELS` distinct values is a categorical filter/stratifier/
covariate unless every recorded value differs (an identifier: a hospital number, a name); a
numeric column with at least two distinct values is a numeric filter/covariate; anything else
(an identifier-like text column, a constant) is shown in tables only. Dates and
the times derived from them (:data:`core.cohort.schema.DERIVED_FROM_DATES`) are endpoint
ingredients, never groups or covariates. Schema
columns a cohort leaves empty are not offered at all (a cohort without an MRD column has no MRD
filter or grouping). Linear in the rows (``nunique`` hashes once per column).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import BY_NAME, DATE_FIELDS, DERIVED_FROM_DATES
from core.errors import AnalysisError

MAX_LEVELS = 20
"""At most this many groups: of a stratifier, of a categorical covariate's levels, of an extra
text column offered as a group (a figure or table with more cannot be read)."""


@dataclass(frozen=True)
class ExtraColumns:
    """The cohort's columns outside the schema, by the role a page may give them.

    Attributes
    ----------
    categorical : tuple of str
        Text columns with 2 to :data:`MAX_LEVELS` distinct values, some shared by several
        patients, in file order.
    numeric : tuple of str
        Numeric columns with at least two distinct values, in file order.
    """

    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()


def extra_columns(cohort: pd.DataFrame) -> ExtraColumns:
    """Classify the columns of ``cohort`` that are not schema columns (see module docstring)."""
    categorical, numeric = [], []
    for name in cohort.columns:
        if name in BY_NAME or name in DATE_FIELDS or name in DERIVED_FROM_DATES \
                or name == CUSTOM_GROUP_COLUMN:
            continue
        values = cohort[name]
        recorded = values.dropna()
        distinct = recorded.nunique()
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if distinct >= 2:
                numeric.append(name)
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            if 2 <= distinct <= MAX_LEVELS and distinct < len(recorded):  # not an identifier
                categorical.append(name)
    return ExtraColumns(tuple(categorical), tuple(numeric))


def has_values(cohort: pd.DataFrame, name: str) -> bool:
    """Whether ``cohort`` has column ``name`` with at least one recorded value."""
    return name in cohort.columns and bool(cohort[name].notna().any())


def check_levels(values: pd.Series, column: str) -> None:
    """The gatekeeper of the group cap: refuse a column with more than :data:`MAX_LEVELS`
    distinct values (missing values are not a group). One hash pass over the rows.

    Raises
    ------
    core.errors.AnalysisError
        Naming the column, its number of values and the fix.
    """
    count = int(pd.Series(values).nunique(dropna=True))
    if count > MAX_LEVELS:
        raise too_many_levels(column, count)


def too_many_levels(column: str, count: int) -> AnalysisError:
    """The refusal of a column with ``count`` (> :data:`MAX_LEVELS`) distinct values."""
    return AnalysisError(f"Column `{column}` has {count:,} different values; at most "
                         f"{MAX_LEVELS} groups (or levels of a covariate) are compared. Fix: "
                         "combine its values into fewer groups (custom groups on the "
                         "Subgroups page), or choose another column.")


def check_covariate_levels(df: pd.DataFrame, covariates) -> None:
    """:func:`check_levels` on every categorical (non-numeric) covariate of a model: the
    gatekeeper a model's design calls before it expands levels into indicator columns."""
    for column in covariates:
        values = df[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            check_levels(values, column)
