"""Which pairs of groups differ: the log-rank test of every pair, with a multiplicity adjustment.

Design: as R survminer's ``pairwise_survdiff``: for each pair of groups, ``survdiff`` on the
patients of those two groups only (the pooled Kaplan-Meier of a weighted test is that pair's),
p from the chi-square with 1 degree of freedom, then R's ``p.adjust`` over all pairs (Holm by
default here, as gtsummary; survminer's own default is Benjamini-Hochberg). The risk tables are
built once for all groups (:mod:`core.survival.km.risktables`); a pair is two of their rows, so
an engine source costs one count query.

References
----------
Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.
Benjamini Y, Hochberg Y. Controlling the false discovery rate. J R Stat Soc B 1995;57:289-300.
Kassambara A et al. survminer: ``pairwise_survdiff``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import chi2

from core.errors import AnalysisError
from core.survival.input import Exclusion
from core.survival.km.logrank import _checked_rho, _chi_square, _compare, _present
from core.survival.km.risktables import fleming_harrington_weights, risk_tables

ADJUSTMENTS = {"holm": "Holm", "BH": "Benjamini-Hochberg", "none": "no adjustment"}
PAIRWISE_COLUMNS = ["group1", "group2", "statistic", "p_value", "p_adjusted"]


@dataclass(frozen=True)
class PairwiseLogRank:
    """Log-rank tests of every pair of groups.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group1, group2, statistic, p_value, p_adjusted``: one row per pair, in R's
        ``pairwise.table`` order read column by column (``group2`` the earlier level,
        ``group1`` the later, as ``broom::tidy`` of survminer's result). ``statistic`` is the
        pair's chi-square (1 degree of freedom).
    p_adjust : str
        ``"holm"``, ``"BH"`` or ``"none"``.
    rho : float
        Fleming-Harrington exponent of every pairwise test.
    groups : tuple of str
    exclusions : tuple of Exclusion
    delayed_entry : bool
        Each pair's test is the Breslow Cox score test with ``Surv(entry, time, event)``.
    """

    table: pd.DataFrame
    p_adjust: str
    rho: float
    groups: tuple[str, ...]
    exclusions: tuple[Exclusion, ...] = ()
    delayed_entry: bool = False

    def describe(self) -> str:
        """How the p-values were adjusted, for a caption."""
        test = "log-rank" if self.rho == 0 else f"Fleming-Harrington (rho = {self.rho:g})"
        if self.delayed_entry:
            test = "log-rank (Cox score tests, delayed entry)"
        return (f"Pairwise {test} tests, {len(self.table)} pairs; p adjusted for multiple "
                f"comparisons: {ADJUSTMENTS[self.p_adjust]}.")


def adjust_p(p_values, method: str) -> np.ndarray:
    """R's ``p.adjust(p, method)`` for ``"holm"``, ``"BH"`` and ``"none"`` (NaN kept, not
    counted in n)."""
    if method not in ADJUSTMENTS:
        raise AnalysisError(f"Unknown p-value adjustment {method!r}. "
                            f"Fix: use one of {', '.join(ADJUSTMENTS)}.")
    p = np.asarray(p_values, dtype=float)
    out = p.copy()
    known = ~np.isnan(p)
    q = p[known]
    n = q.size
    if method == "none" or n == 0:
        return out
    if method == "holm":
        order = np.argsort(q, kind="stable")
        adjusted = np.maximum.accumulate((n - np.arange(n)) * q[order])
    else:  # BH
        order = np.argsort(q, kind="stable")[::-1]
        adjusted = np.minimum.accumulate(n / np.arange(n, 0, -1) * q[order])
    result = np.empty(n)
    result[order] = np.minimum(1.0, adjusted)
    out[known] = result
    return out


def pairwise_logrank(df, time: str, event: str, by: str, p_adjust: str = "holm",
                     rho: float = 0.0, entry: str | None = None) -> PairwiseLogRank:
    """Log-rank test of every pair of groups of ``by``, p adjusted (R survminer
    ``pairwise_survdiff(Surv(time, event) ~ by, data, p.adjust.method, rho)``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time, event : str
        Follow-up time (months) and event indicator.
    by : str
        Grouping column (at least two groups with patients).
    p_adjust : {"holm", "BH", "none"}
        Adjustment for the number of pairs, as R ``p.adjust``.
    rho : float
        Fleming-Harrington exponent (as :func:`core.survival.logrank`).
    entry : str, optional
        Column of delayed-entry times: each pair's test is then the score test of the Breslow
        Cox model on that pair's rows, R ``summary(coxph(Surv(entry, time, event) ~ by,
        subset = by %in% pair, ties = "breslow"))$sctest`` (``rho`` must be 0).

    Returns
    -------
    PairwiseLogRank
    """
    adjust_p([], p_adjust)  # an unknown method fails before any work
    rho = _checked_rho(rho)
    if entry is not None:
        return _pairwise_entry(df, time, event, by, p_adjust, rho, entry)
    tables = risk_tables(df, time, event, by)
    groups = _present(list(tables.groups))
    rows = []
    for j in range(len(groups) - 1):  # R's pairwise.table, read column by column
        for i in range(j + 1, len(groups)):
            pair = tables.subset([j, i])
            _, ome, cov = _compare(pair.at_risk, pair.deaths,
                                   fleming_harrington_weights(pair, rho))
            statistic = float(_chi_square(ome, cov)[0])
            rows.append((groups[i], groups[j], statistic, float(chi2.sf(statistic, 1))))
    table = pd.DataFrame(rows, columns=PAIRWISE_COLUMNS[:4])
    table["p_adjusted"] = adjust_p(table["p_value"].to_numpy(), p_adjust)
    return PairwiseLogRank(table=table, p_adjust=p_adjust, rho=rho, groups=tuple(groups),
                           exclusions=tables.counts.exclusions)


def _pairwise_entry(df, time: str, event: str, by: str, p_adjust: str, rho: float,
                    entry: str) -> PairwiseLogRank:
    """:func:`pairwise_logrank` with delayed entry: the rows are checked once, each pair's
    score test runs on that pair's rows (:func:`logrank_entry_data`)."""
    from core.cohort.engine import columns_frame
    from core.survival.input import survival_data
    from core.survival.km.entry_logrank import NO_WEIGHT_WITH_ENTRY, logrank_entry_data

    if rho != 0:
        raise AnalysisError(NO_WEIGHT_WITH_ENTRY.format(rho=rho, entry=entry))
    data = survival_data(columns_frame(df, (time, event, by, entry)), time, event, by, entry)
    codes = np.asarray(data.group_code)
    present = [k for k in range(len(data.groups)) if (codes == k).any()]
    groups = _present([data.groups[k] for k in present])
    rows = []
    for j in range(len(present) - 1):  # R's pairwise.table, read column by column
        for i in range(j + 1, len(present)):
            keep = (codes == present[j]) | (codes == present[i])
            pair = replace(data, time=data.time[keep], event=data.event[keep],
                           group=data.group[keep], entry=data.entry[keep],
                           groups=(groups[j], groups[i]),
                           group_code=(codes[keep] == present[i]).astype(np.int64))
            if not pair.event.any():  # no event in the pair: R's sctest gives 0, p 1
                rows.append((groups[i], groups[j], 0.0, 1.0))
                continue
            test = logrank_entry_data(pair)
            rows.append((groups[i], groups[j], test.statistic, test.p_value))
    table = pd.DataFrame(rows, columns=PAIRWISE_COLUMNS[:4])
    table["p_adjusted"] = adjust_p(table["p_value"].to_numpy(), p_adjust)
    return PairwiseLogRank(table=table, p_adjust=p_adjust, rho=rho, groups=tuple(groups),
                           exclusions=data.exclusions, delayed_entry=True)
