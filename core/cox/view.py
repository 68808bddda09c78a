"""Everything the Cox regression page shows, from its choices, in two calls.

Design: the page reads its widgets into :class:`CoxChoices` and calls :func:`cox_view`, which
holds the page's model policy: one multivariable model or one model per covariate; the
ordinary fit always (it feeds the guardrails and the proportional-hazards check), Firth's
penalized fit when asked or, under "auto", when the ordinary fit shows separation or does not
converge (and the ordinary fit, with a warning, when Firth fails too); the guardrail box
(:func:`core.cox.guardrails.guardrail_box`); the tables, forest data and captions; the ordinary
model of the chosen covariates on each endpoint for predictions. :func:`prediction_panels`
then gives the predicted curves of one patient profile. Fits come through callables, so the
page passes cached wrappers (``ui.cox``) and nothing is fitted twice; the defaults fit directly
(:func:`core.cox.fit.fit_cox`, :func:`core.cox.ph.ph_test`). Nothing here draws or touches
Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from core.cohort.schema import ENDPOINTS, LABELS
from core.cohort.text import markdown_safe
from core.cox.display import (
    curve_times,
    hazard_ratio_table,
    model_names,
    model_table,
    needs_firth,
    term_labels,
    uncertainty_note,
)
from core.cox.fit import CoxResult, fit_cox
from core.cox.guardrails import GuardrailBox, guardrail_box
from core.cox.ph import PHTestResult, ph_test
from core.cox.predict import SurvivalPrediction, predict_survival
from core.errors import AnalysisError
from core.style.numbers import format_percent_ci
from core.survival.endpoint import BY_KEY, Endpoint, find_endpoint

ENDPOINT_KEYS = ("rfs", "os")
"""The stored endpoints: chosen on the page, the profile is predicted on both."""
MARKS = (12.0, 24.0)
"""Months at which the predicted survival of a profile is tabulated."""
FIRTH_MODES = ("auto", "ordinary", "firth")
"""The page's estimation choices (:attr:`CoxChoices.firth`), the default first."""
AGE_PER = {"decade": 10.0, "year": 1.0}
"""Years per unit of the age hazard ratio, by the page's choice (default first)."""

Fit = Callable[[str, tuple[str, ...], bool], CoxResult]
"""``fit(endpoint_key, covariates, firth)``."""
PH = Callable[[str, tuple[str, ...]], PHTestResult]
"""``ph(endpoint_key, covariates)``: the check of the ordinary fit."""
Predict = Callable[[str, tuple[tuple[str, object], ...], tuple[float, ...]], SurvivalPrediction]
"""``predict(endpoint_key, profile_pairs, times)`` from the ordinary model of all covariates."""


