"""Who is in the analysis: the CONSORT/STROBE-style flow from the rows of the file to the
patients analysed per group, with every exclusion counted and named.

Design: computed in steps, each a count of what remains and what left with its reason:
rows in the file -> set aside by the gatekeeper (by the column of the first problem) -> each
active filter in turn (not matching, or no value recorded) -> the chosen custom groups (when the
page analyses only some) -> no recorded time or event of the endpoint, or no group -> analysed,
per group. The analysed patients are those the pages analyse (the page's own selection, with
its custom group column, when given), so the diagram's n is the pages' n. Compute here
(:func:`analysis_flow`), draw in :func:`flow_figure` (plotly shapes, exportable as SVG/PNG by
:mod:`core.report.images`).

References
----------
Schulz KF, Altman DG, Moher D. CONSORT 2010 statement. BMJ 2010;340:c332. von Elm E et al.
The STROBE statement. Lancet 2007;370:1453-1457.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from core.cohort.filters import CATEGORY_FIELDS, CohortFilter, FilterResult
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import LABELS
from core.cohort.text import plotly_safe
from core.style.plot import trusted_figure, with_template
from core.survival.endpoint import Endpoint, resolve_endpoint
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
    endpoint : str
        Key of the endpoint whose time and event the analysed patients have ("os", "rfs").
    abbreviation : str
        Its short name ("OS", a user's "GRFS").
    """

    steps: tuple[FlowStep, ...]
    groups: tuple[tuple[str, int], ...]
    endpoint: str = ""
    abbreviation: str = ""

    def describe(self) -> str:
        """The flow in one sentence: file rows, each kind of exclusion, analysed per group."""
        parts = [f"{self.steps[0].n:,} rows in the file"]
        for step in self.steps[1:]:
            for reason, count in step.excluded:
                parts.append(f"{count:,} left out ({reason})")
        groups = ", ".join(f"{g} {n:,}" for g, n in self.groups)
        analysed = f"{self.steps[-1].n:,} analysed" + (
            f" ({groups})" if len(self.groups) > 1 else "")
        return "; ".join([*parts, analysed]) + "."


def _problem_column(reasons: str) -> str:
    found = re.search(r"`([^`]+)`", str(reasons))
    if found:
        return f"a problem in {LABELS.get(found.group(1), found.group(1))}"
    named = re.match(r"Columns? '([^']+)'( \([^)]+\))?", str(reasons))  # a file's own column
    return f"a problem in {named.group(1)}{named.group(2) or ''}" if named else \
        "a problem in the row"


def _readable(reason: str) -> str:
    """A reason with `column` names as the pages label them."""
    return re.sub(r"`([^`]+)`", lambda m: LABELS.get(m.group(1), m.group(1)), reason)


