"""What the Competing risks page shows: report, regression glue and figure.

Numbers on the seed cohort come from R cmprsk (tests/core/golden/competing_r_golden.json,
cases seed_censor and seed_end_of_rfs) and from counting the rows by hand.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import core.survival.competing.summary as report_module
from core.cohort import load_seed_cohort
from core.cox.cause_specific import (
    NOT_ESTIMABLE,
    cause_specific_cox,
    competing_models,
    cox_flagged,
    forest_table,
    models_table,
)
from core.errors import AnalysisError
from core.survival.competing.summary import competing_report, landmark_table
from core.survival.figures.competing import cif_figure


@pytest.fixture(scope="module")
def seed():
    return load_seed_cohort()


def test_report_by_mrd_counts_and_landmarks(seed):
    """R seed_censor: timepoints(cuminc(...), 24): negative 0.2667, positive 0.625."""
    r = competing_report(seed, "mrd_pre_status", (12, 24))
    counts = r.counts.set_index("group")
    assert counts.loc["positive"].tolist() == [4, 2, 0, 2]
    assert counts.loc["negative"].tolist() == [15, 4, 0, 11]
    marks = r.landmarks.set_index(["group", "time", "cause"])
    assert marks.loc[("positive", 24.0, 1), "cif"] == pytest.approx(0.625, abs=1e-12)
    assert marks.loc[("negative", 24.0, 1), "cif"] == pytest.approx(4 / 15, abs=1e-12)
    assert r.tests[1].statistic == pytest.approx(1.15871615376305, abs=1e-9)
    assert 2 not in r.tests and r.permutation[1].exact
    assert r.rule.unplaced == ("17",)
    table = landmark_table(r).set_index(["Group", "Months"])
    assert table.loc[("positive", "24"), "At risk"] == 1


def test_km_contrast_is_at_or_above_cir(seed):
    r = competing_report(seed, None, (12, 24), "end_of_rfs")
    cir = r.incidence[1].table.set_index("time")["cif"]
    km = 1 - r.km.table.set_index("time")["survival"]
    assert (km.loc[cir.index] >= cir - 1e-12).all()
    assert (km.loc[cir.index] > cir + 1e-6).any()  # patient 17's death makes them differ


def test_group_without_relapse_noted(seed):
    r = competing_report(seed, "eln2022_risk", (12,))
    assert any("intermediate: no relapse among 9 patients" in n for n in r.notes)
    assert any("No Gray's test for non-relapse mortality" in n for n in r.notes)


def test_permutation_skipped_above_the_cap_with_a_note(seed, monkeypatch):
    monkeypatch.setattr(report_module, "PERMUTATION_MAX_N", 10)
    r = competing_report(seed, "mrd_pre_status", (12,))
    assert not r.permutation
    assert any(n.startswith("Relapse: small sample") and "there is no permutation p (too "
               "slow to compute for more than 10 patients" in n for n in r.notes)
    assert r.samples[1].permutation_status().startswith("none: too slow")


def test_report_errors_are_named(seed):
    with pytest.raises(AnalysisError, match="No patient has a recorded relapse-free time"):
        competing_report(seed.assign(rfs_months=np.nan), None)


def test_cause_specific_cox_censors_the_other_cause(seed):
    """Cause-specific Cox of relapse = ordinary Cox of rfs_event (no other cause at the default
    rule), so HR equals the Cox page's for RFS ~ MRD."""
    from core.cox.fit import fit_cox

    cs = cause_specific_cox(seed, ["mrd_pre_status"])
    direct = fit_cox(seed, "rfs_months", "rfs_event", ["mrd_pre_status"])
    np.testing.assert_allclose(cs.table["coef"], direct.table["coef"], atol=1e-10)


def test_models_flag_not_estimable_terms(seed):
    m = competing_models(seed, ["eln2022_risk"])
    table = models_table(m).set_index("Term")
    assert table.loc["ELN 2022 risk: intermediate", "SHR (Fine-Gray)"] == NOT_ESTIMABLE
    assert "eln2022_risk[intermediate]" in cox_flagged(m.cause_specific[0])
    forest = forest_table(m)
    assert math.isnan(forest.loc["ELN 2022 risk: intermediate", "hr"])


def test_models_collect_fits_that_cannot_be_made(seed):
    # one event of cause 2: Fine-Gray would fit as R crr does (not converged, flagged), but
    # the cause-specific Cox beside it needs 2 events, so each model set is an error
    m = competing_models(seed, ["mrd_pre_status", "age"], cause=2, death_rule="end_of_rfs")
    assert not m.fine_gray and len(m.errors) == 2
    assert "A Cox model needs at least 2 events" in m.errors[0]
    with pytest.raises(AnalysisError, match="Choose at least one covariate"):
        competing_models(seed, [])


def test_cif_figure_starts_at_zero_with_risk_table(seed):
    r = competing_report(seed, "mrd_pre_status", (12,))
    fig = cif_figure(r.incidence[1].table, r.at_risk, groups=list(r.incidence[1].groups),
                     km=r.km.table)
    data = {t["name"]: t for t in json.loads(fig.to_json())["data"]}
    assert data["positive (n=4)"]["y"][:2] == [0.0, 0.25]
    assert data["positive upper"]["y"][0] == 0.0
    assert "cumulative incidence 25.0%" in data["positive (n=4)"]["hovertext"][1]
    assert data["positive: 1 − Kaplan-Meier"]["y"][-1] == pytest.approx(0.625)
    assert data["negative at risk"]["text"][0] == "15"


def test_uploaded_cohort_without_rfs_is_refused():
    cohort = pd.DataFrame({"patient_id": [1, 2], "os_months": [3.0, 4.0], "os_event": [1, 0]})
    with pytest.raises(AnalysisError, match="has no `rfs_event` column"):
        competing_report(cohort, None)


@pytest.mark.parametrize("by, expected", [
    (None, "By 24 months: relapse 34.0%, death without relapse 0.0% (19 patients)."),
    # the landmark table's and the Gray test's numbers (compared with cmprsk elsewhere)
    ("eln2022_risk", "Relapse by 12 months: favorable 33.3%, intermediate 0.0%, adverse "
                     "14.3%; Gray's p 0.002 (permutation 0.005): a difference unlikely to be "
                     "chance alone."),
    ("fab", "Gray's p 0.532: read with great caution, 1 patient in the smallest group."),
])
def test_the_answer_in_one_line(seed, by, expected):
    from core.survival.competing.summary import answer_sentence

    assert answer_sentence(competing_report(seed, by, (12, 24))).endswith(expected)
