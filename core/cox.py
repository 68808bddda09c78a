"""Cox proportional-hazards models: fit, proportional-hazards check, predicted survival.

Three public calls, each returning one frozen result:

* :func:`fit_cox` fits a Cox model (statsmodels ``PHReg``, Efron or Breslow ties) or a
  Firth-penalized Cox model (firthmodels ``FirthCoxPH``) and explains every statistical caveat
  it detects (monotone likelihood, few events per coefficient, non-convergence) in
  ``CoxResult.warnings``.
* :func:`ph_test` is the proportional-hazards score test of R's ``cox.zph`` (survival >= 3.0)
  with the scaled Schoenfeld residuals for plotting.
* :func:`predict_survival` is R's ``survfit.coxph`` for one covariate profile: the predicted
  survival curve with a pointwise log or log-log confidence interval.

Times are in the unit of the time column (months for the project's endpoints); hazard ratios
are per one unit of a numeric covariate (or per ``scale`` units when scaled) and versus the
reference level of a categorical covariate. See ``docs/methods-cox.md`` for the methods.

References
----------
Cox DR (1972). Regression models and life-tables. JRSS B 34:187-220.
Efron B (1977). The efficiency of Cox's likelihood function for censored data. JASA 72:557-565.
Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
regression. Biometrics 57:114-119. (2002) A solution to the problem of separation in logistic
regression. Stat Med 21:2409-2419.
Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 81:515-526.
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (section 10.2, variance of
the predicted curve).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import AnalysisError
from core.schema import BY_NAME

Ties = Literal["efron", "breslow"]

EPV_MIN = 10
"""Events per estimated coefficient below which a warning is given (Peduzzi et al. 1995)."""
DIVERGENT_COEF = 10.0
"""|coef| above which a coefficient is treated as diverging (a hazard ratio beyond e^10)."""
DIVERGENT_SE = 50.0
"""Standard error above which a coefficient is treated as diverging."""

METHOD_PHREG = "Cox partial likelihood (statsmodels PHReg), {ties} ties, Wald CIs and p-values"
METHOD_FIRTH = ("Firth-penalized Cox (firthmodels FirthCoxPH), Breslow ties, "
                "profile penalized-likelihood CIs, penalized likelihood-ratio p-values")

TABLE_COLUMNS = ("coef", "se", "z", "hr", "hr_lower", "hr_upper", "p_value", "n", "events")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Encoding:
    """How one covariate column becomes one or more model terms.

    Parameters
    ----------
    column : str
        Covariate column of the cohort.
    kind : {"numeric", "categorical"}
        Numeric columns enter as they are (divided by ``scale``); categorical columns are
        dummy-coded against ``reference``.
    terms : tuple of str
        Term names, in design-matrix order.
    scale : float
        Divisor of a numeric column (1 when unscaled).
    levels : tuple of str
        Levels of a categorical column, reference first, then one per term.
    reference : str or None
        Reference level of a categorical column.
    """

    column: str
    kind: Literal["numeric", "categorical"]
    terms: tuple[str, ...]
    scale: float = 1.0
    levels: tuple[str, ...] = ()
    reference: str | None = None

    def encode(self, values: pd.Series) -> np.ndarray:
        """Design-matrix columns, shape (n, len(terms)), for the values of this column."""
        if self.kind == "numeric":
            return (pd.to_numeric(values).to_numpy(dtype=float) / self.scale)[:, None]
        text = values.astype(str).to_numpy()
        return np.column_stack([(text == level).astype(float) for level in self.levels[1:]])


@dataclass(frozen=True, eq=False)
class CoxResult:
    """A fitted Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by term. Columns: ``coef`` (log hazard ratio), ``se`` (its standard error),
        ``z`` (coef / se), ``hr`` (hazard ratio, exp(coef)), ``hr_lower``, ``hr_upper``
        (confidence interval at ``conf_level``: Wald, or profile penalized likelihood when
        ``firth``), ``p_value`` (Wald, or penalized likelihood ratio when ``firth``), ``n`` and
        ``events`` (patients and events with the term's level for an indicator term, all of
        them for a numeric term).
    time, event : str
        Time column (in its own unit, months for the project's endpoints) and event column.
    covariates : tuple of str
        Covariate columns, in the order given.
    encodings : tuple of Encoding
        How each covariate became terms (used by :func:`predict_survival`).
    n, events : int
        Patients and events used in the fit.
    excluded : int
        Rows left out because the time, event or a covariate was missing.
    excluded_reason : str
        Which columns were missing, in words ("" when nothing was excluded).
    ties : {"efron", "breslow"}
        Tie handling actually used.
    firth : bool
        Whether the Firth-penalized likelihood was maximised.
    method : str
        The estimator and its inference, in words.
    conf_level : float
        Confidence level of the intervals.
    loglik : float
        Log partial likelihood at the estimate (penalized for Firth).
    loglik_null : float
        Log partial likelihood with every coefficient 0 (NaN for Firth).
    lr_statistic, lr_df, lr_p_value : float, int, float
        Likelihood-ratio test of all coefficients = 0 (NaN for Firth).
    concordance : float
        Harrell's C of the linear predictor (scikit-survival ``concordance_index_censored``).
    converged : bool
        Whether the optimiser reported convergence.
    warnings : tuple of str
        Statistical caveats in plain language (empty when there are none).
    """

    table: pd.DataFrame
    time: str
    event: str
    covariates: tuple[str, ...]
    encodings: tuple[Encoding, ...]
    n: int
    events: int
    excluded: int
    excluded_reason: str
    ties: str
    firth: bool
    method: str
    conf_level: float
    loglik: float
    loglik_null: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    concordance: float
    converged: bool
    warnings: tuple[str, ...]
    params: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    design: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)

    @property
    def terms(self) -> tuple[str, ...]:
        """Term names, in design-matrix order."""
        return tuple(self.table.index)


@dataclass(frozen=True, eq=False)
class PHTestResult:
    """Proportional-hazards test of a Cox model (R ``cox.zph``).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by covariate (one row per covariate column, all its terms together) and a last
        row ``GLOBAL``; columns ``chisq``, ``df``, ``p_value``.
    residuals : pandas.DataFrame
        One row per event: ``time`` (unit of the time column), ``transformed_time`` (g(t)), and
        one column per term holding the scaled Schoenfeld residual beta_j + (d V^-1 r)_j,
        whose smoothed trend against g(t) estimates beta_j(t).
    transform : str
        The time transform g ("km", "identity", "log" or "rank").
    method : str
        The test, in words.
    warnings : tuple of str
        Caveats carried over from the fit and any about the test itself.
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str
    method: str
    warnings: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class SurvivalPrediction:
    """Predicted survival for one covariate profile (R ``survfit.coxph``).

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``time`` (requested times, unit of the time column), ``survival``,
        ``ci_lower``, ``ci_upper`` (pointwise interval of ``conf_type``), ``cumulative_hazard``
        and ``se_cumulative_hazard``.
    profile : dict
        The covariate values predicted for.
    conf_type : {"log", "log-log"}
        Scale of the confidence interval.
    conf_level : float
        Confidence level of the interval.
    method : str
        Estimator and variance, in words.
    notes : tuple of str
        Caveats (for example, those carried over from the fit).
    """

    table: pd.DataFrame
    profile: dict
    conf_type: str
    conf_level: float
    method: str
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------

def fit_cox(df: pd.DataFrame, time: str, event: str, covariates: Sequence[str],
            ties: Ties = "efron", firth: bool = False, conf_level: float = 0.95, *,
            reference: Mapping[str, str] | None = None,
            scale: Mapping[str, float] | None = None) -> CoxResult:
    """Fit a Cox proportional-hazards model.

    Parameters
    ----------
    df : pandas.DataFrame
        The cohort, one row per patient.
    time : str
        Column of follow-up times (non-negative; months for the project's endpoints).
    event : str
        Column of event indicators: 1 = event at ``time``, 0 = censored.
    covariates : sequence of str
        Covariate columns. A numeric column enters as it is, its name being the term (a
        hazard ratio per one unit, e.g. per year of ``age``). A text column is dummy-coded
        against its reference level, with terms ``"column[level]"``.
    ties : {"efron", "breslow"}, default "efron"
        Approximation of the partial likelihood for tied event times (R's default is Efron).
    firth : bool, default False
        Maximise Firth's penalized partial likelihood (Heinze & Schemper 2001): finite
        estimates under monotone likelihood (separation). Uses Breslow ties; profile
        penalized-likelihood intervals and penalized likelihood-ratio p-values.
    conf_level : float, default 0.95
        Confidence level of the hazard-ratio intervals, in (0, 1).
    reference : mapping of str to str, optional
        Reference level per categorical column. Default: the first level in the schema's
        order (e.g. ELN 2022 favorable < intermediate < adverse), else in sorted order.
    scale : mapping of str to float, optional
        Divisor per numeric column: ``{"age": 10}`` gives the term ``"age (per 10 years)"``,
        a hazard ratio per 10 years.

    Returns
    -------
    CoxResult

    Raises
    ------
    core.errors.AnalysisError
        When a column is missing, a time is negative, an event is not 0/1, no covariate is
        given, fewer than 2 events remain, a covariate is constant, or a reference level or
        scale is invalid.

    Notes
    -----
    Rows with a missing time, event or covariate are excluded and counted in ``excluded``.
    Ordinary fits use statsmodels ``PHReg(...).fit()``: coefficients, standard errors (inverse
    observed information), Wald intervals and p-values, which match R's ``coxph``.
    """
    if ties not in ("efron", "breslow"):
        raise AnalysisError(f"ties must be 'efron' or 'breslow', not {ties!r}.")
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1 (e.g. 0.95), not {conf_level}.")
    covariates = list(covariates)
    if not covariates:
        raise AnalysisError("Choose at least one covariate for the Cox model.")
    if len(set(covariates)) != len(covariates):
        raise AnalysisError(f"Covariates are listed more than once: {covariates}.")
    reference = dict(reference or {})
    scale = dict(scale or {})

    data, excluded, excluded_reason = _complete_rows(df, time, event, covariates)
    times = data[time].to_numpy(dtype=float)
    status = data[event].to_numpy(dtype=float)
    n_events = int(status.sum())
    if n_events < 2:
        raise AnalysisError(
            f"A Cox model needs at least 2 events; `{event}` has {n_events} among the "
            f"{len(data)} patients with complete data. Widen the filters or choose another "
            "endpoint.")

    encodings = tuple(_encoding(data[c], c, reference.get(c), scale.get(c)) for c in covariates)
    unused = sorted(set(reference) - {e.column for e in encodings if e.kind == "categorical"})
    if unused:
        raise AnalysisError(f"reference is given for {unused}, which are not categorical "
                            "covariates of this model.")
    unused = sorted(set(scale) - {e.column for e in encodings if e.kind == "numeric"})
    if unused:
        raise AnalysisError(f"scale is given for {unused}, which are not numeric covariates "
                            "of this model.")
    design = np.column_stack([e.encode(data[e.column]) for e in encodings])
    terms = [t for e in encodings for t in e.terms]

    notes: list[str] = []
    if firth:
        if ties == "efron":
            notes.append("Firth's penalized Cox model is available with Breslow ties only; "
                         "Breslow was used instead of Efron.")
        ties = "breslow"
        try:
            fit = _fit_firth(times, status, design, conf_level)
        except np.linalg.LinAlgError as error:  # e.g. a level whose information is zero
            raise AnalysisError(
                f"The Firth-penalized fit failed numerically (firthmodels: \"{error}\") with "
                f"{len(terms)} coefficients for {n_events} events: some levels carry no "
                "information. Combine levels or drop covariates.") from error
    else:
        try:
            fit = _fit_phreg(times, status, design, ties, conf_level)
        except np.linalg.LinAlgError as error:  # collinear terms: singular information
            raise AnalysisError(
                f"The Cox fit failed numerically (\"{error}\"): the information matrix of the "
                f"{len(terms)} coefficients is singular, usually because covariates duplicate "
                "each other (e.g. FAB subtype and FAB class) or a level carries no "
                "information. Drop or combine covariates.") from error

    with np.errstate(over="ignore"):  # a diverging coefficient gives an infinite bound
        table = pd.DataFrame({
            "coef": fit["coef"], "se": fit["se"],
            "z": np.divide(fit["coef"], fit["se"], out=np.full_like(fit["coef"], np.nan),
                           where=fit["se"] > 0),
            "hr": np.exp(fit["coef"]), "hr_lower": np.exp(fit["lower"]),
            "hr_upper": np.exp(fit["upper"]), "p_value": fit["p"],
        }, index=pd.Index(terms, name="term"))
    counts = [_term_counts(design[:, j], status) for j in range(design.shape[1])]
    table["n"] = [c[0] for c in counts]
    table["events"] = [c[1] for c in counts]

    caveats = list(notes)
    caveats += fit["messages"]
    if not firth:
        caveats += _separation_warnings(times, status, design, terms, fit)
    epv = n_events / len(terms)
    if epv < EPV_MIN:
        caveats.append(
            f"Only {n_events} events for {len(terms)} coefficient"
            f"{'s' if len(terms) != 1 else ''} ({epv:.1f} events per coefficient; at least "
            f"{EPV_MIN} is the usual minimum): estimates may be biased away from 1 and "
            "intervals too narrow. Fit fewer covariates or read the model as exploratory.")

    from sksurv.metrics import concordance_index_censored

    concordance = float(concordance_index_censored(
        status.astype(bool), times, design @ fit["coef"])[0])
    lr_df = len(terms)
    lr = 2 * (fit["loglik"] - fit["loglik_null"])
    lr_p = float(stats.chi2.sf(lr, lr_df)) if math.isfinite(lr) else math.nan
    method = METHOD_FIRTH if firth else METHOD_PHREG.format(ties=ties.capitalize())
    return CoxResult(
        table=table, time=time, event=event, covariates=tuple(covariates),
        encodings=encodings, n=len(data), events=n_events, excluded=excluded,
        excluded_reason=excluded_reason, ties=ties, firth=firth, method=method,
        conf_level=conf_level, loglik=float(fit["loglik"]),
        loglik_null=float(fit["loglik_null"]), lr_statistic=float(lr), lr_df=lr_df,
        lr_p_value=lr_p, concordance=concordance, converged=bool(fit["converged"]),
        warnings=tuple(dict.fromkeys(caveats)), params=fit["coef"], cov=fit["cov"],
        design=design, times=times, status=status)


def _complete_rows(df: pd.DataFrame, time: str, event: str,
                   covariates: list[str]) -> tuple[pd.DataFrame, int, str]:
    """Check the columns and keep the rows with no missing value among them."""
    columns = [time, event, *covariates]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(f"The cohort has no column {', '.join(f'`{c}`' for c in missing)}; "
                            f"available columns: {', '.join(map(str, df.columns))}.")
    frame = df[columns].copy()
    na = frame.isna()
    keep = ~na.any(axis=1)
    excluded = int((~keep).sum())
    reason = ""
    if excluded:
        counts = ", ".join(f"`{c}` ({int(na[c].sum())})" for c in columns if na[c].any())
        reason = (f"{excluded} row{'s' if excluded != 1 else ''} excluded for missing values: "
                  f"{counts}.")
    frame = frame[keep]
    if frame.empty:
        raise AnalysisError("No patient has complete data for the model's columns "
                            f"({', '.join(columns)}); widen the filters or drop a covariate.")
    t = pd.to_numeric(frame[time], errors="coerce")
    if t.isna().any() or (t < 0).any():
        bad = frame.loc[t.isna() | (t < 0), time].tolist()
        raise AnalysisError(f"`{time}` must hold non-negative numbers (follow-up times); "
                            f"found {bad[:8]}.")
    e = pd.to_numeric(frame[event], errors="coerce")
    if not e.isin([0, 1]).all():
        bad = frame.loc[~e.isin([0, 1]), event].tolist()
        raise AnalysisError(f"`{event}` must be 0 (censored) or 1 (event); found {bad[:8]}.")
    frame[time] = t.astype(float)
    frame[event] = e.astype(float)
    return frame, excluded, reason


def _encoding(values: pd.Series, column: str, reference: str | None,
              scale: float | None) -> Encoding:
    """Decide how a covariate column enters the model (see :class:`Encoding`)."""
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        if reference is not None:
            raise AnalysisError(f"reference is given for `{column}`, which is numeric; "
                                "references apply to categorical covariates only.")
        if values.nunique() < 2:
            raise AnalysisError(
                f"Covariate `{column}` is constant ({values.iloc[0]} for every patient in "
                "the model): its hazard ratio cannot be estimated. Remove it or widen the "
                "filters.")
        if scale is None:
            return Encoding(column, "numeric", (column,))
        if not (isinstance(scale, int | float) and math.isfinite(scale) and scale > 0):
            raise AnalysisError(f"scale for `{column}` must be a positive number, not {scale!r}.")
        unit = BY_NAME[column].unit if column in BY_NAME else None
        term = f"{column} (per {scale:g}{' ' + unit if unit else ''})"
        return Encoding(column, "numeric", (term,), scale=float(scale))
    if scale is not None:
        raise AnalysisError(f"scale is given for `{column}`, which is categorical; scales "
                            "apply to numeric covariates only.")
    present = set(values.astype(str))
    allowed = BY_NAME[column].allowed if column in BY_NAME else None
    if allowed:
        levels = [v for v in allowed if v in present] + sorted(present - set(allowed))
    else:
        levels = sorted(present)
    if len(levels) < 2:
        raise AnalysisError(
            f"Covariate `{column}` is constant ({levels[0]!r} for every patient in the model): "
            "its hazard ratio cannot be estimated. Remove it or widen the filters.")
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise AnalysisError(f"Reference level {reference!r} of `{column}` is not among its "
                            f"levels in the model's patients: {levels}.")
    levels = [reference, *(v for v in levels if v != reference)]
    return Encoding(column, "categorical", tuple(f"{column}[{v}]" for v in levels[1:]),
                    levels=tuple(levels), reference=reference)


def _term_counts(x: np.ndarray, status: np.ndarray) -> tuple[int, int]:
    """Patients and events with x == 1 for an indicator, all of them otherwise."""
    if np.isin(x, (0.0, 1.0)).all():
        return int((x == 1).sum()), int(status[x == 1].sum())
    return len(x), int(status.sum())


def _fit_phreg(times: np.ndarray, status: np.ndarray, design: np.ndarray, ties: str,
               conf_level: float) -> dict:
    """Ordinary Cox fit with statsmodels PHReg; warnings captured as messages."""
    from statsmodels.duration.hazard_regression import PHReg

    model = PHReg(times, design, status=status, ties=ties)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit()
    messages = []
    converged = True
    for w in caught:
        text = str(w.message)
        if "converge" in text.lower():
            converged = False
            messages.append(
                "The likelihood maximisation did not converge (statsmodels: "
                f"\"{text.split('.')[0]}\"). Usually a coefficient is running to infinity "
                "(see the separation warning); otherwise simplify the model.")
        elif "overflow" in text.lower() or "invalid value" in text.lower():
            converged = False
            messages.append("Numerical overflow while fitting: a coefficient is diverging. "
                            "Refit with firth=True or simplify the model.")
    params = np.asarray(res.params, dtype=float)
    with np.errstate(invalid="ignore"):  # a negative variance (diverged fit) gives NaN SEs
        bse = np.asarray(res.bse, dtype=float)
        ci = np.asarray(res.conf_int(alpha=1 - conf_level), dtype=float)
        p_values = np.asarray(res.pvalues, dtype=float)
    if np.isnan(bse).any() and converged:
        converged = False
        messages.append("The fitted covariance matrix has a negative variance, so some "
                        "standard errors are undefined (shown as missing). Refit with "
                        "firth=True or simplify the model.")
    return {
        "coef": params, "se": bse, "lower": ci[:, 0],
        "upper": ci[:, 1], "p": p_values,
        "cov": np.asarray(res.cov_params(), dtype=float), "loglik": float(res.llf),
        "loglik_null": float(model.loglike(np.zeros(design.shape[1]))),
        "converged": converged, "messages": messages,
    }


def firth_estimator():
    """The ``firthmodels.FirthCoxPH`` estimator as configured here (tight tolerances)."""
    from firthmodels import FirthCoxPH

    return FirthCoxPH(max_iter=200, max_halfstep=20, gtol=1e-9, xtol=1e-10, backend="numpy")


def _fit_firth(times: np.ndarray, status: np.ndarray, design: np.ndarray,
               conf_level: float) -> dict:
    """Firth-penalized Cox fit with firthmodels; warnings captured as messages."""
    est = firth_estimator()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(design, (status.astype(bool), times))
        ci = np.asarray(est.conf_int(alpha=1 - conf_level, method="pl", max_iter=200,
                                     tol=1e-8), dtype=float)
    with warnings.catch_warnings(record=True) as lrt_caught:
        warnings.simplefilter("always")
        est.lrt()
        if np.isnan(est.lrt_pvalues_).any():
            # the warm start from the full fit can stall at the tolerance floor: start cold
            lrt_caught.clear()
            est.lrt(warm_start=False)
    if np.isnan(est.lrt_pvalues_).any():
        caught.extend(lrt_caught)
    messages = []
    for w in caught:
        messages.append("The Firth-penalized fit reported a numerical problem "
                        f"(firthmodels: \"{w.message}\"); read its intervals with care.")
    coef = np.asarray(est.coef_, dtype=float)
    se = np.asarray(est.bse_, dtype=float)
    cov = np.diag(se ** 2)
    if getattr(est, "_cov", None) is not None:
        cov = np.asarray(est._cov, dtype=float)
    if not est.converged_:
        messages.append("The Firth-penalized fit did not converge; simplify the model.")
    return {
        "coef": coef, "se": se, "lower": ci[:, 0], "upper": ci[:, 1],
        "p": np.asarray(est.lrt_pvalues_, dtype=float), "cov": cov,
        "loglik": float(est.loglik_), "loglik_null": math.nan,
        "converged": bool(est.converged_), "messages": messages,
    }


def _separation_warnings(times: np.ndarray, status: np.ndarray, design: np.ndarray,
                         terms: list[str], fit: dict) -> list[str]:
    """Explain monotone likelihood (separation), term by term.

    A term is flagged when, at every event time, the patient(s) with the event have the
    largest (or the smallest) value of the term in the risk set, which makes the partial
    likelihood monotone in that coefficient (for an indicator: one of its levels has no
    events, or all events while the other level is still at risk); or when the fitted
    coefficient diverges (|coef| > 10 or SE > 50).
    """
    out = []
    event_times = np.unique(times[status == 1])
    for j, term in enumerate(terms):
        x = design[:, j]
        always_max = always_min = True
        for t in event_times:
            at_risk = x[times >= t]
            dead = x[(times == t) & (status == 1)]
            always_max &= bool(dead.min() >= at_risk.max())
            always_min &= bool(dead.max() <= at_risk.min())
        coef, se = fit["coef"][j], fit["se"][j]
        diverging = abs(coef) > DIVERGENT_COEF or not math.isfinite(se) or se > DIVERGENT_SE
        if not (always_max or always_min or diverging):
            continue
        if always_max or always_min:
            if np.isin(x, (0.0, 1.0)).all():
                level = 1 if always_min else 0
                why = (f"none of the {int((x == level).sum())} patients "
                       f"{'with' if level == 1 else 'without'} `{term}` had an event, so every "
                       f"event happened {'without' if level == 1 else 'with'} it")
            else:
                why = (f"at every event time the patient with the event has the "
                       f"{'highest' if always_max else 'lowest'} `{term}` among those at risk")
            direction = "infinity" if always_max else "0"
        else:
            why = f"the estimate is {coef:.3g} with standard error {se:.3g}"
            direction = "infinity" if coef > 0 else "0"
        out.append(
            f"Monotone likelihood (separation) for `{term}`: {why}. Its hazard ratio "
            f"estimate runs toward {direction}, and its Wald interval and p-value are "
            "meaningless. Refit with firth=True (Firth-penalized Cox) for a finite estimate "
            "with a profile-likelihood interval, or combine levels.")
    return out


# --------------------------------------------------------------------------------------------
# Proportional hazards
# --------------------------------------------------------------------------------------------

def ph_test(result: CoxResult, transform: Literal["km", "identity", "log", "rank"] = "km"
            ) -> PHTestResult:
    """Test proportional hazards of a fitted Cox model, as R's ``cox.zph`` (survival >= 3.0).

    For each covariate, the score test of gamma = 0 in the augmented model with terms
    ``x`` and ``x * g(t)``, g(t) centred over the event times, evaluated at (beta_hat, 0):
    ``U' I^{-1} U``, where U is the score for gamma (the score for beta being 0 at the fit)
    and I the full information of the augmented model, with the fit's tie handling (Efron
    sums over the tied deaths' fractional risk sets). This is one Newton step from the
    converged fit, Grambsch & Therneau (1994); the global test uses all gamma together.

    Parameters
    ----------
    result : CoxResult
        An ordinary (not Firth) fit from :func:`fit_cox`.
    transform : {"km", "identity", "log", "rank"}, default "km"
        Time transform g: ``"km"`` is 1 - KM(t-) of the whole sample (R's default),
        ``"identity"`` the time itself, ``"log"`` its log, ``"rank"`` its rank.

    Returns
    -------
    PHTestResult

    Raises
    ------
    core.errors.AnalysisError
        For a Firth fit, or an unknown transform.
    """
    if result.firth:
        raise AnalysisError("The proportional-hazards test needs an ordinary Cox fit "
                            "(firth=False); refit the model without Firth's penalty.")
    if transform not in ("km", "identity", "log", "rank"):
        raise AnalysisError(f"transform must be 'km', 'identity', 'log' or 'rank', not "
                            f"{transform!r}.")
    times, status, x = result.times, result.status, result.design
    beta = result.params
    p = len(beta)
    event = status == 1
    if transform == "km":
        g_all = 1 - _km_left(times, status)
    elif transform == "identity":
        g_all = times.copy()
    elif transform == "log":
        g_all = np.log(times)
    else:
        g_all = stats.rankdata(times)
    gtime = g_all - g_all[event].mean()

    xc = x - x.mean(axis=0)
    risk = np.exp(xc @ beta - (xc @ beta).max())
    efron = result.ties == "efron"
    u = np.zeros(p)
    i11 = np.zeros((p, p))
    i12 = np.zeros((p, p))
    i22 = np.zeros((p, p))
    order = np.argsort(times, kind="stable")
    death_rows = order[event[order]]
    resid = np.zeros((len(death_rows), p))
    row_of = {r: k for k, r in enumerate(death_rows)}
    for t in np.unique(times[event]):
        at_risk = times >= t
        dead = np.flatnonzero((times == t) & event)
        d = len(dead)
        w = risk[at_risk]
        xr = xc[at_risk]
        s0, s1 = w.sum(), w @ xr
        s2 = (xr * w[:, None]).T @ xr
        wd, xd = risk[dead], xc[dead]
        e0, e1 = wd.sum(), wd @ xd
        e2 = (xd * wd[:, None]).T @ xd
        g = gtime[dead[0]]
        xbar_sum = np.zeros(p)
        v_sum = np.zeros((p, p))
        for k in range(d):
            a = k / d if efron else 0.0
            den = s0 - a * e0
            xbar = (s1 - a * e1) / den
            xbar_sum += xbar
            v_sum += (s2 - a * e2) / den - np.outer(xbar, xbar)
        u += g * (xd.sum(axis=0) - xbar_sum)
        i11 += v_sum
        i12 += g * v_sum
        i22 += g * g * v_sum
        for r in dead:
            resid[row_of[r]] = xc[r] - xbar_sum / d
    imat = np.block([[i11, i12], [i12.T, i22]])
    full_u = np.concatenate([np.zeros(p), u])

    rows, chisq, dfs = [], [], []
    start = 0
    for enc in result.encodings:
        jj = list(range(start, start + len(enc.terms)))
        start += len(enc.terms)
        kk = list(range(p)) + [j + p for j in jj]
        rows.append(enc.column)
        chisq.append(_score_statistic(full_u[kk], imat[np.ix_(kk, kk)]))
        dfs.append(len(jj))
    rows.append("GLOBAL")
    chisq.append(_score_statistic(full_u, imat))
    dfs.append(p)
    undefined = [row for row, c in zip(rows, chisq, strict=True) if np.isnan(c)]
    p_values = [float(stats.chi2.sf(c, k)) for c, k in zip(chisq, dfs, strict=True)]
    table = pd.DataFrame({"chisq": chisq, "df": dfs, "p_value": p_values},
                         index=pd.Index(rows, name="covariate"))

    vmean = i11 / len(death_rows)
    scaled = np.linalg.solve(vmean, resid.T).T + beta
    residuals = pd.DataFrame({"time": times[death_rows], "transformed_time": g_all[death_rows]})
    for j, term in enumerate(result.terms):
        residuals[term] = scaled[:, j]
    caveats = list(result.warnings)
    if undefined:
        caveats.append(f"The proportional-hazards test cannot be computed for "
                       f"{', '.join(undefined)}: the information matrix of the fit is singular "
                       "or nearly so (usually a coefficient running to infinity, or too few "
                       "events). Shown as missing rather than as a number.")
    if any(len(e.terms) > 1 for e in result.encodings):
        caveats.append("Covariates with several terms are tested together (one chi-square "
                       "with one degree of freedom per term); residuals are shown per term.")
    method = (f"Score test of beta(t) = beta + gamma g(t), g = {transform} transform "
              f"(R cox.zph, survival >= 3.0), {result.ties.capitalize()} ties; scaled "
              "Schoenfeld residuals (Grambsch & Therneau 1994)")
    return PHTestResult(table=table, residuals=residuals, transform=transform, method=method,
                        warnings=tuple(caveats))


def _score_statistic(score: np.ndarray, information: np.ndarray) -> float:
    """``U' I^-1 U``, or NaN when ``I`` is singular or ill-conditioned (the statistic would be
    numerical noise, possibly negative)."""
    if not np.all(np.isfinite(information)) or np.linalg.cond(information) > 1e12:
        return float("nan")
    value = float(score @ np.linalg.solve(information, score))
    if not np.isfinite(value) or value < -1e-8:
        return float("nan")
    return max(value, 0.0)  # rounding below zero


def _km_left(times: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival of the whole sample just before each patient's time."""
    event_times = np.unique(times[status == 1])
    n_risk = np.array([(times >= t).sum() for t in event_times])
    n_event = np.array([((times == t) & (status == 1)).sum() for t in event_times])
    surv = np.cumprod(1 - n_event / n_risk)
    idx = np.searchsorted(event_times, times, side="left")  # event times strictly before
    return np.concatenate([[1.0], surv])[idx]


# --------------------------------------------------------------------------------------------
# Predicted survival
# --------------------------------------------------------------------------------------------

def predict_survival(result: CoxResult, profile: Mapping[str, object],
                     times: Iterable[float], conf_type: Literal["log", "log-log"] = "log-log",
                     conf_level: float | None = None) -> SurvivalPrediction:
    """Predicted survival S(t | profile) = exp(-H0(t) exp(x'beta)), as R's ``survfit.coxph``.

    The baseline cumulative hazard is Breslow's estimator for a Breslow fit and its Efron
    analogue for an Efron fit (each of d tied deaths adds 1 / (S0 - k/d E0), k = 0..d-1),
    as R's default ``ctype`` does. The variance of H(t | x) is the Tsiatis (1981) / Link
    (1984) form used by R: exp(2 x'beta) [sum dN / S0^2 + q(t)' V q(t)], with
    q(t) = sum (xbar(s) - x) dH0(s) and V the covariance of beta (Efron: the sums run over
    the tied deaths' fractional risk sets).

    Parameters
    ----------
    result : CoxResult
        An ordinary (not Firth) fit from :func:`fit_cox`.
    profile : mapping
        A value for every covariate column of the model, on its original scale (e.g.
        ``{"age": 60, "eln2022_risk": "adverse"}``).
    times : iterable of float
        Times at which to predict (unit of the time column), from 0 to the last follow-up
        time of the fitted data.
    conf_type : {"log", "log-log"}, default "log-log"
        Scale of the pointwise interval: "log" is exp(-H) exp(+/- z se(H)) (R's default);
        "log-log" is S^exp(+/- z se(H) / H).
    conf_level : float, optional
        Default: the fit's ``conf_level``.

    Returns
    -------
    SurvivalPrediction

    Raises
    ------
    core.errors.AnalysisError
        For a Firth fit, a missing or unknown covariate value, or a time outside
        [0, last follow-up] (predictions are never extrapolated).
    """
    if result.firth:
        raise AnalysisError("Predicted survival is computed from an ordinary Cox fit "
                            "(firth=False); refit the model without Firth's penalty.")
    if conf_type not in ("log", "log-log"):
        raise AnalysisError(f"conf_type must be 'log' or 'log-log', not {conf_type!r}.")
    conf_level = result.conf_level if conf_level is None else conf_level
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1 (e.g. 0.95), not {conf_level}.")
    x_new = _profile_vector(result, profile)
    req = np.asarray(list(times), dtype=float)
    if req.size == 0:
        raise AnalysisError("Give at least one time at which to predict survival.")
    last = float(result.times.max())
    if np.isnan(req).any() or (req < 0).any():
        raise AnalysisError(f"Prediction times must be numbers >= 0; got {req.tolist()}.")
    if (req > last).any():
        raise AnalysisError(
            f"Cannot predict survival at {sorted(req[req > last].tolist())}: the model's "
            f"follow-up ends at {last:g}, and predictions are never extrapolated beyond it. "
            f"Choose times up to {last:g}.")

    x, times_fit, status, beta = result.design, result.times, result.status, result.params
    center = x.mean(axis=0)
    xc = x - center
    risk = np.exp(xc @ beta)
    efron = result.ties == "efron"
    event_times = np.unique(times_fit[status == 1])
    p = len(beta)
    dh = np.zeros(len(event_times))
    dvar = np.zeros(len(event_times))
    dxbar = np.zeros((len(event_times), p))
    for i, t in enumerate(event_times):
        at_risk = times_fit >= t
        dead = (times_fit == t) & (status == 1)
        d = int(dead.sum())
        s0, s1 = risk[at_risk].sum(), risk[at_risk] @ xc[at_risk]
        e0, e1 = risk[dead].sum(), risk[dead] @ xc[dead]
        for k in range(d):
            a = k / d if efron else 0.0
            den = s0 - a * e0
            dh[i] += 1 / den
            dvar[i] += 1 / den ** 2
            dxbar[i] += (s1 - a * e1) / den ** 2
    h0, v0, q0 = np.cumsum(dh), np.cumsum(dvar), np.cumsum(dxbar, axis=0)

    xn = x_new - center
    with np.errstate(over="ignore"):  # a diverging coefficient: r may be inf
        r = float(np.exp(float(xn @ beta)))
    idx = np.searchsorted(event_times, req, side="right") - 1
    rows = []
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    for t, k in zip(req.tolist(), idx.tolist(), strict=True):
        if k < 0:
            rows.append((t, 1.0, 1.0, 1.0, 0.0, 0.0))
            continue
        # a diverging fit can give inf/NaN (or a slightly negative variance from an ill-
        # conditioned covariance): computed with numpy so the prediction shows NaN, not a crash
        with np.errstate(all="ignore"):
            cum = float(h0[k] * r)
            q = q0[k] - h0[k] * xn
            var = v0[k] + float(q @ result.cov @ q)
            se = float(r * np.sqrt(var)) if var >= 0 else math.nan
            surv = float(np.exp(-cum))
            if conf_type == "log":
                lower = float(surv * np.exp(-z * se))
                upper = float(np.fmin(1.0, surv * np.exp(z * se)))
            else:  # se / cum can overflow: the limits are then 0 and 1
                lower = float(np.exp(-cum * np.exp(z * se / cum)))
                upper = float(np.exp(-cum * np.exp(-z * se / cum)))
        rows.append((t, surv, lower, upper, cum, se))
    table = pd.DataFrame(rows, columns=["time", "survival", "ci_lower", "ci_upper",
                                        "cumulative_hazard", "se_cumulative_hazard"])
    method = (f"Cox model prediction (R survfit.coxph): {result.ties.capitalize()} baseline "
              "cumulative hazard, Tsiatis/Link variance, pointwise "
              f"{conf_type} {conf_level:.0%} interval")
    return SurvivalPrediction(table=table, profile=dict(profile), conf_type=conf_type,
                              conf_level=conf_level, method=method, notes=result.warnings)


def _profile_vector(result: CoxResult, profile: Mapping[str, object]) -> np.ndarray:
    """The design-matrix row of a covariate profile."""
    missing = [c for c in result.covariates if c not in profile]
    if missing:
        raise AnalysisError(f"The profile has no value for {missing}; give a value for every "
                            f"covariate of the model: {list(result.covariates)}.")
    parts = []
    for enc in result.encodings:
        value = profile[enc.column]
        if enc.kind == "numeric":
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise AnalysisError(f"The profile's `{enc.column}` must be a number, not "
                                    f"{value!r}.")
            parts.append([number / enc.scale])
        else:
            if str(value) not in enc.levels:
                raise AnalysisError(f"The profile's `{enc.column}` is {value!r}; the model knows "
                                    f"the levels {list(enc.levels)}.")
            parts.append([float(str(value) == level) for level in enc.levels[1:]])
    return np.array([v for part in parts for v in part], dtype=float)


# --------------------------------------------------------------------------------------------
# Presentation helpers (used by the Cox page; pure, no streamlit)
# --------------------------------------------------------------------------------------------

NUMERIC_COVARIATES = ("age", "wbc", "blasts_pct")
"""Numeric columns offered as covariates (hazard ratio per unit, age also per decade)."""
OUTCOME_COLUMNS = ("relapse_type", "outcome")
"""Columns defined by the endpoints themselves, never offered as covariates."""
P_METHOD = {False: "Wald", True: "penalized likelihood ratio (Firth)"}


def covariate_options(cohort: pd.DataFrame) -> list[str]:
    """Columns of ``cohort`` that can enter a Cox model: the three study stratifiers, age,
    then the other schema categories and numbers, each with at least two distinct values.

    Columns recording the outcome itself (relapse type, vital status) are never offered.
    """
    first = ["mrd_pre_status", "eln2022_risk", "sorafenib_timing", "age"]
    others = [c.name for c in BY_NAME.values()
              if (c.kind == "category" or c.name in NUMERIC_COVARIATES)
              and c.name not in first and c.name not in OUTCOME_COLUMNS]
    return [c for c in [*first, *others]
            if c in cohort.columns and cohort[c].dropna().nunique() >= 2]


def category_levels(cohort: pd.DataFrame, column: str) -> list[str]:
    """Levels of a categorical column present in ``cohort``, in the schema's order (the
    order :func:`fit_cox` uses; its first level is the default reference)."""
    present = set(cohort[column].dropna().astype(str))
    allowed = BY_NAME[column].allowed if column in BY_NAME else None
    ordered = [v for v in (allowed or ()) if v in present]
    return ordered + sorted(present - set(ordered))


def needs_firth(result: CoxResult) -> bool:
    """Whether an ordinary fit shows monotone likelihood (separation) or did not converge,
    the situations in which Firth's penalized model is the better estimate."""
    return (not result.firth) and (not result.converged or any(
        w.startswith("Monotone likelihood") for w in result.warnings))


def term_labels(result: CoxResult) -> dict[str, str]:
    """Readable name of each term: 'MRD before maintenance: positive vs negative',
    'Age (years), per 10 years'."""
    out = {}
    for enc in result.encodings:
        label = BY_NAME[enc.column].label if enc.column in BY_NAME else enc.column
        if enc.kind == "numeric":
            unit = BY_NAME[enc.column].unit if enc.column in BY_NAME else None
            per = f"per {enc.scale:g} {unit}" if unit else f"per {enc.scale:g}"
            out[enc.terms[0]] = f"{label}, {per}"
        else:
            for term, level in zip(enc.terms, enc.levels[1:], strict=True):
                out[term] = f"{label}: {level} vs {enc.reference}"
    return out


def format_hr(value: float) -> str:
    """A hazard ratio with three significant digits; '∞' and '0' for diverging ones
    (beyond 1e6 or below 1e-6), '> 1000' and '< 0.001' in between."""
    if value is None or math.isnan(value):
        return "–"
    if value > 1e6:
        return "∞"
    if value < 1e-6:
        return "0"
    if value > 1000:
        return "> 1000"
    if value < 0.001:
        return "< 0.001"
    return f"{value:.3g}"


def _format_p(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def hazard_ratio_table(results: Sequence[CoxResult]) -> pd.DataFrame:
    """One display row per term of the given fits (a univariable fit per covariate, or one
    multivariable fit): ``Term``, ``HR``, ``95% CI``, ``p``, ``p method``, ``Patients with
    level``, ``Events with level`` (all patients and events for a numeric term)."""
    rows = []
    for result in results:
        labels = term_labels(result)
        for term, row in result.table.iterrows():
            rows.append({
                "Term": labels.get(term, term), "HR": format_hr(row["hr"]),
                f"{result.conf_level:.0%} CI": f"{format_hr(row['hr_lower'])}–"
                                               f"{format_hr(row['hr_upper'])}",
                "p": _format_p(row["p_value"]), "p method": P_METHOD[result.firth],
                "Patients with level": int(row["n"]), "Events with level": int(row["events"]),
            })
    return pd.DataFrame(rows)


def model_table(results: Sequence[CoxResult], names: Sequence[str]) -> pd.DataFrame:
    """One display row per fit: ``Model``, ``Patients used``, ``Events used``,
    ``Likelihood-ratio p`` (all coefficients 0; '–' for Firth, which has none),
    ``Harrell's C``, ``Estimation`` (estimator, ties and inference)."""
    rows = []
    for name, result in zip(names, results, strict=True):
        rows.append({
            "Model": name, "Patients used": result.n, "Events used": result.events,
            "Likelihood-ratio p": _format_p(result.lr_p_value),
            "Harrell's C": "–" if math.isnan(result.concordance)
            else f"{result.concordance:.3f}",
            "Estimation": ("Firth-penalized, Breslow ties, profile-likelihood CI"
                           if result.firth else
                           f"Ordinary Cox, {result.ties.capitalize()} ties, Wald CI"),
        })
    return pd.DataFrame(rows)


def patient_profile(cohort: pd.DataFrame, patient_id: object,
                    covariates: Sequence[str]) -> dict:
    """The covariate values of one patient of ``cohort`` (for :func:`predict_survival`).

    Raises
    ------
    core.errors.AnalysisError
        When the patient is not in ``cohort`` or misses a covariate.
    """
    rows = cohort[cohort["patient_id"].astype(str) == str(patient_id)]
    if rows.empty:
        raise AnalysisError(f"Patient {patient_id} is not among the filtered patients; "
                            "choose another patient or widen the filters.")
    row = rows.iloc[0]
    missing = [c for c in covariates if pd.isna(row[c])]
    if missing:
        raise AnalysisError(f"Patient {patient_id} has no value for {missing}; choose another "
                            "patient or enter the profile by hand.")
    return {c: (float(row[c]) if c in NUMERIC_COVARIATES else str(row[c]))
            for c in covariates}


def uncertainty_note(result: CoxResult, event_noun: str) -> str:
    """Plain statement of how much the model's predictions can be trusted."""
    small = result.events < 20
    return (f"Based on {result.events} {event_noun} among {result.n} patients and "
            f"{len(result.terms)} coefficient{'s' if len(result.terms) != 1 else ''}. "
            + ("With so few events the intervals are wide: the true probability for a patient "
               "like this could lie anywhere in the band, and the curve also assumes "
               "proportional hazards. Read it as an illustration of the model, not as an "
               "individual forecast." if small else
               "The band is pointwise; the curve assumes proportional hazards."))


def ph_table(ph: PHTestResult, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Display rows of a proportional-hazards test: ``Covariate``, ``Chi-square``, ``df``,
    ``p`` (the last row is the global test of all covariates together)."""
    labels = labels or {}
    return pd.DataFrame({
        "Covariate": [("All covariates (global)" if c == "GLOBAL" else labels.get(c, c))
                      for c in ph.table.index],
        "Chi-square": [f"{v:.2f}" for v in ph.table["chisq"]],
        "df": [int(v) for v in ph.table["df"]],
        "p": [_format_p(v) for v in ph.table["p_value"]],
    })


def ph_caveats(ph: PHTestResult, labels: Mapping[str, str] | None = None,
               alpha: float = 0.05) -> list[str]:
    """Plain-language warnings for covariates whose proportional-hazards test has p < alpha."""
    labels = labels or {}
    out = []
    for covariate, row in ph.table.iterrows():
        if covariate == "GLOBAL" or not row["p_value"] < alpha:
            continue
        out.append(f"Proportional hazards are in doubt for {labels.get(covariate, covariate)} "
                   f"(p = {_format_p(row['p_value'])}): its hazard ratio seems to change over "
                   "follow-up, so the single hazard ratio is an average over time. Look at the "
                   "residual plot; consider stratifying on it or a time-varying effect.")
    return out


def curve_times(result: CoxResult, step: float = 0.5) -> list[float]:
    """Times at which to draw a predicted curve: a grid of ``step`` from 0 and every
    follow-up time of the fit, up to (and including) the last one, never beyond."""
    last = float(result.times.max())
    grid = np.arange(0.0, last + step / 2, step)
    return sorted({*(float(t) for t in grid if t <= last),
                   *(float(t) for t in result.times), last})
