"""De-identified exports: keyed pseudonyms, dates and free text removed, small counts hidden."""

import hmac

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from core.access.deidentify import (
    NOTE,
    deidentify_rows,
    free_text_columns,
    pseudonym,
    suppress_small_counts,
)
from core.cohort.read import load_seed_cohort

KEY = "a-long-secret-key-for-tests-only-0123456789"


def test_pseudonym_is_hmac_sha256_of_the_id_as_text():
    expected = hmac.new(KEY.encode(), b"000123", "sha256").hexdigest()[:20]
    assert pseudonym("000123", KEY) == "P-" + expected
    assert pseudonym("000123", KEY) != pseudonym("123", KEY)
    assert pseudonym(7, KEY) == pseudonym("7", KEY)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=40, unique=True))
def test_pseudonyms_are_stable_and_distinct(ids):
    first = [pseudonym(i, KEY) for i in ids]
    assert first == [pseudonym(i, KEY) for i in ids]
    assert len(set(first)) == len(ids)


def test_another_key_gives_other_pseudonyms():
    assert pseudonym(1, KEY) != pseudonym(1, KEY + "x")


def test_seed_rows_lose_ids_and_free_text_but_keep_statistics():
    seed = load_seed_cohort()
    result = deidentify_rows(seed, KEY)
    assert result.dropped == ("pretreatment_regimens",)
    assert result.note.startswith(NOTE) and "pretreatment_regimens" in result.note
    assert not set(seed["patient_id"].astype(str)) & set(result.table["patient_id"])
    assert result.table["patient_id"].str.fullmatch(r"P-[0-9a-f]{20}").all()
    for column in ("rfs_months", "rfs_event", "os_months", "os_event", "eln2022_risk"):
        pd.testing.assert_series_equal(result.table[column], seed[column].reset_index(drop=True))


def test_dates_and_long_text_of_an_upload_are_dropped():
    rows = pd.DataFrame({
        "patient_id": ["a", "b", "c"] * 5,
        "date_diagnosis": pd.to_datetime(["2020-01-01"] * 15),
        "visit": pd.to_datetime(["2021-02-03"] * 15),
        "note": [f"free text {i}" for i in range(15)],
        "arm": ["x", "y", "z"] * 5, "ldh": range(15)})
    result = deidentify_rows(rows, KEY)
    assert result.dropped == ("date_diagnosis", "visit", "note")
    assert list(result.table.columns) == ["patient_id", "arm", "ldh"]


def test_small_counts_become_less_than_five():
    table = pd.DataFrame({"Group": ["a", "b", "c"], "Patients": [15, 4, 0],
                          "12 months: at risk": [10, 2, 5], "Median (95% CI)": ["1 (0–2)"] * 3})
    out = suppress_small_counts(table)
    assert out["Patients"].tolist() == [15, "<5", 0]
    assert out["12 months: at risk"].tolist() == [10, "<5", 5]
    assert out["Median (95% CI)"].tolist() == ["1 (0–2)"] * 3  # an interval, not a range
    assert table["Patients"].tolist() == [15, 4, 0]  # the input is not changed


def test_baseline_cells_hide_small_n_and_ranges():
    table = pd.DataFrame({"n (%) or median (range)": ["9 (47.4%)", "1 (5.3%)", "59 (21–76)",
                                                      "19", "4 (21.1%)"]})
    assert suppress_small_counts(table).iloc[:, 0].tolist() == [
        "9 (47.4%)", "<5", "59", "19", "<5"]


def test_free_text_is_many_values_or_one_per_patient():
    """Rule of core.access.deidentify.free_text_columns: more than MAX_LEVELS (20) distinct
    values, or at least 5 distinct values covering more than half the recorded rows."""
    rows = pd.DataFrame({"patient_id": [str(i) for i in range(8)],
                         "note": ["a", "b", "c", "d", "e", None, None, None],  # 5 of 5
                         "site": ["x", "y", "z", "w", "x", "y", "z", "w"],  # 4 values
                         "grade": list("abcdaabb")})  # 4 of 8
    assert free_text_columns(rows) == ["note"]
    many = pd.DataFrame({"code": [f"c{i % 21}" for i in range(100)]})  # 21 values, 100 rows
    assert free_text_columns(many) == ["code"]
    twenty = pd.DataFrame({"code": [f"c{i % 20}" for i in range(100)]})
    assert free_text_columns(twenty) == []