@dataclass(frozen=True)
class CoxChoices:
    """The Cox page's choices (hashable: the cached wrappers take them as they are).

    Attributes
    ----------
    endpoint : Endpoint or str
        The endpoint (a built-in key such as ``"rfs"`` is looked up).
    columns : tuple of (str, str, str or None)
        Time, event and entry columns of the endpoint in the cohort the page fits on (its
        :func:`core.survival.endpoint.resolve_endpoint`); default: the stored columns of OS
        or RFS.
    covariates : tuple of str
    model : {"multivariable", "univariable"}
    firth : {"auto", "ordinary", "firth"}
    ties : {"efron", "breslow"}
    reference : tuple of (column, level)
        Reference level of each categorical covariate, sorted.
    scale : tuple of (column, divisor)
        Per-unit divisor of numeric covariates (age per 10 years: ``("age", 10.0)``), sorted.
    strata : str or None
        A categorical column (not a covariate) whose levels each get their own baseline
        hazard (R ``coxph(... + strata(s))``); its own effect is not estimated.
    """

    endpoint: Endpoint | str
    covariates: tuple[str, ...]
    model: str = "multivariable"
    firth: str = "auto"
    ties: str = "efron"
    reference: tuple[tuple[str, str], ...] = ()
    scale: tuple[tuple[str, float], ...] = ()
    strata: str | None = None
    columns: tuple[str, str, str | None] | None = None

    def __post_init__(self):
        object.__setattr__(self, "endpoint", find_endpoint(self.endpoint))

    @property
    def key(self) -> str:
        """The chosen endpoint's key (links, file names)."""
        return self.endpoint.key

    def endpoint_of(self, key: str) -> Endpoint:
        """The chosen endpoint, or the stored one with ``key`` (predictions)."""
        return self.endpoint if key == self.key else BY_KEY[key]

    def columns_of(self, key: str) -> tuple[str, str, str | None]:
        """(time, event, entry) columns of the endpoint ``key``."""
        if key == self.key and self.columns:
            return self.columns
        time, event, _ = ENDPOINTS[key]
        return time, event, None

    def fit_cox(self, cohort: pd.DataFrame, endpoint: str, covariates: tuple[str, ...],
                firth: bool) -> CoxResult:
        """:func:`core.cox.fit.fit_cox` of ``covariates`` on the endpoint ``endpoint`` (a
        key) with these ties, references, scales and strata (and its delayed entry)."""
        time, event, entry = self.columns_of(endpoint)
        return fit_cox(cohort, time, event, list(covariates), ties=self.ties, firth=firth,
                       reference={c: v for c, v in self.reference if c in covariates},
                       scale={c: v for c, v in self.scale if c in covariates},
                       strata=self.strata, entry=entry)


@dataclass(frozen=True)
class CoxModel:
    """One model of the page: its ordinary fit, the fit shown, and its proportional-hazards
    check (``ph`` None with ``ph_error`` the reason when it could not be made)."""

    name: str
    covariates: tuple[str, ...]
    ordinary: CoxResult
    shown: CoxResult
    firth_error: str
    ph: PHTestResult | None
    ph_error: str


@dataclass(frozen=True, eq=False)
class CoxView:
    """Everything above the prediction section of the Cox page.

    Attributes
    ----------
    choices : CoxChoices
    models : tuple of CoxModel
    labels : dict of str to str
        Readable name of every term.
    box : GuardrailBox
        The caveats in plain words (``points``) and technical wording (``details``).
    excluded : tuple of str
        One sentence per model that left patients out (missing values).
    hr_table, model_table : pandas.DataFrame
        The hazard-ratio table and the per-model table (likelihood-ratio p, C, events).
    forest : pandas.DataFrame
        The shown fits' tables stacked, for the forest plot; ``forest_title`` its title.
    caption : str
        What HR, CI, p and ties mean for these fits.
    methods : tuple of str
        The distinct method sentences of the fits.
    predictions : dict of str to CoxResult or str
        Per endpoint with at least two events: the ordinary model of all covariates, or the
        message of the error that prevented it.
    predicted : tuple of str
        Endpoints whose predicted curves the page shows: RFS and OS when one of them is
        chosen, else the chosen endpoint.
    """

    choices: CoxChoices
    models: tuple[CoxModel, ...]
    labels: dict
    box: GuardrailBox
    excluded: tuple[str, ...]
    hr_table: pd.DataFrame
    model_table: pd.DataFrame
    forest: pd.DataFrame
    forest_title: str
    caption: str
    methods: tuple[str, ...]
    predictions: dict
    predicted: tuple[str, ...] = ENDPOINT_KEYS

    @property
    def conf_level(self) -> float:
        return self.models[0].shown.conf_level


def _events(cohort: pd.DataFrame, column: str) -> int:
    """Events in ``column`` (0 when the cohort does not have it)."""
    if column not in cohort.columns:
        return 0
    return int((pd.to_numeric(cohort[column], errors="coerce") == 1).sum())


