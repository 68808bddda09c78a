"""Date cells as hospitals export them, read into calendar dates (never guessed silently).

Design: :func:`read_date_columns` reads every date column of a table at once, because the
order of day and month is a property of the exporting system: a column holding ``25/03/2020``
shows that its sibling columns' ``03/04/2020`` are day first too. Each cell may be a real
spreadsheet date (a ``datetime``), an Excel serial number (``43831`` = 2020-01-01, as a number
or as text: what a date cell becomes in a CSV saved with the "General" format), ISO text
(``2020-01-10``, ``2020/01/10``, ``2020.01.10``, ``20200110``, with or without a time), Chinese
text (``2020年1月10日``), a month name (``10JAN2020``, ``10-Jan-2020``, ``Jan 10, 2020``,
``10. März 2020``), or day-month-year text with ``.``, ``/`` or ``-``. Dotted dates
(``03.04.2020``) are day first, the convention of every system that writes them; with ``/`` or
``-`` the order is read from the data (a first number above 12 means day first, a second one
above 12 month first) or given by the mapping; when neither decides, the column is reported as
ambiguous, with the fix (choose the order on the Your data page, or write YYYY-MM-DD). Vectorised
throughout: each pattern is one regular-expression pass over the column.

Conventions: Excel's 1900 date system (serial 1 = 1900-01-01, day 0 = 1899-12-30 because of
Excel's 1900 leap-year bug, which only affects serials below 61); a date before 1900 or after
2199 is not a plausible clinical date and is reported. Times of day are ignored (dates only).

References: ECMA-376 Part 1, sec. 18.17.4 (date systems); ISO 8601.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core.cohort.validate_cells import clean_text

DAYS_PER_MONTH = 30.4375
"""Mean Gregorian month in days (365.25 / 12): months = days / 30.4375."""
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's 1900 date system (serials count days from here)."""
FIRST_DATE = pd.Timestamp("1900-01-01")
LAST_DATE = pd.Timestamp("2199-12-31")
"""Plausible dates: anything outside is an entry error."""
DAY_FIRST, MONTH_FIRST = "day first", "month first"
ORDERS = (DAY_FIRST, MONTH_FIRST)
ORDER_FORMATS = {DAY_FIRST: "%d/%m/%Y", MONTH_FIRST: "%m/%d/%Y"}
"""The mapping stores the order as the ``strptime`` format of a slashed date."""
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y",
                "%Y/%m/%d", "%Y%m%d")
"""Formats a mapping may name (older mappings name any of them); only whether day or month
comes first matters: year-first dates are unambiguous."""

_NO = ("无", "否", "没有", "/", "／", "none", "no", "nil", "not applicable", "n.a.", "n. a.",
       "keine", "kein", "nein", "entfällt", "aucun", "aucune", "non", "sans objet", "ninguno",
       "ninguna", "no aplica")
NO_EVENT_WORDS: dict[str, frozenset[str]] = {
    "date_relapse": frozenset((*_NO, "未复发", "无复发", "no relapse", "kein rezidiv",
                               "pas de rechute", "sin recaída", "sin recaida")),
    "date_death": frozenset((*_NO, "alive", "living", "存活", "生存", "健在", "未死亡", "lebend",
                             "vivant", "vivante", "en vie", "vivo", "viva")),
}
"""Cell texts that, in a relapse or death date column, say the event did not happen: read as
a blank date (compared in lower case). Words that say the date is unknown (``不详``,
``unknown``, ``?``) are not among them: they are reported, since a blank would mean "no
event"."""
_ANY_NO_EVENT = NO_EVENT_WORDS["date_relapse"] | NO_EVENT_WORDS["date_death"]

