"""One coder of categories: the order of a column's levels and its indicator columns.

Every place that turns a categorical column into groups or model terms (Kaplan-Meier group
order, Cox and counts-based Cox terms, Fine-Gray and cause-specific models, subgroup forests,
cut-point splits, the sidebar's levels, exports and the "Reproduce this" scripts) asks this
module, so one column has one level order everywhere and "2" always comes before "10".

Conventions (R's ``factor``):

- A level is the value as text, as R's ``factor`` prints it: a whole float without its
  decimal part (``1.0`` is level ``"1"``), other floats by ``repr``, text as written (``"007"``
  stays ``"007"``; a text ``"nan"`` is a level, a missing value is not).
- Level order: a pandas Categorical's categories in their order (R's factor levels), else the
  schema's order of a known column (:data:`core.cohort.schema.BY_NAME`, e.g. ELN risk
  favorable < intermediate < adverse), else numeric order when every level is a number, else
  natural order (runs of digits compared as numbers: ``"S2"`` before ``"S10"``).
  Levels outside the Categorical's or schema's vocabulary follow in natural order.
- Indicator (treatment) coding against a reference level: one 0/1 column per other level, in
  level order; a missing value gives a row of NaN (never silently a row of the reference).

References
----------
R Core Team. ``factor`` and ``contr.treatment``, R base and stats documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.columns import MAX_LEVELS, too_many_levels
from core.cohort.schema import BY_NAME
from core.errors import AnalysisError

__all__ = ["Coding", "categories_of", "code_levels", "level_labels", "natural_key",
           "order_levels", "present_levels"]


def level_labels(values: pd.Series | np.ndarray) -> np.ndarray:
    """Each value as its level's text (object array, ``None`` where missing).

    Parameters
    ----------
    values : pandas.Series or numpy.ndarray
        One cell per row; any dtype. A pandas Categorical is labelled through its categories.

    Returns
    -------
    numpy.ndarray of object, shape (n,)
        The level text of each row (``"1"`` for ``1.0``), ``None`` for a missing value.
    """
    codes, text = _coded_labels(values)
    out = np.full(codes.size, None, dtype=object)
    if text.size:
        out[codes >= 0] = text[codes[codes >= 0]]
    return out


def _coded_labels(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code (-1 where missing) into an object array of level texts, one per
    distinct value (two values may share a text: ``1`` and ``1.0``). One hash of the column:
    :func:`level_labels` spreads the texts, :meth:`Coding.indicators` and
    :func:`present_levels` read the codes (no per-row str() on a registry's million rows)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        labels = level_labels(pd.Series(series.cat.categories))
        codes = series.cat.codes.to_numpy()
        return codes, labels
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.array([_label(u) for u in uniques], dtype=object)


def _occurring(codes: np.ndarray, text: np.ndarray) -> np.ndarray:
    """The texts of :func:`_coded_labels` that some row has (a Categorical's unused
    categories are no level), in code order."""
    if not text.size:
        return text
    return text[np.bincount(codes[codes >= 0], minlength=text.size) > 0]


def _label(value: object) -> str:
    if isinstance(value, float | np.floating) and not isinstance(value, bool):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def natural_key(text: str) -> tuple:
    """Sort key that compares runs of digits as numbers: ``"S2"`` < ``"S10"``, ``"2"`` < ``"10"``.

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple
        Alternating text and integer parts (text first), then the text itself to break ties
        between spellings of one number (``"02"`` and ``"2"``).
    """
    parts = re.split(r"(\d+)", str(text))
    return (tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), str(text))


def order_levels(present: Iterable[str], column: str | None = None,
                 categories: Iterable[str] | None = None) -> tuple[str, ...]:
    """The display and coding order of a set of level texts.

    Parameters
    ----------
    present : iterable of str
        The distinct levels to order (as :func:`level_labels` writes them).
    column : str, optional
        Column name; a column of the schema with a fixed vocabulary orders its levels by it.
    categories : iterable of str, optional
        A pandas Categorical's category texts in order (R's factor levels); these win over the
        schema.

    Returns
    -------
    tuple of str
        ``present`` in order: the vocabulary's levels first in its order, then the rest in
        numeric order when all are numbers, else natural order.
    """
    present = set(present)
    vocabulary = list(categories) if categories is not None else (
        list(BY_NAME[column].allowed or ()) if column in BY_NAME else [])
    known = [level for level in dict.fromkeys(vocabulary) if level in present]
    rest = present - set(known)
    numbers = _numbers(rest)
    if numbers is not None:  # numeric order ("2" before "10", "-1" before "2"), as R's factor
        ordered = sorted(rest, key=lambda v: (numbers[v], v))
    else:
        ordered = sorted(rest, key=natural_key)
    return (*known, *ordered)


def _numbers(levels: set[str]) -> dict[str, float] | None:
    """Each level's number when every level is a finite number, else None."""
    out = {}
    for level in levels:
        try:
            number = float(level)
        except ValueError:
            return None
        if not np.isfinite(number):
            return None
        out[level] = number
    return out


