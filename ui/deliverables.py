"""Take it to the tumor board: slides, figures and "reproduce this", one call per page.

Every analysis page calls :func:`deliverables` once, under its main figure. It draws, in one
expander: the slide deck (PPTX), the HTML report with the same sections, the "Reproduce this"
zip, the page's main figure as PNG (300 dpi), SVG or PDF at a slide or journal size, and a
link to the projector mode. Nothing heavy runs on a rerun: each file is built only when its
*Prepare* button is pressed, kept in the session for the current cohort, filters and choices,
and offered by a download button; a change of filters, choices or privacy shows the *Prepare*
button again, and a press under another privacy builds the file again (:func:`_as_built`).

The choices behind the deliverables (:func:`report_choices`) are read from the pages' own
widget keys (``survival.endpoint``, ``cox.covariates``, ...; the value saved when the user left
a page counts too, then the link's), so the deck made on the Cox page shows the Survival
page's curves as they were left. Pure computing lives in :mod:`core.report`; the cached
wrappers are here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import astuple
from datetime import date

import pandas as pd
import streamlit as st

from core.access.deidentify import Privacy
from core.access.roles import AccessDenied
from core.cohort.text import format_number, markdown_safe, parse_horizon, parse_months
from core.errors import AnalysisError
from core.report.images import FORMATS, MIME, PRESETS, image_filename, render_figure
from core.report.sections import DELIVERED, ReportChoices
from core.survival.competing.input import DEATH_RULES
from core.survival.endpoint import INCIDENCE, SURVIVAL, endpoint_to_dict
from core.survival.flow import AnalysisFlow
from ui.access import STATE_SESSION, current
from ui.comparisons import AS_SURVIVAL, current_flow, survival_grouping
from ui.endpoints import own_endpoints, user_endpoints
from ui.exports import guarded, may_download, privacy, session_state_now
from ui.frames import stratifiers
from ui.registry import registry_path, sample_note
from ui.session_cache import frame_key, session_cached
from ui.shell import View, plain
from ui.state import link_notice, saved_value
from ui.subgroups import filter_description, rules_text

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PRESENT_PAGE = "pages/8_Present.py"
ENGINE_FIGURES = ("cohort", "survival")
"""Pages whose registry figure is counted in the engine over every row (others: the sample)."""
SWIMMER_WITHHELD = ("The swimmer plot names each patient, so it is not offered as a "
                    "de-identified figure; the slides carry it with pseudonyms.")


def report_choices(cohort: pd.DataFrame) -> ReportChoices:
    """The deliverables' choices from the pages' widgets (defaults where a page was not
    visited); values the filtered cohort does not offer fall back to the defaults."""
    users = user_endpoints()
    survival = (*DELIVERED, *(e.key for e in users if e.kind == SURVIVAL))
    endpoint = saved_value("survival.endpoint", "rfs")
    cox_endpoint = saved_value("cox.endpoint", "rfs")
    swimmer = saved_value("patients.mode", "rfs")
    by = survival_grouping(stratifiers(cohort))
    marks = _landmarks(saved_value("survival.landmarks", "12, 24"))
    covariates = tuple(saved_value("cox.covariates", ["mrd_pre_status", "eln2022_risk"]))
    color_by = saved_value("patients.color_by", "eln2022_risk")
    competing_by = saved_value("competing.by", by or "none")  # unvisited: the Survival grouping
    rule = saved_value("competing.rule", "censor")
    strata = saved_value("cox.strata", "none")  # "none" is not a column: no stratification
    return ReportChoices(
        endpoint=endpoint if endpoint in survival else "rfs", by=by, landmark_months=marks,
        horizon=_checked("survival.horizon", parse_horizon, 24.0),
        cox_endpoint=cox_endpoint if cox_endpoint in survival else "rfs",
        cox_covariates=covariates,
        swimmer_mode=swimmer if swimmer in ("os", "rfs", *(e.key for e in users)) else "rfs",
        swimmer_color_by=None if color_by == "none" else color_by,
        group_rules=rules_text(),
        competing_by=competing_by if competing_by in stratifiers(cohort) else None,
        competing_rule=rule if rule in DEATH_RULES else "censor",
        cox_strata=strata if strata in stratifiers(cohort) else None,
        user_endpoints=tuple(json.dumps(endpoint_to_dict(e), sort_keys=True) for e in users),
        competing_endpoint=_own_incidence(),
        **_comparison_choices(cohort, by), **_risk_choices(cohort),
        **_cox_model_choices(cohort, covariates), competing_landmarks=_competing_landmarks())


def _cox_model_choices(cohort: pd.DataFrame, covariates: tuple[str, ...]) -> dict:
    """The Cox page's model, estimation, ties, reference levels and age unit (``cox.model``,
    ``cox.firth``, ``cox.ties``, ``cox.ref.<column>``, ``cox.age_scale``); a value the page
    would not offer (a reference level the filters removed): the page's default."""
    from typing import get_args

    from core.cox.display import NUMERIC_COVARIATES, category_levels
    from core.cox.fit import Ties
    from core.cox.view import AGE_PER, FIRTH_MODES

    firth, ties = saved_value("cox.firth", "auto"), saved_value("cox.ties", "efron")
    scale = saved_value("cox.age_scale", "decade")
    reference = []
    for column in sorted(c for c in covariates if c in cohort.columns
                         and c not in NUMERIC_COVARIATES):
        level = saved_value(f"cox.ref.{column}", None)
        if level is not None and level in category_levels(cohort, column):
            reference.append((column, level))
    model = saved_value("cox.model", "multivariable")
    return {"cox_model": model if model == "univariable" else "multivariable",
            "cox_firth": firth if firth in FIRTH_MODES else "auto",
            "cox_ties": ties if ties in get_args(Ties) else "efron",
            "cox_reference": tuple(reference),
            "cox_age_scale": scale if scale in AGE_PER else "decade"}