_TIME = r"(?:[ T]\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?)?"
_YMD = rf"^(\d{{4}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?{_TIME}$"
_COMPACT = rf"^((?:19|20|21)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]){_TIME}$"
_DMY = rf"^(\d{{1,2}})([./-])(\d{{1,2}})[./-](\d{{4}}){_TIME}$"
_SERIAL = r"^\d{3,6}(?:\.\d+)?$"
MONTH_NAMES: dict[str, int] = {
    **{m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                       "sep", "oct", "nov", "dec"))},
    "mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12,  # German
    "janv": 1, "févr": 2, "fev": 2, "avr": 4, "juin": 6, "juil": 7, "août": 8, "aou": 8,
    "déc": 12,  # French
    "ene": 1, "abr": 4, "ago": 8, "set": 9, "dic": 12,  # Spanish
}
"""Month names and abbreviations (lower case; a name's first three or four letters): dates
such as ``10JAN2020`` (SAS), ``10-Jan-2020``, ``Jan 10, 2020``, ``10. März 2020``."""
_MONTH_WORD = r"([^\W\d_]{3,9})\.?"
_DAY_MONTH_NAME = rf"^(\d{{1,2}})\.?[\s/-]*{_MONTH_WORD}[\s/,-]*(\d{{4}}){_TIME}$"
_MONTH_NAME_DAY = rf"^{_MONTH_WORD}[\s/-]*(\d{{1,2}}),?[\s/-]*(\d{{4}}){_TIME}$"
_DATE_SHAPED = re.compile("|".join(f"(?:{p})" for p in (_YMD, _COMPACT, _DMY, _DAY_MONTH_NAME,
                                                        _MONTH_NAME_DAY)))
"""Any date-shaped text, one compiled pass (Python's ``re``: the semantics pandas keeps for
these patterns, whose ``\\s`` makes it leave pyarrow's RE2)."""
_DMY_SEARCH = re.compile(_DMY)
_ISO = r"\d{4}-\d\d-\d\d"
_ISO_FULL = re.compile(_ISO)
SHORT = 5_000
"""Up to this many texts a compiled pattern is matched text by text (pandas parses the pattern
anew on every call, the bulk of the cost for a short column); longer columns use pandas'
vectorised string methods (pyarrow's RE2 where the semantics agree)."""


def order_of_format(date_format: str | None) -> str | None:
    """Day or month first as a mapping's ``date_format`` says (None: read from the data)."""
    if not date_format:
        return None
    first = date_format.replace("%Y", "").lstrip("-/. ")[:2]
    return {"%d": DAY_FIRST, "%m": MONTH_FIRST}.get(first)


@dataclass(frozen=True)
class DateColumn:
    """One column's cells read as dates.

    Attributes
    ----------
    dates : pandas.Series of datetime64
        The date of each cell; ``NaT`` for an empty cell or one that is no date.
    bad : pandas.Series of bool
        Cells that hold something but no plausible date.
    ambiguous : bool
        Day-month-year text with ``/`` or ``-`` whose order nothing decides (those cells are
        ``NaT`` and not ``bad``: the column needs the user's choice).
    order : str or None
        The order used for day-month-year text (:data:`DAY_FIRST`, :data:`MONTH_FIRST`), and
        ``None`` when the column has no such text.
    texts : pandas.Series
        The cells as stripped text (``<NA>`` when empty), for messages.
    """

    dates: pd.Series
    bad: pd.Series
    ambiguous: bool
    order: str | None
    texts: pd.Series


