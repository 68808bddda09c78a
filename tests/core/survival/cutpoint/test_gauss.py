"""The exact Gaussian p computed only near the origin equals the whole grid's to the last bit.

:func:`core.survival.cutpoint.gauss.exact_gauss_p` skips the nodes beyond +-REACH, whose
densities are exactly 0 in float64; ``reach=math.inf`` is the whole grid (the recursion as it
was before, whose values are checked against R's maxstat in ``test_cutpoint.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.survival.cutpoint.gauss import exact_gauss_p


def _cases():
    """Seeded cuts of 10^3-10^6 patients (3 to 8 cuts, transitions of sd 0.05 to 0.9) and
    statistics either side of REACH, up to a 10^5-patient registry sample's 216; only grids
    within a test's budget (10 of them, about 0.5 CPU-s in all)."""
    rng = np.random.default_rng(24)
    cases = []
    while len(cases) < 10:
        n = int(rng.integers(1_000, 1_000_000))
        m = np.unique(rng.integers(n // 10, 9 * n // 10, int(rng.integers(3, 9)))).astype(float)
        b = float(rng.choice([rng.uniform(20, 45), rng.uniform(45, 220)]))
        s = m / (n - m)
        panel = min(1.0, 2 * float(np.sqrt(1 - s[:-1] / s[1:]).min()))
        if m.size * (math.ceil(2 * b / panel) * 8) ** 2 <= 8_000_000:
            cases.append((b, m, n))
    return cases


@pytest.mark.parametrize("case", _cases())
def test_near_the_origin_is_the_whole_grid_to_the_last_bit(case):
    b, m, n = case
    whole = exact_gauss_p(b, m, n, reach=math.inf, work_limit=8_000_000)
    near = exact_gauss_p(b, m, n, work_limit=8_000_000)
    assert near == whole  # fails with reach=8 (checked): the skipped nodes must be exact 0


def test_a_reach_inside_the_mass_changes_the_value():
    """The comparison above can fail: nodes that carry density change the last bits."""
    m, n = np.array([1000.0, 1400.0, 3000.0]), 10_000
    assert exact_gauss_p(44.0, m, n, reach=8) != exact_gauss_p(44.0, m, n, reach=math.inf)
