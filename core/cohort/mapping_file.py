"""Reading a saved mapping file: bounded, and every field checked for its type before use.

Design: a mapping file comes from a user's disk (the Your data page's "Load a saved mapping"),
so it is data to check, not trusted structure. :func:`mapping_json` reads at most
:data:`MAX_MAPPING_BYTES` and refuses JSON nested past Python's recursion limit as invalid
JSON (both showed the generic error page before, issue 25); :func:`mapping_fields` checks that
each field holds what the mapping step writes (text where a column name, unit or code belongs,
0/1 event codes, a row number for ``header_row``, true/false for ``keep_extra``) and returns the
arguments of :class:`core.cohort.mapping.Mapping`. Every problem is one sentence naming the
field (``columns.patient_id``) and the fix; the mapping's own rules (known fields, units) are
checked by ``Mapping`` itself.
"""

from __future__ import annotations

import json

from core.cohort.caps import HEADER_SEARCH_ROWS, MAX_ROWS
from core.errors import CohortError

MAX_MAPPING_BYTES = 1_048_576
"""A mapping file is a few kilobytes; more than this is not read."""
FIX = "Fix: download the mapping again from the mapping step (Your data page)."
LAST_HEADER_ROW = MAX_ROWS + HEADER_SEARCH_ROWS
"""The largest header row a file the app reads can have."""


def mapping_json(text: str | bytes) -> object:
    """The parsed JSON of a mapping file (any JSON value; :func:`mapping_fields` checks it).

    Raises
    ------
    core.errors.CohortError
        The text is longer than :data:`MAX_MAPPING_BYTES`, not JSON, or nested too deeply.
    """
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_MAPPING_BYTES:
        raise CohortError([f"The mapping file is {size:,} bytes; a mapping is a few kilobytes "
                           f"(at most {MAX_MAPPING_BYTES:,} bytes are read). {FIX}"])
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CohortError(["The mapping file is not valid JSON. Fix: upload the JSON file "
                           "downloaded from the mapping step."]) from None
    except RecursionError:
        raise CohortError(["The mapping file is nested too deeply to be a mapping (a mapping "
                           "is three levels deep). Fix: upload the JSON file downloaded from "
                           "the mapping step."]) from None


def mapping_fields(data: dict) -> dict:
    """The keyword arguments of :class:`~core.cohort.mapping.Mapping` from a mapping file's
    object, every field checked for its type.

    Raises
    ------
    core.errors.CohortError
        One sentence per field that holds the wrong kind of value.
    """
    problems: list[str] = []
    fields = {
        "columns": _texts(data.get("columns", {}), "columns", problems),
        "time_units": _texts(data.get("time_units", {}), "time_units", problems),
        "event_codes": tuple(
            (field, _event_codes(codes, f"event_codes.{field}", problems))
            for field, codes in _object(data.get("event_codes", {}), "event_codes", problems)),
        "value_codes": tuple(
            (field, _texts(codes, f"value_codes.{field}", problems))
            for field, codes in _object(data.get("value_codes", {}), "value_codes", problems)),
        "date_format": _optional_text(data.get("date_format"), "date_format", problems),
        "sheet": _optional_text(data.get("sheet"), "sheet", problems),
        "header_row": _header_row(data.get("header_row"), problems),
        "keep_extra": _flag(data.get("keep_extra", True), problems),
    }
    if problems:
        raise CohortError(problems)
    return fields


def _wrong(value: object, where: str, needs: str) -> str:
    """The sentence for a field ``where`` that holds ``value`` instead of what it ``needs``."""
    return (f"The mapping file is malformed: it has {_kind(value)} where {where} needs {needs}. "
            f"{FIX}")


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r:.20})"
    return f"the text {value!r:.40}"


def _object(value: object, path: str, problems: list[str]) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return sorted(value.items())
    problems.append(_wrong(value, path, "an object (field: value)"))
    return []


def _texts(value: object, path: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for key, text in _object(value, path, problems):
        if isinstance(text, str):
            pairs.append((key, text))
        else:
            problems.append(_wrong(text, f"{path}.{key}", "a name or code (text)"))
    return tuple(pairs)


def _event_codes(value: object, path: str, problems: list[str]) -> tuple[tuple[str, int], ...]:
    pairs = []
    for key, code in _object(value, path, problems):
        number = _whole_number(code)
        if number is None:
            problems.append(_wrong(code, f"{path}.{key}",
                                   "an event code: 1 (event) or 0 (censored)"))
        else:  # Mapping itself refuses a whole number other than 0 or 1
            pairs.append((key, number))
    return tuple(pairs)


def _optional_text(value: object, path: str, problems: list[str]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    problems.append(_wrong(value, path, "a name or code (text)"))
    return None


def _header_row(value: object, problems: list[str]) -> int | None:
    if value is None:
        return None
    number = _whole_number(value)
    if number is not None and 1 <= number <= LAST_HEADER_ROW:
        return number
    problems.append(f"The mapping file's header_row {value!r:.40} is not a row number from 1 to "
                    f"{LAST_HEADER_ROW:,}. {FIX}")
    return None


def _whole_number(value: object) -> int | None:
    """A whole number written as a JSON number (``1``, ``1.0``) or digits (``"1"``); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit() and len(value) < 20:
        return int(value.strip())
    return None


def _flag(value: object, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(_wrong(value, "keep_extra", "true or false"))
    return True