def day_month_evidence(values: pd.Series, texts: pd.Series | None = None) -> str | None:
    """What a column's day-month-year text says about the order: :data:`DAY_FIRST` (a first
    number above 12), :data:`MONTH_FIRST` (a second one above 12), ``"both"`` (the column
    contradicts itself), ``"dots"`` (only dotted dates, day first by convention), ``"none"``
    (nothing decides) or ``None`` (no such text). ``texts``: the cells' :func:`clean_text`
    when already at hand."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return None
    texts = clean_text(values) if texts is None else texts
    distinct = pd.Series(texts.dropna().unique(), dtype="string")
    if len(distinct) <= SHORT and not any(map(_DMY_SEARCH.search, distinct.to_numpy(object))):
        return None  # the common case, without pandas' extract
    parts = distinct.str.extract(_DMY)
    parts = parts[parts[0].notna()]
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[2].astype(int)
    day, month = bool((first > 12).any()), bool((second > 12).any())
    if day and month:
        return "both"
    if day or month:
        return DAY_FIRST if day else MONTH_FIRST
    return "dots" if bool((parts[1] == ".").all()) else "none"


def read_date_columns(columns: dict[str, pd.Series], date_format: str | None = None
                      ) -> dict[str, DateColumn]:
    """Read several date columns of one table, deciding day-month order for all of them.

    Parameters
    ----------
    columns : dict of str to pandas.Series
        Name -> cells (any mix of dates, numbers and text).
    date_format : str, optional
        The mapping's choice (see :func:`order_of_format`); it decides every day-month-year
        text. ``None``: each column's own evidence decides, else the evidence of its sibling
        columns when they agree, else dotted dates are day first and the rest is ambiguous;
        columns whose evidence disagrees are all ambiguous.
    """
    chosen = order_of_format(date_format)
    columns, texts = dict(columns), {}
    for name, values in list(columns.items()):
        cleaned = clean_text(values)
        columns[name] = without_no_event_words(values, name, cleaned)
        texts[name] = cleaned if columns[name] is values else clean_text(columns[name])
    evidence = {name: day_month_evidence(values, texts[name])
                for name, values in columns.items()}
    decided = {e for e in evidence.values() if e in ORDERS}
    shared = next(iter(decided)) if len(decided) == 1 else None
    out = {}
    for name, values in columns.items():
        own = evidence[name]
        if len(decided) > 1:  # the columns disagree: no day-month-year text is read
            own = "both" if own in ORDERS else own
        order = chosen or (own if own in ORDERS else None) or \
            (shared if own in ("none", "dots") else None) or \
            (DAY_FIRST if own == "dots" else None)
        out[name] = _unknown_reported(
            read_dates(values, order, has_dmy=own is not None, texts=texts[name]), values, name)
    return out


def _unknown_reported(column: DateColumn, values: pd.Series, field: str) -> DateColumn:
    """A ``?`` in an event date column is reported, not read as the blank of "no event"
    (elsewhere ``?`` is an empty cell, see :data:`core.cohort.validate_cells.MISSING_TOKENS`)."""
    if field not in NO_EVENT_WORDS or pd.api.types.is_datetime64_any_dtype(values) or \
            pd.api.types.is_numeric_dtype(values):
        return column
    unknown = values.astype("string").str.strip().str.fullmatch(r"\?+").fillna(False)
    if not unknown.any():
        return column
    texts = column.texts.astype("string").where(~unknown, values.astype("string").str.strip())
    return DateColumn(column.dates, column.bad | unknown.astype(bool), column.ambiguous,
                      column.order, texts)


def no_event_cells(values: pd.Series, field: str | None = None,
                   texts: pd.Series | None = None) -> pd.Series:
    """Cells of a date column that say the event did not happen (:data:`NO_EVENT_WORDS` of
    ``field``; of both event dates when ``None``); ``texts`` as in :func:`day_month_evidence`."""
    words = NO_EVENT_WORDS.get(field) if field else _ANY_NO_EVENT
    if not words or pd.api.types.is_datetime64_any_dtype(values) or \
            pd.api.types.is_numeric_dtype(values):
        return pd.Series(False, index=values.index)
    texts = clean_text(values) if texts is None else texts
    return texts.str.lower().isin(words).fillna(False).astype(bool)


def without_no_event_words(values: pd.Series, field: str, texts: pd.Series | None = None
                           ) -> pd.Series:
    """``values`` with the cells of :func:`no_event_cells` blank (an event date column;
    ``values`` itself when there are none)."""
    said_no = no_event_cells(values, field, texts)
    return values.astype(object).where(~said_no, None) if said_no.any() else values


def read_dates(values: pd.Series, order: str | None, has_dmy: bool = True,
               texts: pd.Series | None = None) -> DateColumn:
    """Read one column's cells as dates, day-month-year text in ``order`` (see
    :func:`read_date_columns`, which decides the order; ``texts`` as in
    :func:`day_month_evidence`)."""
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.Series(pd.to_datetime(values).dt.tz_localize(None).dt.normalize()
                          if getattr(values.dt, "tz", None) else values.dt.normalize(),
                          index=index)
        texts = clean_text(values.astype(object).where(values.notna(), None))
        return _checked(dates, texts, False, None)
    texts = clean_text(values) if texts is None else texts
    dates = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    kinds = _cell_kinds(values)
    present = values.notna()
    objects, numbers = (kinds == "date") & present, (kinds == "number") & present
    if objects.any():
        dates[objects] = _dates_of(values[objects])
    if numbers.any():
        dates[numbers] = _from_numbers(pd.to_numeric(values[numbers], errors="coerce"))
    text = texts[texts.notna() & (kinds == "text")]
    if text.empty:
        return _checked(dates, texts, False, None)
    codes, distinct = pd.factorize(text.to_numpy(dtype=object))  # each distinct text once
    parsed, undecided = _text_dates(pd.Series(distinct, dtype="string"), order)
    dates[text.index] = parsed.to_numpy()[codes]
    ambiguous = bool(undecided.any())
    result = _checked(dates, texts, ambiguous, order if has_dmy else None)
    if ambiguous:  # undecided cells are the column's problem, not each cell's
        mask = pd.Series(False, index=index)
        mask[text.index] = undecided.to_numpy()[codes]
        result = DateColumn(result.dates, result.bad & ~mask, True, None, texts)
    return result


def _text_dates(text: pd.Series, order: str | None) -> tuple[pd.Series, pd.Series]:
    """Dates of distinct texts, and which are day-month-year text no ``order`` decides."""
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    undecided = pd.Series(False, index=text.index)
    iso = all(map(_ISO_FULL.fullmatch, text.to_numpy(object))) if len(text) <= SHORT else \
        bool(text.str.fullmatch(_ISO).fillna(False).all())
    if iso:  # the common case, and what apply_mapping hands the gatekeeper
        return _plausible_iso(text), undecided
    for pattern in (_YMD, _COMPACT):
        found = text.str.extract(pattern)
        hit = found[0].notna()
        if hit.any():
            dates[hit] = _assemble(found.loc[hit, 0], found.loc[hit, 1], found.loc[hit, 2])
    for pattern, day, month, year in ((_DAY_MONTH_NAME, 0, 1, 2), (_MONTH_NAME_DAY, 1, 0, 2)):
        found = text[dates.isna()].str.extract(pattern)
        hit = found[0].notna()
        if hit.any():
            months = found.loc[hit, month].str.lower().map(_month_number)
            named = months.notna()
            if named.any():
                dates[found.index[hit][named.to_numpy()]] = _assemble(
                    found.loc[hit, year][named], months[named].astype(int).astype(str),
                    found.loc[hit, day][named])
    rest = text[dates.isna()]
    serial = rest.str.fullmatch(_SERIAL).fillna(False).astype(bool)
    if serial.any():
        dates[rest.index[serial]] = _from_numbers(pd.to_numeric(rest[serial], errors="coerce"))
    dmy = rest.str.extract(_DMY)
    hit = dmy[0].notna()
    if hit.any() and order is None:
        undecided[dmy.index[hit]] = True
    elif hit.any():
        day, month = (0, 2) if order == DAY_FIRST else (2, 0)
        dates[dmy.index[hit]] = _assemble(dmy.loc[hit, 3], dmy.loc[hit, month],
                                          dmy.loc[hit, day])
    return dates, undecided


def _month_number(word: str) -> float:
    """1-12 for a month name or abbreviation (``"january"``, ``"Jan"``, ``"März"``), else NaN."""
    for size in (4, 3):
        if word[:size] in MONTH_NAMES:
            return float(MONTH_NAMES[word[:size]])
    return float("nan")


def _cell_kinds(values: pd.Series) -> pd.Series:
    """``"date"``, ``"number"`` or ``"text"`` per cell (one C pass for a column of one kind)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if pd.api.types.is_bool_dtype(values) or kind in ("string", "empty", "boolean", "bytes"):
        return pd.Series("text", index=values.index)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return pd.Series("number", index=values.index)
    if kind in ("datetime", "date", "datetime64"):
        return pd.Series("date", index=values.index)
    return values.map(lambda v: "date" if hasattr(v, "year") and not isinstance(v, str)
                      else "number" if isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, bool) else "text")


