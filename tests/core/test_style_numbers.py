"""core.style.numbers.ratio_cells: the two cells every hazard-ratio table prints."""

from __future__ import annotations

import math

from core.style.numbers import NOT_ESTIMABLE, REFERENCE_CELL, ratio_cells


def test_reference_missing_and_estimated_ratios():
    assert ratio_cells(1.0, math.nan, math.nan, math.nan, reference=True) == (REFERENCE_CELL,
                                                                               "")
    assert ratio_cells(math.nan, 0.1, 9.0, 0.5) == (NOT_ESTIMABLE, "")  # never a number
    assert ratio_cells(2.4, 0.31, 26.04, 0.4161) == ("2.40 (0.310–26.0)", "0.416")
    assert ratio_cells(2.4, 0.31, 26.04, 0.0004) == ("2.40 (0.310–26.0)", "< 0.001")
    assert ratio_cells(2.4, 0.31, 26.04, 0.4, fmt=lambda v: f"{v:.2f}") == (
        "2.40 (0.31–26.04)", "0.400")
