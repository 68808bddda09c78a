"""How a covariate column becomes model terms: numeric as it is (or per ``scale`` units),
categorical dummy-coded against a reference level by the one coder of categories
(:mod:`core.cohort.coding`: the Categorical's order, else the schema's, else numeric or natural
order, so "2" comes before "10"), terms named ``"column[level]"`` as R prints them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.cohort.coding import Coding, code_levels
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
        return Coding(self.column, self.levels, self.reference, self.terms).indicators(values)


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
    coding = code_levels(values, column, reference)  # the one coder: one level order
    return Encoding(column, "categorical", coding.terms, levels=coding.levels,
                    reference=coding.reference)
