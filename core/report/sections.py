"""The analysis sections every deliverable shares: Cox model, swimmer plot, competing risks,
methods.

Design: :func:`core.report.html.report_sections` lists the content of a tumor-board
deliverable once (baseline, Kaplan-Meier per endpoint, the sections built here, patients); the
HTML report (:mod:`core.report.html`), the slide deck (:mod:`core.report.deck`) and the
projector mode draw that same list, so they cannot disagree. :class:`ReportChoices` carries
what the user chose on the pages (endpoint first, stratifier, Cox covariates, swimmer clock)
and is plain data (hashable; a page passes it through ``st.cache_data``).

Conventions: the Cox section follows the Cox page (its estimation, ties, reference levels and
age unit: by default ordinary Cox with Efron ties, Firth's penalized fit when the ordinary fit
shows separation or does not converge; its caveats as warnings); the competing-risk sections
follow the Competing risks page (:mod:`core.report.competing`).

References
----------
See :mod:`core.cox.fit` (Cox, Firth), :mod:`core.patients.timelines` (swimmer lanes),
:mod:`core.survival.competing.estimate` (Aalen-Johansen, Gray).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from core.cohort.derive import methods_sentences
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import ENDPOINTS, LABELS
from core.cohort.text import format_months, format_number, parse_horizon, parse_months, plural
from core.errors import AnalysisError
from core.style.numbers import format_p, p_phrase
from core.survival.endpoint import (
    BUILT_IN,
    INCIDENCE,
    SURVIVAL,
    Endpoint,
    ResolvedEndpoint,
    endpoint_from_dict,
    find_endpoint,
    resolve_endpoint,
)


@dataclass(frozen=True)
class Section:
    """One block of the report: a heading, paragraphs, an optional table and figure.

    Attributes
    ----------
    title : str
    paragraphs : tuple of str
        Plain text (escaped when rendered).
    table : pandas.DataFrame or None
    figure : plotly.graph_objects.Figure or None
    warnings : tuple of str
        Caveats shown highlighted.
    key : str
        Stable name of the section ("baseline", "km.rfs", "cox", ...), for file names and links.
    notes : tuple of str
        Methods behind the numbers (slide notes; small print in the HTML report).
    metrics : tuple of (str, str)
        Key numbers as (label, value), shown large in projector mode.
    figure_table : pandas.DataFrame or None
        Text table that travels with the figure (a Kaplan-Meier figure's hazard ratios and
        medians): drawn into exported images and slides, shown under the figure elsewhere.
    figure_table_notes : tuple of str
        The caveats of ``figure_table`` (also among ``warnings``), so that projector mode can
        show them with the table rather than beside the curve.
    answer : str
        The result in one plain line, the line the section's page opens with (the same
        function makes both): the deck, the report and projector mode open the section with
        it. "" for a section that continues the one before (its numbers, further tests,
        Table 2) or that no page opens with a result (flow, patients, methods).
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    figure: object | None = None
    warnings: tuple[str, ...] = ()
    key: str = ""
    notes: tuple[str, ...] = ()
    metrics: tuple[tuple[str, str], ...] = ()
    figure_table: pd.DataFrame | None = None
    figure_table_notes: tuple[str, ...] = ()
    answer: str = ""


DELIVERED = tuple(e.key for e in BUILT_IN if e.kind == SURVIVAL)  # and the user's own