def _competing_landmarks() -> tuple[float, ...]:
    """The Competing risks page's landmarks (``competing.landmarks``; unvisited: 12 and 24
    months), those the page offers."""
    from core.survival.competing.summary import LANDMARK_CHOICES

    chosen = saved_value("competing.landmarks", [12, 24])
    try:
        months = {float(m) for m in chosen}
    except (TypeError, ValueError):
        return (12.0, 24.0)
    return tuple(sorted(m for m in months if m in LANDMARK_CHOICES))


def _own_incidence() -> str | None:
    """The Competing risks page's own incidence endpoint ("Your own endpoints"; unvisited:
    the first the cohort supports, as the page shows it), None without one or in registry
    mode (the page does not draw them there)."""
    if registry_path():
        return None
    offered = list(own_endpoints((INCIDENCE,))[0])
    chosen = saved_value("competing.endpoint", None)
    return chosen if chosen in offered else (offered[0] if offered else None)


def _comparison_choices(cohort: pd.DataFrame, by: str | None) -> dict:
    """The reference groups, the Cohort page's Table 1 split (by default the Survival
    grouping, the comparison the deck presents; "No split" chosen there: none) and the
    Survival page's further tests, as those pages accept them (a value they would not offer:
    the default)."""
    from core.survival.km.pairwise import ADJUSTMENTS
    from core.survival.km.robustness import RHO_CHOICES

    options = stratifiers(cohort)
    split = saved_value("cohort.baseline_by", AS_SURVIVAL)
    strata = saved_value("survival.strata", None)
    try:
        rho = float(saved_value("survival.rho", "nan"))
    except (TypeError, ValueError):
        rho = None
    adjust = saved_value("survival.adjust", "holm")
    return {"reference": _text_or_none(saved_value("survival.reference", None)),
            "competing_reference": _text_or_none(saved_value("competing.reference", None)),
            "baseline_by": None if split == "none" else split if split in options else by,
            "rho": rho if rho in RHO_CHOICES else None,
            "logrank_strata": strata if strata in options and strata != by else None,
            "pairwise_adjust": adjust if adjust in ADJUSTMENTS else "holm"}


def _text_or_none(value) -> str | None:
    return None if value is None else str(value)


def _risk_choices(cohort: pd.DataFrame) -> dict:
    """The Relapse risk page's model, when the page was visited (else no risk section)."""
    from core.cox.display import covariate_options
    from core.risk.endpoints import endpoint_choices, endpoint_kinds

    endpoint, users = saved_value("risk.endpoint", "cir"), user_endpoints()
    if endpoint not in endpoint_choices(cohort, users):
        return {}
    kinds = endpoint_kinds(endpoint, users)
    kind = saved_value("risk.kind", kinds[0])
    rule = saved_value("risk.rule", "censor")
    return {"risk_endpoint": endpoint, "risk_kind": kind if kind in kinds else kinds[0],
            "risk_covariates": tuple(c for c in saved_value("risk.covariates", [])
                                     if c in covariate_options(cohort)),
            "risk_horizon": _checked("risk.horizon",
                                     lambda text: parse_horizon(text, "Risk horizon"), 24.0),
            "risk_rule": rule if rule in DEATH_RULES else "censor"}




