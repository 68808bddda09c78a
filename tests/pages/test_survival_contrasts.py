"""AppTest tests of the Survival page's milestone and RMST contrasts (pages/1_Survival.py,
ui.comparisons.difference_sizes).

R 4.2.2 / survival 3.5.3 on the seed cohort, RFS by MRD before maintenance (reference negative):
- ``s <- summary(survfit(Surv(rfs_months, rfs_event) ~ mrd_pre_status), times = 12)``:
  surv 0.9166667 / 0.75, std.err 0.07978559 / 0.21650635; difference -0.1666667, normal 95% CI
  -0.6189079 to 0.2855745, z-test p 0.4701008 (tern s_surv_timepoint_diff).
- ``summary(survfit(...), rmean = 24)$table`` rmean and se(rmean), survRM2 rmst2's contrasts
  reproduced from them: RMST difference -5.508333 (-15.17458 to 4.157909), p 0.2640411; RMST
  ratio 0.7346447 (0.3967003-1.360480), p 0.3266786; RMTL ratio 2.699229 (0.6260434-11.63791),
  p 0.1829223. The engine is tested against R on seeded cohorts in
  tests/core/survival/km/test_group_comparisons_vs_r.py.
"""

from __future__ import annotations

from tests.pages.helpers import run_page

PAGE = "pages/1_Survival.py"
QUERY = {"survival.by": "mrd_pre_status", "survival.endpoint": "rfs"}


def frame(at, column: str):
    for shown in at.dataframe:
        if column in shown.value.columns:
            return shown.value
    raise AssertionError(f"no table with a {column!r} column on the page")


def test_milestone_and_rmst_contrasts_equal_r():
    at = run_page(PAGE, QUERY, timeout=120)
    assert not at.exception
    milestone = frame(at, "Difference, points (95% CI)").iloc[0]
    assert (milestone["Group"], milestone["vs"], milestone["Months"]) == ("positive",
                                                                         "negative", "12")
    assert (milestone["Survival"], milestone["Reference"]) == ("75.0%", "91.7%")
    assert milestone["Difference, points (95% CI)"] == "-16.7 (-61.9 to +28.6)"
    assert milestone["p"] == "0.470"
    rmst = frame(at, "RMST ratio (95% CI)").iloc[0]
    assert rmst["Up to (months)"] == "24"
    assert rmst["RMST difference, months (95% CI)"] == "-5.5 (-15.2 to +4.2)"
    assert rmst["RMST difference p"] == "0.264"
    assert (rmst["RMST ratio (95% CI)"], rmst["RMST ratio p"]) == ("0.735 (0.397–1.36)",
                                                                   "0.327")
    assert (rmst["RMTL ratio (95% CI)"], rmst["RMTL ratio p"]) == ("2.70 (0.626–11.6)",
                                                                   "0.183")


def test_landmark_choice_and_the_reference_of_the_hazard_ratios():
    at = run_page(PAGE, QUERY, timeout=120)
    at.selectbox(key="survival.milestone_at").set_value(24.0).run()
    assert frame(at, "Difference, points (95% CI)").iloc[0]["Months"] == "24"
    at.selectbox(key="survival.reference").set_value("positive").run()
    row = frame(at, "Difference, points (95% CI)").iloc[0]
    assert (row["Group"], row["vs"]) == ("negative", "positive")


def test_no_grouping_no_contrasts():
    at = run_page(PAGE, {"survival.endpoint": "rfs"}, timeout=120)
    assert not at.exception
    assert not any("RMST ratio (95% CI)" in f.value.columns for f in at.dataframe)
