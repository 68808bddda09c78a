"""Cox proportional-hazards models: the fit and its guardrails.

The Cox family is split by task, each call returning one frozen result:

* :func:`fit_cox` (this module) fits a Cox model (Newton-Raphson on the sorted risk sets of
  :mod:`core.cox.riskset`, Efron or Breslow ties, as R's ``coxph``) or a Firth-penalized
  Cox model (firthmodels ``FirthCoxPH``) and explains every statistical caveat it detects
  (monotone likelihood, few events per coefficient, non-convergence) in
  ``CoxResult.warnings``.
* :func:`core.cox.ph.ph_test` is the proportional-hazards score test of R's ``cox.zph``
  (survival >= 3.0) with the scaled Schoenfeld residuals for plotting.
* :func:`core.cox.predict.predict_survival` is R's ``survfit.coxph`` for one covariate
  profile: the predicted survival curve with a pointwise log or log-log interval.

Times are in the unit of the time column (months for the project's endpoints); hazard ratios
are per one unit of a numeric covariate (or per ``scale`` units when scaled) and versus the
reference level of a categorical covariate. :mod:`core.cox.display` formats results for the
Cox page. See ``docs/methods-cox.md`` for the methods.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from core.cox.concordance import harrell_c
from core.cox.data import CoxData
from core.cox.encoding import Encoding, covariate_encoding  # noqa: F401  (Encoding re-exported)
from core.cox.firth import fit_firth
from core.cox.ordinary import (  # noqa: F401  (the DIVERGENT_* limits re-exported)
    DIVERGENT_COEF,
    DIVERGENT_SE,
    fit_ordinary,
    separation_warnings,
)
from core.cox.rows import complete_rows, refuse_interventions  # noqa: F401  (re-exported)
from core.errors import AnalysisError, Caveats

Ties = Literal["efron", "breslow"]

EPV_MIN = 10
"""Events per estimated coefficient below which a warning is given (Peduzzi et al. 1995)."""
FIRTH_MAX_ROWS = 5_000
"""Patients at most in a Firth-penalized fit. Firth's correction matters in small samples;
firthmodels took 11 s for 10,000 patients with a level without events (bench/bench_cox.py),
and would stall the page on a registry."""

METHOD_PHREG = ("Cox partial likelihood (Newton-Raphson, as R coxph), {ties} ties, Wald CIs and "
                "p-values")
METHOD_FIRTH = ("Firth-penalized Cox (exact penalized score, as R coxphf), Breslow ties, "
                "profile penalized-likelihood CIs, penalized likelihood-ratio p-values")

TABLE_COLUMNS = ("coef", "se", "z", "hr", "hr_lower", "hr_upper", "p_value", "n", "events")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

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
        How each covariate became terms (used by :func:`core.cox.predict.predict_survival`).
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
        Harrell's C of the linear predictor (:func:`core.cox.concordance.harrell_c`, the
        numbers of scikit-survival's ``concordance_index_censored`` in O(n log n)), computed
        when first read (see the property).
    converged : bool
        Whether the optimiser reported convergence.
    warnings : tuple of str
        What must not be read, in plain language (separation, non-convergence, terms not
        estimable); empty when there is nothing (the convention of :class:`core.errors.Caveats`).
    notes : tuple of str
        What to read with care: few events per coefficient, Breslow used for Firth.
    data : CoxData
        The model's rows as the likelihood engine read them (entry times, strata, weights).
    strata, entry : str or None
        The strata and entry-time columns of the model, when given.
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
    converged: bool
    warnings: tuple[str, ...]
    params: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    design: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)
    data: CoxData | None = field(default=None, repr=False)
    strata: str | None = None
    entry: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def caveats(self) -> Caveats:
        """Warnings and notes together (:class:`core.errors.Caveats`)."""
        return Caveats(self.warnings, self.notes)

    @property
    def terms(self) -> tuple[str, ...]:
        """Term names, in design-matrix order."""
        return tuple(self.table.index)

    @cached_property
    def concordance(self) -> float:
        """Harrell's C of the linear predictor, computed at the first read and kept: most
        fits never show it (the Subgroups page's ~20 fits per filter, Table 2), and it costs
        about as much as a fit's Newton steps on 10^5 patients. A pickled copy (a cached
        result) carries it (:meth:`__getstate__`)."""
        data = self.data
        return harrell_c(self.status, self.times, self.design @ self.params,
                         entry=None if data is None else data.entry,
                         strata=None if data is None else data.strata).c_index

    def __getstate__(self) -> dict:
        """The state to pickle, with :attr:`concordance` computed first, so that a cached
        copy does not compute it again on every read."""
        _ = self.concordance
        return self.__dict__


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------
def fit_cox(df: pd.DataFrame, time: str, event: str, covariates: Sequence[str],
            ties: Ties = "efron", firth: bool = False, conf_level: float = 0.95, *,
            reference: Mapping[str, str] | None = None,
            scale: Mapping[str, float] | None = None, entry: str | None = None,
            strata: str | None = None, weights: str | None = None) -> CoxResult:
    """Fit a Cox proportional-hazards model.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        The cohort, one row per patient (from an engine, only the model's columns are
        fetched).
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
    entry : str, optional
        Column of entry times on the time column's clock (delayed entry / left truncation,
        R ``Surv(entry, time, event)``): a patient is at risk at t only when entry < t.
    strata : str, optional
        Column whose levels each get their own baseline hazard (R ``+ strata(s)``); its
        effect is not estimated.
    weights : str, optional
        Column of positive case weights (R ``weights=``). Standard errors are model-based
        (R ``naive.var``); R reports a robust variance when weights are not whole numbers.

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
    Rows with a missing time, event, covariate, entry, stratum or weight are excluded and
    counted in ``excluded``, as are rows entering at or after their end of follow-up.
    Ordinary fits use Newton-Raphson from 0 with step halving: coefficients, standard errors
    (inverse observed information), Wald intervals and p-values, which match R's ``coxph``.
    """
    if ties not in ("efron", "breslow"):
        raise AnalysisError(f"ties must be 'efron' or 'breslow', not {ties!r}.")
    if not 0 < conf_level < 1:
        raise AnalysisError(f"conf_level must be between 0 and 1 (e.g. 0.95), not {conf_level}.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise AnalysisError("Choose at least one covariate for the Cox model.")
    if len(set(covariates)) != len(covariates):
        raise AnalysisError(f"Covariates are listed more than once: {covariates}.")
    refuse_interventions(covariates)
    reference = dict(reference or {})
    scale = dict(scale or {})

    frame, excluded, excluded_reason = complete_rows(df, time, event, covariates,
                                                     entry=entry, strata=strata,
                                                     weights=weights)
    times = frame[time].to_numpy(dtype=float)
    status = frame[event].to_numpy(dtype=float)
    n_events = int(status.sum())
    if n_events < 2:
        raise AnalysisError(
            f"A Cox model needs at least 2 events; `{event}` has {n_events} among the "
            f"{len(frame)} patients with complete data. Widen the filters or choose another "
            "endpoint.")
    if firth and len(frame) > FIRTH_MAX_ROWS:  # refused before any design is built
        raise AnalysisError(
            f"Firth's penalized Cox model is offered for up to {FIRTH_MAX_ROWS:,} patients; "
            f"this model has {len(frame):,}. Its correction matters in small samples; in a "
            "cohort this large a hazard ratio running to 0 or infinity means a level with "
            "no events (or with all of them): combine that level with another or drop the "
            "covariate, and use the ordinary Cox model.")

    encodings = tuple(covariate_encoding(frame[c], c, reference.get(c), scale.get(c))
                      for c in covariates)
    unused = sorted(set(reference) - {e.column for e in encodings if e.kind == "categorical"})
    if unused:
        raise AnalysisError(f"reference is given for {unused}, which are not categorical "
                            "covariates of this model.")
    unused = sorted(set(scale) - {e.column for e in encodings if e.kind == "numeric"})
    if unused:
        raise AnalysisError(f"scale is given for {unused}, which are not numeric covariates "
                            "of this model.")
    design = np.column_stack([e.encode(frame[e.column]) for e in encodings])
    terms = [t for e in encodings for t in e.terms]
    data = _cox_data(frame, times, status, design, entry, strata, weights)

    notes: list[str] = []
    if firth:
        if ties == "efron":
            notes.append("Firth's penalized Cox model is available with Breslow ties only; "
                         "Breslow was used instead of Efron.")
        ties = "breslow"
        try:
            fit = fit_firth(data, conf_level)
        except np.linalg.LinAlgError as error:  # e.g. a level whose information is zero
            raise AnalysisError(
                f"The Firth-penalized fit failed numerically (\"{error}\") with "
                f"{len(terms)} coefficients for {n_events} events: some levels carry no "
                "information. Combine levels or drop covariates.") from error
    else:
        try:
            fit = fit_ordinary(data, ties, conf_level)
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

    caveats: list[str] = []
    if not firth and fit["aliased"].any():
        aliased = [t for t, a in zip(terms, fit["aliased"], strict=True) if a]
        table.loc[aliased, ["coef", "z", "hr", "hr_lower", "hr_upper"]] = np.nan
        caveats.append(
            f"{_quote(aliased)} carr{'ies' if len(aliased) == 1 else 'y'} no information of "
            "its own (it duplicates other terms, or its patients leave follow-up before the "
            "first event): not estimable, shown as missing, as R's coxph reports NA. The "
            "other terms are fitted without it; drop or combine that covariate.")
    caveats += fit["messages"]
    if not firth:
        caveats += separation_warnings(data, terms, fit)
    epv = n_events / len(terms)
    if epv < EPV_MIN:
        notes.append(
            f"Only {n_events} events for {len(terms)} coefficient"
            f"{'s' if len(terms) != 1 else ''} ({epv:.1f} events per coefficient; at least "
            f"{EPV_MIN} is the usual minimum): estimates may be biased away from 1 and "
            "intervals too narrow. Fit fewer covariates or read the model as exploratory.")

    lr_df = len(terms)
    lr = 2 * (fit["loglik"] - fit["loglik_null"])
    lr_p = float(stats.chi2.sf(lr, lr_df)) if math.isfinite(lr) else math.nan
    method = METHOD_FIRTH if firth else METHOD_PHREG.format(ties=ties.capitalize())
    method += "".join(part for given, part in (
        (entry, f"; delayed entry at `{entry}` (at risk only after it)"),
        (strata, f"; stratified by `{strata}` (one baseline hazard per level)"),
        (weights, f"; case weights `{weights}` (model-based standard errors)")) if given)
    return CoxResult(
        table=table, time=time, event=event, covariates=tuple(covariates),
        encodings=encodings, n=data.n, events=n_events, excluded=excluded,
        excluded_reason=excluded_reason, ties=ties, firth=firth, method=method,
        conf_level=conf_level, loglik=float(fit["loglik"]),
        loglik_null=float(fit["loglik_null"]), lr_statistic=float(lr), lr_df=lr_df,
        lr_p_value=lr_p, converged=bool(fit["converged"]),
        warnings=tuple(dict.fromkeys(caveats)), notes=tuple(dict.fromkeys(notes)),
        params=fit["coef"], cov=fit["cov"],
        design=design, times=times, status=status, data=data, strata=strata,
        entry=entry)


def _quote(terms: Sequence[str]) -> str:
    return ", ".join(f"`{t}`" for t in terms)


def _term_counts(x: np.ndarray, status: np.ndarray) -> tuple[int, int]:
    """Patients and events with x == 1 for an indicator, all of them otherwise."""
    if np.isin(x, (0.0, 1.0)).all():
        return int((x == 1).sum()), int(status[x == 1].sum())
    return len(x), int(status.sum())


def _cox_data(frame: pd.DataFrame, times: np.ndarray, status: np.ndarray, design: np.ndarray,
              entry: str | None, strata: str | None, weights: str | None) -> CoxData:
    """The engine's view of the kept rows: strata coded in their levels' order."""
    codes, labels = None, ()
    if strata is not None:
        values = frame[strata]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.remove_unused_categories()
            codes = values.cat.codes.to_numpy(dtype=np.int64)
            labels = tuple(str(c) for c in values.cat.categories)
        else:
            codes, uniques = pd.factorize(values, sort=True)
            labels = tuple(str(u) for u in uniques)
    return CoxData(times=times, status=status, design=design,
                   entry=None if entry is None else frame[entry].to_numpy(dtype=float),
                   strata=codes, strata_labels=labels,
                   weights=None if weights is None else frame[weights].to_numpy(dtype=float))