def _delivered_note(choices: ReportChoices) -> str:
    """A sentence when a page's endpoint is not among those the deliverables can carry (a
    user endpoint removed since, a link's unknown key): which endpoint they use instead."""
    notes = []
    for page, key, used in (("Survival", "survival.endpoint", choices.endpoint),
                            ("Cox", "cox.endpoint", choices.cox_endpoint)):
        chosen = saved_value(key, "rfs")
        if chosen != used:
            notes.append(f"The {page} page's endpoint `{chosen}` is not defined for this "
                         f"cohort any more; the slides, report and scripts use "
                         f"{choices.find(used).label}.")
    return " ".join(notes)


def _landmarks(value) -> tuple[float, ...]:
    """The Survival page's landmarks (its text box, "12, 24"), or 12 and 24 months."""
    try:
        marks = parse_months(value) if isinstance(value, str) else tuple(map(float, value))
    except (ValueError, TypeError):  # CohortError/AnalysisError are ValueErrors
        marks = ()
    return tuple(sorted(marks)) or (12.0, 24.0)


def _checked(key: str, parse, default):
    """The choice ``key`` read by the parser its page uses; a value it refuses (from a link
    to another page) gives ``default``, with the page's notice."""
    value = saved_value(key, default)
    try:
        return parse(format_number(value) if isinstance(value, float) else str(value))
    except ValueError as error:  # AnalysisError is a ValueError
        link_notice(f"The link's value for `{key}` was ignored: {error}")
        return default


# ---- cached builders (run only when a Prepare button is pressed) -----------------------------

@session_cached(show_spinner=False, max_entries=8)
def _deck(cohort: pd.DataFrame, source: str, n_total: int, filters: tuple[str, ...],
          notes: tuple[str, ...], choices: tuple, privacy: Privacy,
          flow: AnalysisFlow | None) -> bytes:
    from core.report.deck import DeckContext, slide_deck

    return slide_deck(cohort, DeckContext(source, n_total, filters, notes),
                      ReportChoices(*choices), privacy=privacy, flow=flow)


@session_cached(show_spinner=False, max_entries=8)
def _html(cohort: pd.DataFrame, source: str, n_total: int, filters: tuple[str, ...],
          notes: tuple[str, ...], choices: tuple, privacy: Privacy,
          flow: AnalysisFlow | None) -> bytes:
    from core.report.html import tumor_board_html

    choice = ReportChoices(*choices)
    return tumor_board_html(cohort, source=source, n_total=n_total, filters=list(filters),
                            notes=list(notes), by=choice.by, choices=choice, privacy=privacy,
                            flow=flow)


@session_cached(show_spinner=False, max_entries=8)
def _zip(cohort: pd.DataFrame, source: str, filters: tuple[str, ...], choices: tuple,
         privacy: Privacy) -> bytes:
    from core.report.reproduce import reproduce_zip

    return reproduce_zip(cohort, ReportChoices(*choices), source=source, filters=filters,
                         privacy=privacy)


def _signature(*parts: object) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def _prepared(name: str, signature: str, label: str, build, filename: str, mime: str,
              key: str, where, download: str) -> None:
    """A Prepare button, then the download button for what it built (same signature).

    ``download`` names the file's rule (:data:`core.access.roles.DOWNLOADS`): nothing is drawn
    for a role without it, and the build checks the role and is recorded
    (:func:`ui.exports.guarded`; ``build`` takes the :class:`ui.exports.Export`). The prepared
    file remembers the privacy and the role it was built under: a press of its download button
    finds out then whether they still hold (:func:`_as_built`).
    """
    if not may_download(download):
        return
    stored = st.session_state.get(f"{key}.bytes")
    if stored is not None and stored[0] == signature:
        where.download_button(f"Download {label}", _as_built(stored, download, build),
                              filename, mime=mime, icon=":material/download:",
                              key=f"{key}.download", on_click="ignore")
        return
    if where.button(f"Prepare {label}", key=f"{key}.prepare", icon=":material/build:"):
        with st.spinner(f"Building the {name}…"):
            under = []  # the privacy the build ran under, read by guarded() now

            def remembered(export):
                under.append(export.privacy)
                return build(export)

            try:
                data = guarded(download, remembered)()
            except AnalysisError as error:
                where.error(markdown_safe(str(error)), icon=":material/error:")
                return
        st.session_state[f"{key}.bytes"] = (signature, data, under[0], current().role)
        st.rerun()


