"""Who is in the analysis: the CONSORT/STROBE-style flow from the rows of the file to the
patients analysed per group, with every exclusion counted and named.

Design: computed in steps, each a count of what remains and what left with its reason:
rows in the file -> set aside by the gatekeeper (by the column of the first problem) -> each
active filter in turn (not matching, or no value recorded) -> no recorded time or event of the
endpoint, or no group -> analysed, per group. Compute here (:func:`analysis_flow`), draw in
:func:`flow_figure` (plotly shapes, exportable as SVG/PNG by :mod:`core.report.images`).

References
----------
Schulz KF, Altman DG, Moher D. CONSORT 2010 statement. BMJ 2010;340:c332. von Elm E et al.
The STROBE statement. Lancet 2007;370:1453-1457.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from core.cohort.filters import CATEGORY_FIELDS, CohortFilter
from core.cohort.schema import ENDPOINTS, LABELS
from core.cohort.text import plotly_safe
from core.survival.input import survival_data


@dataclass(frozen=True)
class FlowStep:
    """One box of the main column and the exclusions beside it.

    Attributes
    ----------
    label : str
        What the box counts ("Rows in the file", "After ELN 2022 risk filter", ...).
    n : int
        Patients remaining after the step.
    excluded : tuple of (str, int)
        Reason and count of every exclusion at this step.
    """

    label: str
    n: int
    excluded: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class AnalysisFlow:
    """The flow of one analysis.

    Attributes
    ----------
    steps : tuple of FlowStep
    groups : tuple of (str, int)
        Patients analysed per group (("All", n) without grouping).
    """

    steps: tuple[FlowStep, ...]
    groups: tuple[tuple[str, int], ...]


def _problem_column(reasons: str) -> str:
    found = re.search(r"`([^`]+)`", str(reasons))
    return f"a problem in `{found.group(1)}`" if found else "a problem in the row"


def analysis_flow(cohort: pd.DataFrame, cohort_filter: CohortFilter, endpoint: str,
                  by: str | None = None, set_aside: pd.DataFrame | None = None
                  ) -> AnalysisFlow:
    """Count every step from the file's rows to the patients analysed.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The validated cohort before filtering (the rows the gatekeeper kept).
    cohort_filter : CohortFilter
        The filter in force; its parts are applied one after the other.
    endpoint : {"os", "rfs"}
    by : str, optional
        Grouping of the analysis.
    set_aside : pandas.DataFrame, optional
        The gatekeeper's set-aside rows (``reasons`` column), when the user continued without
        them.
    """
    aside = set_aside if set_aside is not None else pd.DataFrame({"reasons": []})
    n_file = len(cohort) + len(aside)
    steps = [FlowStep("Rows in the file", n_file)]
    if len(aside):
        reasons = aside["reasons"].map(_problem_column).value_counts()
        steps.append(FlowStep("Passed the checks", len(cohort),
                              tuple((f"set aside: {r}", int(c)) for r, c in reasons.items())))
    current = cohort
    for part, label in _filter_parts(cohort_filter):
        result = part.apply(current)
        missing = sum(count for _, count in result.missing)
        not_matching = len(current) - result.n - missing
        excluded = tuple((reason, count) for reason, count in (
            (f"not {label}", not_matching), (f"no recorded {label.split(' = ')[0]}", missing))
            if count)
        steps.append(FlowStep(f"Filter: {label}", result.n, excluded))
        current = result.cohort
    time, event, _ = ENDPOINTS[endpoint]
    data = survival_data(current, time, event, by)
    steps.append(FlowStep("Analysed", data.n, tuple((e.reason, e.count)
                                                    for e in data.exclusions)))
    counts = pd.Series(data.group).value_counts()
    groups = tuple((g, int(counts.get(g, 0))) for g in data.groups)
    return AnalysisFlow(tuple(steps), groups)


def _filter_parts(cohort_filter: CohortFilter):
    """Each active part of the filter as a filter of its own, with a label."""
    empty = CohortFilter()
    for name in CATEGORY_FIELDS:
        wanted = getattr(cohort_filter, name)
        if wanted:
            yield (replace(empty, **{name: wanted}),
                   f"{LABELS.get(name, name)} = {', '.join(map(str, wanted))}")
    if cohort_filter.age_min is not None or cohort_filter.age_max is not None:
        yield (replace(empty, age_min=cohort_filter.age_min, age_max=cohort_filter.age_max),
               f"age {cohort_filter.age_min or 0:g}–{cohort_filter.age_max or 999:g}")
    if cohort_filter.co_mutations:
        yield (replace(empty, co_mutations=cohort_filter.co_mutations,
                       co_mutation_mode=cohort_filter.co_mutation_mode),
               f"co-mutations {cohort_filter.co_mutation_mode} of "
               f"{', '.join(cohort_filter.co_mutations)}")
    for level in cohort_filter.extra_levels:
        yield replace(empty, extra_levels=(level,)), f"{level[0]} = {', '.join(level[1])}"
    for rng in cohort_filter.extra_ranges:
        yield replace(empty, extra_ranges=(rng,)), f"{rng[0]} in range"


BOX_W, BOX_H, SIDE_X = 0.42, 0.07, 0.55


def flow_figure(flow: AnalysisFlow) -> go.Figure:
    """The flow as boxes and arrows: the main column on the left, exclusions to the right,
    the analysed groups at the bottom. Text passes through :func:`plotly_safe`."""
    fig = go.Figure()
    rows = len(flow.steps) + 1
    step_y = 1.0 / rows

    def box(x0, y, text, width=BOX_W):
        fig.add_shape(type="rect", x0=x0, x1=x0 + width, y0=y - BOX_H / 2, y1=y + BOX_H / 2,
                      line={"color": "black", "width": 1}, fillcolor="white")
        fig.add_annotation(x=x0 + width / 2, y=y, text=plotly_safe(text), showarrow=False,
                           font={"size": 12})

    for k, step in enumerate(flow.steps):
        y = 1 - (k + 0.5) * step_y
        box(0.02, y, f"{step.label}: n = {step.n:,}")
        if k:
            fig.add_annotation(x=0.23, y=y + BOX_H / 2, ax=0.23, ay=y + step_y - BOX_H / 2,
                               xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                               arrowhead=2, text="")
        if step.excluded:
            text = "<br>".join(f"{plotly_safe(r)}: {c:,}" for r, c in step.excluded)
            fig.add_annotation(x=SIDE_X, y=y + step_y / 2, text=text, showarrow=False,
                               xanchor="left", align="left", bordercolor="black",
                               borderwidth=1, borderpad=4, font={"size": 11})
    y = 0.5 * step_y
    width = 0.96 / max(len(flow.groups), 1)
    for j, (group, n) in enumerate(flow.groups):
        box(0.02 + j * width, y, f"{group}: n = {n:,}", width * 0.95)
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[0, 1])
    fig.update_layout(template="plotly_white", height=110 * rows, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig
