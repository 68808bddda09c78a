"""The scenarios of issue 21's first paragraph, end to end in core, at the issue's scale.

80 patients, 51 of whom died (tests/core/cohort/followup_exports.py). Each test replays one
scenario the issue reports and pins what a clinician must see instead: every death counted (not
"OS 100 %, 0 deaths"), an unmapped death making OS unavailable (not "79 patients, 0 deaths"),
ISO dates with blank death dates accepted, deaths without relapse as the competing event (NRM
not 0 %), a relapse after the last contact named, an unfit sorafenib column left aside, and no
made-up "Outcome: dead 100 %". The truth comes from ``datetime.date`` subtraction in the
generator; the cumulative incidences from the Aalen-Johansen product written out below.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from core.cohort import load_cohort
from core.cohort.baseline import baseline_characteristics
from core.cohort.derive import unavailable_endpoints
from core.cohort.mapping import Mapping, apply_mapping
from core.cohort.proposal import propose_mapping
from core.cohort.read import read_table
from core.cohort.validate import set_aside_invalid_rows
from core.errors import CohortError
from core.survival import kaplan_meier
from core.survival.competing.input import competing_status
from core.survival.competing.summary import competing_report
from tests.core.cohort.followup_exports import (
    DEATHS,
    N,
    chinese_flag_export,
    english_iso_export,
    patients,
    upload,
)

MONTH = 30.4375


@pytest.fixture(scope="module")
def chinese():
    data, truth = chinese_flag_export()
    return data, truth, load_cohort(upload(data, "随访.xlsx"))


def aalen_johansen(days: np.ndarray, status: np.ndarray) -> dict[int, float]:
    """Cumulative incidence of causes 1 and 2 after the last time (textbook product)."""
    surv, cif = 1.0, {1: 0.0, 2: 0.0}
    for t in np.unique(days[status > 0]):
        at_risk = (days >= t).sum()
        for cause in (1, 2):
            cif[cause] += surv * ((days == t) & (status == cause)).sum() / at_risk
        surv *= 1 - ((days == t) & (status > 0)).sum() / at_risk
    return cif


def test_a_chinese_death_flag_export_counts_every_death(chinese):
    """是/否 beside the last-contact date: 51 deaths on the curve, each at its last contact."""
    _, truth, cohort = chinese
    assert len(cohort) == N
    assert int(cohort["os_event"].sum()) == DEATHS
    assert cohort["os_months"].tolist() == pytest.approx((truth["os_days"] / MONTH).tolist(),
                                                         abs=1e-12)
    assert cohort["death_at_last_contact"].sum() == DEATHS
    assert cohort["rfs_months"].tolist() == pytest.approx(
        (truth["rfs_days"] / MONTH).tolist(), abs=1e-12)
    assert cohort["rfs_event"].tolist() == truth["relapsed"].astype(int).tolist()
    km = kaplan_meier(cohort, "os_months", "os_event")
    assert int(km.table["n_event"].sum()) == DEATHS
    assert km.table["survival"].iloc[-1] < 0.5


def test_the_death_field_naming_the_last_contact_column_gives_the_same_cohort(chinese):
    """The page's way: the death-date field may reuse the last-contact column."""
    data, _, cohort = chinese
    proposal = propose_mapping(read_table(upload(data, "x.xlsx"))).mapping.to_dict()
    proposal["columns"]["date_death"] = "末次随访日期"
    same = load_cohort(upload(data, "x.xlsx"), Mapping.from_dict(proposal).to_dict())
    assert same[["os_months", "os_event", "rfs_months", "rfs_status"]].equals(
        cohort[["os_months", "os_event", "rfs_months", "rfs_status"]])