@dataclass(frozen=True)
class ReportChoices:
    """What the user chose on the pages, for the deliverables.

    Attributes
    ----------
    endpoint : str
        Key of the survival endpoint shown first (the Survival page's; or a user endpoint).
    by : str or None
        Stratifier of the Kaplan-Meier curves.
    landmark_months : tuple of float
    horizon : float
        RMST horizon (months).
    cox_endpoint : str
        Key of the Cox page's endpoint (as ``endpoint``).
    cox_covariates : tuple of str
        Covariates of the multivariable Cox model; empty for no Cox section.
    swimmer_mode : {"rfs", "os"}
    swimmer_color_by : str or None
    group_rules : str
        The custom group's rules in one sentence
        (:meth:`core.cohort.groups.GroupDefinition.caption`), "" without custom groups; shown
        wherever the custom group is the stratifier, a covariate or the lanes' colour, and on
        the methods slide.
    competing_by : str or None
        Grouping of the competing-risk section (the Competing risks page's).
    competing_rule : {"censor", "end_of_rfs"}
        How a death recorded only on the OS clock counts (the Competing risks page's rule,
        :data:`core.survival.competing.input.DEATH_RULES`).
    risk_endpoint, risk_kind, risk_covariates, risk_horizon, risk_rule
        The Relapse risk page's model (:func:`core.risk.summary.risk_report`); no
        covariates (the page not visited): no risk section.
    cox_strata : str or None
        The Cox page's stratum (R ``coxph(... + strata(s))``), for the Cox and Table 2
        sections; None for no stratification.
    user_endpoints : tuple of str
        The user's own endpoints, as JSON of :func:`core.survival.endpoint.endpoint_to_dict`.
    reference, competing_reference, baseline_by, rho, logrank_strata, pairwise_adjust
        The pages' reference groups (None or absent: the first group), Table 1 split and
        further log-rank tests (None: not shown); see :mod:`core.report.group_tests`.
    competing_endpoint : str or None
        The Competing risks page's own incidence endpoint (one of ``user_endpoints``; None:
        no section, :mod:`core.report.competing`).
    cox_model : {"multivariable", "univariable"}
        The Cox page's model; the section is always the multivariable model and says so when
        the page shows univariable ones (:data:`UNIVARIABLE_ON_PAGE`).
    cox_firth, cox_ties, cox_reference, cox_age_scale
        The Cox page's estimation (:data:`core.cox.view.FIRTH_MODES`), ties, reference level
        per categorical covariate as sorted (column, level) pairs (absent: the first level)
        and age unit (:data:`core.cox.view.AGE_PER`), for the Cox and Table 2 sections.
    competing_landmarks : tuple of float
        The Competing risks page's landmarks (months, among
        :data:`core.survival.competing.summary.LANDMARK_CHOICES`; may be empty).
    """

    endpoint: str = "rfs"
    by: str | None = None
    landmark_months: tuple[float, ...] = (12.0, 24.0)
    horizon: float = 24.0
    cox_endpoint: str = "rfs"
    cox_covariates: tuple[str, ...] = ("mrd_pre_status", "eln2022_risk")
    swimmer_mode: str = "rfs"
    swimmer_color_by: str | None = "eln2022_risk"
    group_rules: str = ""
    competing_by: str | None = None
    competing_rule: str = "censor"
    risk_endpoint: str = "cir"
    risk_kind: str = "fine_gray"
    risk_covariates: tuple[str, ...] = ()
    risk_horizon: float = 24.0
    risk_rule: str = "censor"
    cox_strata: str | None = None
    user_endpoints: tuple[str, ...] = ()
    reference: str | None = None
    competing_reference: str | None = None
    baseline_by: str | None = None
    rho: float | None = None
    logrank_strata: str | None = None
    pairwise_adjust: str = "holm"
    competing_endpoint: str | None = None
    cox_model: str = "multivariable"
    cox_firth: str = "auto"
    cox_ties: str = "efron"
    cox_reference: tuple[tuple[str, str], ...] = ()
    cox_age_scale: str = "decade"
    competing_landmarks: tuple[float, ...] = (12.0, 24.0)

    def __post_init__(self) -> None:
        """The deliverables' gatekeeper: every choice is checked as its page checks it (the
        same parsers and sentences), whatever the link said."""
        from typing import get_args

        from core.cox.fit import Ties
        from core.cox.view import AGE_PER, FIRTH_MODES
        from core.survival.competing.input import DEATH_RULES
        from core.survival.competing.summary import LANDMARK_CHOICES
        from core.survival.km.pairwise import ADJUSTMENTS
        from core.survival.km.robustness import RHO_CHOICES

        survival = (*DELIVERED, *(e.key for e in self.users if e.kind == SURVIVAL))
        for name, allowed in (("endpoint", survival), ("cox_endpoint", survival),
                              ("swimmer_mode", (*ENDPOINTS, *(e.key for e in self.users))),
                              ("competing_rule", DEATH_RULES),
                              ("risk_rule", DEATH_RULES), ("rho", (None, *RHO_CHOICES)),
                              ("pairwise_adjust", ADJUSTMENTS), ("competing_endpoint", (
                                  None, *(e.key for e in self.users if e.kind == INCIDENCE))),
                              ("cox_model", ("multivariable", "univariable")),
                              ("cox_firth", FIRTH_MODES), ("cox_ties", get_args(Ties)),
                              ("cox_age_scale", tuple(AGE_PER))):
            value = getattr(self, name)
            if value not in allowed:
                raise AnalysisError(f"The deliverables' {name} is {str(value)[:40]!r}; it is one "
                                    f"of {', '.join(map(repr, allowed))}. Fix: choose it on its "
                                    "page.")
        parse_horizon(format_number(self.horizon))
        parse_horizon(format_number(self.risk_horizon), "Risk horizon")
        parse_months(format_months(self.landmark_months))
        if not set(self.competing_landmarks) <= set(LANDMARK_CHOICES):
            raise AnalysisError(f"The deliverables' competing landmarks are "
                                f"{format_months(self.competing_landmarks)} months; each is one of "
                                f"{format_months(LANDMARK_CHOICES)} months. Fix: choose them "
                                "on the Competing risks page.")

    @property
    def users(self) -> tuple[Endpoint, ...]:
        """The user's own endpoints (AnalysisError on a broken definition)."""
        return tuple(endpoint_from_dict(json.loads(text)) for text in self.user_endpoints)

    def find(self, key: str) -> Endpoint:
        return find_endpoint(key, self.users)

    def resolve(self, cohort, key: str) -> ResolvedEndpoint:
        """:func:`core.survival.endpoint.resolve_endpoint` of ``key`` (entry included)."""
        return resolve_endpoint(cohort, key, self.users)

    def rules_for(self, *columns: str | None) -> tuple[str, ...]:
        """``(group_rules,)`` when one of ``columns`` is the custom group, else ``()``."""
        return (self.group_rules,) if self.group_rules and CUSTOM_GROUP_COLUMN in columns \
            else ()

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Both endpoints, the chosen one first."""
        return (self.endpoint, *[e for e in ("os", "rfs") if e != self.endpoint])


def key_numbers(report) -> tuple[tuple[str, str], ...]:
    """Key numbers of a :class:`~core.survival.km.summary.SurvivalReport` for projector mode:
    one line per group (its median and the Kaplan-Meier estimate at the first landmark, 0%
    once the curve has reached 0), then the log-rank, permutation and trend p."""
    from core.survival.km.summary import reached_zero

    out = []
    first = report.landmark_months[0] if report.landmark_months else None
    for _, row in report.medians.iterrows():
        parts = ["median not reached" if row["median"] != row["median"]
                 else f"median {row['median']:.1f} months"]
        hit = report.landmarks[(report.landmarks["group"] == row["group"])
                               & (report.landmarks["time"] == first)]
        if first is not None and not hit.empty:
            parts.append(f"{100 * hit['survival'].iloc[0]:.1f}% at {first:g} months")
        elif first is not None and reached_zero(report.fit, row["group"]):
            parts.append(f"0% at {first:g} months")
        out.append((f"{row['group']} (n={int(row['n']):,})", "; ".join(parts)))
    if report.logrank is not None:
        out.append(("Log-rank p", format_p(report.logrank.p_value)))
    if report.permutation is not None:
        out.append(("Permutation p", format_p(report.permutation.p_value)))
    if report.trend is not None:
        out.append(("Trend across ELN groups, p", format_p(report.trend.p_value)))
    return tuple(out)


UNIVARIABLE_ON_PAGE = ("The Cox page shows univariable models (one per covariate); this section "
                      "is the multivariable model of the same covariates, so its hazard ratios "
                      "and its first line differ from the page's.")
NO_COVARIATES = ("none of the chosen covariates varies among the filtered patients. Choose "
                 "covariates on the Cox regression page, or widen the filters.")


def cox_columns(cohort: pd.DataFrame, choices: ReportChoices) -> tuple[list[str], str | None]:
    """The Cox page's covariates that vary among ``cohort``, and its stratum (None when not
    chosen or not in ``cohort``)."""
    from core.cox.display import covariate_options

    options = covariate_options(cohort)
    strata = choices.cox_strata if choices.cox_strata in cohort.columns else None
    return [c for c in choices.cox_covariates if c in options], strata


def cox_choices(choices: ReportChoices, endpoint, covariates: list[str], strata: str | None,
                columns: tuple) -> object:
    """The Cox page's :class:`core.cox.view.CoxChoices` (multivariable) of ``covariates``:
    its estimation, ties, reference levels and age unit, as the page passes them."""
    from core.cox.view import AGE_PER, CoxChoices

    per = AGE_PER[choices.cox_age_scale]
    return CoxChoices(endpoint, tuple(covariates), firth=choices.cox_firth,
                      ties=choices.cox_ties,
                      reference=tuple(p for p in choices.cox_reference if p[0] in covariates),
                      scale=(("age", per),) if "age" in covariates and per != 1.0 else (),
                      strata=strata, columns=columns)


def cox_section(cohort: pd.DataFrame, choices: ReportChoices):
    """The multivariable Cox model of the chosen covariates: table, forest plot, caveats."""
    from core.cox.answer import cox_answer
    from core.cox.display import hazard_ratio_table, term_labels
    from core.cox.figures import forest_figure
    from core.cox.guardrails import guardrail_box, separated_terms
    from core.cox.view import cox_view

    endpoint = choices.find(choices.cox_endpoint)
    title = f"Cox regression: {endpoint.title()}"
    covariates, strata = cox_columns(cohort, choices)
    if not covariates:
        return Section(title, key="cox", warnings=(f"No Cox model: {NO_COVARIATES}",))
    try:  # the Cox page's model (core.cox.view) with its choices, so its answer line
        resolved = choices.resolve(cohort, endpoint.key)  # its derived time and entry too
        view = cox_view(resolved.frame, cox_choices(choices, endpoint, covariates, strata, (
            resolved.time, resolved.event, resolved.entry)), ph=_unchecked, predict=False)
        ordinary, used = view.models[0].ordinary, view.models[0].shown
        if view.models[0].firth_error:
            raise AnalysisError(view.models[0].firth_error)
        warnings = [*resolved.notes, *ordinary.warnings, *ordinary.notes]
        if used is not ordinary:
            warnings.append(("As chosen on the Cox page, " if choices.cox_firth == "firth"
                             else "Because of this, ") + "the estimates shown are Firth's "
                            "penalized Cox model, which stays finite under separation (Heinze "
                            "& Schemper 2001).")
            warnings += [w for w in (*used.warnings, *used.notes) if w not in warnings]
    except AnalysisError as error:
        return Section(title, key="cox", warnings=(str(error),))
    labels = term_labels(used)
    table = hazard_ratio_table([used])
    figure = forest_figure(used.table, labels=labels, x_title="Hazard ratio (log scale)",
                           conf_level=used.conf_level)
    noun = endpoint.noun
    kind = "Multivariable" if len(used.table.index) > 1 else "Univariable"
    model = (f"{kind} Cox model of {noun}: {plural(used.n, 'patient')}, {used.events:,} {noun}; "
             + ("likelihood-ratio " + p_phrase(used.lr_p_value) + "; "
                if used.lr_p_value == used.lr_p_value else "")
             + (f"Harrell's C {used.concordance:.3f}." if used.concordance == used.concordance
                else ""))
    # The Cox page's plain box: what the caveats mean for reading the hazard ratios; a level
    # that separates is never headlined with a number (its estimate is Firth's, or infinite).
    box = guardrail_box([("", ordinary, used)], noun)
    separated = separated_terms(ordinary)
    metrics = tuple(
        (labels.get(term, term),
         "not estimable: see the caveat" if term in separated else
         f"HR {table['HR'].iloc[i]} ({table.iloc[i, 2]}), p {table['p'].iloc[i]}")
        for i, term in enumerate(used.table.index))
    points = [*((UNIVARIABLE_ON_PAGE,) if choices.cox_model == "univariable" else ()),
              *box.points]
    if used.excluded:
        points.append(used.excluded_reason)
    details = [_readable(w, labels) for w in dict.fromkeys([*warnings, *box.details])]
    notes = (used.method, "HR above 1: " + noun + " sooner, versus the reference level.",
             *((f"Stratified by {LABELS.get(strata, strata)}: one baseline hazard per level "
                "(R coxph + strata); no hazard ratio for it.",) if strata else ()),
             *choices.rules_for(*covariates), *details)
    return Section(title, (model,), table, figure, tuple(dict.fromkeys(points)), key="cox",
                   notes=notes, metrics=metrics, answer=cox_answer(view))


def _unchecked(endpoint: str, covariates: tuple[str, ...]):
    """No proportional-hazards check for the deliverables' Cox section (its caveats are the
    fit's; the Cox page shows the check)."""
    raise AnalysisError("not checked in the deliverables")