def _plausible_iso(text: pd.Series) -> pd.Series:
    """Dates of distinct ``YYYY-MM-DD`` texts (``NaT`` outside 1900-2199 or impossible)."""
    cells = text.to_numpy(dtype=object)
    if len(cells) <= SHORT and all(map(str.isascii, cells)):  # one cheap pass, same dates
        return pd.Series(np.array([_iso_day(cell) for cell in cells], dtype="datetime64[ns]"),
                         index=text.index)
    years = text.str[:4].astype(int)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    plausible = years.between(FIRST_DATE.year, LAST_DATE.year)
    out[plausible] = pd.to_datetime(text[plausible], format="%Y-%m-%d", errors="coerce")
    return out


def _iso_day(cell: str) -> date | None:
    """The date of ASCII ``YYYY-MM-DD`` text, ``None`` outside 1900-2199 or impossible."""
    if not FIRST_DATE.year <= int(cell[:4]) <= LAST_DATE.year:
        return None
    try:
        return date.fromisoformat(cell)
    except ValueError:  # 2020-02-30
        return None


def _dates_of(cells: pd.Series) -> pd.Series:
    """Dates of ``datetime``/``date`` cells (times of day and time zones dropped)."""
    try:
        dates = pd.to_datetime(cells, errors="coerce")
    except (TypeError, ValueError):  # mixed time zones: one cell at a time
        return pd.to_datetime(cells.map(lambda v: pd.Timestamp(v.year, v.month, v.day)))
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def _from_numbers(numbers: pd.Series) -> pd.Series:
    """Excel serials (whole days since 1899-12-30) and yyyymmdd numbers as dates."""
    out = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    compact = (numbers >= 19000101) & (numbers <= 21991231) & (numbers % 1 == 0)
    if compact.any():
        text = numbers[compact].astype("int64").astype(str)
        out[compact] = _assemble(text.str[:4], text.str[4:6], text.str[6:8])
    serial = ~compact & (numbers >= 1) & (numbers < 109_574)  # up to 2199-12-31
    if serial.any():
        out[serial] = EXCEL_EPOCH + pd.to_timedelta(np.floor(numbers[serial]), unit="D")
    return out


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Dates from year, month and day text; an impossible date (2020-02-30) is ``NaT``."""
    parts = pd.DataFrame({"year": year.astype(int), "month": month.astype(int),
                          "day": day.astype(int)})
    plausible = parts["year"].between(FIRST_DATE.year, LAST_DATE.year)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if plausible.any():  # (a year such as 1021 is out of pandas' range: never converted)
        out[plausible] = pd.to_datetime(parts[plausible], errors="coerce")
    return out


def _checked(dates: pd.Series, texts: pd.Series, ambiguous: bool, order: str | None
             ) -> DateColumn:
    """``dates`` outside 1900-2199 blanked, and the cells with text but no date marked bad.
    ``dates`` and ``texts`` share their index (every caller here makes both from one column)."""
    days = dates.to_numpy()  # numpy: the masks without pandas' per-call overhead
    plausible = (days >= np.datetime64(FIRST_DATE)) & (days <= np.datetime64(LAST_DATE))
    days = np.where(plausible, days, np.datetime64("NaT")).astype("datetime64[ns]")
    name = dates.name if dates.name == texts.name else None
    bad = texts.notna().to_numpy(dtype=bool, na_value=False) & np.isnat(days)
    return DateColumn(pd.Series(days, index=dates.index, name=dates.name),
                      pd.Series(bad, index=dates.index, name=name), ambiguous, order, texts)


def iso_text(column: DateColumn) -> pd.Series:
    """``YYYY-MM-DD`` text of each date; cells that are no date keep their text (for the
    gatekeeper to report), empty cells are ``None``."""
    iso = column.dates.dt.strftime("%Y-%m-%d").astype(object)
    texts = column.texts.astype(object).where(column.texts.notna(), None)
    return iso.where(column.dates.notna(), texts)


def looks_like_dates(values: pd.Series) -> bool:
    """Whether most recorded cells of a column are dates (spreadsheet dates, Excel serials in
    a plausible range, or date-shaped text); ``2020-02-30`` counts (the gatekeeper reports
    it), ``unknown`` does not, a word that says "no event" (``无``, ``none``) is left out."""
    sample = values.head(2000)
    if pd.api.types.is_datetime64_any_dtype(sample):
        return True
    texts = clean_text(sample)
    texts = texts[~no_event_cells(sample, texts=texts)].dropna()
    if texts.empty:
        return True
    shaped = np.fromiter(map(bool, map(_DATE_SHAPED.fullmatch, texts.to_numpy(object))),
                         dtype=bool, count=len(texts))  # at most 2000 texts (see SHORT)
    numbers = pd.to_numeric(texts, errors="coerce")
    serial = ((numbers >= 10_000) & (numbers < 110_000)).fillna(False)  # 1927-05-18 .. 2201
    return float((shaped | serial.to_numpy(dtype=bool)).sum()) >= 0.5 * len(texts)


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Months from ``start`` to ``end`` (days / 30.4375), ``NaN`` where a date is missing."""
    return (end - start).dt.days.astype("float64") / DAYS_PER_MONTH
