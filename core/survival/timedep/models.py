"""Events during follow-up (transplant, MRD conversion, a new therapy) without immortal-time bias.

Design: a patient's intervention status changes during follow-up, so it cannot be a baseline
group: comparing "transplanted vs not" as if transplant were known at time 0 credits the
transplanted group with the event-free months they had to survive to be transplanted
(immortal time). Every analysis here starts from one checked per-patient table
(:func:`intervention_data`: time, event, intervention time on the endpoint's clock, rows left
out and why) and answers the question in one of three honest ways:

* the **counting-process split** (:func:`counting_process`): each patient's follow-up cut at
  the intervention into rows ``(start, stop], event, after``, the input of the two below;
* the **Mantel-Byar test** (:func:`mantel_byar`) and the **time-dependent Cox model**
  (:func:`time_dependent_cox`): the score test and the fit of the Cox model with the
  intervention as a time-dependent covariate (Efron ties, on the one likelihood engine
  :mod:`core.likelihood`: the split rows are entry times);
* the **landmark analysis** (:func:`landmark_logrank`): patients still in follow-up at a
  landmark L, grouped by whether the intervention happened by L, compared from L on with
  :func:`core.survival.km.logrank.logrank`.

The Simon-Makuch curves and the censor-at-intervention sensitivity are in
:mod:`core.survival.timedep.km`. Everything is vectorised (sorting and cumulative sums,
O(n log n)); no loop runs over patients.

Conventions follow R's survival package (3.5): the split is R's ``tmerge`` with a ``tdc``
term, with its edge rules (an intervention at or after the end of follow-up does not switch
the patient; one at or before 0 switches from the start; a 0-month follow-up is left out):
see :mod:`core.survival.timedep.data`. The landmark analysis is in
:mod:`core.survival.timedep.landmark`, re-exported here.

The Cox fit, its Wald test and interval are those of ``coxph(Surv(tstart, tstop, ev) ~ after)``
(default Efron ties, R's Newton-Raphson with step halving, ``eps = 1e-9``, 20 iterations);
the Mantel-Byar statistic is its ``summary()$sctest``.

References
----------
Mantel N, Byar DP. Evaluation of response-time data involving transient states: an
illustration using heart-transplant data. J Am Stat Assoc 1974;69:81-86. Simon R, Makuch RW.
A non-parametric graphical representation of the relationship between survival and the
occurrence of an event: application to responder versus non-responder bias. Stat Med
1984;3:35-44. Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin
Oncol 1983;1:710-719 (the landmark method). Therneau TM, Crowson C, Atkinson E. Using time
dependent covariates and time dependent coefficients in the Cox model (survival vignette).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from core.errors import AnalysisError
from core.likelihood.monotone import monotone_indicators, varies_at_some_event
from core.likelihood.newton import Control, maximize
from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import risk_sets
from core.survival.timedep.data import (  # noqa: F401  (re-exported: one place to import from)
    CountingProcess,
    InterventionData,
    counting_process,
    intervention_data,
    split_follow_up,
)
from core.survival.timedep.landmark import (  # noqa: F401  (contract name, re-exported)
    LandmarkResult,
    landmark_groups,
    landmark_logrank,
)

COX_COLUMNS = ["term", "coef", "se", "z", "hr", "hr_lower", "hr_upper", "p_value", "n",
               "events", "n_rows"]
METHOD_COX = ("Cox model with the intervention as a time-dependent covariate (counting-process "
              "rows), Efron ties, Wald 95% CI and p (R coxph)")
METHOD_MANTEL_BYAR = ("Mantel-Byar test: score test of the Cox model with the intervention as "
                      "a time-dependent covariate (Efron ties; R coxph sctest)")


@dataclass(frozen=True)
class MantelByarResult:
    """Mantel-Byar test of no effect of the intervention on the hazard.

    Attributes
    ----------
    statistic : float
        Score chi-square (1 degree of freedom) at coefficient 0.
    p_value : float
    dof : int
        Always 1.
    n_patients, n_switched, events : int
    method : str
    """

    statistic: float
    p_value: float
    dof: int
    n_patients: int
    n_switched: int
    events: int
    method: str = METHOD_MANTEL_BYAR


@dataclass(frozen=True)
class TimeDependentCoxResult:
    """Cox model with the intervention as a time-dependent covariate.

    Attributes
    ----------
    table : pandas.DataFrame
        One row (the intervention term ``after``), columns ``term, coef, se, z, hr, hr_lower,
        hr_upper, p_value, n, events, n_rows``: log hazard ratio after vs before (or without)
        the intervention, its standard error, Wald z, hazard ratio with Wald CI at
        ``conf_level``, two-sided Wald p, patients, events and counting-process rows.
    score : MantelByarResult
        The score test of the same model.
    loglik_null, loglik : float
        Partial log-likelihood at 0 and at the estimate.
    likelihood_ratio : float
        2 (loglik - loglik_null), chi-square with 1 df.
    iterations : int
    warnings : tuple of str
        Statistical caveats (coefficient may be infinite, no convergence).
    conf_level : float
    method : str
    """

    table: pd.DataFrame
    score: MantelByarResult
    loglik_null: float
    loglik: float
    likelihood_ratio: float
    iterations: int
    warnings: tuple[str, ...]
    conf_level: float
    method: str = METHOD_COX


@dataclass(frozen=True)
class InterventionFit:
    """The one-covariate Cox fit of the counting-process rows (R ``coxph``, Efron ties).

    Attributes
    ----------
    coef : float
        Log hazard ratio after vs before the intervention (NaN without contrast).
    variance : float
        Inverse information at ``coef``.
    loglik_null, loglik : float
        Log partial likelihood at 0 and at ``coef``.
    score_statistic : float
        U(0)^2 / I(0), the Mantel-Byar statistic (R ``sctest``).
    information_null : float
        I(0); 0 when the status never varies within a risk set at an event time.
    iterations : int
    converged : bool
    infinite : bool
        R's "coefficient may be infinite".
    """

    coef: float
    variance: float
    loglik_null: float
    loglik: float
    score_statistic: float
    information_null: float
    iterations: int
    converged: bool
    infinite: bool


def _engine_fit(start: np.ndarray, stop: np.ndarray, event: np.ndarray, after: np.ndarray,
                max_iter: int) -> InterventionFit:
    """``coxph(Surv(start, stop, event) ~ after)`` on the engine: the split rows are entry
    times of the counting process."""
    rs = risk_sets(stop, event, start=start, ties="efron")
    f = PartialLikelihood(rs, (after - after.mean())[:, None])
    at_zero = f(np.zeros(1))
    info0 = float(at_zero.information[0, 0])
    if not varies_at_some_event(rs, after[:, None])[0]:  # exact, not a rounding residue
        return InterventionFit(np.nan, np.nan, at_zero.loglik, at_zero.loglik, np.nan, 0.0, 0,
                               False, False)
    fit = maximize(f, np.zeros(1), Control(iter_max=max_iter))
    info = float(fit.evaluation.information[0, 0])
    return InterventionFit(
        coef=float(fit.beta[0]), variance=1.0 / info if info > 0 else np.inf,
        loglik_null=fit.loglik_start, loglik=fit.evaluation.loglik,
        score_statistic=fit.score_test, information_null=info0,
        iterations=fit.iterations, converged=fit.converged or max_iter == 0,
        infinite=bool(fit.infinite[0] or monotone_indicators(rs, after[:, None])[0]))


def _fit(process: CountingProcess, max_iter: int = 20) -> InterventionFit:
    rows = process.table
    if process.n_patients == 0:
        raise AnalysisError("No patient is left for the time-dependent analysis. Fix: widen "
                            "the filters.")
    if int(rows["event"].sum()) == 0:
        raise AnalysisError("The time-dependent Cox model needs at least one event; these "
                            f"{process.n_patients} patients have none. Fix: widen the filters.")
    if rows["after"].nunique() < 2:
        status = "had the intervention" if rows["after"].iloc[0] == 1 else \
            "had no intervention during follow-up"
        raise AnalysisError(f"All {process.n_patients} patients {status}, so there is no "
                            "comparison to make: the intervention's effect is not estimable "
                            "(R: coefficient NA). Fix: choose a cohort in which some patients "
                            "have the intervention during follow-up and some do not.")
    fit = _engine_fit(rows["start"].to_numpy(float), rows["stop"].to_numpy(float),
                      rows["event"].to_numpy(bool), rows["after"].to_numpy(float), max_iter)
    if fit.information_null <= 0:
        raise AnalysisError("At every event time all patients at risk have the same "
                            "intervention status, so the intervention's effect is not "
                            "estimable (R: coefficient NA). Fix: choose a cohort in which "
                            "treated and untreated patients are at risk at the same event "
                            "times.")
    return fit


def _score(fit: InterventionFit, process: CountingProcess) -> MantelByarResult:
    return MantelByarResult(statistic=fit.score_statistic,
                            p_value=float(chi2.sf(fit.score_statistic, 1)), dof=1,
                            n_patients=process.n_patients, n_switched=process.n_switched,
                            events=int(process.table["event"].sum()))


def mantel_byar(df: pd.DataFrame, time: str, event: str, switch_time: str
                ) -> MantelByarResult:
    """Mantel-Byar test: does the hazard change after the intervention?

    The score test of the Cox model with the intervention as a time-dependent covariate, at
    coefficient 0 (R: ``summary(coxph(Surv(tstart, tstop, ev) ~ after, data = tmerge(...)))
    $sctest``, Efron ties). Each event compares the patient's current status with that of
    everyone at risk at that time, so nobody is credited with time before their intervention.

    Parameters
    ----------
    df : pandas.DataFrame
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the endpoint's clock; empty = never (edge rules: module docstring).

    Returns
    -------
    MantelByarResult
        ``statistic`` (chi-square, 1 df) and ``p_value``.

    Raises
    ------
    AnalysisError
        No event, or no contrast (nobody switched, or everybody after from the start).
    """
    process = counting_process(df, time, event, switch_time)
    return _score(_fit(process, max_iter=0), process)


def time_dependent_cox(df: pd.DataFrame, time: str, event: str, switch_time: str,
                       conf_level: float = 0.95) -> TimeDependentCoxResult:
    """Cox model with the intervention as a time-dependent covariate (R ``coxph`` on
    ``tmerge`` rows, Efron ties).

    Parameters
    ----------
    df : pandas.DataFrame
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the endpoint's clock; empty = never.
    conf_level : float
        Level of the Wald interval of the hazard ratio.

    Returns
    -------
    TimeDependentCoxResult
        ``.table``: one row with ``coef, se, hr, hr_lower, hr_upper, p_value`` (and ``term,
        z, n, events, n_rows``).
    """
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1, not {conf_level!r}. "
                            "Fix: use e.g. 0.95 for 95% intervals.")
    process = counting_process(df, time, event, switch_time)
    fit = _fit(process)
    z_crit = norm.ppf(0.5 + conf_level / 2)
    se = float(np.sqrt(fit.variance))
    z = fit.coef / se
    events = int(process.table["event"].sum())
    with np.errstate(over="ignore"):  # a diverging coefficient gives an infinite limit, as R
        table = pd.DataFrame([("after", fit.coef, se, z, np.exp(fit.coef),
                               np.exp(fit.coef - z_crit * se), np.exp(fit.coef + z_crit * se),
                               float(2 * norm.sf(abs(z))), process.n_patients, events,
                               len(process.table))], columns=COX_COLUMNS)
    warnings = []
    if fit.infinite:
        warnings.append("The hazard ratio may be infinite (R: 'Loglik converged before "
                        "variable 1; beta may be infinite'): one status has no events. The "
                        "Wald interval and p are not meaningful; use the Mantel-Byar score "
                        "test.")
    elif not fit.converged:
        warnings.append(f"The Cox fit did not converge in {fit.iterations} iterations (as R "
                        "would warn: 'Ran out of iterations'); read the estimate with care.")
    return TimeDependentCoxResult(
        table=table, score=_score(fit, process), loglik_null=fit.loglik_null,
        loglik=fit.loglik, likelihood_ratio=2 * (fit.loglik - fit.loglik_null),
        iterations=fit.iterations, warnings=tuple(warnings), conf_level=conf_level)


__all__ = ["COX_COLUMNS", "CountingProcess", "InterventionData", "LandmarkResult",
           "MantelByarResult", "TimeDependentCoxResult", "counting_process",
           "intervention_data", "landmark_groups", "landmark_logrank", "mantel_byar",
           "split_follow_up", "time_dependent_cox"]
