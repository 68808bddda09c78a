"""The gatekeeper: every problem reported at once, each naming row, column, value and fix.

Row numbers count the header as row 1 (as a spreadsheet shows them): patient 4 is row 5.
"""

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.read import SEED_PATH, load_cohort, read_table, validate_cohort
from core.cohort.schema import COLUMNS
from core.errors import CohortError

MINIMAL = ["patient_id", "sex", "age", "wbc", "blasts_pct", "fab", "eln2022_risk",
           "sorafenib_timing", "mrd_pre_status", "rfs_months", "rfs_event", "os_months",
           "os_event"]


@pytest.fixture
def raw() -> pd.DataFrame:
    return pd.read_csv(SEED_PATH, dtype=str, keep_default_na=False)


def problems_of(raw: pd.DataFrame) -> list[str]:
    with pytest.raises(CohortError) as info:
        validate_cohort(raw)
    return info.value.problems


def test_cohort_error_is_a_value_error_listing_problems():
    error = CohortError(["a", "b"])
    assert isinstance(error, ValueError)
    assert error.problems == ["a", "b"]
    assert str(error) == "The cohort has 2 problems:\n- a\n- b"


def test_every_problem_is_reported_at_once(raw):
    raw.loc[3, "age"] = "abc"
    raw.loc[5, "rfs_event"] = "2"
    raw.loc[6, "sex"] = "X"
    problems = problems_of(raw)
    assert len(problems) == 3


def test_non_numeric_value_names_row_column_value_and_fix(raw):
    raw.loc[3, "age"] = "abc"
    assert problems_of(raw) == [
        "Column `age`, row 5 (patient 4): value 'abc' is not numeric. Fix: enter age in years "
        "as a number, or leave the cell empty if it is unknown."]


def test_decimal_comma_gets_its_own_hint(raw):
    raw.loc[3, "wbc"] = "32,25"
    raw.loc[4, "wbc"] = "46,12"
    assert problems_of(raw) == [
        "Column `wbc`, rows 5, 6 (patients 4, 5): values '32,25', '46,12' are not numeric. Fix: "
        "enter WBC in ×10⁹/L as a number with a decimal point, not a comma, or leave the cell "
        "empty if it is unknown."]


def test_negative_time(raw):
    raw.loc[3, "rfs_months"] = "-1"
    assert problems_of(raw) == [
        "Column `rfs_months`, row 5 (patient 4): value '-1' is below the minimum 0 in months "
        "(times are counted from the start point and cannot be negative). Fix: correct the "
        "value or leave the cell empty if unknown."]


def test_value_above_maximum(raw):
    raw.loc[0, "blasts_pct"] = "181"
    assert problems_of(raw) == [
        "Column `blasts_pct`, row 2 (patient 1): value '181' is above the maximum 100 in %. "
        "Fix: correct the value or leave the cell empty if unknown."]


def test_bad_event_code(raw):
    raw.loc[5, "rfs_event"] = "2"
    assert problems_of(raw) == [
        "Column `rfs_event`, row 7 (patient 6): value '2' is not an event code. Fix: write 1 for "
        "relapse and 0 for censored (no relapse at last contact), or map the file's codes on "
        "the Your data page."]


def test_unknown_category(raw):
    raw.loc[6, "eln2022_risk"] = "very high"
    assert problems_of(raw) == [
        "Column `eln2022_risk`, row 8 (patient 7): value 'very high' is not allowed. Fix: use one "
        "of 'favorable', 'intermediate', 'adverse' (capitals do not matter)."]


def test_many_rows_are_counted_not_all_listed(raw):
    raw["sex"] = "X"
    (problem,) = problems_of(raw)
    assert problem.startswith("Column `sex`, rows 2, 3, 4, 5, 6, 7, 8, 9 and 11 more (patients "
                              "1, 2, 3, 4, 5, 6, 7, 8, ...): values 'X', 'X'")
    assert "and 11 more are not allowed" in problem


