"""Fine-Gray proportional subdistribution hazards regression, as R ``cmprsk::crr`` fits it.

Design: the pseudo partial likelihood of Fine & Gray (1999) with inverse-probability-of-
censoring weights. At a distinct time T of the cause, the risk set holds everyone still under
observation (time >= T, weight exp(x'b)) and everyone who failed from another cause earlier
(weight exp(x'b) G(T-)/G(t_j-)), G being the Kaplan-Meier estimate of the censoring
distribution read just before each time (as ``crr`` does: ``survfit`` of the censoring
indicator evaluated at time·(1 - 100 eps)). Tied times of the cause enter Breslow-style.
The sums over each risk set split into a suffix sum over later times and a prefix sum over
earlier other-cause failures, so likelihood, score, information and the robust variance
(``crr``'s sandwich H^-1 (sum of (eta_i + psi_i)(eta_i + psi_i)') H^-1, psi being the
correction for estimating G) cost O(n log n + n p^2), not the O(n^2) of ``crr``'s Fortran.
The Newton step is the Cox engine's (:func:`core.likelihood.newton.newton_step`); the step
halving, the convergence rule and the iteration limit (10) are ``crr``'s, so a fit that
diverges stops where R's stops and is reported as not converged.

Covariates: a numeric column enters as it is (term = column name); a text column is
dummy-coded against its first level (:func:`core.cohort.coding.code_levels`: a Categorical's
order, else the schema's, else natural order), terms ``"column[level]"``, as
:func:`core.cox.fit.fit_cox` names them.

References
----------
Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
J Am Stat Assoc 1999;94:496-509. Gray RJ. cmprsk (R package), ``crr`` (Fortran ``crrfsv``,
``crrf``, ``crrvv``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.cohort.coding import code_levels, level_labels, present_levels
from core.cohort.columns import check_covariate_levels
from core.errors import AnalysisError
from core.likelihood.newton import newton_step
from core.survival.competing.input import competing_data, fetched, refuse_entry

METHOD = ("Fine-Gray subdistribution hazards (R cmprsk::crr): censoring weights from the "
          "Kaplan-Meier estimate of censoring, Breslow ties, robust (sandwich) standard "
          "errors, Wald intervals and p-values")
GTOL = 1e-6
MAX_ITER = 10
DIVERGENT_COEF = 10.0
EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class FineGrayResult:
    """A Fine-Gray fit.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by term; columns ``coef`` (log subdistribution hazard ratio), ``se`` (robust,
        as ``crr``), ``z``, ``hr`` (exp(coef)), ``hr_lower``, ``hr_upper`` (Wald interval at
        ``conf_level``), ``p_value`` (two-sided Wald), ``n`` and ``events`` (patients and
        events of the cause with the term's level; all of them for a numeric term).
    cause : int
    n : int
        Patients in the fit.
    events : int
        Events of the cause.
    competing : int
        Events of other causes.
    excluded : int
        Rows left out for a missing time, status or covariate.
    converged : bool
    iterations : int
    loglik, loglik_null : float
        Log pseudo-likelihood at the estimate and at 0.
    conf_level : float
    warnings : tuple of str
        Why estimates must not be read as hazard ratios: no convergence, a diverging
        coefficient, a level without events of the cause. Empty for a sound fit.
    notes : tuple of str
        Caveats of a sound fit (few events per coefficient).
    flagged : tuple of str
        Terms whose estimate is not to be shown as a hazard ratio (the fit did not converge,
        the coefficient diverges, or the term's level or its reference has no event).
    method : str
    """

    table: pd.DataFrame
    cause: int
    n: int
    events: int
    competing: int
    excluded: int
    converged: bool
    iterations: int
    loglik: float
    loglik_null: float
    conf_level: float
    warnings: tuple[str, ...]
    flagged: tuple[str, ...] = ()
    method: str = METHOD
    notes: tuple[str, ...] = ()


def design_matrix(frame: pd.DataFrame, covariates: Sequence[str]
                  ) -> tuple[np.ndarray, list[str], list[tuple[str, list[str]]]]:
    """Numeric columns as they are; text columns as treatment-coded indicators.

    Returns
    -------
    (numpy.ndarray, list of str, list of (column, levels))
        Design matrix (n, p), term names, and the levels (reference first) of each text column.
    """
    check_covariate_levels(frame, covariates)  # the group cap, before any level is expanded
    blocks, terms, factors = [], [], []
    for column in covariates:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            values = values.astype(float)
        if pd.api.types.is_numeric_dtype(values):
            blocks.append(values.to_numpy(dtype=float)[:, None])
            terms.append(column)
            continue
        levels = present_levels(values, column)  # the one level order (core.cohort.coding)
        factors.append((column, list(levels)))
        if len(levels) > 1:  # one level: no term (reported as constant by the caller)
            coding = code_levels(values, column)
            blocks.append(coding.indicators(values))
            terms.extend(coding.terms)
    if not terms:
        return np.empty((len(frame), 0)), terms, factors
    return np.hstack(blocks), terms, factors


def _censoring_weights(time: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """G(t-) for each (sorted) time: KM of censoring read at time·(1 - 100 eps), as ``crr``."""
    times, first = np.unique(time, return_index=True)
    c = np.add.reduceat(censored.astype(float), first)
    at_risk = time.size - first
    g = np.cumprod(1.0 - c / at_risk)
    idx = np.searchsorted(times, time * (1 - 100 * EPS), side="right") - 1
    return np.where(idx >= 0, g[np.maximum(idx, 0)], 1.0)


class _Model:
    """Sorted data and the risk-set sums of crr's pseudo-likelihood."""

    def __init__(self, time, code, x):
        order = np.argsort(time, kind="stable")
        self.t, self.code, self.x = time[order], code[order], x[order]
        self.g = _censoring_weights(self.t, self.code == 0)
        self.T, first = np.unique(self.t[self.code == 1], return_index=True)
        self.d = np.diff(np.append(first, int((self.code == 1).sum()))).astype(float)
        self.lo = np.searchsorted(self.t, self.T, side="left")  # rows with t < T
        self.g_T = self.g[self.lo]  # G(T-)
        self.other = (self.code == 2).astype(float)

    def sums(self, b):
        """S0, S1, S2 at each distinct time of the cause (shapes m, (m,p), (m,p,p))."""
        e = np.exp(self.x @ b)
        p = self.x.shape[1]
        outer = self.x[:, :, None] * self.x[:, None, :]

        def suffix(v):
            return np.concatenate([np.cumsum(v[::-1], axis=0)[::-1],
                                   np.zeros((1, *v.shape[1:]))])

        def prefix(v):
            return np.concatenate([np.zeros((1, *v.shape[1:])), np.cumsum(v, axis=0)])

        w = e * self.other / self.g
        scale = self.g_T
        s0 = suffix(e)[self.lo] + scale * prefix(w)[self.lo]
        s1 = suffix(e[:, None] * self.x)[self.lo] + scale[:, None] * prefix(
            w[:, None] * self.x)[self.lo]
        s2 = (suffix(e[:, None, None] * outer)[self.lo]
              + scale[:, None, None] * prefix(w[:, None, None] * outer)[self.lo])
        return e, s0, s1.reshape(-1, p), s2.reshape(-1, p, p)

    def objective(self, b, derivatives=True):
        """crr's minimised function (minus log pseudo-likelihood), its gradient and Hessian."""
        xb = self.x @ b
        e, s0, s1, s2 = self.sums(b)
        lik = -float(xb[self.code == 1].sum()) + float((self.d * np.log(s0)).sum())
        if not derivatives:
            return lik, None, None
        mean = s1 / s0[:, None]
        grad = -self.x[self.code == 1].sum(axis=0) + (self.d[:, None] * mean).sum(axis=0)
        cov = s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]
        hess = (self.d[:, None, None] * cov).sum(axis=0)
        return lik, grad, hess

    def robust_variance(self, b, hess):
        """crr's sandwich variance H^-1 (sum_i (eta_i + psi_i)(...)') H^-1."""
        e, s0, s1, _ = self.sums(b)
        mean = s1 / s0[:, None]
        dl = self.d / s0  # d Lambda at each distinct time
        lo_i = np.searchsorted(self.T, self.t, side="right")  # distinct times <= t_i
        cum_a = np.concatenate([[0.0], np.cumsum(dl)])[lo_i]
        cum_b = np.concatenate([np.zeros((1, mean.shape[1])),
                                np.cumsum(dl[:, None] * mean, axis=0)])[lo_i]
        wl = dl * self.g_T
        tail_a = np.concatenate([np.cumsum(wl[::-1])[::-1], [0.0]])
        tail_b = np.concatenate([np.cumsum((wl[:, None] * mean)[::-1], axis=0)[::-1],
                                 np.zeros((1, mean.shape[1]))])
        own = self.code == 1
        at_t = np.searchsorted(self.T, self.t, side="left")
        eta = np.where(own[:, None], self.x - mean[np.minimum(at_t, len(self.T) - 1)], 0.0)
        eta -= e[:, None] * (self.x * cum_a[:, None] - cum_b)
        later = self.code == 2
        eta -= np.where(later[:, None], (e / self.g)[:, None]
                        * (self.x * tail_a[lo_i][:, None] - tail_b[lo_i]), 0.0)
        # psi: correction for the estimated censoring distribution
        censored = self.code == 0
        u, first = np.unique(self.t, return_index=True)
        n_cens = np.add.reduceat(censored.astype(float), first)
        at_risk = self.t.size - first
        w = e * self.other / self.g
        p0 = np.concatenate([[0.0], np.cumsum(w)])[first]  # other-cause failures before u
        p1 = np.concatenate([np.zeros((1, self.x.shape[1])),
                             np.cumsum(w[:, None] * self.x, axis=0)])[first]
        k = np.searchsorted(self.T, u, side="left")  # distinct cause times >= u
        q = p1 * tail_a[k][:, None] - p0[:, None] * tail_b[k]
        step = np.where(n_cens[:, None] > 0, n_cens[:, None] * q / at_risk[:, None] ** 2, 0.0)
        psi_cum = -np.cumsum(step, axis=0)
        where = np.searchsorted(u, self.t)
        psi = psi_cum[where] + np.where(censored[:, None], q[where] / at_risk[where][:, None],
                                        0.0)
        score = eta + psi
        middle = score.T @ score
        inverse = np.linalg.inv(hess)
        return inverse @ middle @ inverse


def fine_gray(df: pd.DataFrame, time: str, status: str, covariates: Sequence[str] | str,
              cause: int = 1, conf_level: float = 0.95, entry: str | None = None
              ) -> FineGrayResult:
    """Fit a Fine-Gray model for ``cause`` (R ``crr(time, status, cov1, failcode = cause)``).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time : str
        Follow-up time column (months).
    status : str
        0 censored, 1, 2, ... cause; every cause other than ``cause`` competes.
    covariates : str or sequence of str
        Numeric columns enter as they are; text columns are dummy-coded against their first
        level (:func:`core.cohort.coding.code_levels`: a pandas Categorical's category order,
        else the schema's order, else natural order, "2" before "10"), terms
        ``"column[level]"``.
    cause : int
    conf_level : float
    entry : str, optional
        Refused with an :class:`AnalysisError` naming the column: ``crr`` has no delayed
        entry.

    Returns
    -------
    FineGrayResult
        ``warnings`` is non-empty when the fit does not converge, a coefficient diverges, or a
        level has no event of the cause (the page then shows no hazard ratio for that term),
        and empty for a sound fit; ``notes`` carries the few-events-per-coefficient caveat.

    Raises
    ------
    AnalysisError
        Missing columns, no covariate, no event of the cause, a constant covariate,
        or a singular information matrix (collinear covariates).
    """
    refuse_entry("The Fine-Gray model", entry)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise AnalysisError("Choose at least one covariate for the Fine-Gray model.")
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1 (e.g. 0.95), not {conf_level}.")
    df = fetched(df, time, status, *covariates)
    missing = [c for c in covariates if c not in df.columns]
    if missing:
        raise AnalysisError(f"The cohort has no column {', '.join(f'`{c}`' for c in missing)}; "
                            f"available columns: {', '.join(map(str, df.columns))}.")
    complete = df[covariates].notna().all(axis=1)
    data = competing_data(df[complete], time, status)
    kept = df[complete]
    kept = kept[pd.to_numeric(kept[status], errors="coerce").notna()
                & pd.to_numeric(kept[time], errors="coerce").notna()]
    excluded = len(df) - len(kept)
    code = np.where(data.status == cause, 1, np.where(data.status > 0, 2, 0))
    n_events = int((code == 1).sum())
    if n_events < 1:  # R crr stops here ("system is exactly singular"); 1 event it fits
        raise AnalysisError(f"A Fine-Gray model needs at least 1 event of cause {cause}; "
                            f"there are none among the {len(kept)} patients with complete "
                            "data. Fix: widen the filters or choose another cause.")
    x, terms, factors = design_matrix(kept, covariates)
    constant = [t for j, t in enumerate(terms) if np.ptp(x[:, j]) == 0]
    if constant or not terms:
        raise AnalysisError(f"Covariate term(s) {constant or covariates} take one value for "
                            "every patient in the model, so no hazard ratio can be estimated. "
                            "Fix: remove them or widen the filters.")
    model = _Model(data.time, code, x)
    b, converged, iterations, lik = _newton(model, np.zeros(x.shape[1]))
    lik0 = model.objective(np.zeros(x.shape[1]), derivatives=False)[0]
    _, _, hess = model.objective(b)
    try:
        var = model.robust_variance(b, hess)
    except np.linalg.LinAlgError as error:
        raise AnalysisError(f"The Fine-Gray fit failed numerically (\"{error}\"): the "
                            f"information matrix of the {len(terms)} coefficients is singular, "
                            "usually because covariates duplicate each other. Fix: drop or "
                            "combine covariates.") from error
    se = np.sqrt(np.maximum(np.diag(var), 0.0))
    z = norm.ppf(0.5 + conf_level / 2)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        table = pd.DataFrame({"coef": b, "se": se, "z": b / se, "hr": np.exp(b),
                              "hr_lower": np.exp(b - z * se), "hr_upper": np.exp(b + z * se),
                              "p_value": 2 * norm.sf(np.abs(b / se))},
                             index=pd.Index(terms, name="term"))
    indicator = [np.isin(x[:, j], (0, 1)).all() for j in range(len(terms))]
    table["n"] = [int((x[:, j] == 1).sum()) if indicator[j] else len(x)
                  for j in range(len(terms))]
    table["events"] = [int(((x[:, j] == 1) & (code == 1)).sum()) if indicator[j] else n_events
                       for j in range(len(terms))]
    caveats = _warnings(kept, code, factors, table, converged, cause)
    notes = _epv_note(n_events, len(terms), cause)
    flagged = _flagged(kept, code, factors, table, converged)
    return FineGrayResult(table=table, cause=int(cause), n=len(kept), events=n_events,
                          competing=int((code == 2).sum()), excluded=excluded,
                          converged=converged, iterations=iterations, loglik=-lik,
                          loglik_null=-lik0, conf_level=conf_level, warnings=caveats,
                          flagged=flagged, notes=notes)


def _newton(model: _Model, b: np.ndarray) -> tuple[np.ndarray, bool, int, float]:
    """crr's Newton-Raphson: stop when max|grad|·max(|b|, 1) < max(|f|, 1)·gtol."""
    converged = False
    for iteration in range(MAX_ITER + 1):
        lik, grad, hess = model.objective(b)
        if np.max(np.abs(grad) * np.maximum(np.abs(b), 1)) < max(abs(lik), 1) * GTOL:
            return b, True, iteration, lik
        if iteration == MAX_ITER:
            break
        step = newton_step(hess, -grad)  # the Cox engine's Newton step (I^-1 U)
        if step is None:
            break
        new = b + step
        f_new = _value(model, new)
        halvings = 0
        while not math.isfinite(f_new) or f_new > lik + 1e-4 * float(step @ grad):
            halvings += 1
            step = step * 0.5
            new = b + step
            f_new = _value(model, new)
            if halvings > 20:
                break
        if halvings > 20:
            break
        b = new
    return b, converged, iteration, model.objective(b, derivatives=False)[0]


def _value(model: _Model, b: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value = model.objective(b, derivatives=False)[0]
    return value if math.isfinite(value) else math.nan


def _flagged(frame: pd.DataFrame, code: np.ndarray, factors, table: pd.DataFrame,
             converged: bool) -> tuple[str, ...]:
    if not converged:
        return tuple(table.index)
    out = set(table.index[(table["coef"].abs() > DIVERGENT_COEF) | ~np.isfinite(table["se"])])
    for column, levels in factors:
        text = level_labels(frame[column])
        empty = [level for level in levels if not ((text == level) & (code == 1)).any()]
        if levels[0] in empty:
            out |= {f"{column}[{level}]" for level in levels[1:]}
        out |= {f"{column}[{level}]" for level in empty if level != levels[0]}
    return tuple(t for t in table.index if t in out)


def _warnings(frame: pd.DataFrame, code: np.ndarray, factors, table: pd.DataFrame,
              converged: bool, cause: int) -> tuple[str, ...]:
    notes = []
    if not converged:
        notes.append("The Fine-Gray fit did not converge (R crr reports converged = FALSE "
                     "here): the estimates are where the iterations stopped, not a maximum. "
                     "Their hazard ratios are not shown.")
    for column, levels in factors:
        text = level_labels(frame[column])
        for level in levels:
            if not ((text == level) & (code == 1)).any():
                notes.append(f"No event of cause {cause} among patients with {column} = "
                             f"{level}: the subdistribution hazard ratio of this level is not "
                             "estimable (it runs off to 0 or infinity); it is not shown. "
                             "Combine levels or read the cumulative incidence curves instead.")
    big = table.index[(table["coef"].abs() > DIVERGENT_COEF) | ~np.isfinite(table["se"])]
    if len(big):
        notes.append(f"Coefficient(s) of {', '.join(big)} are beyond ±{DIVERGENT_COEF:g} on "
                     "the log scale: the estimate diverges and its interval is meaningless.")
    return tuple(notes)


def _epv_note(n_events: int, n_terms: int, cause: int) -> tuple[str, ...]:
    """The events-per-coefficient caveat (a note, not a warning: the fit itself is sound)."""
    notes = []
    epv = n_events / max(n_terms, 1)
    if epv < 10:
        notes.append(f"Only {n_events} event{'s' if n_events != 1 else ''} of cause {cause} "
                     f"for {n_terms} coefficient"
                     f"{'s' if n_terms != 1 else ''} ({epv:.1f} per coefficient; at least 10 is "
                     "the usual minimum): estimates may be biased away from 1 and intervals "
                     "too narrow. Read the model as exploratory.")
    return tuple(notes)
