"""Numbers as clinicians read them: percentages with intervals, medians, p-values, ratios.

Every page, table and export formats through these functions, so a p-value reads the same
everywhere ('< 0.001', never 'p = < 0.001'; '–' when not computable) and so does a hazard
ratio (three significant digits, trailing zeros kept: '2.40 (0.310–26.0)').
"""

from __future__ import annotations

import math

import numpy as np


def format_percent_ci(value: float, lower: float, upper: float) -> str:
    """'87.9% (59.4-96.9)'; '100%' with no interval where none is defined."""
    if np.isnan(value):
        return "–"
    if np.isnan(lower) or np.isnan(upper) or (lower == upper == value):
        return f"{100 * value:.1f}%"
    return f"{100 * value:.1f}% ({100 * lower:.1f}–{100 * upper:.1f})"


def format_median(median: float, lower: float, upper: float) -> str:
    """'16.0 (1.0–NR)' in months; 'not reached' when the curve never falls to 50%."""
    if np.isnan(median):
        text = "not reached"
    else:
        text = f"{median:.1f}"
    if np.isnan(lower) and np.isnan(upper):
        return text
    show = [("NR" if np.isnan(v) else f"{v:.1f}") for v in (lower, upper)]
    return f"{text} ({show[0]}–{show[1]})"


def p_phrase(p: float) -> str:
    """'p = 0.269', 'p < 0.001' (never 'p = < 0.001'), 'p not computable' for NaN."""
    text = format_p(p)
    if text == "–":
        return "p not computable"
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def format_p(p: float) -> str:
    """p-value as clinicians read it: three significant digits, '< 0.001' below."""
    if p is None or np.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def format_hr(value: float | None) -> str:
    """A hazard (or subdistribution hazard) ratio with three significant digits, trailing
    zeros kept so that an estimate and its limits read alike ('2.40 (0.310–26.0)');
    '∞' and '0' for diverging ones (beyond 1e6 or below 1e-6), '> 1000' and '< 0.001' in
    between, '–' when missing.

    Examples
    --------
    >>> [format_hr(v) for v in (2.4, 0.31, 26.04, 1.0, 123.4, 0.0164, float("inf"))]
    ['2.40', '0.310', '26.0', '1.00', '123', '0.0164', '∞']
    """
    if value is None or math.isnan(value):
        return "–"
    if value > 1e6:
        return "∞"
    if value < 1e-6:
        return "0"
    if value > 1000:
        return "> 1000"
    if value < 0.001:
        return "< 0.001"
    return f"{value:#.3g}".rstrip(".")


REFERENCE_CELL = "1 (reference)"
NOT_ESTIMABLE = "not estimable"


def ratio_cells(ratio: float, lower: float, upper: float, p: float, reference: bool = False,
                fmt=format_hr) -> tuple[str, str]:
    """A hazard ratio's two table cells, "HR (95% CI)" and "p", as every effect table prints
    them: ``("1 (reference)", "")`` for the reference level, ``("not estimable", "")`` where
    the ratio is missing (NaN: the data cannot give it), else ``("2.40 (0.310–26.0)", p)``
    with ``fmt`` for the numbers (:func:`format_hr` by default)."""
    if reference:
        return REFERENCE_CELL, ""
    if ratio is None or math.isnan(ratio):
        return NOT_ESTIMABLE, ""
    return f"{fmt(ratio)} ({fmt(lower)}–{fmt(upper)})", format_p(p)