def _readable(text: str, labels: dict[str, str]) -> str:
    """A core caveat in words: `term` spans become readable names; the advice to refit with
    Firth reads as what this section already did."""
    text = re.sub(r"`([^`]+)`", lambda m: labels.get(m.group(1), LABELS.get(m.group(1),
                                                                               m.group(1))), text)
    return text.replace("Refit with firth=True (Firth-penalized Cox) for", "Firth's penalized "
                        "Cox gives").replace("firth=True", "Firth-penalized Cox")


def swimmer_section(cohort: pd.DataFrame, choices: ReportChoices):
    """The swimmer plot of the filtered patients on the chosen clock."""
    from core.patients.endpoint_lanes import endpoint_lanes
    from core.patients.figures import swimmer_figure
    from core.patients.timelines import swimmer_lanes

    color_by = choices.swimmer_color_by if choices.swimmer_color_by in cohort.columns else None
    mode = choices.swimmer_mode
    try:  # a user's own endpoint: its lanes (from its entry, with delayed entry)
        lanes = (swimmer_lanes(cohort, mode=mode, color_by=color_by) if mode in ENDPOINTS else
                 endpoint_lanes(choices.resolve(cohort, mode), color_by=color_by))
    except AnalysisError as error:
        return Section("Patient timelines", key="swimmer", warnings=(str(error),))
    clock = {"rfs": "months from maintenance start (relapse-free survival clock)",
             "os": "months from diagnosis (overall survival clock)"}.get(
        mode, f"{lanes.axis_title.lower()} ({choices.find(mode).label})")
    warnings = tuple(n for n in (lanes.excluded_note, lanes.hidden_note) if n)
    return Section("Patient timelines", (f"One lane per patient, {clock}; the marker at the "
                                         "end of a lane says how follow-up ended (legend).",
                                         *choices.rules_for(color_by)),
                   figure=swimmer_figure(lanes), warnings=warnings, key="swimmer",
                   metrics=(("Patients drawn", f"{len(lanes.lanes):,}"),))


