"""When a group comparison is a small sample, and the one wording for it everywhere.

Design: the log-rank test (Survival page) and Gray's test (Competing risks page) are read off a
chi-square approximation that can mislead with few patients or few events. :func:`judge_sample`
decides once, from the counts, whether the sample is small and whether a permutation p can be
computed instead; :class:`SampleSize` then says in one sentence which p to read
(:meth:`SampleSize.advice`) and what its permutation column shows
(:meth:`SampleSize.permutation_status`). The page, the slide deck, the HTML report and the
projector read these sentences, so a one-patient group can never read "the chi-square
approximation is adequate" beside "read with great caution".

Conventions: small means fewer than :data:`SMALL_N` patients or a group with fewer than
:data:`SMALL_EVENTS` events; a permutation needs every group to have at least two patients and
at most ``max_n`` patients in all (its cost grows with patients x resamples).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

SMALL_N = 30
"""Below this many patients, or with a group of fewer than SMALL_EVENTS events, a test's
chi-square approximation is not trusted and a permutation p is shown."""
SMALL_EVENTS = 5
SMALL_RULE = (f"fewer than {SMALL_N} patients, or a group with fewer than {SMALL_EVENTS} "
              "events")


@dataclass(frozen=True)
class SampleSize:
    """Whether a group comparison is a small sample and whether it gets a permutation p.

    Attributes
    ----------
    small : bool
        Fewer than :data:`SMALL_N` patients, or a group with fewer than :data:`SMALL_EVENTS`
        events.
    permutation : bool
        Whether a permutation p is computed (small, every group >= 2 patients, not too many
        patients).
    reason : str
        Why a small sample gets no permutation p ("" otherwise), a clause such as "a group has
        a single patient, which cannot be permuted meaningfully".
    """

    small: bool
    permutation: bool
    reason: str = ""

    def advice(self, test: str = "log-rank") -> str:
        """One sentence: which p-value of ``test`` ("log-rank", "Gray's") to read.

        Examples
        --------
        >>> SampleSize(False, False).advice("Gray's")[-56:]
        "approximation of Gray's test is adequate; read Gray's p."
        """
        the = "" if test.endswith("'s") else "the "
        if not self.small:
            return (f"With this many patients and events the chi-square approximation of "
                    f"{the}{test} test is adequate; read {the}{test} p.")
        if self.permutation:
            return (f"Small sample ({SMALL_RULE}): the chi-square approximation can mislead, "
                    "so read the permutation p, which needs no large-sample assumption.")
        return (f"Small sample ({SMALL_RULE}): the chi-square approximation can mislead and "
                f"there is no permutation p ({self.reason}); read {the}{test} p with great "
                "caution.")

    def permutation_status(self) -> str:
        """What a table's permutation column says when it has no permutation p."""
        if not self.small:
            return "not needed (large sample)"
        return f"none: {self.reason}" if not self.permutation else ""


def judge_sample(patients: int, events_per_group: Iterable[int],
                 patients_per_group: Iterable[int], max_n: int) -> SampleSize:
    """Decide how to read a group comparison of ``patients`` patients.

    Parameters
    ----------
    patients : int
        Patients in the comparison.
    events_per_group, patients_per_group : iterable of int
        Events (of the cause tested) and patients in each group.
    max_n : int
        Above this many patients no permutation is run (too slow for an interactive page).

    Examples
    --------
    >>> judge_sample(19, [3, 1], [15, 4], max_n=1000)
    SampleSize(small=True, permutation=True, reason='')
    >>> judge_sample(19, [3, 0], [18, 1], max_n=1000).reason
    'a group has a single patient, which cannot be permuted meaningfully'
    """
    events, sizes = list(events_per_group), list(patients_per_group)
    small = patients < SMALL_N or min(events, default=0) < SMALL_EVENTS
    if not small:
        return SampleSize(False, False)
    if patients > max_n:
        return SampleSize(True, False, f"too slow to compute for more than {max_n:,} patients "
                                       "on an interactive page")
    if min(sizes, default=0) < 2:
        return SampleSize(True, False, "a group has a single patient, which cannot be "
                                       "permuted meaningfully")
    return SampleSize(True, True)


def verdict(p: float, sample: SampleSize | None, smallest: int) -> str:
    """A group comparison's result in words, never stronger than the p read: "a difference
    unlikely to be chance alone" below 0.05, else "not conclusive" (naming the smallest group
    when the sample is small); "read with great caution" whatever ``p`` when a small sample
    has no permutation p.

    Examples
    --------
    >>> verdict(0.33, SampleSize(True, True), 4)
    'not conclusive with 4 patients in the smallest group'
    >>> verdict(0.004, SampleSize(True, False, "a group has a single patient"), 1)
    'read with great caution, 1 patient in the smallest group'
    """
    group = f"{smallest} patient{'s' if smallest != 1 else ''} in the smallest group"
    small = sample is not None and sample.small
    if small and not sample.permutation:
        return f"read with great caution, {group}"
    if p < 0.05:
        return "a difference unlikely to be chance alone"
    return f"not conclusive with {group}" if small else "not conclusive"


def events_verdict(p: float, events: int, noun: str, *, few: bool) -> str:
    """An effect estimate's result in words (a hazard ratio, an interaction), never stronger
    than its p and the events behind it, in the words of :func:`verdict`: "a difference
    unlikely to be chance alone" below 0.05, else "not conclusive"; with few events (``few``:
    the model's own rule, e.g. fewer than 10 events per coefficient) the events are named,
    "not conclusive with 5 relapses", and a p below 0.05 reads "read with great caution, only
    5 relapses"; "not estimable" without a finite p.

    Parameters
    ----------
    p : float
        The p-value read (Wald, score or likelihood-ratio).
    events : int
        Events behind the estimate.
    noun : str
        The events in the plural ("relapses", "deaths").
    few : bool
        Whether the events are too few for a firm answer.

    Examples
    --------
    >>> events_verdict(0.27, 5, "relapses", few=True)
    'not conclusive with 5 relapses'
    >>> events_verdict(0.003, 5, "relapses", few=True)
    'read with great caution, only 5 relapses'
    >>> events_verdict(0.003, 120, "deaths", few=False)
    'a difference unlikely to be chance alone'
    """
    if not math.isfinite(p):
        return "not estimable"
    count = f"{events} {noun}"
    if few:
        return f"read with great caution, only {count}" if p < 0.05 else \
            f"not conclusive with {count}"
    return "a difference unlikely to be chance alone" if p < 0.05 else "not conclusive"
