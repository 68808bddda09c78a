"""Does the conclusion survive another test? The sentences that go with the weighted,
stratified and pairwise log-rank tests, so every page and deliverable says the same thing.

Pure text from results (:class:`core.survival.km.logrank.LogRankResult`,
:class:`core.survival.km.pairwise.PairwiseLogRank`); the statistics are computed elsewhere.
"""

from __future__ import annotations

from core.cohort.schema import LABELS
from core.style.numbers import p_phrase
from core.survival.km.logrank import LogRankResult
from core.survival.km.pairwise import PairwiseLogRank

RHO_CHOICES = (1.0, 0.5)
"""The Fleming-Harrington weights the Survival page offers (1: Peto-Peto), and the
deliverables accept."""
WEIGHTED_WHY = ("The log-rank test weights every event time alike; the Fleming-Harrington "
                "test with rho = 1 (Peto-Peto) weights early events more, rho = 0.5 in "
                "between: use it when the curves cross or separate early and come together "
                "later, where the log-rank test loses power.")
STRATIFIED_WHY = ("The stratified test compares the groups within each level of the stratum "
                  "(e.g. centre or risk group) and adds the differences up, so an imbalance of "
                  "that factor between the groups cannot create the difference.")
ENTRY_TESTS_WHY = (
    "With delayed entry each test is the score test of the Breslow Cox model with Surv(entry, "
    "time, event) (stratified: + strata(s); pairwise: on each pair's rows), R "
    "summary(coxph(...))$sctest, so a patient counts only from entry. No weighted "
    "(Fleming-Harrington) test is offered: the Cox score test has no such weights.")
PAIRWISE_WHY = ("Pairwise tests say which groups differ; with more than two groups the "
                "p-values are adjusted for the number of pairs (Holm controls the chance of any "
                "false positive, Benjamini-Hochberg the share of false positives).")


def _test(result: LogRankResult) -> str:
    name = "log-rank" if result.rho == 0 else f"Fleming-Harrington (rho = {result.rho:g})"
    name += " (Cox score test, delayed entry)" if result.delayed_entry else ""
    return (f"{name} chi-square {result.statistic:.2f}, {result.dof} df, "
            f"{p_phrase(result.p_value)}")


def agreement(plain: LogRankResult, other: LogRankResult, alpha: float = 0.05) -> str:
    """Whether ``other`` (weighted or stratified) reaches the same conclusion at ``alpha``."""
    same = (plain.p_value < alpha) == (other.p_value < alpha)
    if same:
        return ("Same conclusion as the plain log-rank test "
                f"({'both' if plain.p_value < alpha else 'neither'} below {alpha:g}).")
    return (f"A different conclusion from the plain log-rank test ({p_phrase(plain.p_value)}): "
            "read the curves before reading either p.")


def weighted_sentence(plain: LogRankResult, weighted: LogRankResult) -> str:
    """One sentence for a weighted test next to the plain one."""
    return f"Weighted test: {_test(weighted)}. {agreement(plain, weighted)}"


def stratified_sentence(plain: LogRankResult, stratified: LogRankResult) -> str:
    """One sentence for a stratified test next to the plain one."""
    stratum = LABELS.get(stratified.strata, stratified.strata)
    return (f"Stratified by {stratum} ({stratified.n_strata} strata): {_test(stratified)}. "
            f"{agreement(plain, stratified)}")


def pairwise_sentence(pairwise: PairwiseLogRank, alpha: float = 0.05) -> str:
    """Which pairs differ after adjustment, in one sentence."""
    table = pairwise.table
    differ = table[table["p_adjusted"] < alpha]
    if differ.empty:
        return (f"No pair of groups differs at {alpha:g} after adjustment "
                f"({pairwise.describe()})")
    pairs = "; ".join(f"{r.group1} vs {r.group2} ({p_phrase(r.p_adjusted)} adjusted)"
                      for r in differ.itertuples())
    return f"Pairs that differ at {alpha:g} after adjustment: {pairs}. {pairwise.describe()}"
