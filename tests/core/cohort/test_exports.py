"""Exports: numbers intact, and no text cell ever runs as a spreadsheet formula (CONTRACT.md)."""

import io
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.exports import table_to_csv, table_to_xlsx
from core.cohort.read import load_cohort, load_seed_cohort

SEED = load_seed_cohort()
EXACT = "round_trip"
"""pandas.read_csv's exact float parser; pandas < 3's default reads 0.30000000000000004 as 0.3."""
DANGEROUS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)",
             "\t=1", "\r=1"]


def test_csv_round_trips_the_seed():
    back = pd.read_csv(io.BytesIO(table_to_csv(SEED)))
    assert list(back.columns) == list(SEED.columns)
    for name in SEED.columns:
        if pd.api.types.is_numeric_dtype(SEED[name]):
            np.testing.assert_array_equal(back[name].to_numpy(float),
                                          SEED[name].to_numpy(float))
        else:
            assert back[name].fillna("").astype(str).tolist() == \
                SEED[name].fillna("").astype(str).tolist()


def test_xlsx_round_trips_the_seed():
    back = pd.read_excel(io.BytesIO(table_to_xlsx(SEED, notes=["Filters: none"])))
    pd.testing.assert_frame_equal(back, SEED, check_dtype=False)
    about = pd.read_excel(io.BytesIO(table_to_xlsx(SEED, notes=["Filters: none"])),
                          sheet_name="About")
    assert about["about"].tolist() == ["Filters: none"]


def test_csv_neutralises_formulas_but_not_numbers():
    df = pd.DataFrame({"text": DANGEROUS, "number": [-1.5, -2, 3, 4, 5, 6]})
    back = pd.read_csv(io.BytesIO(table_to_csv(df)), keep_default_na=False)
    assert back["text"].tolist() == ["'" + v for v in DANGEROUS]
    assert back["number"].tolist() == [-1.5, -2, 3, 4, 5, 6]


def test_xlsx_stores_formula_like_text_as_text():
    df = pd.DataFrame({"text": DANGEROUS + ["http://example.org", "0012"],
                       "n": range(8)})
    data = table_to_xlsx(df)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula cell anywhere
    assert "hyperlink" not in sheet_xml.lower()
    back = pd.read_excel(io.BytesIO(data), dtype={"text": str})
    # openpyxl does not decode the OOXML escape _x000D_ for a carriage return; Excel does.
    back_text = [t.replace("_x000D_", "\r") for t in back["text"]]
    assert back_text == df["text"].tolist()
    assert back["n"].tolist() == list(range(8))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                        min_size=1, max_size=20), min_size=1, max_size=5),
       st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1,
                max_size=5))
def test_property_csv_text_and_numbers_survive(texts, numbers):
    size = min(len(texts), len(numbers))
    df = pd.DataFrame({"t": texts[:size], "x": numbers[:size]})
    back = pd.read_csv(io.BytesIO(table_to_csv(df)), keep_default_na=False, dtype={"t": str},
                       float_precision=EXACT)
    expected = ["'" + t if t.startswith(("=", "+", "-", "@", "\t", "\r")) else t
                for t in df["t"]]
    assert back["t"].tolist() == expected
    assert back["x"].tolist() == pytest.approx(df["x"].tolist(), rel=0, abs=0)


def test_csv_writes_whole_numbers_without_decimals_and_keeps_other_floats():
    """Issue 17: ages and months read "59.0" in the CSV. Whole floats print as integers,
    other floats keep their exact value, missing stays empty, huge values keep float text."""
    table = pd.DataFrame({"age": [59.0, 62.5, np.nan], "wbc": [0.1 + 0.2, 1e20, -4.0],
                          "id": ["1", "2", "3"]})
    text = table_to_csv(table).decode("utf-8")
    assert text.splitlines() == ["age,wbc,id", "59,0.30000000000000004,1", "62.5,1e+20,2",
                                 ",-4,3"]
    back = pd.read_csv(io.BytesIO(table_to_csv(table)), float_precision=EXACT)
    np.testing.assert_array_equal(back["age"].to_numpy(float), table["age"].to_numpy(float))
    np.testing.assert_array_equal(back["wbc"].to_numpy(float), table["wbc"].to_numpy(float))
    seed = table_to_csv(SEED).decode("utf-8").splitlines()
    assert seed[1].startswith("1,M,59,59,81,M2a,")
    assert ".0," not in "\n".join(seed)


