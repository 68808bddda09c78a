"""Cox regression on categorical covariates from event counts: exact, at registry scale.

Design: with categorical covariates every patient has one of a few covariate *patterns*, and
the Cox partial likelihood (Breslow or Efron ties) depends on the data only through the number
of events and censorings per pattern and distinct time. :func:`cox_from_counts` therefore asks
for that table (one ``GROUP BY pattern, time`` on an engine source, or ``np.bincount`` in
memory, through the survival gatekeeper :func:`core.survival.km.counts.survival_counts`, so
exclusions and row errors are counted exactly as on the Survival page) and maximises the
likelihood on the one engine of :mod:`core.likelihood` (each cell a row weighted by its count,
Efron's correction counting the weights; R's Newton-Raphson). With P patterns and m distinct
times one iteration costs O(P m p^2) plus O(m) for Efron's tie sums (closed forms for large
tie sets), independent of the number of patients. The estimates are exactly R's ``coxph``
on the expanded rows (not an approximation).

Conventions as :func:`core.cox.fit.fit_cox`: levels in schema order (else sorted), the first
level the reference, terms ``"column[level]"``; Wald standard errors from the inverse
information, hazard-ratio intervals exp(coef +/- z se), two-sided Wald p-values.

References
----------
Cox DR (1972). Regression models and life-tables. JRSS B 34:187-220. Efron B (1977). The
efficiency of Cox's likelihood function for censored data. JASA 72:557-565. Therneau TM,
Grambsch PM (2000). Modeling Survival Data, section 3.3 (ties) and appendix (coxph.fit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.cohort.coding import code_levels
from core.cohort.engine import is_source
from core.cox.data import CoxData
from core.errors import AnalysisError
from core.likelihood.newton import maximize
from core.survival.input import Exclusion, check_columns
from core.survival.km.counts import SEPARATOR, survival_counts

PATTERN = "__pattern__"


@dataclass(frozen=True)
class CountCoxResult:
    """A Cox model fitted on event counts per covariate pattern and time.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by term (``"column[level]"``). Columns ``coef, se, hr, hr_lower, hr_upper,
        p_value`` (log hazard ratio, its standard error, hazard ratio with its Wald interval,
        two-sided Wald p).
    loglik : tuple of float
        Log partial likelihood at beta = 0 and at the estimate (R ``fit$loglik``).
    n, events : int
        Patients and events in the model.
    iterations : int
    converged : bool
    ties : str
    exclusions : tuple of Exclusion
        Rows left out (missing time, event or covariate) and why.
    patterns : int
        Distinct covariate patterns (within strata).
    method : str
    strata : str or None
        The stratum column (one baseline hazard per level, R ``+ strata(s)``), or None.
    """

    table: pd.DataFrame
    loglik: tuple[float, float]
    n: int
    events: int
    iterations: int
    converged: bool
    ties: str
    exclusions: tuple[Exclusion, ...]
    patterns: int
    method: str
    strata: str | None = None


def cox_from_counts(cohort, time: str, event: str, covariates: Sequence[str],
                    ties: str = "efron", conf_level: float = 0.95,
                    strata: str | None = None) -> CountCoxResult:
    """Cox model of categorical covariates, exact from event counts (R ``coxph``).

    Parameters
    ----------
    cohort : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient, in memory or in an engine.
    time, event : str
        Follow-up time (months) and event indicator (1 = event, 0 = censored).
    covariates : sequence of str
        Categorical columns (their values are read as text); each enters dummy-coded against
        its first level.
    ties : {"efron", "breslow"}
    conf_level : float
    strata : str, optional
        Categorical column whose levels each get their own baseline hazard (R ``coxph(... +
        strata(s))``): the counts are taken per pattern of the covariates and the stratum,
        and each stratum's risk sets hold its own patients only. Rows without a stratum are
        left out and counted.

    Returns
    -------
    CountCoxResult

    Raises
    ------
    AnalysisError
        Unknown ``ties``, no covariate, a covariate with one level, no events, or a
        singular information matrix (levels that duplicate each other).
    """
    if ties not in ("efron", "breslow"):
        raise AnalysisError(f"ties must be 'efron' or 'breslow', not {ties!r}. Fix: use "
                            "'efron' (R's default) or 'breslow'.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise AnalysisError("No covariate given. Fix: name at least one categorical column.")
    columns = [*covariates, *([strata] if strata else [])]
    check_columns(cohort.columns, columns)
    patterned, by, decode = _with_pattern(cohort, columns)
    counts = survival_counts(patterned, time, event, by)
    exclusions = tuple(Exclusion(f"no recorded {', '.join(f'`{c}`' for c in columns)}"
                                 if e.reason == f"no recorded `{PATTERN}`" else e.reason,
                                 e.count, e.patients) for e in counts.exclusions)
    levels = [decode(p) for p in counts.groups]
    design, terms = _design([v[:len(covariates)] for v in levels], covariates)
    stratum_labels = tuple(sorted({v[-1] for v in levels})) if strata else ()
    stratum = np.array([stratum_labels.index(v[-1]) for v in levels]) if strata else None
    table = counts.table
    per = counts.per_group()
    if int(per["events"].sum()) == 0:
        raise AnalysisError("No events among the patients in the model, so no hazard ratio "
                            "can be estimated. Fix: widen the filters.")
    try:
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise np.linalg.LinAlgError("design of the covariate patterns is not of full rank")
        beta, info, loglik, iterations, converged = _newton(table, counts.codes, design, ties,
                                                            stratum, stratum_labels)
        variance = np.linalg.inv(info)
    except np.linalg.LinAlgError as error:
        raise AnalysisError(f"The information matrix is singular for terms {terms}: some "
                            "levels duplicate each other. Fix: drop one of the covariates."
                            ) from error
    se = np.sqrt(np.diag(variance))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    frame = pd.DataFrame({
        "coef": beta, "se": se, "hr": np.exp(beta), "hr_lower": np.exp(beta - z * se),
        "hr_upper": np.exp(beta + z * se), "p_value": 2 * stats.norm.sf(np.abs(beta / se))},
        index=pd.Index(terms, name="term"))
    return CountCoxResult(
        table=frame, loglik=loglik, n=int(per["n"].sum()), events=int(per["events"].sum()),
        iterations=iterations, converged=converged, ties=ties, exclusions=exclusions,
        patterns=len(counts.groups), strata=strata,
        method=(f"Cox partial likelihood from event counts per covariate pattern and time "
                f"(exact; Newton-Raphson as R coxph), {ties.capitalize()} ties, Wald CIs and "
                "p-values" + (f"; stratified by `{strata}` ({len(stratum_labels)} strata, one "
                              "baseline hazard each, R coxph + strata)" if strata else "")))


def _with_pattern(cohort, covariates: list[str]):
    """The cohort, the grouping that names each row's covariate pattern, and the function
    that turns a pattern label back into the covariates' values as text. An engine groups by
    the covariate columns; in memory each column is factorized once and the pattern is a
    column holding the mixed-radix number of the codes (missing when a covariate is)."""
    if is_source(cohort):  # the engine groups by the covariate columns themselves
        return cohort, tuple(covariates), lambda label: label.split(SEPARATOR)
    number = np.zeros(len(cohort), dtype=np.int64)
    absent = np.zeros(len(cohort), dtype=bool)
    radix, values = [], []
    for c in covariates:
        codes, uniques = pd.factorize(cohort[c])
        absent |= codes < 0
        number = number * max(len(uniques), 1) + np.maximum(codes, 0)
        radix.append(max(len(uniques), 1))
        values.append([str(u) for u in (uniques.astype(str) if len(uniques) else [])])

    def decode(label: str) -> list[str]:
        rest, out = int(label), []
        for size, names in zip(reversed(radix), reversed(values), strict=True):
            rest, code = divmod(rest, size)
            out.append(names[code])
        return out[::-1]

    pattern = pd.Series(np.where(absent, -1, number), index=cohort.index).astype("Int64")
    return cohort.assign(**{PATTERN: pattern.mask(absent)}), PATTERN, decode


def _design(patterns: list[list[str]], covariates: list[str]) -> tuple[np.ndarray, list[str]]:
    """Dummy coding of each pattern (rows) against each covariate's first level, in the one
    level order of :func:`core.cohort.coding.code_levels` (schema's order, else natural)."""
    blocks, terms = [], []
    for j, column in enumerate(covariates):
        values = pd.Series([p[j] for p in patterns], dtype=object)
        coding = code_levels(values, column)
        blocks.append(coding.indicators(values))
        terms.extend(coding.terms)
    return np.hstack(blocks), terms


def _newton(table: pd.DataFrame, codes: np.ndarray, x: np.ndarray, ties: str,
            stratum: np.ndarray | None = None, stratum_labels: tuple[str, ...] = ()):
    """R's Newton-Raphson on the one likelihood engine: each (pattern, time) cell with events
    is one event row weighted by its count, each with censorings one censored row, and
    Efron's correction counts the weights (frequency weights: exactly the expanded rows);
    ``stratum`` (per pattern) puts each row in its stratum's risk sets."""
    n_event = table["n_event"].to_numpy(float)
    n_censor = table["n_censor"].to_numpy(float)
    time = table["time"].to_numpy(float)
    # one canonical row order (time, then the pattern's design row), whatever order the
    # engine's GROUP BY returned: the same counts always sum in the same order
    order = np.lexsort((*x[codes].T[::-1], time))
    n_event, n_censor, time, codes = n_event[order], n_censor[order], time[order], codes[order]
    has_event, has_censor = n_event > 0, n_censor > 0
    rows = np.concatenate([codes[has_event], codes[has_censor]])
    data = CoxData(
        times=np.concatenate([time[has_event], time[has_censor]]),
        status=np.concatenate([np.ones(int(has_event.sum())),
                               np.zeros(int(has_censor.sum()))]),
        design=x[rows], strata=None if stratum is None else stratum[rows],
        strata_labels=stratum_labels,
        weights=np.concatenate([n_event[has_event], n_censor[has_censor]]),
        tie_count="weights")
    fit = maximize(data.likelihood(ties), np.zeros(x.shape[1]))
    return (fit.beta, fit.evaluation.information, (fit.loglik_start, fit.evaluation.loglik),
            fit.iterations, fit.converged)