def test_a_death_left_unmapped_makes_os_unavailable_never_zero_deaths(chinese):
    data, _, _ = chinese
    mapping = propose_mapping(read_table(upload(data, "x.xlsx"))).mapping.to_dict()
    del mapping["columns"]["os_event"]  # the user leaves Death empty
    cohort = load_cohort(upload(data, "x.xlsx"), mapping)
    assert cohort["os_months"].isna().all() and cohort["os_event"].isna().all()
    assert cohort["rfs_event"].sum() > 0  # RFS needs no death: still there
    assert unavailable_endpoints(set(Mapping.from_dict(mapping).used_columns())) == {
        "os": "Overall survival (OS) is not available from this file's dates: it needs a death "
              "date or a death flag/status column (without one every patient would look "
              "alive: a curve without deaths). Map the column under Dates if the file has it."}
    km = kaplan_meier(cohort, "os_months", "os_event")  # no "80 patients, 0 deaths" curve
    assert km.table.empty and km.n == {"All": 0}
    assert [(e.reason, e.count) for e in km.exclusions] == [("no recorded `os_months`", N)]


def test_an_english_iso_export_with_blank_death_dates_for_the_living_loads():
    data, truth = english_iso_export()
    cohort = load_cohort(upload(data, "export.csv"))
    assert cohort["patient_id"].tolist() == truth["id"].tolist()  # 000001 keeps its zeros
    assert cohort["os_event"].tolist() == truth["dead"].astype(int).tolist()
    assert cohort["os_months"].tolist() == pytest.approx((truth["os_days"] / MONTH).tolist(),
                                                         abs=1e-12)
    assert cohort["rfs_status"].tolist() == truth["rfs_status"].tolist()
    assert (cohort["death_at_last_contact"] == 0).all()  # every death has its date


@pytest.mark.parametrize(("no_relapse", "alive"), [("none", "n.a."), ("/", "alive"),
                                                  ("No", "None")])
def test_words_that_say_no_event_in_an_english_date_column_read_as_blank(no_relapse, alive):
    data, truth = english_iso_export(no_relapse=no_relapse, alive=alive)
    cohort = load_cohort(upload(data, "export.csv"))
    assert cohort["os_event"].tolist() == truth["dead"].astype(int).tolist()
    assert cohort["rfs_status"].tolist() == truth["rfs_status"].tolist()


def test_a_chinese_relapse_date_column_mostly_reading_none_is_still_the_relapse_date(chinese):
    """无 for each of the 49 patients without relapse: still a date column (not left unmapped
    as "its cells are not dates"), each 无 a blank date."""
    _, truth, cohort = chinese
    data, _ = chinese_flag_export(no_relapse="无")
    same = load_cohort(upload(data, "x.xlsx"))
    assert (truth["relapse"].isna()).sum() > N / 2
    assert same[["rfs_months", "rfs_event", "rfs_status", "os_event"]].equals(
        cohort[["rfs_months", "rfs_event", "rfs_status", "os_event"]])


@pytest.mark.parametrize("unknown", ["unknown", "?"])
def test_a_date_said_to_be_unknown_is_reported_not_read_as_no_event(unknown):
    data, truth = english_iso_export(alive=unknown)
    with pytest.raises(CohortError) as info:
        load_cohort(upload(data, "export.csv"))
    first = int(np.flatnonzero(~truth["dead"].to_numpy())[0])  # the first patient alive
    assert len(info.value.problems) == N - DEATHS
    assert info.value.problems[0] == (
        f"Column 'Date of death' (death date), row {first + 2} (patient {first + 1:06d}): "
        f"value {unknown!r} is not a date. Fix: correct it (a calendar date from 1900 on, e.g. "
        "2020-03-25 or 25.03.2020).")


