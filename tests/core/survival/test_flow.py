"""The flow diagram: every patient from the file's rows to the analysed groups is counted
once, with the reason they left (counted by hand on the 19 rows of the seed cohort)."""

from __future__ import annotations

import pandas as pd

from core.cohort import load_seed_cohort
from core.cohort.filters import CohortFilter
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
    assert steps["Passed the checks"].excluded == (("set aside: a problem in `rfs_months`", 1),
                                                   ("set aside: a problem in `os_event`", 1))
    induction = int((cohort["sorafenib_timing"] == "induction").sum())
    after = steps["Filter: Sorafenib timing = induction"]
    assert after.n == induction
    assert dict(after.excluded) == {"not Sorafenib timing = induction": 19 - induction}
    analysed = steps["Analysed"]
    missing = int(cohort.loc[cohort["sorafenib_timing"] == "induction",
                             "mrd_pre_status"].isna().sum())
    assert dict(analysed.excluded) == {"no recorded `mrd_pre_status`": missing}
    assert sum(n for _, n in flow.groups) == analysed.n == induction - missing
    # every exclusion adds up: file rows = analysed + everything excluded
    assert 21 == analysed.n + sum(c for s in flow.steps for _, c in s.excluded)


def test_figure_draws_one_box_per_step_and_group_with_inert_text():
    cohort = load_seed_cohort()
    cohort["group"] = ["<b>x</b>"] * 10 + ["y"] * 9
    flow = analysis_flow(cohort, CohortFilter(), "os", "group")
    fig = flow_figure(flow)
    assert len(fig.layout.shapes) == len(flow.steps) + len(flow.groups)
    assert not any("<b>x</b>" in (a.text or "") for a in fig.layout.annotations)