def _as_built(stored: tuple, download: str, build) -> Callable[[], bytes]:
    """The data of a prepared file's download button, read when the button is pressed.

    Streamlit serves a download from the button the page drew, so a press right after the
    "De-identify exports" switch was flipped reaches the button drawn before the flip. The
    prepared bytes are served only while the privacy they were built under still holds;
    otherwise the file is built again then, under the switch as it is (and recorded like any
    build). A file prepared under another role is refused (press *Prepare* again).
    """
    _, data, built_under, role = stored
    state, rebuild = session_state_now(), guarded(download, build)

    def now() -> bytes:
        session = state[STATE_SESSION]
        if session.role != role:
            raise AccessDenied(f"This file was prepared for the role {role.label}; your role "
                               f"is now {session.role.label}: press Prepare again.")
        return data if privacy(session, state) == built_under else rebuild()

    return now


def deliverables(view: View, page: str, figure=None, caption: str = "",
                 figure_name: str = "figure", table=None) -> None:
    """Slides, "Reproduce this", figure downloads and the projector-mode link of a page.

    Parameters
    ----------
    view : ui.shell.View
        From :func:`ui.shell.page_setup`.
    page : str
        Short page name for widget keys ("cohort", "survival", "cox", "patients").
    figure : plotly.graph_objects.Figure or dict, optional
        The page's main figure, offered as PNG/SVG/PDF; or several, as a dict
        ``{menu label: (figure, caption, file stem)}`` (the Cohort page's OS and RFS curves),
        one chosen in a menu.
    caption : str
        Written under the figure in the exported image.
    figure_name : str
        Stem of the figure's file name.
    table : pandas.DataFrame, optional
        Text table drawn into the exported image under the plot (the hazard ratios and
        medians of a Kaplan-Meier figure).
    """
    if getattr(view, "registry", None) is not None:  # no deck from a sample: figures only
        _registry_figures(view, page, figure, caption, figure_name, table)
        return
    cohort = view.cohort
    if cohort.empty:
        return
    choices = report_choices(cohort)
    filters = (*view.cohort_filter.describe(), *filter_description())
    notes = tuple(view.selection.notes())
    ids = frame_key(cohort)  # the rows' content key: known for a page's frames, no rehash
    level = privacy()  # the role's and the header switch's de-identification
    # first section of deck and report
    flow = current_flow(view, choices.find(choices.endpoint), choices.by)
    base = (view.source, view.selection.n_total, filters, len(cohort), ids, astuple(choices),
            level, flow)
    stamp = date.today().isoformat()
    with st.expander("Slides, figures and \"Reproduce this\"", icon=":material/co_present:"):
        st.caption(
            "Slides: title, who is in the analysis (flow diagram), baseline table (split by "
            "the Cohort page's grouping, else the Survival page's, with p per row), "
            "Kaplan-Meier curves with at-risk tables and statistics, hazard ratios and "
            "contrasts against the chosen reference, "
            "the weighted, stratified and pairwise log-rank tests chosen on the Survival page, "
            "medians and landmarks, "
            "Cox table and forest plot with its caveats, "
            "competing risks, swimmer plot and methods, for the current filters and the "
            "choices on the Survival, Cox, Patients and Competing risks pages; the HTML "
            "report holds the same sections in one offline file. Reproduce this: the "
            "filtered rows with an R script and a Python script that recompute the "
            "Kaplan-Meier, RMST, log-rank (trend, weighted, stratified, pairwise), Table 1 "
            "p, Fine-Gray and Cox numbers, and the numbers the app showed. Both files "
            "contain patient-level data.")
        if _delivered_note(choices):
            st.warning(plain(_delivered_note(choices)), icon=":material/info:")
        left, middle, right, present = st.columns([1, 1, 1, 1])
        _prepared("slide deck", _signature("deck", base), "slides (PPTX)",
                  lambda export: _deck(cohort, view.source, view.selection.n_total, filters,
                                       notes, astuple(choices), export.privacy, flow),
                  f"tumor_board_{stamp}.pptx", PPTX_MIME, f"deliver.{page}.pptx", left,
                  "deliver.deck")
        _prepared("report", _signature("html", base), "report (HTML)",
                  lambda export: _html(cohort, view.source, view.selection.n_total, filters,
                                       notes, astuple(choices), export.privacy, flow),
                  f"tumor_board_report_{stamp}.html", "text/html", f"deliver.{page}.html",
                  middle, "deliver.report")
        _prepared("reproducibility zip", _signature("zip", base), "Reproduce this (zip)",
                  lambda export: _zip(cohort, view.source, filters, astuple(choices),
                                      export.privacy),
                  f"reproduce_{stamp}.zip", "application/zip", f"deliver.{page}.zip",
                  right, "deliver.zip")
        present.page_link(PRESENT_PAGE, label="Projector mode", icon=":material/slideshow:",
                          query_params={**view.cohort_filter.to_query_params(),
                                        "present": "1"})
        _page_figure(figure, caption, figure_name, page, base, table, level)


