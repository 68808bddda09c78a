"""Minimum sample size for a survival prediction model (Riley et al.), as ``pmsampsize``.

A model is worth validating only if the cohort that built it is large enough. Riley et al.
give three criteria for a time-to-event outcome, computed here exactly as the R package
``pmsampsize`` (``pmsampsize_surv``, version 1.1) does, its roundings included:

1. expected uniform shrinkage of the coefficients >= S (0.9): n1 = p / ((S - 1) ln(1 - R2/S));
2. optimism in Nagelkerke's R2 <= 0.05: the same formula with
   S2 = R2 / (R2 + 0.05 max R2) (rounded to 3 decimals), max R2 = 1 - exp(2 lnL0 / n) from the
   null log-likelihood of an exponential model with the cohort's event rate (2 decimals);
3. the overall risk at the horizon estimated precisely: reported (its 95% interval at the
   criteria's size), not a further requirement (``pmsampsize``'s survival criterion 3).

R2 is the anticipated Cox-Snell R2 of the model. Without an external value the conservative
default of Riley et al. (2020) is taken: 15% of the maximum (a Nagelkerke R2 of 0.15). The
required number of events is n x rate x mean follow-up; the cohort's own events are compared
with it. For a competing-risks model the events are those of the cause (relapse).

References
----------
Riley RD, Snell KIE, Ensor J, et al. (2019). Minimum sample size for developing a multivariable
prediction model: PART II - binary and time-to-event outcomes. Stat Med 38:1276-1296.
Riley RD, Ensor J, Snell KIE, et al. (2020). Calculating the sample size required for
developing a clinical prediction model. BMJ 368:m441.
Ensor J, Martin EC, Riley RD. pmsampsize: Sample Size for Development of a Prediction Model
(R package; ``R/pmsampsize_surv.R``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import AnalysisError

SHRINKAGE = 0.9
DEFAULT_R2_SHARE = 0.15
"""Anticipated Cox-Snell R2 as a share of its maximum when nothing better is known."""
REFERENCE_N = 10_000
"""``pmsampsize``'s arbitrary n for the maximum R2 (its events are rounded up at this n)."""


@dataclass(frozen=True)
class SampleSize:
    """Minimum sample size of a survival prediction model and the cohort against it.

    Attributes
    ----------
    n_required : int
        Patients needed (the largest of the criteria).
    events_required : int
        Events needed: n_required x rate x mean follow-up, rounded up.
    criteria : tuple of int
        n of criterion 1 (shrinkage), 2 (R2 optimism), 3 (precision: max of 1 and 2).
    shrinkage : float
        Expected shrinkage at n_required (the larger of 0.9 and criterion 2's).
    events_per_parameter : float
        At n_required (``pmsampsize``'s EPP, 2 decimals).
    parameters : int
        Candidate predictor parameters (model terms).
    r2, max_r2 : float
        Anticipated Cox-Snell R2 and its maximum.
    rate : float
        Events per patient-month in the cohort.
    mean_followup : float
        Months.
    horizon : float
    risk_at_horizon, risk_lower, risk_upper : float
        Overall risk 1 - exp(-rate x horizon) and its 95% interval at the required size.
    n, events : int
        Patients and events of the cohort.
    """

    n_required: int
    events_required: int
    criteria: tuple[int, int, int]
    shrinkage: float
    events_per_parameter: float
    parameters: int
    r2: float
    max_r2: float
    rate: float
    mean_followup: float
    horizon: float
    risk_at_horizon: float
    risk_lower: float
    risk_upper: float
    n: int
    events: int

    @property
    def sufficient(self) -> bool:
        """Whether the cohort has the patients and events the criteria ask for."""
        return self.n >= self.n_required and self.events >= self.events_required

    def events_at(self, n: int) -> int:
        """Events expected among ``n`` patients at the cohort's rate and follow-up."""
        return math.ceil(n * self.rate * self.mean_followup - 1e-9)

    @property
    def label(self) -> str:
        """"not validated: N events, M needed" when the cohort falls short."""
        if self.sufficient:
            return (f"{self.events} events, {self.events_required} needed "
                    f"({self.n} patients, {self.n_required} needed)")
        return f"not validated: {self.events} events, {self.events_required} needed"


