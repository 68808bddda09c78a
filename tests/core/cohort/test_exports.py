"""Exports: numbers intact, and no text cell ever runs as a spreadsheet formula (CONTRACT.md)."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.exports import table_to_csv, table_to_xlsx
from core.cohort.read import load_seed_cohort

SEED = load_seed_cohort()
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
    back = pd.read_csv(io.BytesIO(table_to_csv(df)), keep_default_na=False, dtype={"t": str})
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
    back = pd.read_csv(io.BytesIO(table_to_csv(table)))
    np.testing.assert_array_equal(back["age"].to_numpy(float), table["age"].to_numpy(float))
    np.testing.assert_array_equal(back["wbc"].to_numpy(float), table["wbc"].to_numpy(float))
    seed = table_to_csv(SEED).decode("utf-8").splitlines()
    assert seed[1].startswith("1,M,59,59,81,M2a,")
    assert ".0," not in "\n".join(seed)