def test_deaths_without_relapse_are_the_competing_event_of_a_dated_upload(chinese):
    """NRM is not 0 % and the page does not claim the dates are unknown."""
    _, truth, cohort = chinese
    status = truth["rfs_status"].to_numpy()
    assert (status == 2).sum() > 0
    rule = competing_status(cohort)
    assert rule.unplaced == ()
    assert len(rule.placed) == (status == 2).sum()
    assert "do not say when maintenance began" not in rule.describe()
    assert rule.describe().startswith(
        "The export's dates place every death without relapse on the relapse-free clock: it "
        "ends relapse-free follow-up at the date of death (a death known only by a flag: at "
        "the last contact) and counts as the competing event (cause 2), whichever rule is "
        "chosen for deaths recorded only on the OS clock.")
    assert competing_status(cohort, "end_of_rfs").status.equals(rule.status)
    report = competing_report(cohort)
    want = aalen_johansen(truth["rfs_days"].to_numpy(), status)
    for cause in (1, 2):
        assert report.incidence[cause].table["cif"].iloc[-1] == pytest.approx(want[cause],
                                                                               abs=1e-12)
    assert want[2] > 0.1


def test_a_relapse_after_the_last_contact_is_named_with_row_patient_column_and_fix():
    truth = patients()
    last = truth.at[6, "last"]
    truth.at[6, "relapse"] = last + dt.timedelta(days=10)  # patient 000007, spreadsheet row 9
    data, _ = chinese_flag_export(truth)
    with pytest.raises(CohortError) as info:
        load_cohort(upload(data, "x.xlsx"))
    relapse = last + dt.timedelta(days=10)
    assert info.value.problems == [
        f"Column '复发日期' (relapse date), row 9 (patient 000007): relapse {relapse:%Y-%m-%d} is "
        f"after the last contact {last:%Y-%m-%d} (column '末次随访日期' (last contact date)). "
        "Fix: correct one of the two dates; a relapse must be known by the last contact."]
    raw = read_table(upload(data, "x.xlsx"))
    split = set_aside_invalid_rows(apply_mapping(raw, propose_mapping(raw).mapping))
    assert split.set_aside["row"].tolist() == [9]
    dead = int(truth.at[6, "dead"])
    assert split.events_removed() == (
        f"removes {dead} of {DEATHS} deaths and 1 of {int(truth['relapse'].notna().sum())} "
        "relapses")


def test_an_unfit_sorafenib_column_is_left_aside_and_every_row_loads(chinese):
    data, truth, cohort = chinese
    proposal = propose_mapping(read_table(upload(data, "x.xlsx")))
    assert "sorafenib_timing" not in dict(proposal.mapping.columns)
    assert proposal.choices == ()
    assert [n.split(":")[0] for n in proposal.notes] == [
        "Column '索拉非尼' was not used as Sorafenib timing"]
    assert len(cohort) == N
    assert cohort["sorafenib_timing"].isna().all()
    assert cohort["索拉非尼"].tolist() == truth["sorafenib"].tolist()


def test_the_baseline_table_of_the_export_makes_up_no_outcome(chinese):
    """Relapse type is filled for the relapsed only: the rest are "not recorded"; no outcome
    column: "dead" from the death flag (51 of 80), the others "alive or lost (not recorded)"
    (the dates cannot tell which), never "dead 100 %" and never a made-up "alive"."""
    _, truth, cohort = chinese
    table = baseline_characteristics(cohort)

    def rows(name):
        part = table[table["characteristic"] == name]
        return dict(zip(part["level"], part["summary"], strict=True))

    dead = int(truth["dead"].sum())
    assert dead == 51
    assert rows("Outcome") == {"dead": f"{dead} ({100 * dead / N:.1f}%)",
                               "alive or lost (not recorded)":
                                   f"{N - dead} ({100 * (N - dead) / N:.1f}%)"}
    relapsed = int(truth["relapsed"].sum())
    molecular = int((truth["relapse_type"] == "分子学复发").sum())
    assert rows("Relapse type") == {
        "none": "0 (0.0%)",
        "molecular": f"{molecular} ({100 * molecular / relapsed:.1f}%)",
        "morphological": f"{relapsed - molecular} ({100 * (relapsed - molecular) / relapsed:.1f}%)",
        "not recorded": str(N - relapsed)}