def analysis_flow(cohort: pd.DataFrame, cohort_filter: CohortFilter, endpoint: str | Endpoint,
                  by: str | None = None, set_aside: pd.DataFrame | None = None,
                  selection: FilterResult | None = None) -> AnalysisFlow:
    """Count every step from the file's rows to the patients analysed.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The validated cohort before filtering (the rows the gatekeeper kept).
    cohort_filter : CohortFilter
        The filter in force; its parts are applied one after the other.
    endpoint : str or Endpoint
        The endpoint or the key of a built-in (``"os"``, ``"rfs"``, ``"efs"``, ...,
        :func:`core.survival.endpoint.resolve_endpoint`): its time, event and entry.
    by : str, optional
        Grouping of the analysis.
    set_aside : pandas.DataFrame, optional
        The gatekeeper's set-aside rows (``reasons`` column), when the user continued without
        them.
    selection : FilterResult, optional
        What the pages analyse after the filter (``ui.shell.View.selection``): with the custom
        group column, restricted to the chosen custom groups (patients no rule places are in
        its ``missing``). Patients the filter kept but the selection does not are counted as
        left out by the custom-group choice. Default: the filtered cohort itself.

    Returns
    -------
    AnalysisFlow
        Rows in the file = analysed + every exclusion.
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
    if selection is not None:
        chosen = selection.cohort
        unplaced = dict(selection.missing).get(CUSTOM_GROUP_COLUMN, 0)
        left_out = len(current) - len(chosen)
        if left_out:
            excluded = tuple((reason, count) for reason, count in (
                ("not in the chosen custom groups", left_out - unplaced),
                ("no custom group (no rule decides)", unplaced)) if count)
            steps.append(FlowStep("Filter: custom groups", len(chosen), excluded))
        current = chosen
    resolved = resolve_endpoint(current, endpoint)
    data = survival_data(resolved.frame, resolved.time, resolved.event, by, resolved.entry)
    steps.append(FlowStep("Analysed", data.n, tuple((_readable(e.reason), e.count)
                                                    for e in data.exclusions)))
    counts = pd.Series(data.group).value_counts()
    groups = tuple((g, int(counts.get(g, 0))) for g in data.groups)
    return AnalysisFlow(tuple(steps), groups, resolved.endpoint.key,
                        resolved.endpoint.abbreviation)


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


MAIN_X, SIDE_X = 0.3, 0.56
"""Centre of the main column and left edge of the exclusion boxes (fractions of the width)."""
WRAP = 30
"""Characters per line in a box: the diagram fits half a slide at 16 px type."""


def _wrapped(text: str) -> str:
    return "<br>".join(plotly_safe(line) for line in textwrap.wrap(text, WRAP)) or " "


def flow_figure(flow: AnalysisFlow) -> go.Figure:
    """The flow as a CONSORT diagram: the main column of boxes (what remains after each step)
    joined by a line, each step's exclusions in a box to the right with an arrow, and the
    analysed groups side by side at the bottom. Box text follows the layout font (so an
    exported figure's type grows with the preset); every text passes :func:`plotly_safe`."""
    rows = len(flow.steps) + 1
    y = [1 - (k + 0.5) / rows for k in range(rows)]
    line = {"color": "black", "width": 1.2}
    shapes, annotations = [], []

    def box(x, yy, text, **kw):
        annotations.append({"x": x, "y": yy, "text": text, "showarrow": False,
                            "bgcolor": "white", "bordercolor": "black", "borderwidth": 1.2,
                            "borderpad": 6, **kw})

    def rule(x0, x1, y0, y1):
        shapes.append({"type": "line", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "line": line,
                       "layer": "below"})

    rule(MAIN_X, MAIN_X, y[0], y[-2])
    for k, step in enumerate(flow.steps):
        if step.excluded:
            mid = (y[k - 1] + y[k]) / 2 if k else y[k]
            annotations.append({"x": SIDE_X, "y": mid, "ax": MAIN_X, "ay": mid, "xref": "x",
                                "yref": "y", "axref": "x", "ayref": "y", "text": "",
                                "showarrow": True, "arrowhead": 2, "arrowwidth": 1.2})
            box(SIDE_X, mid, "<br>".join(_wrapped(f"{reason}: {count:,}")
                                         for reason, count in step.excluded),
                xanchor="left", align="left")
        box(MAIN_X, y[k], f"{_wrapped(step.label)}<br><b>n = {step.n:,}</b>")
    split = (y[-2] + y[-1]) / 2
    centres = [(j + 0.5) / len(flow.groups) for j in range(len(flow.groups))] or [MAIN_X]
    rule(MAIN_X, MAIN_X, y[-2], split)
    rule(min(centres[0], MAIN_X), max(centres[-1], MAIN_X), split, split)
    for centre, (group, n) in zip(centres, flow.groups, strict=False):
        rule(centre, centre, split, y[-1])
        box(centre, y[-1], f"{_wrapped(group)}<br><b>n = {n:,}</b>")
    hidden = {"visible": False, "range": [0, 1], "fixedrange": True}
    # one construction, unvalidated, its template from plotly's cache: adding each box, arrow
    # and line by its own call (a walk of plotly's property tree each) cost ~60 ms a diagram
    return with_template(trusted_figure([], {
        "shapes": shapes, "annotations": annotations, "xaxis": hidden, "yaxis": dict(hidden),
        "height": 95 * rows + 20, "showlegend": False, "font": {"size": 14},
        "plot_bgcolor": "white", "paper_bgcolor": "white",
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10}}), "plotly_white")
