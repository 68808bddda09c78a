"""The cut-point finder's result in one plain line, shown first when its tab is open.

Design: the Subgroups page opens each tab with its answer (issue 24, "the answer first").
For the cut-point search that answer must not oversell a data-driven cut: it gives the cut
and the patients on each side, reads the p-value corrected for searching every cut (the
permutation p: the null distribution of the maximum itself, with Lausen-Schumacher's
approximation beside it), never the naive p of the chosen cut, and ends with the
validation caveat. The verdict is :func:`core.survival.small_sample.events_verdict`'s, the
one wording for results resting on few events; few means the Survival page's small-sample
rule (:data:`~core.survival.small_sample.SMALL_N` patients, or a side with fewer than
:data:`~core.survival.small_sample.SMALL_EVENTS` events). Formatting only: nothing is
computed here.
"""

from __future__ import annotations

from core.style.numbers import format_p
from core.survival.cutpoint.maxstat import CutpointResult
from core.survival.km.logrank import PermutationResult
from core.survival.small_sample import SMALL_EVENTS, SMALL_N, events_verdict


def cutpoint_answer(result: CutpointResult, permutation: PermutationResult, marker: str,
                    noun: str) -> str:
    """The cut-point search in one line.

    Parameters
    ----------
    result : CutpointResult
        :func:`core.survival.cutpoint.maxstat.max_logrank`'s search.
    permutation : PermutationResult
        :func:`core.survival.cutpoint.maxstat.permutation_max_logrank` of the same search.
    marker : str
        The marker's readable name ("Age (years)").
    noun : str
        The endpoint's events in the plural ("relapses", "deaths").

    Examples
    --------
    "Age (years): the cut that best separates relapses in these data is ≤ 69 (15 vs 4
    patients); corrected for searching 14 cuts, permutation p 0.172 (Lausen-Schumacher
    0.368): not conclusive with 6 relapses. A cut found in these data needs validation in
    another cohort."
    """
    chosen = result.curve[result.curve["cut"] == result.cutpoint].iloc[0]
    below, above = int(chosen["n_below"]), int(chosen["n_above"])
    few = (result.n < SMALL_N
           or min(int(chosen["events_below"]), int(chosen["events_above"])) < SMALL_EVENTS)
    lausen = "≥ 1" if result.p_value >= 1 else format_p(result.p_value)
    verdict = events_verdict(permutation.p_value, result.events, noun, few=few)
    cuts = len(result.curve)
    return (f"{marker}: the cut that best separates {noun} in these data is "
            f"≤ {result.cutpoint:g} ({below} vs {above} patients); corrected for searching "
            f"{cuts} cut{'s' if cuts != 1 else ''}, permutation p "
            f"{format_p(permutation.p_value)} (Lausen-Schumacher {lausen}): {verdict}. "
            "A cut found in these data needs validation in another cohort.")