def no_model_reason(cohort: pd.DataFrame, endpoint: Endpoint, event: str,
                    covariates) -> tuple[str, str]:
    """Why no Cox model can be fitted, as (kind, sentence for ``st.info``): kind
    ``"patients"`` (fewer than two), ``"events"`` (fewer than two events in the column
    ``event``) or ``"covariates"`` (none chosen); ``("", "")`` when a model can be tried."""
    noun = endpoint.noun
    if len(cohort) < 2:
        return "patients", (
            "Only one patient matches the current filters. A Cox model compares patients "
            "with each other, so it needs several patients and at least two events. Widen "
            "the filters, or press **Clear all filters** in the sidebar.")
    events = _events(cohort, event)
    if events < 2:
        return "events", (
            f"The {len(cohort)} filtered patients have {events} {noun} "
            f"({markdown_safe(endpoint.label)}): a hazard ratio compares the rate of "
            f"{noun}, so the Cox model needs at least two. Widen the filters or choose "
            "another endpoint.")
    if not covariates:
        return "covariates", "Choose at least one covariate above to fit a Cox model."
    return "", ""


def cox_view(cohort: pd.DataFrame, choices: CoxChoices, fit: Fit | None = None,
             ph: PH | None = None, predict: bool = True) -> CoxView:
    """Fit the page's models and gather what the page shows.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The rows the models use (the page's sample of a registry, see
        :func:`core.cox.display.model_rows`).
    choices : CoxChoices
    fit, ph : callable, optional
        Cached fits (see :data:`Fit`, :data:`PH`); default: fit directly.
    predict : bool
        Fit the models behind the predicted curves (``predictions``); False leaves them
        empty (the deliverables, which draw no prediction).

    Returns
    -------
    CoxView

    Raises
    ------
    AnalysisError
        When an ordinary fit (or a Firth fit asked for explicitly) cannot be made.
    """
    fit = fit or (lambda ep, cols, firth: choices.fit_cox(cohort, ep, cols, firth))
    ph = ph or (lambda ep, cols: ph_test(fit(ep, cols, False)))
    covariates = tuple(choices.covariates)
    sets = ([covariates] if choices.model == "multivariable" else [(c,) for c in covariates])
    models = []
    for name, columns in zip(model_names(choices.model, covariates), sets, strict=True):
        ordinary = fit(choices.key, columns, False)
        shown, firth_error = ordinary, ""
        if choices.firth == "firth":
            shown = fit(choices.key, columns, True)
        elif choices.firth == "auto" and needs_firth(ordinary):
            try:
                shown = fit(choices.key, columns, True)
            except AnalysisError as error:  # Firth failed too: show the ordinary fit
                firth_error = str(error)
        try:
            check, check_error = ph(choices.key, columns), ""
        except AnalysisError as error:
            check, check_error = None, str(error)
        models.append(CoxModel(name, columns, ordinary, shown, firth_error, check, check_error))
    predictions = {}
    predicted = ENDPOINT_KEYS if choices.key in ENDPOINT_KEYS else (choices.key,)
    for ep in predicted if predict else ():
        if not choices.endpoint_of(ep).entry and _events(cohort, choices.columns_of(ep)[1]) >= 2:
            try:
                predictions[ep] = fit(ep, covariates, False)
            except AnalysisError as error:
                predictions[ep] = str(error)
    shown = [m.shown for m in models]
    endpoint = choices.endpoint
    noun = endpoint.noun
    box = guardrail_box(
        [(m.name if choices.model == "univariable" else "", m.ordinary, m.shown)
         for m in models], noun, auto_firth=choices.firth == "auto",
        ph_results=[m.ph for m in models],
        separated_predictions=[choices.endpoint_of(ep).name.lower()
                               for ep, f in predictions.items()
                               if isinstance(f, CoxResult) and needs_firth(f)])
    first = models[0].name if choices.model == "multivariable" else "Univariable"
    entry = choices.columns_of(choices.key)[2]
    methods = [f.method.replace(f"`{entry}`", endpoint.entry or "entry") if entry else f.method
               for f in shown]
    return CoxView(
        choices=choices, models=tuple(models),
        labels={t: label for f in shown for t, label in term_labels(f).items()}, box=box,
        excluded=tuple(f.excluded_reason for f in shown if f.excluded),
        hr_table=hazard_ratio_table(shown), model_table=model_table(shown,
                                                                    [m.name for m in models]),
        forest=pd.concat([f.table for f in shown]),
        forest_title=f"{first} Cox model, {endpoint.abbreviation}" + (
            f" ({endpoint.qualifier})" if endpoint.qualifier and choices.key not in ENDPOINT_KEYS
            else ""),
        caption=_caption(shown, noun) + (STRATA_SENTENCE.format(stratum=markdown_safe(
            LABELS.get(choices.strata, choices.strata))) if choices.strata else "")
        + (ENTRY_SENTENCE.format(label=markdown_safe(endpoint.label),
                                 entry=markdown_safe(endpoint.entry)) if entry else ""),
        methods=tuple(dict.fromkeys(methods)), predictions=predictions, predicted=predicted)