def minimum_sample_size(r2: float, parameters: int, rate: float, horizon: float,
                        mean_followup: float, shrinkage: float = SHRINKAGE) -> tuple:
    """``pmsampsize(type = "s", rsquared, parameters, rate, timepoint, meanfup)``.

    Returns
    -------
    tuple
        (n1, n2, n3, n_final, shrinkage_final, events_final, epp_final, max_r2, risk,
        risk_lower, risk_upper), as ``pmsampsize``'s ``results_table`` and interval.

    Raises
    ------
    core.errors.AnalysisError
        R2 above its maximum (pmsampsize stops there too), or non-positive inputs.
    """
    if not (r2 > 0 and parameters >= 1 and rate > 0 and horizon > 0 and mean_followup > 0):
        raise AnalysisError(f"The sample-size calculation needs R2 > 0, at least 1 parameter, "
                            f"an event rate > 0 and times > 0 (got R2 {r2}, {parameters} "
                            f"parameters, rate {rate}, horizon {horizon}, mean follow-up "
                            f"{mean_followup}).")
    max_r2 = max_cox_snell_r2(rate, mean_followup)
    if max_r2 < r2:
        raise AnalysisError(f"The anticipated R2 ({r2:g}) is larger than the largest possible "
                            f"for this event rate ({max_r2:g}; Riley et al. 2018, eq. 23).")
    n1 = _size(parameters, shrinkage, r2)
    s2 = _round(r2 / (r2 + 0.05 * max_r2), 3)
    n2 = _size(parameters, s2, r2)
    n3 = max(n1, n2)
    person_time = _round(mean_followup * n3, 1)
    spread = 1.96 * math.sqrt(rate / person_time)
    risk = 1 - math.exp(-rate * horizon)
    upper = 1 - math.exp(-(rate + spread) * horizon)
    lower = 1 - math.exp(-(rate - spread) * horizon)
    final = max(n1, n2, n3)
    events_final = final * rate * mean_followup
    return (n1, n2, n3, final, max(shrinkage, s2), events_final,
            _round(events_final / parameters, 2), max_r2, risk, lower, upper)


def max_cox_snell_r2(rate: float, mean_followup: float) -> float:
    """The largest Cox-Snell R2 an exponential model can reach at this event rate (events per
    patient-month) and mean follow-up (months), as ``pmsampsize``: 1 - exp(2 lnL0 / n) at
    n = 10,000, events rounded up, the result to 2 decimals."""
    events = math.ceil(rate * mean_followup * REFERENCE_N)
    null = events * math.log(events / REFERENCE_N) - events
    return _round(1 - math.exp(2 * null / REFERENCE_N), 2)


def cohort_sample_size(time: np.ndarray, event: np.ndarray, parameters: int, horizon: float,
                       r2: float | None = None) -> SampleSize:
    """Riley's criteria with the cohort's event rate and follow-up, against its events.

    Parameters
    ----------
    time : numpy.ndarray, shape (n,)
        Follow-up (months).
    event : numpy.ndarray of bool, shape (n,)
        The event of the model (for competing risks: the cause).
    parameters : int
        Model terms.
    horizon : float
    r2 : float, optional
        Anticipated Cox-Snell R2; default 15% of its maximum.

    Returns
    -------
    SampleSize
    """
    n, events = int(time.size), int(np.sum(event))
    if events == 0 or time.sum() <= 0:
        raise AnalysisError("No event in the cohort: no event rate to plan a model with.")
    mean_followup = float(time.mean())
    rate = events / float(time.sum())
    if r2 is None:
        r2 = DEFAULT_R2_SHARE * max_cox_snell_r2(rate, mean_followup)
    n1, n2, n3, final, shrink, events_final, epp, max_r2, risk, lower, upper = \
        minimum_sample_size(r2, parameters, rate, horizon, mean_followup)
    return SampleSize(n_required=final, events_required=math.ceil(events_final - 1e-9),
                      criteria=(n1, n2, n3), shrinkage=shrink, events_per_parameter=epp,
                      parameters=parameters, r2=r2, max_r2=max_r2, rate=rate,
                      mean_followup=mean_followup, horizon=horizon, risk_at_horizon=risk,
                      risk_lower=lower, risk_upper=upper, n=n, events=events)


def _size(parameters: int, shrinkage: float, r2: float) -> int:
    return math.ceil(parameters / ((shrinkage - 1) * math.log(1 - r2 / shrinkage)))


def _round(value: float, digits: int) -> float:
    """R's ``round`` (IEC 60559: half to even on the decimal representation)."""
    return float(np.round(value, digits))
