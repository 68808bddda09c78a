"""What each column of a loaded cohort can be used for: which have values, which extra columns
are groups and which are numbers.

Design: an uploaded cohort keeps the file's extra columns under their own names
(:func:`core.cohort.validate.validate_cohort` types them: numbers as ``float64``, anything else
as text). This module decides, in one pass per column, which of them a page may offer: a text
column with 2 to :data:`MAX_LEVELS` distinct values is a categorical filter/stratifier/
covariate; a numeric column with at least two distinct values is a numeric filter/covariate;
anything else (an identifier-like text column, a constant) is shown in tables only. Dates and
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

MAX_LEVELS = 12
"""A text column with more distinct values than this is not offered as a group."""


@dataclass(frozen=True)
class ExtraColumns:
    """The cohort's columns outside the schema, by the role a page may give them.

    Attributes
    ----------
    categorical : tuple of str
        Text columns with 2 to :data:`MAX_LEVELS` distinct values, in file order.
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
        distinct = values.dropna().nunique()
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if distinct >= 2:
                numeric.append(name)
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            if 2 <= distinct <= MAX_LEVELS:
                categorical.append(name)
    return ExtraColumns(tuple(categorical), tuple(numeric))


def has_values(cohort: pd.DataFrame, name: str) -> bool:
    """Whether ``cohort`` has column ``name`` with at least one recorded value."""
    return name in cohort.columns and bool(cohort[name].notna().any())