ENTRY_SENTENCE = (" {label}: patients count from {entry} (delayed entry, left truncation; R "
                  "coxph(Surv(entry, time, event) ~ ...)): a patient is in the risk set of an "
                  "event only when under observation at that time, so the months before "
                  "{entry}, which every patient survived by design, add no time at risk. "
                  "Harrell's C compares only patients both under observation at the earlier "
                  "event time (R concordance on the same Surv).")
"""What delayed entry means in the model, in words (the page's model description)."""

ENTRY_PREDICTION = (
    "No predicted curve for {label}: with delayed entry nobody is at risk before {entry}, so "
    "a curve from the model would be survival given alive at {entry}, not survival from "
    "{origin}, and drawing it as the latter would overstate survival. The hazard ratios above "
    "are the answer of this model; for a predicted curve choose an endpoint without delayed "
    "entry (e.g. OS from maintenance start).")
"""Why the Cox page draws no predicted curve for an endpoint with delayed entry."""


STRATA_SENTENCE = (" Stratified by {stratum}: each level of {stratum} has its own baseline "
                   "hazard (R coxph + strata), so the hazard ratios compare patients within "
                   "the same level and no hazard ratio is estimated for {stratum} itself.")
"""What a stratified model means, in one sentence (the page, the deck, the scripts' README)."""


def _caption(fits: list[CoxResult], noun: str) -> str:
    ties = " and ".join(sorted({f.ties.capitalize() for f in fits}))
    firth = any(f.firth for f in fits)
    return (
        f"HR: hazard ratio of {noun} (above 1: {noun} sooner), versus the reference level of a "
        "category, per 10 years or per year of age. "
        + ("95% CI and p: Wald, from the ordinary Cox partial likelihood. " if not firth else
           "95% CI and p: Wald for ordinary fits; for Firth-penalized fits, profile penalized-"
           "likelihood CI and penalized likelihood-ratio p. ")
        + f"Tied event times: {ties}"
        + (" (Firth's penalized model uses Breslow). " if firth else ". ")
        + "Likelihood-ratio p: test that every coefficient of the model is 0 (not available "
        "for Firth fits). Harrell's C: concordance of the model's risk score with the order of "
        f"{noun} (0.5 = chance, 1 = perfect; optimistic when computed on the same patients). "
        "Patients/events with level: those in the term's level (all of them for age).")


def readable(text: str, labels: Mapping[str, str], names: Mapping[str, str]) -> str:
    """A core caveat as Markdown for the page: `term` spans become the term's readable name
    (``labels``, else the column's ``names``), the advice to set firth=True becomes the page's
    own control, user text is escaped."""
    out = []
    for i, part in enumerate(text.split("`")):
        if i % 2:
            out.append(f"*{markdown_safe(labels.get(part, names.get(part, part)))}*")
        else:
            out.append(markdown_safe(part).replace(
                "Refit with firth=True (Firth-penalized Cox)",
                "Choose **Firth-penalized Cox** (or **Automatic**) under Estimation"
            ).replace("firth=True", "Firth-penalized Cox"))
    return "".join(out)


