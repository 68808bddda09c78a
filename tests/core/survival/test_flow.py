"""The flow diagram: every patient from the file's rows to the analysed groups is counted
once, with the reason they left (counted by hand on the 19 rows of the seed cohort)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.cohort import load_seed_cohort
from core.cohort.filters import CohortFilter, FilterResult
from core.cohort.groups import CUSTOM_GROUP_COLUMN
from core.cohort.schema import LABELS
from core.survival.flow import analysis_flow, flow_figure


def test_every_patient_is_accounted_for():
    cohort = load_seed_cohort()
    cohort.loc[cohort.index[:4], "mrd_pre_status"] = None  # 4 without MRD status
    aside = pd.DataFrame({"row": [21, 22], "patient_id": ["x", "y"],
                          "reasons": ["Column `rfs_months`: ...", "Column `os_event`: ..."]})
    flow = analysis_flow(cohort, CohortFilter(sorafenib_timing=("induction",)), "rfs",
                         "mrd_pre_status", aside)
    steps = {s.label: s for s in flow.steps}
    assert steps["Rows in the file"].n == 21
    assert steps["Passed the checks"].excluded == (
        (f"set aside: a problem in {LABELS['rfs_months']}", 1),
        (f"set aside: a problem in {LABELS['os_event']}", 1))
    induction = int((cohort["sorafenib_timing"] == "induction").sum())
    after = steps["Filter: Sorafenib timing = induction"]
    assert after.n == induction
    assert dict(after.excluded) == {"not Sorafenib timing = induction": 19 - induction}
    analysed = steps["Analysed"]
    missing = int(cohort.loc[cohort["sorafenib_timing"] == "induction",
                             "mrd_pre_status"].isna().sum())
    assert dict(analysed.excluded) == {f"no recorded {LABELS['mrd_pre_status']}": missing}
    assert sum(n for _, n in flow.groups) == analysed.n == induction - missing
    # every exclusion adds up: file rows = analysed + everything excluded
    assert 21 == analysed.n + sum(c for s in flow.steps for _, c in s.excluded)


def test_a_date_conflict_names_the_file_column_it_was_found_in():
    aside = pd.DataFrame({"row": [9, 10], "patient_id": ["000007", "000008"], "reasons": [
        "Column '复发日期' (relapse date), row 9 (patient 000007): relapse 2021-03-01 is after "
        "the last contact 2021-02-01 (column '末次随访日期' (last contact date)). Fix: ...",
        "Column 'Relapse date', row 10 (patient 000008): value 'x' is not a date. Fix: ..."]})
    flow = analysis_flow(load_seed_cohort(), CohortFilter(), "rfs", None, aside)
    assert flow.steps[1].excluded == (("set aside: a problem in 复发日期 (relapse date)", 1),
                                      ("set aside: a problem in Relapse date", 1))


def test_figure_draws_one_box_per_step_and_group_with_inert_text():
    cohort = load_seed_cohort()
    cohort["group"] = ["<b>x</b>"] * 10 + ["y"] * 9
    flow = analysis_flow(cohort, CohortFilter(), "os", "group")
    fig = flow_figure(flow)
    boxes = [a.text for a in fig.layout.annotations if a.bordercolor]
    assert len(boxes) == len(flow.steps) + len(flow.groups)  # no exclusion without a filter
    assert boxes[0] == "Rows in the file<br><b>n = 19</b>"
    assert boxes[-2:] == ["&lt;b&gt;x&lt;/b&gt;<br><b>n = 10</b>", "y<br><b>n = 9</b>"]
    assert not any("<b>x</b>" in (a.text or "") for a in fig.layout.annotations)


def test_flow_figure_built_unvalidated_is_what_validation_leaves_unchanged():
    """flow_figure is built in one unvalidated construction (core.style.plot.trusted_figure,
    its template from plotly's cache): a validated copy has the same JSON, with exclusion
    boxes and arrows, groups with markup and no grouping; validation is on again after."""
    import json

    import plotly.graph_objects as go

    cohort = load_seed_cohort()
    cohort["group"] = ["<b>x</b>"] * 10 + ["y"] * 9
    for flow in (analysis_flow(cohort, CohortFilter(), "os", "group"),
                 analysis_flow(cohort, CohortFilter(sorafenib_timing=("induction",)), "rfs",
                               "mrd_pre_status"),
                 analysis_flow(cohort, CohortFilter(), "rfs")):
        fig = flow_figure(flow)
        assert json.loads(go.Figure(fig.to_plotly_json()).to_json()) == json.loads(fig.to_json())
        assert fig.layout.template.layout.paper_bgcolor == "white"  # plotly_white's
        with pytest.raises(ValueError):
            fig.update_layout(height="tall")


def test_custom_group_choice_is_a_step_and_the_selection_is_analysed():
    """The pages analyse the chosen custom groups only: 19 rows, the filter keeps 14 (induction),
    the custom group choice keeps those with a rule's label 'A' (hand-built here), the rest is
    counted as not chosen or not placed."""
    cohort = load_seed_cohort()
    kept = cohort[cohort["sorafenib_timing"] == "induction"]
    labels = pd.Series(["A"] * 6 + ["B"] * 6 + [None] * (len(kept) - 12), index=kept.index)
    chosen = kept.assign(**{CUSTOM_GROUP_COLUMN: labels})
    chosen = chosen[chosen[CUSTOM_GROUP_COLUMN] == "A"]
    selection = FilterResult(chosen, 19, ((CUSTOM_GROUP_COLUMN, len(kept) - 12),))
    flow = analysis_flow(cohort, CohortFilter(sorafenib_timing=("induction",)), "os",
                         CUSTOM_GROUP_COLUMN, selection=selection)
    step = next(s for s in flow.steps if s.label == "Filter: custom groups")
    assert step.n == 6
    assert dict(step.excluded) == {"not in the chosen custom groups": 6,
                                   "no custom group (no rule decides)": len(kept) - 12}
    assert flow.groups == (("A", 6),)
    assert 19 == flow.steps[-1].n + sum(c for s in flow.steps for _, c in s.excluded)


def test_a_derived_endpoint_counts_its_own_rows():
    """EFS (relapse or death from maintenance start) and OS with delayed entry are resolved
    by the one endpoint resolver, as the Survival page resolves them: a patient without the
    columns they are derived from is left out with the reason."""
    cohort = load_seed_cohort()
    cohort.loc[cohort.index[0], "rfs_months"] = None  # EFS's time; the entry of OS
    for endpoint in ("efs", "os_entry"):
        analysed = {s.label: s for s in analysis_flow(cohort, CohortFilter(), endpoint,
                                                      "mrd_pre_status").steps}["Analysed"]
        assert analysed.n == 18 and sum(c for _, c in analysed.excluded) == 1