def methods_section(choices: ReportChoices, cohort: pd.DataFrame | None = None, *,
                    firth: bool = False):
    """Definitions and methods, in the words of the pages (for a cohort whose times come from
    dates, how they were computed and how many deaths were dated at the last contact);
    ``firth``: the Cox section shows Firth's penalized fit, which the zip does not recompute
    (:data:`core.report.reproduce.FIRTH_NOT_REPRODUCED`)."""
    from core.report.reproduce import FIRTH_NOT_REPRODUCED

    by = LABELS.get(choices.by, choices.by) if choices.by else "no grouping"
    return Section("Methods and definitions", (
        ENDPOINTS["os"][2], ENDPOINTS["rfs"][2], *(choices.find(k).definition() for k in {
            choices.endpoint: 0, choices.cox_endpoint: 0} if k not in ("os", "rfs")),
        *(methods_sentences(cohort) if cohort is not None else ()),
        "Relapse: bone-marrow blasts > 5% (morphological) or MRD >= 0.01% (molecular).",
        f"Kaplan-Meier estimates by {by}; pointwise {0.95:.0%} confidence intervals with "
        "Greenwood variance on the log-log scale (R survfit conf.type = \"log-log\"); medians "
        "as R print.survfit; landmarks as R summary(fit, times = ...); RMST as R "
        "print(fit, rmean = horizon).",
        "Log-rank test (R survdiff, rho = 0); for small samples also an exact or Monte Carlo "
        "permutation p over the group labels.",
        f"Cox proportional-hazards regression with {choices.cox_ties.capitalize()} ties and "
        "Wald intervals (R coxph); "
        "Firth's penalized likelihood with profile intervals when a level has no event.",
        "Every number in this deck can be recomputed with the \"Reproduce this\" zip "
        "(filtered rows, standalone R and Python scripts)"
        + (", except the Firth-penalized Cox estimates. " + FIRTH_NOT_REPRODUCED if firth
           else "."),
        *((choices.group_rules,) if choices.group_rules else ())), key="methods")


def analysis_sections(cohort: pd.DataFrame, choices: ReportChoices) -> list:
    """Cox, competing-risk, swimmer and relapse-risk sections, then methods."""
    sections = []
    if choices.cox_covariates:
        from core.report.table2 import table2_section

        sections += [cox_section(cohort, choices), table2_section(cohort, choices)]
    from core.report.competing import competing_section, own_incidence_sections

    sections += [competing_section(cohort, choices), *own_incidence_sections(cohort, choices),
                 swimmer_section(cohort, choices)]
    if choices.risk_covariates:
        from core.report.risk import risk_section

        sections.append(risk_section(cohort, choices))
    # the Cox section's first note is its fit's method ("Firth ..." when penalized)
    firth = any(s.key == "cox" and s.notes and s.notes[0].startswith("Firth")
                for s in sections)
    sections.append(methods_section(choices, cohort, firth=firth))
    return sections