@dataclass(frozen=True)
class PredictionPanel:
    """The predicted survival of one profile on one endpoint (one column of the page).

    ``message`` (no model: too few events) or ``error`` is set when there is no ``curve``;
    ``row`` holds the endpoint's predicted survival at :data:`MARKS` as text.
    """

    endpoint: str
    message: str = ""
    error: str = ""
    curve: SurvivalPrediction | None = None
    separated: bool = False
    uncertainty: str = ""
    row: tuple[tuple[str, str], ...] = ()


def prediction_panels(cohort: pd.DataFrame, view: CoxView, profile: Mapping[str, object],
                      predict: Predict | None = None) -> tuple[PredictionPanel, ...]:
    """Predicted survival of ``profile`` from the ordinary model of the chosen covariates on
    each endpoint of :attr:`CoxView.predicted` (:attr:`CoxView.predictions`), curves stopping
    at each model's last follow-up time, never extrapolated; an endpoint with delayed entry
    gets :data:`ENTRY_PREDICTION` instead of a curve. A stratified model predicts from the
    baseline hazard of the profile's own stratum (the profile's value of the strata column;
    R ``survfit(fit, newdata)``)."""
    pairs = tuple(sorted(profile.items()))
    if predict is None:
        def predict(ep, prof, times):
            prof = dict(prof)
            stratum = prof.pop(view.choices.strata, None) if view.choices.strata else None
            return predict_survival(view.predictions[ep], prof, times,
                                    stratum=None if stratum is None else str(stratum))
    panels = []
    for ep in view.predicted:
        endpoint = view.choices.endpoint_of(ep)
        name, noun = endpoint.name.lower(), endpoint.noun
        if endpoint.entry:
            panels.append(PredictionPanel(ep, message=ENTRY_PREDICTION.format(
                label=markdown_safe(endpoint.label), entry=markdown_safe(endpoint.entry),
                origin=markdown_safe(endpoint.origin))))
            continue
        result = view.predictions.get(ep)
        if result is None:
            events = _events(cohort, view.choices.columns_of(ep)[1])
            panels.append(PredictionPanel(ep, message=(
                f"No {name} prediction: the filtered patients have "
                f"{events} {noun}, and a Cox model needs at least two.")))
            continue
        try:
            if isinstance(result, str):
                raise AnalysisError(result)
            empty = _stratum_without_events(result, profile.get(view.choices.strata))
            if empty:
                panels.append(PredictionPanel(ep, message=(
                    f"No {name} prediction: the model's patients in the "
                    f"stratum {markdown_safe(empty)} have no {noun}, so its baseline "
                    "hazard is zero and the model has nothing to predict from. Choose another "
                    "stratum or no stratification.")))
                continue
            times = curve_times(result)
            curve = predict(ep, pairs, tuple(times))
            last, row = max(times), [("Endpoint", endpoint.name if ep in ENDPOINT_KEYS
                                      else endpoint.label)]
            for months in MARKS:
                column = f"{months:g} months: % (95% CI)"
                if months > last:
                    row.append((column, f"beyond follow-up (last {last:g} months)"))
                    continue
                hit = predict(ep, pairs, (months,)).table.iloc[0]
                row.append((column, format_percent_ci(hit["survival"], hit["ci_lower"],
                                                      hit["ci_upper"])))
        except AnalysisError as error:
            panels.append(PredictionPanel(ep, error=f"{endpoint.name}: {error}"))
            continue
        panels.append(PredictionPanel(ep, curve=curve, separated=needs_firth(result),
                                      uncertainty=uncertainty_note(result, noun),
                                      row=tuple(row)))
    return tuple(panels)


def _stratum_without_events(result: CoxResult, stratum) -> str | None:
    """``stratum`` (as text) when ``result`` is stratified and its rows in that stratum have
    no event (R's survfit would draw a flat line at 1 there); else None."""
    data = result.data
    if stratum is None or data.strata is None or str(stratum) not in data.strata_labels:
        return None
    code = data.strata_labels.index(str(stratum))
    return None if data.status[data.strata == code].sum() > 0 else str(stratum)