def test_missing_required_columns_each_reported(raw):
    """Issue 11: only the id and one endpoint (time + event) are required; sex is optional."""
    problems = problems_of(raw.drop(columns=["os_event", "patient_id"]))
    assert len(problems) == 2
    assert problems[0].startswith("Required column `patient_id` (Patient) is missing; the file "
                                  "has 'sex', 'age'")
    assert problems[0].endswith("Fix: add the column or rename the matching one to this name "
                                "(see data/DATA_DICTIONARY.md).")
    assert problems[1] == (
        "Column `os_event` (Death) is missing while `os_months` is present: the OS endpoint "
        "needs both its time and its event. Fix: add the column, or remove `os_months` if OS "
        "is not recorded.")


def test_no_endpoint_at_all(raw):
    (problem,) = problems_of(raw[["patient_id", "sex", "age"]])
    assert problem == (
        "The table has no endpoint; the file has 'patient_id', 'sex', 'age'. Fix: add a time "
        "and an event column for overall survival (`os_months`, `os_event`) or relapse-free "
        "survival (`rfs_months`, `rfs_event`), or both, or the dates they are computed from "
        "(see data/DATA_DICTIONARY.md).")


@pytest.mark.parametrize("endpoint", ["os", "rfs"])
def test_one_endpoint_is_enough(raw, endpoint):
    """Issue 11: wbc, sex, ... are no longer required; an id and one endpoint pair suffice."""
    cohort = validate_cohort(raw[["patient_id", f"{endpoint}_months", f"{endpoint}_event"]])
    other = "rfs" if endpoint == "os" else "os"
    assert len(cohort) == 19
    assert cohort[f"{other}_months"].isna().all()
    assert cohort[f"{endpoint}_event"].dtype == "int64"
    assert cohort["wbc"].isna().all()


def test_duplicate_and_empty_ids(raw):
    raw.loc[8, "patient_id"] = "1"
    raw.loc[9, "patient_id"] = ""
    assert problems_of(raw) == [
        "Column `patient_id`, row 11 (patient (no id)): the patient id is empty. Fix: give every "
        "patient a unique id.",
        "Column `patient_id`, rows 2, 10 (patients 1, 1): the id '1' is used more than once. "
        "Fix: give every patient a unique id (one row per patient)."]


def test_duplicate_header(raw):
    raw.columns = ["age" if c == "wbc" else c for c in raw.columns]
    assert problems_of(raw) == [
        "Column `age` appears more than once in the header. Fix: keep one column of that name "
        "and rename or delete the others."]


def test_header_only():
    with pytest.raises(CohortError, match="has a header but no patient rows"):
        validate_cohort(pd.DataFrame(columns=MINIMAL))


def test_time_without_event(raw):
    raw.loc[9, "os_months"] = ""
    assert problems_of(raw) == [
        "Columns `os_months`/`os_event`, row 11 (patient 10): one of the pair is empty. Fix: fill "
        "both (time and event code) or leave both empty if the endpoint is unknown."]


def test_rfs_longer_than_os(raw):
    raw.loc[10, "rfs_months"] = "99"
    assert problems_of(raw) == [
        "Columns `rfs_months`/`os_months`, row 12 (patient 11): RFS is longer than OS (RFS 99 > "
        "OS 13 months). RFS starts at maintenance, which begins after diagnosis, so it cannot "
        "exceed OS. Fix: check both times."]


def test_event_disagrees_with_relapse_type_and_outcome(raw):
    raw.loc[0, "rfs_event"] = "1"
    raw.loc[1, "os_event"] = "1"
    assert problems_of(raw) == [
        "Columns `relapse_type`/`rfs_event`, row 2 (patient 1): the values disagree (none/1). "
        "Fix: relapse_type 'none' goes with rfs_event 0, 'molecular'/'morphological' with 1.",
        "Columns `outcome`/`os_event`, row 3 (patient 2): the values disagree (alive/1). Fix: "
        "outcome 'dead' goes with os_event 1, 'alive'/'lost to follow-up' with 0."]


def test_mrd_status_disagrees_with_level(raw):
    raw.loc[0, "mrd_pre_flow_pct"] = "0.5"
    assert problems_of(raw) == [
        "Columns `mrd_pre_status`/`mrd_pre_flow_pct`, row 2 (patient 1): status 'negative' with "
        "a flow MRD of '0.5'%. Fix: MRD is positive at >= 0.01%; correct the status or the level."]


