"""The cut-point finder's answer line (core/survival/cutpoint/answer.py). Formatting only:
every number below is put in by hand and read back, cases worked by hand."""

from __future__ import annotations

import pandas as pd

from core.survival.cutpoint.answer import cutpoint_answer
from core.survival.cutpoint.maxstat import CURVE_COLUMNS, CutpointResult
from core.survival.km.logrank import PermutationResult


def search(n: int, events: tuple[int, int], p_value: float) -> CutpointResult:
    """A search of two candidate cuts, the second (50) chosen: 40 patients below it."""
    curve = pd.DataFrame([[30.0, 20, n - 20, 2, 3, 1.1],
                          [50.0, 40, n - 40, events[0], events[1], 2.9]], columns=CURVE_COLUMNS)
    return CutpointResult(cutpoint=50.0, statistic=2.9, p_value=p_value, exact_gauss_p=None,
                          minprop=0.1, maxprop=0.9, curve=curve, marker="wbc", n=n,
                          events=sum(events))


def permutation(p: float) -> PermutationResult:
    return PermutationResult(p_value=p, exact=False, n_resamples=2000, mc_standard_error=0.0,
                             seed=1)


def test_a_large_search_reads_its_corrected_p_without_naming_events():
    assert cutpoint_answer(search(100, (20, 15), 0.03), permutation(0.012), "WBC", "deaths") \
        == ("WBC: the cut that best separates deaths in these data is ≤ 50 (40 vs 60 "
            "patients); corrected for searching 2 cuts, permutation p 0.012 "
            "(Lausen-Schumacher 0.030): a difference unlikely to be chance alone. A cut found "
            "in these data needs validation in another cohort.")


def test_few_events_on_one_side_temper_a_small_p():
    """4 events below the cut (fewer than SMALL_EVENTS = 5): a p below 0.05 reads "read with
    great caution", naming the 12 events; Lausen-Schumacher's bound above 1 reads "≥ 1"."""
    line = cutpoint_answer(search(100, (4, 8), 1.4), permutation(0.004), "WBC", "relapses")
    assert "permutation p 0.004 (Lausen-Schumacher ≥ 1): read with great caution, only 12 " \
           "relapses. A cut found" in line
