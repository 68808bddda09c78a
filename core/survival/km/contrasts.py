"""How big the difference is between groups, in months or in survival: the milestone survival
difference at a landmark and the restricted mean survival time (RMST) contrasts.

Design: both compare each group with a reference group, from one Kaplan-Meier fit of the
event-count table (:mod:`core.survival.km.estimate`), so a registry on an engine costs one count
query. The groups are independent, so the variance of a contrast is the sum of the groups'.

- Milestone difference (tern ``s_surv_timepoint_diff``): S_g(t) - S_ref(t), standard error
  sqrt(se_g^2 + se_ref^2) from the Greenwood standard errors of ``summary(survfit, times)``,
  normal interval and two-sided z-test. A landmark after a group's last observation is not
  estimable (the curve is not extrapolated).
- RMST (survRM2 ``rmst2``, unadjusted): per group the area under the curve up to ``tau`` with
  its Greenwood plug-in variance and the restricted mean time lost (RMTL = tau - RMST, same
  variance); contrasts: RMST difference (normal), RMST ratio and RMTL ratio (on the log scale,
  delta method), each with interval and two-sided p. ``tau`` follows rmst2's rule: by default
  and at most the smaller of the two groups' last observed times, or the larger when the
  group whose follow-up ends first ends with an event.

References
----------
Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying the
between-group difference in survival analysis. J Clin Oncol 2014;32:2380-2385 (survRM2).
Klein JP, Logan B, Harhoff M, Andersen PK. Analyzing survival curves at a fixed point in
time. Stat Med 2007;26:4505-4519. Roche, tern ``surv_timepoint`` (milestone rate difference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.errors import AnalysisError
from core.survival.input import Exclusion
from core.survival.km.counts import survival_counts
from core.survival.km.estimate import KaplanMeierResult, fit_counts, landmarks
from core.survival.km.rmst import restricted_mean

MILESTONE_COLUMNS = ["group", "reference", "time", "survival", "reference_survival",
                     "difference", "se", "ci_lower", "ci_upper", "p_value"]
RMST_GROUP_COLUMNS = ["group", "n", "events", "tau", "rmst", "se", "rmst_lower", "rmst_upper",
                      "rmtl", "rmtl_lower", "rmtl_upper"]
RMST_CONTRAST_COLUMNS = ["group", "reference", "tau", "contrast", "estimate", "ci_lower",
                         "ci_upper", "p_value"]
CONTRASTS = ("RMST difference", "RMST ratio", "RMTL ratio")


@dataclass(frozen=True)
class MilestoneDifference:
    """Survival difference of each group against a reference at a landmark time.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group, reference, time, survival, reference_survival, difference, se,
        ci_lower, ci_upper, p_value``: one row per non-reference group. ``difference`` is
        S_group(t) - S_reference(t) (a proportion, not percent points); NaN where the
        landmark lies after either group's last observation.
    conf_level : float
    notes : tuple of str
        Why a row is not estimable.
    exclusions : tuple of Exclusion
    """

    table: pd.DataFrame
    conf_level: float
    notes: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()


@dataclass(frozen=True)
class RmstComparison:
    """Restricted mean survival time per group and its contrasts against a reference.

    Attributes
    ----------
    groups : pandas.DataFrame
        Columns ``group, n, events, tau, rmst, se, rmst_lower, rmst_upper, rmtl, rmtl_lower,
        rmtl_upper`` (months): survRM2's ``RMST.arm`` rows.
    table : pandas.DataFrame
        Columns ``group, reference, tau, contrast, estimate, ci_lower, ci_upper, p_value``:
        three rows per non-reference group, ``contrast`` one of :data:`CONTRASTS` (survRM2's
        ``unadjusted.result``: difference in months, ratios without unit).
    tau : float
        The truncation time (months).
    conf_level : float
    notes : tuple of str
        How tau was chosen, and any pair where it is not estimable.
    exclusions : tuple of Exclusion
    """

    groups: pd.DataFrame
    table: pd.DataFrame
    tau: float
    conf_level: float
    notes: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()


def _fit(df, time: str, event: str, by: str, reference: str | None, conf_level: float,
         entry: str | None = None) -> tuple[KaplanMeierResult, str, tuple[Exclusion, ...]]:
    counts = survival_counts(df, time, event, by, entry)
    fit = fit_counts(counts, conf_level)
    if len(fit.groups) < 2:
        raise AnalysisError(f"A contrast needs two groups with patients; `{by}` has "
                            f"{len(fit.groups)} here ({', '.join(fit.groups) or 'none'}). "
                            "Fix: widen the filters or choose another grouping.")
    reference = fit.groups[0] if reference is None else str(reference)
    if reference not in fit.groups:
        raise AnalysisError(f"Reference group {reference!r} is not among the groups of `{by}` "
                            f"({', '.join(fit.groups)}). Fix: choose one of them.")
    return fit, reference, counts.exclusions


def _z(conf_level: float) -> float:
    return float(norm.ppf(0.5 + conf_level / 2))


def milestone_difference(df, time: str, event: str, by: str, at: float,
                         reference: str | None = None, conf_level: float = 0.95,
                         entry: str | None = None) -> MilestoneDifference:
    """Difference in Kaplan-Meier survival at ``at`` months of each group against
    ``reference`` (tern ``s_surv_timepoint_diff``; R: ``summary(survfit(Surv(time, event) ~
    by), times = at)``, difference of ``surv``, se = sqrt of the summed ``std.err``^2).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time, event, by : str
        Follow-up (months), event indicator, grouping column.
    at : float
        Landmark (months, >= 0).
    reference : str, optional
        Reference group (default: the first in display order).
    conf_level : float
        Level of the normal interval.
    entry : str, optional
        Column of delayed-entry times: the survival and its standard error are those of
        ``survfit(Surv(entry, time, event) ~ by)`` at ``at``.

    Returns
    -------
    MilestoneDifference
    """
    fit, reference, exclusions = _fit(df, time, event, by, reference, conf_level, entry)
    at_rows = landmarks(fit, [at]).set_index("group")
    z = _z(conf_level)
    rows, notes = [], []

    def value(group: str) -> tuple[float, float]:
        if group not in at_rows.index:
            last = float(fit.group_table(group)["time"].max())
            notes.append(f"{group}: {at:g} months is after the last follow-up ({last:g} "
                         "months); its survival there is not estimable.")
            return np.nan, np.nan
        return float(at_rows.at[group, "survival"]), float(at_rows.at[group, "std_err"])

    s_ref, se_ref = value(reference)
    for g in fit.groups:
        if g == reference:
            continue
        s_g, se_g = value(g)
        diff = s_g - s_ref
        se = float(np.hypot(se_g, se_ref))
        p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else np.nan
        rows.append((g, reference, float(at), s_g, s_ref, diff, se, diff - z * se,
                     diff + z * se, p))
    return MilestoneDifference(pd.DataFrame(rows, columns=MILESTONE_COLUMNS), conf_level,
                               tuple(dict.fromkeys(notes)), exclusions)


def _tau_limit(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """rmst2's largest allowed tau for two groups' KM rows: the larger last observed time
    when the group whose follow-up ends first (arm 1 on a tie) ends with events only, else
    the smaller."""
    last = []
    for rows in (a, b):
        t_max = float(rows["time"].max())
        ends_with_event = bool((rows.loc[rows["time"] == t_max, "n_censor"] == 0).all())
        last.append((t_max, ends_with_event))
    (ta, ea), (tb, eb) = last
    first_event = eb if ta >= tb else ea  # b is arm 1 (the compared group)
    return max(ta, tb) if first_event else min(ta, tb)


def rmst_comparison(df, time: str, event: str, by: str, tau: float | None = None,
                    reference: str | None = None, conf_level: float = 0.95,
                    entry: str | None = None) -> RmstComparison:
    """RMST and RMTL per group up to ``tau`` and their contrasts against ``reference``
    (survRM2 ``rmst2(time, status, arm, tau, alpha = 1 - conf_level)``, unadjusted, with the
    compared group as arm 1 and the reference as arm 0).

    Parameters
    ----------
    tau : float, optional
        Truncation time (months). Default: the smallest of rmst2's default taus over the
        pairs (group, reference), so every contrast uses one tau.
    reference : str, optional
        Reference group (default: the first in display order).
    entry : str, optional
        Column of delayed-entry times: each group's RMST and its standard error are those of
        ``print(survfit(Surv(entry, time, event) ~ by), rmean = tau)`` (rmst2 has no entry).

    Returns
    -------
    RmstComparison
    """
    fit, reference, exclusions = _fit(df, time, event, by, reference, conf_level, entry)
    ref_rows = fit.group_table(reference)
    limits = {g: _tau_limit(ref_rows, fit.group_table(g)) for g in fit.groups if g != reference}
    notes = []
    if tau is None:
        tau = min(limits.values())
        notes.append(f"tau = {tau:g} months: the longest time every group's curve is "
                     "observed to (survRM2's default).")
    elif not np.isfinite(tau) or tau <= 0:
        raise AnalysisError(f"The RMST horizon tau must be a positive number of months, not "
                            f"{tau!r}. Fix: choose e.g. 24 months.")
    tau = float(tau)
    rmst = restricted_mean(fit, tau).table.set_index("group")
    per_group = []
    for g in fit.groups:
        r, se = float(rmst.at[g, "rmst"]), float(rmst.at[g, "se"])
        lo, hi = r - _z(conf_level) * se, r + _z(conf_level) * se
        per_group.append((g, fit.n[g], fit.events[g], tau, r, se, lo, hi, tau - r,
                             tau - hi, tau - lo))
    groups = pd.DataFrame(per_group, columns=RMST_GROUP_COLUMNS)
    rows = []
    for g, limit in limits.items():
        if tau > limit:
            notes.append(f"{g} vs {reference}: tau {tau:g} is after the follow-up of one of "
                         f"the two (at most {limit:g} months); not estimable.")
            rows += [(g, reference, tau, c, np.nan, np.nan, np.nan, np.nan) for c in CONTRASTS]
            continue
        rows += _contrasts(rmst, g, reference, tau, conf_level)
    return RmstComparison(groups, pd.DataFrame(rows, columns=RMST_CONTRAST_COLUMNS), tau,
                          conf_level, tuple(notes), exclusions)


def _contrasts(rmst: pd.DataFrame, g: str, reference: str, tau: float, conf_level: float
               ) -> list[tuple]:
    """rmst2's three unadjusted contrasts of arm 1 = ``g`` against arm 0 = ``reference``."""
    z = _z(conf_level)
    r1, r0 = float(rmst.at[g, "rmst"]), float(rmst.at[reference, "rmst"])
    v1, v0 = float(rmst.at[g, "se"]) ** 2, float(rmst.at[reference, "se"]) ** 2
    out = []
    diff, se = r1 - r0, np.sqrt(v1 + v0)
    out.append((g, reference, tau, CONTRASTS[0], diff, diff - z * se, diff + z * se,
                _two_sided(diff, se)))
    for name, a, b in ((CONTRASTS[1], r1, r0), (CONTRASTS[2], tau - r1, tau - r0)):
        if not (a > 0 and b > 0):  # e.g. no event before tau in a group: RMTL 0, no ratio
            out.append((g, reference, tau, name, np.nan, np.nan, np.nan, np.nan))
            continue
        log_ratio = np.log(a) - np.log(b)
        se = np.sqrt(v1 / a ** 2 + v0 / b ** 2)
        out.append((g, reference, tau, name, float(np.exp(log_ratio)),
                    float(np.exp(log_ratio - z * se)), float(np.exp(log_ratio + z * se)),
                    _two_sided(log_ratio, se)))
    return out


def _two_sided(estimate: float, se: float) -> float:
    if not np.isfinite(estimate) or not np.isfinite(se) or se <= 0:
        return float("nan")
    return float(2 * norm.sf(abs(estimate) / se))
