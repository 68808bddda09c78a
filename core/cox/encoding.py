"""How a covariate column becomes model terms: numeric as it is (or per ``scale`` units),
categorical dummy-coded against a reference level (the Categorical's order, else the schema's,
else sorted), terms named ``"column[level]"`` as R prints them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.cohort.schema import BY_NAME
from core.errors import AnalysisError


@dataclass(frozen=True)
class Encoding:
    """How one covariate column becomes one or more model terms.

    Parameters
    ----------
    column : str
        Covariate column of the cohort.
    kind : {"numeric", "categorical"}
        Numeric columns enter as they are (divided by ``scale``); categorical columns are
        dummy-coded against ``reference``.
    terms : tuple of str
        Term names, in design-matrix order.
    scale : float
        Divisor of a numeric column (1 when unscaled).
    levels : tuple of str
        Levels of a categorical column, reference first, then one per term.
    reference : str or None
        Reference level of a categorical column.
    """

    column: str
    kind: Literal["numeric", "categorical"]
    terms: tuple[str, ...]
    scale: float = 1.0
    levels: tuple[str, ...] = ()
    reference: str | None = None

    def encode(self, values: pd.Series) -> np.ndarray:
        """Design-matrix columns, shape (n, len(terms)), for the values of this column."""
        if self.kind == "numeric":
            return (pd.to_numeric(values).to_numpy(dtype=float) / self.scale)[:, None]
        # compare the distinct values as text, then spread by code: no per-row str() (a
        # registry's million rows)
        codes, uniques = pd.factorize(values)
        text = np.array([str(u) for u in uniques], dtype=object)
        return np.column_stack([(text[codes] == level).astype(float) if len(text) else
                                np.zeros(len(codes)) for level in self.levels[1:]])


def covariate_encoding(values: pd.Series, column: str, reference: str | None,
              scale: float | None) -> Encoding:
    """Decide how a covariate column enters the model (see :class:`Encoding`)."""
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        if reference is not None:
            raise AnalysisError(f"reference is given for `{column}`, which is numeric; "
                                "references apply to categorical covariates only.")
        if values.nunique() < 2:
            raise AnalysisError(
                f"Covariate `{column}` is constant ({values.iloc[0]} for every patient in "
                "the model): its hazard ratio cannot be estimated. Remove it or widen the "
                "filters.")
        if scale is None:
            return Encoding(column, "numeric", (column,))
        if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
            raise AnalysisError(f"scale for `{column}` must be a positive number, not {scale!r}.")
        unit = BY_NAME[column].unit if column in BY_NAME else None
        term = f"{column} (per {scale:g}{' ' + unit if unit else ''})"
        return Encoding(column, "numeric", (term,), scale=float(scale))
    if scale is not None:
        raise AnalysisError(f"scale is given for `{column}`, which is categorical; scales "
                            "apply to numeric covariates only.")
    present = {str(v) for v in values.unique()}
    allowed = BY_NAME[column].allowed if column in BY_NAME else None
    if isinstance(values.dtype, pd.CategoricalDtype):
        # A pandas Categorical is R's factor: its category order is the level order, the
        # first present level the reference (as coxph takes it).
        levels = [str(c) for c in values.cat.categories if str(c) in present]
    elif allowed:
        levels = [v for v in allowed if v in present] + sorted(present - set(allowed))
    else:
        levels = sorted(present)
    if len(levels) < 2:
        raise AnalysisError(
            f"Covariate `{column}` is constant ({levels[0]!r} for every patient in the model): "
            "its hazard ratio cannot be estimated. Remove it or widen the filters.")
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise AnalysisError(f"Reference level {reference!r} of `{column}` is not among its "
                            f"levels in the model's patients: {levels}.")
    levels = [reference, *(v for v in levels if v != reference)]
    return Encoding(column, "categorical", tuple(f"{column}[{v}]" for v in levels[1:]),
                    levels=tuple(levels), reference=reference)