def test_aliases_and_capitals_are_canonicalised(raw):
    raw.loc[0, "sex"] = "male"
    raw.loc[1, "eln2022_risk"] = "Adverse"
    raw.loc[2, "outcome"] = "Survival"
    raw.loc[3, "co_mutations"] = "npm1, tet2"
    cohort = validate_cohort(raw)
    assert cohort.loc[:3, "sex"].tolist()[0] == "M"
    assert cohort.loc[1, "eln2022_risk"] == "adverse"
    assert cohort.loc[2, "outcome"] == "alive"
    assert cohort.loc[3, "co_mutations"] == "NPM1; TET2"


def test_minimal_upload_derives_optional_columns(raw):
    cohort = validate_cohort(raw[MINIMAL])
    assert cohort["fab_class"].tolist()[:3] == ["M2", "M1", "M5"]
    # relapse type and outcome are never made up from the event codes (issue 21: a half-made
    # column read "Outcome: dead 100 %" in the baseline table): absent, they are not recorded
    assert cohort["relapse_type"].isna().all() and cohort["outcome"].isna().all()
    assert cohort["co_mutations"].isna().all()


def test_missing_endpoint_is_allowed_and_kept(raw):
    raw.loc[0, ["rfs_months", "rfs_event"]] = ["", ""]
    cohort = validate_cohort(raw)
    assert len(cohort) == 19
    assert str(cohort["rfs_event"].dtype) == "Int64"
    assert cohort["rfs_event"].isna().sum() == 1


def test_extra_columns_are_kept(raw):
    """Issue 11: extra columns keep their own names; numeric ones become numbers."""
    raw["Transplant"] = "no"
    raw["LDH U/L"] = "250"
    cohort = validate_cohort(raw)
    assert cohort["Transplant"].eq("no").all()
    assert cohort["LDH U/L"].dtype == "float64"


def test_headers_are_normalised(raw):
    raw.columns = [c.upper().replace("_", " ") + " " for c in raw.columns]
    assert validate_cohort(raw).shape == (19, len(COLUMNS))


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_separators_and_windows_encoding(raw, sep):
    raw.loc[0, "pretreatment_regimens"] = "DA×2 – café"
    data = raw.to_csv(sep=sep, index=False).encode("cp1252")
    cohort = load_cohort(io.BytesIO(data))
    assert cohort.loc[0, "pretreatment_regimens"] == "DA×2 – café"


def test_xlsx_and_parquet_round_trip(tmp_path):
    seed = load_cohort(SEED_PATH)
    seed.to_excel(tmp_path / "c.xlsx", index=False)
    seed.to_parquet(tmp_path / "c.parquet")
    for name in ("c.xlsx", "c.parquet"):
        loaded = load_cohort(tmp_path / name)
        pd.testing.assert_frame_equal(loaded, seed, check_dtype=False)
        with open(tmp_path / name, "rb") as handle:  # a file-like object, as Streamlit gives
            assert load_cohort(handle)["patient_id"].tolist() == list(range(1, 20))


def test_unreadable_files(tmp_path):
    with pytest.raises(CohortError, match=r"is empty\. Fix: export the cohort again"):
        read_table(io.BytesIO(b"  \n"))
    with pytest.raises(CohortError, match=r"starts like a zip archive or workbook but is damaged"):
        read_table(io.BytesIO(b"PK\x03\x04 not really a workbook"))
    with pytest.raises(CohortError, match=r"old Excel 97-2003 format \(\.xls\)"):
        (tmp_path / "cohort.xls").write_bytes(b"\xd0\xcf\x11\xe0 old workbook")
        read_table(tmp_path / "cohort.xls")
    with pytest.raises(CohortError, match=r"could not be opened .* Fix: check the path"):
        read_table("/no/such/file.csv")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_any_text_in_a_number_column_is_accepted_or_named(text):
    """Property: a cell either parses or yields a problem naming its row and column."""
    raw = pd.read_csv(SEED_PATH, dtype=str, keep_default_na=False)
    raw.loc[0, "age"] = text
    try:
        cohort = validate_cohort(raw)
    except CohortError as error:
        assert any(p.startswith("Column `age`, row 2 (patient 1)") for p in error.problems)
    else:
        assert len(cohort) == 19