def _registry_figures(view: View, page: str, figure, caption: str, figure_name: str,
                      table) -> None:
    """Registry mode: the page's figure for slides or a paper; no deck, report or
    "Reproduce this", which need every patient row in memory (not the named sample). A figure
    from the sample says so in its caption (an exported n is then not the registry's)."""
    level = privacy()
    base = (view.source, view.selection.n, view.selection.n_total,
            tuple(view.cohort_filter.describe()), level)
    if page not in ENGINE_FIGURES:  # the figure's n is the sample's: the caption says whose
        caption = " ".join(filter(None, (sample_note(view.registry, view.cohort), caption)))
    with st.expander("Figures", icon=":material/co_present:"):
        st.caption("Registry mode: slides, the HTML report and \"Reproduce this\" need every "
                   "patient row in memory; extract the rows from the registry's own database "
                   "and load them to build them.")
        _page_figure(figure, caption, figure_name, page, base, table, level)


def _page_figure(figure, caption: str, figure_name: str, page: str, base: tuple, table,
                 level: Privacy) -> None:
    if isinstance(figure, dict) and figure:
        label = st.selectbox("Figure", list(figure), key=f"deliver.{page}.which")
        figure, caption, figure_name = figure[label]
    if figure is not None and not isinstance(figure, dict):
        if level.deidentified and page == "patients":  # its lanes are named by patient id
            st.caption(SWIMMER_WITHHELD)
        else:
            _figure_downloads(figure, caption, figure_name, page, base, table)


def _figure_downloads(figure, caption: str, figure_name: str, page: str, base: tuple,
                      table=None) -> None:
    st.markdown("**This page's figure for slides or a paper**")
    size, fmt, go = st.columns([2, 1, 1], vertical_alignment="bottom")
    preset = size.selectbox("Size", list(PRESETS), key=f"deliver.{page}.preset",
                            format_func=lambda p: PRESETS[p].label)
    kind = fmt.selectbox("Format", list(FORMATS), key=f"deliver.{page}.format",
                         format_func=lambda f: {"png": "PNG (300 dpi)", "svg": "SVG",
                                                "pdf": "PDF"}[f])
    signature = _signature("figure", base, preset, kind, figure.to_json(), caption,
                           None if table is None else table.to_json())

    def build(export) -> bytes:
        """The image under the privacy of the build (its note in the caption, the table's
        small counts suppressed); no de-identified swimmer plot."""
        level = export.privacy
        if level.deidentified and page == "patients":
            raise AccessDenied(SWIMMER_WITHHELD)
        return render_figure(figure, kind, preset,
                             caption=" ".join(filter(None, (level.note, caption))),
                             table=None if table is None else level.aggregate(table))

    _prepared("figure", signature, f"figure ({kind.upper()})", build,
              image_filename(figure_name, kind, preset), MIME[kind], f"deliver.{page}.figure",
              go, "deliver.figure")
    st.caption("Publication style: white background, black axes, larger fonts, one dash "
               "pattern per group (readable in greyscale); the at-risk table and the caption "
               "are inside the image. Rendered on the server.")
