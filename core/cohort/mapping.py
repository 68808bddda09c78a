"""The mapping step between reading a file and validating it: which file column is which field.

Design: :func:`core.cohort.proposal.propose_mapping` proposes a :class:`Mapping` from a raw
table's headers and cells (by header or SPSS variable label in English, Chinese, German, French
or Spanish; event codes such as ``是/否``, ``ja/nein``, ``verstorben/lebend``, ``décédé/vivant``,
``fallecido/vivo``; category values; units; the order of day and month in dates). The user's
answer is a frozen :class:`Mapping` that round-trips through JSON, so the next export of the
same system loads in one click. :func:`apply_mapping`
renames, recodes and reads dates; the result goes to the one gatekeeper
:func:`core.cohort.validate.validate_cohort`, which derives times from dates
(:mod:`core.cohort.derive`) and reports every remaining problem.

Conventions: times from dates are ``days / 30.4375`` months (the mean Gregorian month, R's and
SPSS's common convention); the endpoint rules are in :mod:`core.cohort.derive`. Weeks are 7
days, years 365.25 days. Columns of the file that no field uses are kept under their own names
(``keep_extra``).

References: Therneau & Grambsch (2000), *Modeling Survival Data*, sec. 2 (time scales);
R ``lubridate``/SPSS ``DATEDIFF`` month conventions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pandas as pd

from core.cohort.dates import DAYS_PER_MONTH, iso_text, read_date_columns
from core.cohort.mapping_file import mapping_fields, mapping_json
from core.cohort.schema import BY_NAME, DATE_FIELDS
from core.cohort.validate import SOURCE_COLUMNS, clean_column, to_numbers
from core.cohort.validate_cells import few_distinct
from core.errors import CohortError

UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH, "years": 365.25}
"""Days per unit of a time column."""
MAX_EVENT_CODES = 3
"""An event column may hold at most this many distinct values (e.g. dead / alive / lost)."""
SHARED_COLUMNS = ("date_death", "date_last_contact")
"""The one pair of fields that may name the same file column: a death flag's death is dated at
the last contact (the export has no death date of its own)."""


def _pairs(data) -> tuple:
    return tuple(sorted((str(k), v) for k, v in dict(data).items()))


@dataclass(frozen=True)
class Mapping:
    """How a file's columns and codes map to the cohort schema (JSON round trip).

    Parameters
    ----------
    columns : tuple of (field, file column)
        Field names of :data:`core.cohort.schema.COLUMNS` or ``DATE_FIELDS``; one file column
        per field, except that the death date may name the last-contact column (a death known
        by a flag is dated at the last contact).
    time_units : tuple of (time field, unit)
        ``"days"``, ``"weeks"``, ``"months"`` or ``"years"``; months when absent.
    event_codes : tuple of (event field, ((file value, 0 or 1), ...))
        How an event column's values read (compared as stripped text).
    value_codes : tuple of (category field, ((file value, canonical value), ...))
    date_format : str, optional
        Whether day or month comes first in text dates such as ``03/04/2020``, as a
        ``strptime`` format (``"%d/%m/%Y"`` or ``"%m/%d/%Y"``; see
        :func:`core.cohort.dates.order_of_format`). ``None``: read from the data.
    sheet : str, optional
        Worksheet of an XLSX file.
    header_row : int, optional
        Row of the header (1-based, as a spreadsheet shows it).
    keep_extra : bool
        Keep the file's columns that no field uses, under their own names.
    """

    columns: tuple[tuple[str, str], ...] = ()
    time_units: tuple[tuple[str, str], ...] = ()
    event_codes: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    value_codes: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    date_format: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    keep_extra: bool = True

    def __post_init__(self) -> None:
        for name in ("columns", "time_units"):  # one canonical order: equal mappings compare equal
            object.__setattr__(self, name, tuple(sorted(tuple(p) for p in getattr(self, name))))
        for name in ("event_codes", "value_codes"):
            object.__setattr__(self, name, tuple(sorted(
                (f, tuple(sorted(tuple(p) for p in codes))) for f, codes in getattr(self, name))))
        known = set(BY_NAME) | set(DATE_FIELDS)
        problems = [f"The mapping names an unknown field {f!r}. Fix: use one of "
                    f"{', '.join(sorted(known))}." for f, _ in self.columns if f not in known]
        problems += [f"The mapping gives time unit {u!r} for `{f}`. Fix: use days, weeks, "
                     "months or years." for f, u in self.time_units if u not in UNIT_DAYS]
        problems += [f"The mapping codes {v!r} of `{f}` as {c!r}. Fix: code events as 1 (event) "
                     "or 0 (censored)." for f, codes in self.event_codes for v, c in codes
                     if c not in (0, 1)]
        used = [c for f, c in self.columns if f != SHARED_COLUMNS[0]
                or c != self.column_for(SHARED_COLUMNS[1])]
        problems += [f"The mapping uses file column {c!r} for more than one field. Fix: choose "
                     "one field for it." for c in sorted({c for c in used if used.count(c) > 1})]
        if problems:
            raise CohortError(problems)

    def column_for(self, name: str) -> str | None:
        """The file column mapped to field ``name``, or ``None``."""
        return dict(self.columns).get(name)

    def used_columns(self) -> dict[str, str]:
        """Field -> file column as :func:`apply_mapping` uses them: a death date naming the
        last-contact column is no death date of its own (a flagged death is dated at the last
        contact), so it is left out."""
        columns = dict(self.columns)
        death, last = SHARED_COLUMNS
        if columns.get(death) is not None and columns.get(death) == columns.get(last):
            del columns[death]
        return columns

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (tuples of pairs become objects)."""
        data = asdict(self)
        data["columns"] = dict(self.columns)
        data["time_units"] = dict(self.time_units)
        data["event_codes"] = {f: dict(c) for f, c in self.event_codes}
        data["value_codes"] = {f: dict(c) for f, c in self.value_codes}
        return {"format": "relapse-risk-explorer mapping", "version": 1, **data}

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        core.errors.CohortError
            When ``data`` is not a mapping of this app or a field holds the wrong kind of value
            (:func:`core.cohort.mapping_file.mapping_fields`).
        """
        if not isinstance(data, dict) or data.get("format") != "relapse-risk-explorer mapping":
            raise CohortError(["This is not a mapping file of this app (no 'format': "
                               "'relapse-risk-explorer mapping'). Fix: upload the JSON file "
                               "downloaded from the mapping step."])
        return cls(**mapping_fields(data))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Mapping:
        """Read a mapping from its JSON text.

        Raises
        ------
        core.errors.CohortError
            When the text is too long, not JSON or not a mapping of this app
            (:func:`core.cohort.mapping_file.mapping_json`).
        """
        return cls.from_dict(mapping_json(text))


def distinct_values(raw: pd.DataFrame, column: str, limit: int = 50) -> list[str]:
    """Distinct non-missing values of a file column as stripped text, most frequent first
    (ties in the order the file first has them).

    A text column that repeats its values (event codes, categories) is counted as written
    first and only its distinct texts are cleaned (a 10^6-row column of four words: four
    texts, not 10^6)."""
    values = raw[column]
    if isinstance(values.dtype, pd.StringDtype) and few_distinct(values):
        counts = values.value_counts(dropna=True, sort=False)  # in order of first appearance
        texts = clean_column(pd.Series(counts.index, dtype=values.dtype))
        known = texts.notna().to_numpy(dtype=bool)
        merged = pd.Series(counts.to_numpy()[known]).groupby(texts[known].to_numpy(),
                                                              sort=False).sum()
        return merged.sort_values(ascending=False, kind="stable").index[:limit].tolist()
    texts = clean_column(values)
    return texts.dropna().value_counts().index[:limit].tolist()


def apply_mapping(raw: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Rename, recode and convert a raw table by ``mapping``, ready for the gatekeeper.

    Returns
    -------
    pandas.DataFrame
        Fields under their schema names (events as ``"1"``/``"0"`` where coded, times in
        months, dates as ``YYYY-MM-DD`` text), then the unused file columns under their own
        names when ``mapping.keep_extra``. The index (row numbers) is kept, and
        ``attrs["source_columns"]`` names each field's file column (for the gatekeeper's
        messages). Values the mapping does not cover are passed on unchanged, for the
        gatekeeper to report. A death date that names the last-contact column is left out:
        the gatekeeper dates a flagged death at the last contact.

    Raises
    ------
    core.errors.CohortError
        When the mapping names a column the file does not have.
    """
    missing = [c for _, c in mapping.columns if c not in raw.columns]
    if missing:
        raise CohortError([f"The mapping uses column {c!r}, which this file does not have; the "
                           f"file has {', '.join(map(repr, list(raw.columns)[:30]))}. Fix: map "
                           "the field to one of them (or upload the matching export)."
                           for c in missing])
    columns = mapping.used_columns()
    out: dict[str, pd.Series] = {}
    units, events, values = dict(mapping.time_units), dict(mapping.event_codes), \
        dict(mapping.value_codes)
    dates = read_date_columns({f: raw[c] for f, c in columns.items() if f in DATE_FIELDS},
                              mapping.date_format)
    for name, column in columns.items():
        series = raw[column]
        if name in events:
            texts = clean_column(series)
            codes = {k: str(v) for k, v in events[name]}
            series = texts.map(lambda v, c=codes: c.get(v, v))
        elif name in values:
            texts = clean_column(series)
            codes = dict(values[name])
            series = texts.map(lambda v, c=codes: c.get(v, c.get(str(v).lower(), v))
                               if v is not None else None)
        elif name in DATE_FIELDS:
            series = iso_text(dates[name])
        elif name in ("os_months", "rfs_months") and units.get(name, "months") != "months":
            numbers = to_numbers(clean_column(series))
            factor = UNIT_DAYS[units[name]] / DAYS_PER_MONTH
            series = (numbers * factor).astype(object).where(numbers.notna(), series)
        out[name] = series
    position = {column: i for i, column in enumerate(raw.columns)}  # keep the file's order
    out = dict(sorted(out.items(), key=lambda item: position[columns[item[0]]]))
    frame = pd.DataFrame(out, index=raw.index)
    if mapping.keep_extra:
        used = set(columns.values())
        extra = [c for c in raw.columns if c not in used]
        frame = pd.concat([frame, raw[extra]], axis=1)
    frame.attrs[SOURCE_COLUMNS] = columns
    return frame
