"""Delayed entry in the cumulative incidence (Aalen-Johansen with the infinitesimal-jackknife
standard error) against R ``survfit`` multi-state, on the cohorts of
``tests/core/golden/make_entry_golden.R`` (R 4.2, survival 3.5.3; values in
``tests/core/golden/entry_r_golden.json``), and Gray's test and Fine-Gray refusing an entry
time (R cmprsk has none). Tolerance 1e-9.
"""

from __future__ import annotations

import pytest

from core.errors import AnalysisError
from core.survival.competing import cumulative_incidence_at, fine_gray, gray_test
from core.survival.competing.estimate import VARIANCE, VARIANCE_IJ
from tests.core.survival.km.test_entry_vs_r import AT, GOLDEN, NAMES, close, cohort


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cause", [1, 2])
def test_cumulative_incidence_with_entry_matches_survfit_multistate(name, cause):
    """``summary(survfit(Surv(entry, time, factor(status, 0:2)) ~ group, id = id), times =
    at)``: pstate and std.err (infinitesimal jackknife) of the cause's state, n.risk of the
    starting state."""
    ours = cumulative_incidence_at(cohort(name), "time", "status", AT, cause=cause,
                                   by="group", entry="entry")
    r = GOLDEN[name]["ms"]
    ours = ours[ours["cif"].notna()].reset_index(drop=True)  # R leaves out times after the end
    assert ours["group"].tolist() == r["group"]
    close(ours["time"], r["time"], f"{name}: time")
    close(ours["cif"], r[f"cif_{cause}"], f"{name}: cif")
    close(ours["se"], r[f"se_{cause}"], f"{name}: se")
    close(ours["n_risk"], r["n_risk"], f"{name}: n_risk")
    assert ours.attrs["se"] == VARIANCE_IJ


def test_without_entry_the_cumulative_incidence_names_grays_variance():
    frame = cohort("small")
    assert cumulative_incidence_at(frame, "time", "status", [3]).attrs["se"] == VARIANCE


@pytest.mark.parametrize("call", [
    lambda f: gray_test(f, "time", "status", "group", entry="entry"),
    lambda f: fine_gray(f, "time", "status", ["group"], entry="entry")])
def test_grays_test_and_fine_gray_refuse_an_entry_time(call):
    with pytest.raises(AnalysisError, match=r"cannot take a delayed-entry time \(`entry`\): "
                                            r"R's cmprsk, which it reproduces, has no left "
                                            r"truncation"):
        call(cohort("decimal_three_groups"))
