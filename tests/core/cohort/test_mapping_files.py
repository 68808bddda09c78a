"""Issue 25: a malformed saved-mapping file gets a sentence, never the generic error page."""

from __future__ import annotations

import json

import pytest

from core.cohort.mapping import Mapping
from core.errors import CohortError

HEAD = {"format": "relapse-risk-explorer mapping", "version": 1}


def test_json_nested_100000_deep_is_refused_with_a_sentence():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(CohortError, match=r"^The cohort has 1 problem:\n- The mapping file is "
                                          r"nested too deeply to be a mapping \(a mapping is "
                                          r"three levels deep\)\. Fix: "):
        Mapping.from_json(text)


def test_a_mapping_file_larger_than_a_megabyte_is_refused():
    text = json.dumps({**HEAD, "columns": {"patient_id": "x" * 2_000_000}})
    with pytest.raises(CohortError, match=r"The mapping file is 2,000,0\d\d bytes; a mapping is "
                                          r"a few kilobytes \(at most 1,048,576 bytes are read\)"):
        Mapping.from_json(text)


@pytest.mark.parametrize(("part", "field"), [
    ({"columns": {"patient_id": ["a", "b"]}}, "columns.patient_id"),
    ({"columns": {"patient_id": {"x": 1}}}, "columns.patient_id"),
    ({"time_units": {"os_months": ["days"]}}, "time_units.os_months"),
    ({"value_codes": {"sex": {"m": ["M"]}}}, "value_codes.sex.m"),
    ({"sheet": ["Patients"]}, "sheet"),
    ({"date_format": 5}, "date_format"),
])
def test_a_list_where_a_name_belongs_is_refused_naming_the_field(part, field):
    with pytest.raises(CohortError, match=rf"^The cohort has 1 problem:\n- The mapping file "
                                          rf"is malformed: it has .* where {field} needs a "
                                          rf"name or code \(text\)\."):
        Mapping.from_dict({**HEAD, **part})


@pytest.mark.parametrize("row", [0, -3, 10**9, "abc", 2.5])
def test_a_header_row_outside_the_sheet_is_refused(row):
    with pytest.raises(CohortError, match=r"The mapping file's header_row .* is not a row number "
                                          r"from 1 to 1,000,030"):
        Mapping.from_dict({**HEAD, "header_row": row})
