"""The study's printed headline rates next to Kaplan-Meier estimates from its rows.

Printed values: Results section and abstract of the study (../shared/seed/): 12- and 24-month
OS 100% (19/19) and 94.7% (18/19); RFS 73.7% (14/19) and 57.9% (11/19). Kaplan-Meier values:
R survfit(Surv(os_months, os_event) ~ 1) and survfit(Surv(rfs_months, rfs_event) ~ 1),
summary(fit, times = c(12, 24)) (tests/core/golden/seed_r_reference.json, "os.all"/"rfs.all").
"""

import pytest

from core.cohort.read import load_seed_cohort
from core.survival.paper.headline import headline_comparison


def test_printed_and_kaplan_meier_values_side_by_side():
    table = headline_comparison(load_seed_cohort()).set_index(["endpoint", "months"])
    assert table["printed_fraction"].tolist() == ["19/19", "18/19", "14/19", "11/19"]
    expected_km = {("OS", 12): 1.0, ("OS", 24): 0.944444444444444,
                   ("RFS", 12): 0.879699248120301, ("RFS", 24): 0.659774436090226}
    for key, value in expected_km.items():
        assert table.loc[key, "km_survival"] == pytest.approx(value, abs=1e-9)


def test_each_difference_is_explained():
    table = headline_comparison(load_seed_cohort()).set_index(["endpoint", "months"])
    assert table.loc[("OS", 12), "note"] == "Same as printed."
    assert table.loc[("OS", 24), "note"].startswith(
        "The paper counts every patient without an event by 24 months as event-free (18/19), "
        "including those censored earlier (patients 7, 11)")
    assert table.loc[("RFS", 12), "note"].startswith(
        "The printed 14/19 is not reproduced by the rows of Tables 1-2: by 12 months they show "
        "2 events (17/19 event-free, counting all patients) and 5 patients censored earlier "
        "(patients 8, 11, 14, 17, 18).")
    assert table.loc[("RFS", 24), "events_by"] == 5
