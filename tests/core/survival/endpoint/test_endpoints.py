"""Endpoints: the built-ins on the embedded study (each patient's value pinned by hand from
``data/seed_cohort.csv``), availability with its reasons, user-defined endpoints from dates and
times, and the one resolution function the pages call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cohort import load_seed_cohort, open_cohort
from core.errors import AnalysisError
from core.survival import kaplan_meier
from core.survival.endpoint import (
    BUILT_IN,
    EFS,
    OS_ENTRY,
    RFS,
    EndpointRecipe,
    endpoint_from_dict,
    endpoint_to_dict,
    offered_endpoints,
    resolve_endpoint,
    user_endpoint,
)
from core.survival.km.summary import ENTRY_TEST_NOTE, survival_report


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return load_seed_cohort()


def values(resolved, column) -> dict[str, float]:
    frame = resolved.frame
    return dict(zip(frame["patient_id"].astype(str), frame[column], strict=True))


def test_the_study_offers_every_built_in(seed):
    offered, reasons = offered_endpoints(seed, ("survival", "incidence"))
    assert [e.key for e in offered] == [e.key for e in BUILT_IN]
    assert reasons == []


def test_study_rfs_censors_patient_17_and_efs_counts_the_death(seed):
    """Patient 17 died without relapse (OS 44 months, dead; RFS 1 month, no relapse)."""
    rfs = resolve_endpoint(seed, "rfs")
    assert values(rfs, rfs.event)["17"] == 0
    efs = resolve_endpoint(seed, "efs")
    assert values(efs, efs.time)["17"] == 1 and values(efs, efs.event)["17"] == 1
    assert int(efs.frame[efs.event].sum()) == 7  # 6 relapses (2, 5, 6, 7, 9, 10) + patient 17
    assert "17" in efs.notes[0] and "end of relapse-free follow-up" in efs.notes[0]
    assert "relapse only" in RFS.label and "ELN 2022" in EFS.label


@pytest.mark.parametrize(("key", "cause_of"), [("cir", {"2": 1, "17": 2, "1": 0}),
                                               ("nrm", {"2": 2, "17": 1, "1": 0})])
def test_cir_and_nrm_code_relapse_and_death_without_relapse(seed, key, cause_of):
    resolved = resolve_endpoint(seed, key)
    status = values(resolved, resolved.status)
    assert {p: status[p] for p in cause_of} == cause_of


def test_os_entry_is_maintenance_start_on_the_os_clock(seed):
    resolved = resolve_endpoint(seed, OS_ENTRY)
    entry = values(resolved, resolved.entry)
    assert (resolved.time, resolved.event) == ("os_months", "os_event")
    assert entry["1"] == 82 - 72 and entry["17"] == 44 - 1 and entry["9"] == 20 - 16
    assert "upper bound" in resolved.notes[1] and "2, 5, 6, 7, 9, 10" in resolved.notes[1]


def test_os_from_maintenance_is_rfs_time_for_patients_without_relapse(seed):
    resolved = resolve_endpoint(seed, "os_maint")
    frame = resolved.frame
    no_relapse = frame["rfs_event"] == 0
    np.testing.assert_array_equal(frame.loc[no_relapse, resolved.time],
                                  frame.loc[no_relapse, "rfs_months"])
    assert resolved.notes[-1] == "Their OS from maintenance start is therefore a lower bound."


def test_a_recorded_maintenance_start_wins_over_the_derivation(seed):
    frame = seed.assign(maintenance_os_months=5.0)
    resolved = resolve_endpoint(frame, OS_ENTRY)
    assert (resolved.frame[resolved.entry] == 5.0).all() and resolved.notes == ()


def test_the_survival_report_uses_delayed_entry_in_curves_and_test(seed):
    """The log-rank p of OS by MRD with entry at maintenance start is R's
    ``summary(coxph(Surv(entry, time, event) ~ factor(group), ties = "breslow"))$sctest``
    (seed_os_by_mrd in tests/core/golden/entry_r_golden.json: 5.24490291262136)."""
    report = survival_report(seed, "os_entry", "mrd_pre_status")
    assert report.fit.delayed_entry and report.logrank.delayed_entry
    assert report.logrank.statistic == pytest.approx(5.24490291262136, rel=1e-9)
    assert report.permutation is None and report.trend is None
    assert ENTRY_TEST_NOTE in report.notes
    assert report.definition is OS_ENTRY and "Delayed entry" in report.caption
    naive = survival_report(seed, "os", "mrd_pre_status")
    assert naive.fit.table["n_risk"].iloc[0] == 15  # all MRD-negative patients at month 13
    first = report.fit.table.iloc[0]
    assert first["n_risk"] < 15  # only those whose maintenance had begun


def test_an_endpoint_without_values_or_events_is_not_offered_with_the_reason(seed):
    no_os = seed.drop(columns=["os_months", "os_event"])
    offered, reasons = offered_endpoints(no_os)
    assert [e.key for e in offered] == ["rfs"]
    assert reasons[0] == ("Overall survival (OS) is not offered: the cohort has no values in "
                          "`os_months`, `os_event`. Fix: map them on the Your data page.")
    unmapped = seed.assign(os_event=0)
    offered, reasons = offered_endpoints(unmapped)
    assert "os" not in [e.key for e in offered]
    assert reasons[0].startswith("Overall survival (OS) is not offered: no patient has its "
                                 "event (death), so every patient would be censored.")


def test_an_engine_source_offers_the_stored_endpoints_only(tmp_path, seed):
    path = tmp_path / "seed.parquet"
    seed.to_parquet(path)
    offered, reasons = offered_endpoints(open_cohort(path), ("survival",))
    assert [e.key for e in offered] == ["os", "rfs"]
    assert any(r.startswith("Event-free survival") for r in reasons)
    with pytest.raises(AnalysisError, match=r"registry mode does not do\. Fix: choose OS or RFS"):
        resolve_endpoint(open_cohort(path), "efs")


def dated() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["a", "b", "c", "d"],
        "date_diagnosis": ["2020-01-01"] * 4,
        "date_maintenance_start": ["2020-04-01", "2020-05-01", "2020-03-01", "2020-04-01"],
        "date_relapse": ["2020-10-01", None, None, "2021-01-01"],
        "gvhd": [None, "2020-08-01", None, "2021-02-01"],
        "date_death": [None, None, "2021-01-01", "2021-06-01"],
        "date_last_contact": ["2021-06-01", "2021-06-01", "2021-01-01", "2021-06-01"]})


def test_a_user_endpoint_from_dates_ends_at_the_earliest_event():
    """GRFS from maintenance: relapse, GVHD or death, whichever comes first."""
    grfs = user_endpoint("GVHD-free relapse-free survival", "GRFS", EndpointRecipe(
        origin="date_maintenance_start", events=("date_relapse", "gvhd", "date_death"),
        censor="date_last_contact"))
    assert grfs.key == "u.grfs"
    resolved = resolve_endpoint(dated(), grfs)
    days = [183, 92, 306, 275]  # a: relapse, b: gvhd, c: death, d: relapse
    np.testing.assert_allclose(resolved.frame[resolved.time], np.array(days) / 30.4375)
    assert resolved.frame[resolved.event].tolist() == [1, 1, 1, 1]
    assert offered_endpoints(dated(), user_endpoints=(grfs,))[0][-1] is grfs


def test_a_user_endpoint_with_competing_events_and_entry():
    cir = user_endpoint("Relapse incidence", "CIR-D", EndpointRecipe(
        origin="date_diagnosis", events=("date_relapse",), censor="date_last_contact",
        competing=("date_death",), entry="date_maintenance_start"))
    resolved = resolve_endpoint(dated(), cir)
    assert cir.kind == "incidence"
    assert resolved.frame[resolved.status].tolist() == [1, 0, 2, 1]
    np.testing.assert_allclose(resolved.frame[resolved.entry],
                               np.array([91, 121, 60, 91]) / 30.4375)
    fit = kaplan_meier(resolved.frame, resolved.time, resolved.event, entry=resolved.entry)
    assert fit.delayed_entry


def test_a_user_endpoint_from_times_and_its_json_round_trip():
    frame = pd.DataFrame({"patient_id": ["1", "2"], "start": [2.0, 3.0], "relapse": [8.0, None],
                          "last": [20.0, 30.0]})
    endpoint = user_endpoint("Relapse from CR", "RFS-CR", EndpointRecipe(
        origin="start", events=("relapse",), censor="last", unit="months"))
    assert endpoint_from_dict(endpoint_to_dict(endpoint)) == endpoint
    resolved = resolve_endpoint(frame, endpoint)
    assert resolved.frame[resolved.time].tolist() == [6.0, 27.0]
    assert resolved.frame[resolved.event].tolist() == [1.0, 0.0]


def test_user_endpoint_errors_name_the_fix():
    with pytest.raises(AnalysisError, match=r"An endpoint needs a name and an abbreviation"):
        user_endpoint(" ", "X", EndpointRecipe(None, ("a",), "b"))
    backwards = user_endpoint("Backwards", "BW", EndpointRecipe(
        origin="date_last_contact", events=("date_relapse",), censor="date_diagnosis"))
    with pytest.raises(AnalysisError, match=r"Backwards \(BW\): the end of follow-up is before "
                                            r"the origin \(`date_last_contact`\) for 4 patients"):
        resolve_endpoint(dated(), backwards)
    with pytest.raises(AnalysisError, match=r"An endpoint definition lacks 'events'"):
        endpoint_from_dict({"name": "x", "abbreviation": "y", "censor": "z"})
