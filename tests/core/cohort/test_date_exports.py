"""Date-based hospital exports load without a mapping into the study's endpoints (issue 21).

Every layout of the corpus (tests/core/cohort/date_exports.py: Chinese, German, French,
Spanish, English; ISO, yyyy/mm/dd, dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy, Excel serials, real
spreadsheet and SPSS dates; death as a date, a flag, a status word or both; CSV, XLSX, .sav with
variable labels) must give every patient the same endpoints. The day counts are R's, pinned:

    d <- function(a, b) as.numeric(as.Date(b) - as.Date(a))
    d("2019-01-15", "2020-08-20")   # 583, patient P1's OS; likewise for every number below

(the script is tests/core/golden/make_date_days.R, its output quoted there). Months = days /
30.4375.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.cohort import load_cohort
from core.cohort.proposal import propose_mapping
from core.cohort.read import read_table
from core.survival import kaplan_meier
from core.survival.competing import cumulative_incidence_at
from tests.core.cohort.date_exports import LAYOUTS, export, upload

OS_DAYS = [583, 1917, 596, 1371, 633, 609, 2265, 979]
OS_EVENT = [1, 0, 1, 0, 1, 1, 0, 1]
RFS_DAYS = [254, 1751, 431, 261, 465, 179, 2140, 487]
RFS_EVENT = [1, 0, 0, 1, 0, 1, 0, 1]
RFS_STATUS = [1, 0, 2, 1, 2, 1, 0, 1]  # P3 and P5 died without relapse: the competing event
ENTRY_DAYS = [137, 166, 165, 135, 168, 167, 125, 170]  # maintenance start, months from dx
RELAPSE_DAYS = [391, None, None, 396, None, 346, None, 657]
IDS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "000123"]
AT_LAST_CONTACT = {  # deaths dated at the last contact, by how the layout records death
    "flag only": [1, 0, 1, 0, 1, 1, 0, 1],
    "date only": [0] * 8,
    "date and flag": [0, 0, 0, 0, 1, 1, 0, 0],
}


def table_of(result) -> pd.DataFrame:
    return getattr(result, "table", result)


def death_record(name: str) -> str:
    headers = LAYOUTS[name].headers
    return "flag only" if headers[4] is None else "date only" if headers[6] is None else \
        "date and flag"


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def loaded(request):
    name = request.param
    return name, load_cohort(upload(export(name), f"{name}.{LAYOUTS[name].fmt[:4]}"))


def months(days):
    return [np.nan if d is None else d / 30.4375 for d in days]


def test_every_layout_gives_every_patient_the_pinned_endpoints(loaded):
    name, cohort = loaded
    assert cohort["patient_id"].tolist() == IDS, name
    assert cohort["os_months"].tolist() == pytest.approx(months(OS_DAYS), abs=1e-12)
    assert cohort["os_event"].tolist() == OS_EVENT
    assert cohort["rfs_months"].tolist() == pytest.approx(months(RFS_DAYS), abs=1e-12)
    assert cohort["rfs_event"].tolist() == RFS_EVENT
    assert cohort["rfs_status"].tolist() == RFS_STATUS
    assert cohort["maintenance_os_months"].tolist() == pytest.approx(months(ENTRY_DAYS),
                                                                     abs=1e-12)
    assert cohort["relapse_os_months"].tolist() == pytest.approx(months(RELAPSE_DAYS),
                                                                 abs=1e-12, nan_ok=True)
    assert cohort["death_at_last_contact"].tolist() == AT_LAST_CONTACT[death_record(name)]


def test_every_layout_is_proposed_without_a_choice(loaded):
    name, _ = loaded
    proposal = propose_mapping(read_table(upload(export(name), f"{name}.x")))
    assert proposal.choices == (), name
    assert proposal.notes == (), name


def test_dates_are_kept_as_dates(loaded):
    _, cohort = loaded
    assert cohort["date_diagnosis"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2019-01-15",
                                                                            "2019-03-02"]
    assert cohort["date_relapse"].isna().tolist() == [False, True, True, False, True, False,
                                                      True, False]


def test_the_chinese_flag_export_has_its_deaths_on_the_curve_and_competing_deaths():
    """The export of the issue: death only as 是/否 beside the last-contact date. OS has its 5
    deaths (not "OS 100 %"), and non-relapse mortality is above 0 (P3 and P5 died without
    relapse) on the relapse-free clock."""
    cohort = load_cohort(upload(export("zh_flag_xlsx"), "zh.xlsx"))
    km = table_of(kaplan_meier(cohort, "os_months", "os_event"))
    assert int(km["n_event"].sum()) == 5
    assert km["survival"].iloc[-1] < 1
    nrm = table_of(cumulative_incidence_at(cohort, "rfs_months", "rfs_status", [60], cause=2))
    assert nrm["cif"].iloc[0] > 0
    relapse = table_of(cumulative_incidence_at(cohort, "rfs_months", "rfs_status", [60],
                                               cause=1))
    # Aalen-Johansen by hand: relapses at 179 (n 8), 254 (n 7), 261 (n 6) and 487 days (n 3),
    # deaths without relapse at 431 (n 5) and 465 days (n 4); S before each event 1, 7/8, 6/8,
    # 5/8, 4/8, 3/8: CIR = 1/8 + 1/8 + 1/8 + (3/8)(1/3) = 4/8, NRM = (5/8)(1/5) + (4/8)(1/4)
    assert relapse["cif"].iloc[0] == pytest.approx(4 / 8, abs=1e-12)
    assert nrm["cif"].iloc[0] == pytest.approx(2 / 8, abs=1e-12)


def test_ids_keep_their_leading_zeros_in_every_format(loaded):
    _, cohort = loaded
    assert cohort["patient_id"].iloc[-1] == "000123"


def test_a_spss_file_is_mapped_by_its_variable_labels():
    raw = read_table(upload(export("de_sav_labels"), "export.sav"))
    assert list(raw.columns) == ["v1", "v2", "v3", "v4", "v5", "v6", "v7"]
    mapping = dict(propose_mapping(raw).mapping.columns)
    assert mapping == {"patient_id": "v1", "date_diagnosis": "v2",
                       "date_maintenance_start": "v3", "date_relapse": "v4",
                       "date_death": "v5", "date_last_contact": "v6", "os_event": "v7"}


def test_frames_are_the_same_whatever_the_layout():
    columns = ["patient_id", "os_months", "os_event", "rfs_months", "rfs_event", "rfs_status",
               "maintenance_os_months", "relapse_os_months"]
    frames = [load_cohort(upload(export(n), n))[columns] for n in sorted(LAYOUTS)]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])


def test_every_layout_derives_dead_and_never_makes_up_alive(loaded):
    """Outcome from the death record: "dead" where the date or the flag says so; the others
    "alive or lost (not recorded)": the dates cannot tell alive from lost to follow-up."""
    name, cohort = loaded
    assert cohort["outcome"].tolist() == [
        "dead" if e else "alive or lost (not recorded)" for e in OS_EVENT], name