def present_levels(values: pd.Series, column: str | None = None) -> tuple[str, ...]:
    """Levels of ``values`` that occur (missing values are no level), in :func:`order_levels`.

    Parameters
    ----------
    values : pandas.Series
        One cell per row.
    column : str, optional
        The column's name, for the schema's order; defaults to ``values.name``.

    Returns
    -------
    tuple of str
    """
    name = column if column is not None else values.name
    present = set(_occurring(*_coded_labels(values)))
    return order_levels(present, name if isinstance(name, str) else None,
                        categories_of(values))


def categories_of(values: pd.Series) -> tuple[str, ...] | None:
    """The level texts of a pandas Categorical's categories, in their order (R's factor
    levels), or None when ``values`` is not categorical."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    return tuple(level_labels(pd.Series(values.cat.categories)))


@dataclass(frozen=True)
class Coding:
    """How one categorical column becomes indicator (treatment-coded) columns.

    Attributes
    ----------
    column : str
        The column's name.
    levels : tuple of str
        Every level present, reference first, then the others in :func:`order_levels`.
    reference : str
        The reference level (``levels[0]``).
    terms : tuple of str
        One term name per non-reference level, ``"column[level]"``, in ``levels[1:]`` order.
    """

    column: str
    levels: tuple[str, ...]
    reference: str
    terms: tuple[str, ...]

    def indicators(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Indicator columns of ``values``, shape (n, len(terms)), float.

        Row i, column j is 1.0 when value i is level ``levels[j + 1]``, else 0.0 (the
        reference's row is all zeros); a missing value gives a row of NaN, never silently the
        reference's row.

        Raises
        ------
        AnalysisError
            When a value is not one of :attr:`levels` (the coding was made on other rows).
        """
        codes, text = _coded_labels(values)  # missing: code -1
        unknown = [u for u in dict.fromkeys(_occurring(codes, text)) if u not in self.levels]
        if unknown:
            shown = ", ".join(repr(u) for u in sorted(unknown, key=natural_key)[:5])
            raise AnalysisError(
                f"Column `{self.column}` has values ({shown}) that are not among the levels "
                f"{list(self.levels)} it was coded with. Fix: code the column again from "
                "these rows.")
        where = {level: i - 1 for i, level in enumerate(self.levels)}
        position = np.array([where.get(u, -1) for u in text], dtype=np.int64)
        out = np.zeros((codes.size, len(self.terms)), dtype=float)
        if position.size:
            column = position[np.maximum(codes, 0)]
            rows = np.flatnonzero((codes >= 0) & (column >= 0))
            out[rows, column[rows]] = 1.0
        out[codes < 0] = np.nan
        return out


def code_levels(values: pd.Series, column: str | None = None,
                reference: str | None = None) -> Coding:
    """Treatment coding of a categorical column, as R ``factor`` + ``contr.treatment``.

    Parameters
    ----------
    values : pandas.Series
        One cell per row; missing values are ignored when finding the levels.
    column : str, optional
        The column's name (term names, schema order, messages); defaults to ``values.name``.
    reference : str, optional
        The reference level; defaults to the first level in :func:`order_levels`.

    Returns
    -------
    Coding
        The levels (reference first), the reference and the term names; its
        :meth:`Coding.indicators` builds the design columns.

    Raises
    ------
    AnalysisError
        When fewer than two levels occur (nothing to compare), more than
        :data:`core.cohort.columns.MAX_LEVELS` (the one group cap), or ``reference`` does not
        occur.

    Examples
    --------
    >>> coding = code_levels(pd.Series(["10", "2", "2", None]), "dose")
    >>> coding.levels, coding.terms
    (('2', '10'), ('dose[10]',))
    >>> coding.indicators(pd.Series(["10", "2", None]))[:, 0].tolist()
    [1.0, 0.0, nan]
    """
    name = column if column is not None else str(values.name)
    levels = present_levels(values, name)
    if len(levels) < 2:
        shown = repr(levels[0]) if levels else "no value"
        raise AnalysisError(
            f"Covariate `{name}` is constant ({shown} for every patient in the model): its "
            "hazard ratio cannot be estimated. Remove it or widen the filters.")
    if len(levels) > MAX_LEVELS:  # the one group cap, before any indicator column is built
        raise too_many_levels(name, len(levels))
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise AnalysisError(f"Reference level {reference!r} of `{name}` is not among its "
                            f"levels in the model's patients: {list(levels)}.")
    ordered = (reference, *(v for v in levels if v != reference))
    return Coding(name, ordered, reference, tuple(f"{name}[{v}]" for v in ordered[1:]))