def test_exported_csv_uploaded_again_keeps_every_double_exactly():
    """The app's own reader (the upload path) reads 17-digit numbers exactly on every pandas
    the requirements allow (pandas < 3's parser alone would read 0.30000000000000004 as 0.3)."""
    values = [0.1 + 0.2, 123.45678912345679, 1 / 3, 1e-20, 0.8571428571428571, 59.0]
    table = pd.DataFrame({"patient_id": [str(i) for i in range(1, 7)], "os_months": values,
                          "os_event": [1, 0, 1, 0, 1, 0], "ldh": values[::-1]})
    back = load_cohort(io.BytesIO(table_to_csv(table)))
    assert back["os_months"].tolist() == values
    assert back["ldh"].tolist() == values[::-1]


# ---- readable CSV and file names -------------------------------------------------------------

def test_readable_table_has_units_and_spelled_out_events():
    from core.cohort.exports import readable_table
    from core.cohort.schema import LABELS
    table = readable_table(SEED, LABELS)
    assert list(table.columns[:3]) == ["Patient", "Sex", "Age (years)"]
    assert "RFS (months)" in table.columns and "OS (months)" in table.columns
    assert table["RFS end: relapse or censored"].tolist()[:2] == [
        "censored (relapse-free at last contact)", "relapse"]
    assert table.loc[SEED["patient_id"] == 9, "OS end: death or censored"].item() == "death"
    assert table["RFS (months)"].tolist() == SEED["rfs_months"].tolist()  # numbers unchanged
    back = pd.read_csv(io.BytesIO(table_to_csv(table)))
    assert back["Age (years)"].tolist()[:2] == [59, 62]
    # the machine-readable form is the table itself, unchanged
    assert list(pd.read_csv(io.BytesIO(table_to_csv(SEED))).columns) == list(SEED.columns)


def test_download_names_carry_page_content_endpoint_filters_and_time():
    from datetime import datetime

    from core.cohort.exports import download_name
    when = datetime(2026, 11, 25, 21, 5, 3)
    assert download_name("cohort", "patients", "csv", when=when) == \
        "relapse-explorer_cohort_patients_all_20261125-210503.csv"
    assert download_name(
        "survival", "km-table", "csv", endpoint="rfs-by-mrd_pre_status", when=when,
        filters={"eln2022_risk": "adverse,intermediate", "age_min": "50"}) == (
        "relapse-explorer_survival_km-table_rfs-by-mrd-pre-status_eln-adverse+intermediate_"
        "agemin-50_20261125-210503.csv")
    hostile = download_name("cohort", "report", "html", when=when,
                            filters={"outcome": "../../etc/passwd <b>"})
    assert re.fullmatch(r"[0-9A-Za-z_.+-]+", hostile) and "/" not in hostile


def test_download_names_never_collide():
    from datetime import datetime, timedelta

    from core.cohort.exports import download_name
    when = datetime(2026, 11, 25, 21, 5, 3)
    long_a = {"co_mutations": ",".join(f"GENE{i}" for i in range(30)) + ",A"}
    long_b = {"co_mutations": ",".join(f"GENE{i}" for i in range(30)) + ",B"}
    names = {download_name("cohort", "report", "html", filters=f, when=when)
             for f in (long_a, long_b, {}, {"sex": "F"})}
    names.add(download_name("cohort", "report", "html", when=when + timedelta(seconds=1)))
    assert len(names) == 5
    assert all(len(n) < 140 for n in names)
