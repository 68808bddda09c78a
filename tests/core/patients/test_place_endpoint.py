"""Where a patient sits on the Kaplan-Meier curve of the endpoint the Patients page shows.

Golden values: R 4.2 survival 3.5.3, ``survfit(Surv(entry, time, event) ~ 1)`` on the cohort
``small`` of tests/core/golden/make_entry_golden.R (entry_r_golden.json: event = status > 0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.patients.figures import patient_km_figure
from core.patients.place import patient_on_endpoint, patient_on_km
from core.survival.endpoint import ResolvedEndpoint, find_endpoint, resolve_endpoint

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "entry_r_golden.json")
                    .read_text())["small"]
SEED = load_seed_cohort()


def _small() -> ResolvedEndpoint:
    frame = pd.DataFrame(GOLDEN["cohort"]).rename(columns={"id": "patient_id"})
    return ResolvedEndpoint(find_endpoint("os_entry"), frame, "time", "event", entry="entry")


@pytest.mark.parametrize(("patient", "time", "event"), [("S4", 3, True), ("S3", 4, True),
                                                         ("S5", 6, False), ("S7", 8, False)])
def test_the_patient_sits_on_rs_delayed_entry_curve(patient, time, event):
    place = patient_on_endpoint(_small(), patient)
    r = {row["time"]: row for row in GOLDEN["km"]}
    assert (place.patient_time, place.patient_event) == (time, event)
    assert place.patient_survival == pytest.approx(r[time]["survival"], abs=1e-12)
    assert place.entry
    curve = place.km[place.km["time"] > 0]
    assert curve["survival"].tolist() == pytest.approx([row["survival"] for row in GOLDEN["km"]],
                                                       abs=1e-12)
    assert curve["n_risk"].tolist() == [row["n_risk"] for row in GOLDEN["km"]]
    assert place.km["n_risk"].iloc[0] == 2  # entered at the origin: S1, S2


def test_delayed_entry_is_not_the_naive_curve_on_the_study():
    """OS with delayed entry at maintenance start puts patient 9 (death at 20 months) lower
    than naive OS does: 10/11 at risk then, against 17/18 without entry."""
    entry = patient_on_endpoint(resolve_endpoint(SEED, "os_entry"), 9)
    naive = patient_on_km(SEED, 9, "os")
    assert entry.patient_survival == pytest.approx(10 / 11, abs=1e-12)
    assert naive.patient_survival == pytest.approx(17 / 18, abs=1e-12)
    assert entry.what == "overall survival (OS; delayed entry at maintenance start)"
    figure = patient_km_figure(entry)
    assert figure.layout.yaxis.title.text.startswith("Overall survival (OS; delayed entry")
    assert figure.layout.xaxis.title.text == "Months from diagnosis"


def test_a_composite_endpoint_names_its_event():
    place = patient_on_endpoint(resolve_endpoint(SEED, "efs"), 17)  # died without relapse
    assert place.patient_event
    assert place.summary().startswith("Patient 17: relapse or death at 1 month, where the "
                                      "cohort's estimated event-free survival (EFS;")


def test_an_incidence_endpoint_and_a_missing_time_are_refused():
    with pytest.raises(AnalysisError, match=r"^Cumulative incidence of relapse \(CIR\) is a "
                       r"cumulative incidence with death without relapse as competing event; "
                       r"a Kaplan-Meier curve would overstate it\. Fix: see it on the "
                       r"Competing risks page"):
        patient_on_endpoint(resolve_endpoint(SEED, "cir"), 3)
    small = _small()
    small.frame.loc[small.frame["patient_id"] == "S2", "entry"] = float("nan")
    with pytest.raises(AnalysisError, match=r"^Patient S2 has no recorded time on Overall "
                       r"survival \(OS; delayed entry at maintenance start\), so they have no "
                       r"place on its Kaplan-Meier curve\. Fix: choose another patient"):
        patient_on_endpoint(small, "S2")
