"""A one-file tumor-board report of the filtered cohort (self-contained HTML).

One HTML file that opens offline in any browser and can be projected or printed: the filters
and counts, the definitions, the baseline table, Kaplan-Meier curves of OS and RFS with their
statistics and captions, and the patient list. plotly.js is embedded once in the file, so
opening it makes no request to any host (clinical data stay on the machine). Every value
coming from the data is HTML-escaped.

The content is the same as the pages show (built from :mod:`core.survival.km.summary`); a
slide-deck export can reuse :func:`report_sections` and draw each section on a slide.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date

import pandas as pd
import plotly.io as pio

from core.access.deidentify import IDENTIFIED, Privacy
from core.cohort.baseline import baseline_characteristics
from core.cohort.read import load_seed_cohort
from core.cohort.schema import ENDPOINTS, LABELS
from core.cohort.text import format_number
from core.cox.annotation import km_effects
from core.errors import AnalysisError
from core.report.contrasts import contrasts_section
from core.report.flow import flow_section
from core.report.group_tests import baseline_by_group_section, logrank_tests_section
from core.report.sections import (
    ReportChoices,
    Section,
    analysis_sections,
    key_numbers,
)
from core.style.numbers import format_percent_ci
from core.survival.endpoint import find_endpoint
from core.survival.figures.km import km_figure
from core.survival.km.followup import median_follow_up
from core.survival.km.summary import (
    answer_sentence,
    comparison_text,
    per_group_table,
    survival_report,
)
from core.survival.overview import LANDMARK_MONTHS, overview_answer
from core.survival.paper.headline import headline_comparison

MAX_REPORT_PATIENTS = 500
"""Rows of the report's patient list; a larger cohort's list is cut with a note (a 10^6-row
list made a 247 MB report)."""
PATIENT_COLUMNS = ("patient_id", "age", "sex", "eln2022_risk", "sorafenib_timing",
                   "mrd_pre_status", "rfs_months", "relapse_type", "os_months", "outcome")


def printed_rates_table() -> pd.DataFrame:
    """The study's printed 12- and 24-month rates next to Kaplan-Meier estimates of its rows.

    Always computed from all 19 rows of the embedded cohort (the printed rates are for all 19
    patients, whatever filter a page has in force); formatted for reading: columns Endpoint,
    Months, "Printed in the study", "Kaplan-Meier (95% CI)", "Why they differ".
    """
    headline = headline_comparison(load_seed_cohort())
    return pd.DataFrame({
        "Endpoint": headline["endpoint"], "Months": headline["months"],
        "Printed in the study": [f"{100 * p:.1f}% ({f})" for p, f in
                                 zip(headline["printed"], headline["printed_fraction"],
                                     strict=True)],
        "Kaplan-Meier (95% CI)": [format_percent_ci(v, lo, hi) for v, lo, hi in
                                  zip(headline["km_survival"], headline["ci_lower"],
                                      headline["ci_upper"], strict=True)],
        "Why they differ": headline["note"]})


PRINTED_RATES_NOTE = (
    "The printed rates are for all 19 patients of the study, so this comparison always uses "
    "all 19 rows of the embedded cohort, whatever filters are in force. The method is not "
    "tuned to match the print; both are shown.")


def cohort_line(cohort: pd.DataFrame) -> str:
    """The Cohort page's line for ``cohort`` (:func:`core.survival.overview.overview_answer`
    of the same ungrouped reports at the page's landmark and the reverse Kaplan-Meier
    follow-up on the OS clock)."""
    reports = {}
    for endpoint in ("os", "rfs"):
        if set(ENDPOINTS[endpoint][:2]) <= set(cohort.columns):
            try:
                reports[endpoint] = survival_report(cohort, endpoint, None, (LANDMARK_MONTHS,),
                                                    LANDMARK_MONTHS)
            except AnalysisError:  # no usable row for this endpoint: the page warns
                pass
    follow_up = median_follow_up(cohort, "os_months", "os_event").median \
        if "os" in reports else None
    return overview_answer(len(cohort), reports, follow_up)


def report_sections(cohort: pd.DataFrame, by: str | None = None,
                    landmark_months=(12, 24), horizon: float = 24,
                    choices: ReportChoices | None = None,
                    printed_rates: bool = False,
                    privacy: Privacy = IDENTIFIED, flow=None) -> list[Section]:
    """The report's content, independent of its format (HTML now, slides later).

    Parameters
    ----------
    cohort : pandas.DataFrame
        The filtered patients (at least one).
    by : str, optional
        Stratifier of the Kaplan-Meier curves (e.g. ``"mrd_pre_status"``).
    landmark_months : sequence of float
        Landmark times (months).
    horizon : float
        RMST horizon (months).
    choices : ReportChoices, optional
        The pages' choices for the deliverables (deck, projector mode): when given, its
        endpoint comes first, its ``by``, landmarks and horizon are used, and the Cox,
        competing-risk, swimmer and methods sections of :mod:`core.report.sections` follow.
    printed_rates : bool
        Add the study's printed rates against the Kaplan-Meier estimates of its 19 rows
        (:func:`printed_rates_table`); only meaningful for the embedded study cohort.
    privacy : core.access.deidentify.Privacy
        De-identified: pseudonyms in the patient list and swimmer plot, small counts as "<5"
        in every table; aggregate: no patient list and no swimmer plot either.
    flow : core.survival.flow.AnalysisFlow, optional
        Who is in the analysis, from the file's rows to the patients analysed: drawn first
        (:func:`core.report.flow.flow_section`).
    """
    if choices is not None:
        by, landmark_months, horizon = choices.by, choices.landmark_months, choices.horizon
    if cohort.empty:
        raise AnalysisError("The report needs at least one patient. Fix: widen the filters.")
    cohort = privacy.rows(cohort)
    sections = [] if flow is None else [flow_section(flow)]
    sections.append(Section(
        "Baseline characteristics",
        ("Counts (% of patients with a recorded value); continuous values as median (range).",),
        baseline_characteristics(cohort)[["characteristic", "level", "summary"]].rename(
            columns={"characteristic": "Characteristic", "level": "",
                     "summary": "n (%) or median (range)"}), key="baseline",
        metrics=(("Patients", str(len(cohort))),), answer=cohort_line(cohort)))
    split = baseline_by_group_section(cohort, choices.baseline_by, privacy) if choices else None
    sections += [split] if split is not None else []
    for endpoint in (choices.endpoints if choices else ("os", "rfs")):
        users = choices.users if choices else ()  # the user's own endpoints
        definition = find_endpoint(endpoint, users)
        title = definition.label
        try:
            report = survival_report(cohort, endpoint, by, landmark_months, horizon,
                                     user_endpoints=users)
        except AnalysisError as error:
            sections.append(Section(title, warnings=(str(error),), key=f"km.{endpoint}"))
            continue
        figure = km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups),
                           by=by, y_title=f"{definition.name} probability",
                           x_title=f"Months from {definition.origin}")
        caption = " ".join((report.caption, *(choices.rules_for(by) if choices else ())))
        groups = list(report.fit.groups)
        reference = choices.reference if choices and choices.reference in groups else None
        effects = km_effects(cohort, endpoint, by, reference, user_endpoints=users)
        paragraphs, warnings = [caption], list(report.notes)
        if comparison_text(report):
            paragraphs.append(comparison_text(report))
            if report.which_p not in warnings:  # a small sample's advice is a caveat
                (warnings if report.small_sample else paragraphs).append(report.which_p)
        if effects is not None:
            paragraphs.append(effects.method)
            warnings += [n for n in effects.notes if n not in warnings]
        sections.append(Section(title, tuple(paragraphs), per_group_table(report), figure,
                                tuple(warnings), key=f"km.{endpoint}", notes=(caption,),
                                metrics=key_numbers(report),
                                figure_table=effects.display() if effects else None,
                                figure_table_notes=tuple(effects.notes) if effects else (),
                                answer=answer_sentence(report)))
        contrasts = contrasts_section(cohort, endpoint, by, groups, landmark_months, horizon,
                                      users, reference)
        tests = logrank_tests_section(cohort, endpoint, choices, report.logrank, groups) \
            if choices else None
        sections += [s for s in (contrasts, tests) if s is not None]
    if printed_rates:
        sections.append(Section("The study's printed rates and the Kaplan-Meier estimates",
                                (PRINTED_RATES_NOTE,), printed_rates_table(),
                                key="printed_rates"))
    if choices is not None:
        sections += analysis_sections(cohort, choices)
    columns = [c for c in PATIENT_COLUMNS if c in cohort.columns]
    patients = cohort[columns].head(MAX_REPORT_PATIENTS).copy()
    for column in columns:
        if pd.api.types.is_numeric_dtype(patients[column]):
            patients[column] = patients[column].map(format_number).astype(object)
    capped = () if len(cohort) <= MAX_REPORT_PATIENTS else (
        f"The list shows the first {MAX_REPORT_PATIENTS:,} of {len(cohort):,} patients (a "
        "report for projecting or printing stays readable and small); every patient is in "
        "the statistics above and in the CSV and XLSX downloads.",)
    sections.append(Section("Patients", (ENDPOINTS["os"][2], ENDPOINTS["rfs"][2]),
                            patients.rename(columns=LABELS), warnings=capped, key="patients"))
    return private_sections(sections, privacy)


PATIENT_SECTIONS = ("patients", "swimmer")
"""Sections with one entry per patient: left out of an aggregate (viewer) export."""


def private_sections(sections: list[Section], privacy: Privacy) -> list[Section]:
    """``sections`` as ``privacy`` lets them leave: every table through
    :meth:`Privacy.aggregate` (the patient list's rows already carry pseudonyms), and at the
    aggregate level without the per-patient sections."""
    if not privacy.deidentified:
        return sections
    kept = [s for s in sections if privacy.rows_allowed or s.key not in PATIENT_SECTIONS]
    return [s if s.table is None or s.key == "patients"
            else replace(s, table=privacy.aggregate(s.table)) for s in kept]


def tumor_board_html(cohort: pd.DataFrame, *, source: str, n_total: int,
                     filters: list[str], notes: list[str] = (), by: str | None = None,
                     landmark_months=(12, 24), horizon: float = 24,
                     today: date | None = None, choices: ReportChoices | None = None,
                     printed_rates: bool = False, privacy: Privacy = IDENTIFIED,
                     flow=None, sections: list[Section] | None = None) -> bytes:
    """The tumor-board report as one self-contained HTML file (UTF-8 bytes).

    Parameters
    ----------
    cohort : pandas.DataFrame
        The filtered patients.
    source : str
        Where the cohort comes from (shown in the header).
    n_total : int
        Patients before filtering ("n of N patients").
    filters : list of str
        The filters in force, in words (``CohortFilter.describe()``).
    notes : list of str
        Patients left out and why (``FilterResult.notes()``).
    by : str, optional
        Stratifier of the Kaplan-Meier curves.
    today : datetime.date, optional
        Date printed on the report (default: today).
    choices : ReportChoices, optional
        When given, the same sections as the slide deck (see :func:`report_sections`).
    printed_rates : bool
        Include the study's printed rates against Kaplan-Meier (embedded cohort only).
    privacy : core.access.deidentify.Privacy
        How much of the patients the file may carry (:func:`report_sections`); a de-identified
        report says so first, above its title.
    flow : core.survival.flow.AnalysisFlow, optional
        The flow diagram, drawn first.
    sections : list of Section, optional
        Already computed :func:`report_sections` for these arguments.
    """
    if sections is None:
        sections = report_sections(cohort, by, landmark_months, horizon, choices,
                                   printed_rates, privacy, flow)
    esc = html.escape
    stamp = (today or date.today()).isoformat()
    stratified = f" by {LABELS.get(by, by)}" if by else ""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Tumor-board report · {esc(stamp)}</title><style>{_CSS}</style></head><body>",
        *([f"<p class='note' id='deidentified'><strong>{esc(privacy.note)}</strong></p>"]
          if privacy.note else []),
        "<header><h1>Relapse Risk Explorer · tumor-board report</h1>",
        f"<p><strong>{len(cohort):,} of {n_total:,} patients</strong> · "
        f"{esc('; '.join(filters) or 'no filters')}</p>",
        f"<p class='muted'>{esc(source)} · generated {esc(stamp)} · curves{esc(stratified)}</p>",
        *[f"<p class='note'>{esc(n)}</p>" for n in notes],
        "</header>",
    ]
    first_figure = True
    for section in sections:
        parts.append(f"<section><h2>{esc(section.title)}</h2>")
        if section.answer:  # the page's result in one line, first
            parts.append(f"<p class='answer'><strong>{esc(section.answer)}</strong></p>")
        parts += [f"<p class='note'>{esc(w)}</p>" for w in section.warnings]
        if section.figure is not None:
            parts.append(pio.to_html(section.figure, full_html=False,
                                     include_plotlyjs=bool(first_figure),
                                     config={"displaylogo": False, "responsive": True}))
            first_figure = False
        if section.figure_table is not None:
            parts.append(section.figure_table.to_html(index=False, escape=True, na_rep="–",
                                                      border=0, classes="table"))
        parts += [f"<p>{esc(p)}</p>" for p in section.paragraphs if p]
        parts += [f"<p class='muted'>{esc(n)}</p>" for n in section.notes
                  if n not in section.paragraphs]
        if section.table is not None:
            parts.append(section.table.to_html(index=False, escape=True, na_rep="–",
                                               border=0, classes="table"))
        parts.append("</section>")
    parts.append("<footer class='muted'>Methods: Kaplan-Meier with Greenwood log-log 95% "
                 "intervals, log-rank (R survdiff), permutation p for small samples; see "
                 "docs/methods-survival.md of the Relapse Risk Explorer. "
                 + {"identified": "This file contains patient-level data: share it only as "
                                  "patient data may be shared. ",
                    "deidentified": "This file is de-identified (see its first line) but still "
                                    "holds one row per patient: share it as your hospital "
                                    "allows for pseudonymised data. ",
                    "aggregate": "This file holds aggregate results only. "}[privacy.level]
                 + "It loads nothing from the internet.</footer></body></html>")
    return "\n".join(parts).encode("utf-8")


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:1.6em}
.muted{color:#666;font-size:.9em}.note{background:#fff8e1;border-left:4px solid #e69f00;
padding:.4em .8em}
.answer{font-size:1.1em}
table.table{border-collapse:collapse;font-size:.9em;margin:.6em 0}
table.table th,table.table td{border-bottom:1px solid #e5e5e5;padding:.25em .6em;text-align:left}
table.table th{background:#f5f5f5}
@media print{section{page-break-inside:avoid}}
"""
