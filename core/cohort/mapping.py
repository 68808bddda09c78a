"""The mapping step between reading a file and validating it: which file column is which field.

Design: :func:`propose_mapping` looks at a raw table (:func:`core.cohort.read.read_table`) and
proposes, for each field it knows (schema columns and the dates in
:data:`core.cohort.schema.DATE_FIELDS`), the file column that fits: by name and synonyms in
English and Chinese, then by value patterns (an event column has two or three distinct codes, a
date column parses as dates). It proposes event codes (``1/0``, ``yes/no``, ``是/否``,
``dead/alive``, ``relapse/CR``), category values (``高危`` -> ``adverse``, ``Pos`` ->
``positive``), the unit of a time (days, weeks, months, years, from its header) and the date
format; what it cannot decide it lists in ``Proposal.choices``. The user's answer is a frozen
:class:`Mapping` that round-trips through JSON, so the next export of the same system loads in
one click. :func:`apply_mapping` renames, recodes and converts; the result goes to the one
gatekeeper :func:`core.cohort.validate.validate_cohort`, which reports every remaining problem.

Conventions: times from dates are ``days / 30.4375`` months (the mean Gregorian month, R's and
SPSS's common convention); OS runs from diagnosis to death (event) or last contact (censored),
RFS from maintenance start to relapse (event) or last contact. Without an event column, the
event is "the event's date is recorded". Weeks are 7 days, years 365.25 days. Columns of the
file that no field uses are kept under their own names (``keep_extra``).

References: Therneau & Grambsch (2000), *Modeling Survival Data*, sec. 2 (time scales);
R ``lubridate``/SPSS ``DATEDIFF`` month conventions.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from core.cohort.mapping_words import EVENT_CODES, SYNONYMS, VALUE_CODES
from core.cohort.schema import BY_NAME, COLUMNS, DATE_FIELDS, ENDPOINTS
from core.cohort.validate import clean_column, normalise_column_name, to_numbers
from core.errors import CohortError

DAYS_PER_MONTH = 30.4375
"""Mean Gregorian month in days (365.25 / 12): months = days / 30.4375."""
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH, "years": 365.25}
"""Days per unit of a time column."""
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y",
                "%d-%m-%Y", "%Y%m%d")
"""Text date formats tried, in order (ISO first; a spreadsheet date cell needs none)."""
MAX_EVENT_CODES = 3
"""An event column may hold at most this many distinct values (e.g. dead / alive / lost)."""



def _pairs(data) -> tuple:
    return tuple(sorted((str(k), v) for k, v in dict(data).items()))


@dataclass(frozen=True)
class Mapping:
    """How a file's columns and codes map to the cohort schema (JSON round trip).

    Parameters
    ----------
    columns : tuple of (field, file column)
        Field names of :data:`core.cohort.schema.COLUMNS` or ``DATE_FIELDS``.
    time_units : tuple of (time field, unit)
        ``"days"``, ``"weeks"``, ``"months"`` or ``"years"``; months when absent.
    event_codes : tuple of (event field, ((file value, 0 or 1), ...))
        How an event column's values read (compared as stripped text).
    value_codes : tuple of (category field, ((file value, canonical value), ...))
    date_format : str, optional
        ``strptime`` format of text dates (spreadsheet date cells need none).
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
        used = [c for _, c in self.columns]
        problems += [f"The mapping uses file column {c!r} for more than one field. Fix: choose "
                     "one field for it." for c in sorted({c for c in used if used.count(c) > 1})]
        if problems:
            raise CohortError(problems)

    def column_for(self, name: str) -> str | None:
        """The file column mapped to field ``name``, or ``None``."""
        return dict(self.columns).get(name)

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
            When ``data`` is not a mapping of this app.
        """
        if not isinstance(data, dict) or data.get("format") != "relapse-risk-explorer mapping":
            raise CohortError(["This is not a mapping file of this app (no 'format': "
                               "'relapse-risk-explorer mapping'). Fix: upload the JSON file "
                               "downloaded from the mapping step."])
        try:
            return cls(
                columns=_pairs(data.get("columns", {})),
                time_units=_pairs(data.get("time_units", {})),
                event_codes=tuple(sorted((f, _pairs({k: int(v) for k, v in c.items()}))
                                         for f, c in data.get("event_codes", {}).items())),
                value_codes=tuple(sorted((f, _pairs(c))
                                         for f, c in data.get("value_codes", {}).items())),
                date_format=data.get("date_format"), sheet=data.get("sheet"),
                header_row=None if data.get("header_row") is None else int(data["header_row"]),
                keep_extra=bool(data.get("keep_extra", True)))
        except (AttributeError, TypeError, ValueError) as exc:
            if isinstance(exc, CohortError):
                raise
            raise CohortError([f"The mapping file is malformed ({exc}). Fix: download the "
                               "mapping again from the mapping step."]) from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Mapping:
        """Read a mapping from its JSON text.

        Raises
        ------
        core.errors.CohortError
            When the text is not JSON or not a mapping of this app.
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CohortError(["The mapping file is not valid JSON. Fix: upload the JSON file "
                               "downloaded from the mapping step."]) from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class Proposal:
    """What :func:`propose_mapping` suggests and what it leaves to the user.

    Attributes
    ----------
    mapping : Mapping
        The best guesses (only unambiguous ones).
    candidates : tuple of (field, tuple of file columns)
        Columns that fit each field, best first (the first is proposed when it is alone).
    choices : tuple of str
        One sentence per decision the user must make (empty: the proposal is complete).
    checked_by_row : tuple of str
        The choices the gatekeeper also reports row by row when no mapping is given (event
        values that are no known code: ``mapping`` codes the known ones and passes the rest
        on), so :func:`resolve_mapping` leaves them to it.
    """

    mapping: Mapping
    candidates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    choices: tuple[str, ...] = field(default=())
    checked_by_row: tuple[str, ...] = field(default=())


def _key(text: object) -> str:
    return normalise_column_name(text).replace("_", "")


_SYNONYM_KEYS = {f: {_key(s) for s in spellings} for f, spellings in SYNONYMS.items()}
for _column in COLUMNS:
    _SYNONYM_KEYS.setdefault(_column.name, set()).update({_key(_column.name), _key(_column.label)})


def _score(header: str, name: str) -> int:
    key = _key(re.sub(r"[（(\[].*?[)）\]]", "", header)) or _key(header)
    keys = _SYNONYM_KEYS.get(name, set())
    if key in keys or _key(header) in keys:
        return 3
    if any(len(k) >= 2 and not k.isascii() and k in key for k in keys):
        return 2
    return 0


def _unit_of(header: str) -> str:
    text = header.lower()
    if re.search(r"\bdays?\b|\(d\)|_d$|天|日\)", text):
        return "days"
    if re.search(r"\bweeks?\b|\(w\)|周", text):
        return "weeks"
    if re.search(r"\byears?\b|\(y\)|\(年\)", text):
        return "years"
    return "months"


def propose_mapping(raw: pd.DataFrame) -> Proposal:
    """Propose a :class:`Mapping` for a raw table and list what needs the user's choice.

    Parameters
    ----------
    raw : pandas.DataFrame
        As :func:`core.cohort.read.read_table` returns it.
    """
    headers = [str(c) for c in raw.columns]
    fields = [*BY_NAME, *DATE_FIELDS]
    scores = {f: {h: _score(h, f) for h in headers} for f in fields}
    choices: list[str] = []
    candidates: list[tuple[str, tuple[str, ...]]] = []
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:  # a header that is a field's own name is that field
        if (name := normalise_column_name(header)) in scores and name not in chosen:
            chosen[name] = header
            taken.add(header)
    for name in fields:  # a header spelled as a known synonym; partial matches only rank
        if name in chosen:
            continue
        fits = [h for h in headers if scores[name][h] == 3 and h not in taken]
        if len(fits) == 1:
            chosen[name] = fits[0]
            taken.add(fits[0])
        elif len(fits) > 1:
            choices.append(f"Several columns could be `{name}` ({_label(name)}): "
                           f"{', '.join(map(repr, fits))}. Choose one in the mapping.")
            taken.update(fits)
    for name in [f for f in chosen if f in DATE_FIELDS]:  # a date by name must hold dates
        if not _looks_like_dates(raw[chosen[name]]):
            del chosen[name]
    _drop_half_endpoints(chosen)
    for name in fields:
        ranked = sorted((h for h in headers if scores[name][h]), key=lambda h: -scores[name][h])
        if ranked:
            candidates.append((name, tuple(ranked)))
    units = tuple((f, _unit_of(chosen[f])) for f in ("os_months", "rfs_months")
                  if f in chosen and _unit_of(chosen[f]) != "months")
    events, event_choices, checked_by_row = _event_codes(raw, chosen)
    values = _value_codes(raw, chosen)
    date_format, date_choices = _date_format(raw, chosen)
    mapping = Mapping(columns=tuple(sorted(chosen.items())), time_units=units,
                      event_codes=events, value_codes=values, date_format=date_format)
    return Proposal(mapping, tuple(candidates), tuple(choices + event_choices + date_choices),
                    checked_by_row)


def _looks_like_dates(values: pd.Series) -> bool:
    """Most recorded cells are spreadsheet dates or date-shaped text (``2020-02-30`` counts:
    the gatekeeper reports it; ``unknown`` does not)."""
    sample = values.dropna().head(500)
    if pd.api.types.is_datetime64_any_dtype(sample):
        return True
    shaped = sample.map(lambda v: hasattr(v, "year") or bool(_DATE_SHAPE.match(str(v).strip()))
                        or not str(v).strip())
    return sample.empty or shaped.mean() >= 0.5


_DATE_SHAPE = re.compile(r"^(\d{1,4}[-/.年]\d{1,2}[-/.月]\d{1,4}日?|\d{8})"
                         r"([ T]\d\d:\d\d(:\d\d)?)?$")


def _drop_half_endpoints(chosen: dict[str, str]) -> None:
    """An endpoint's time or event alone is no endpoint: leave the column as an extra one."""
    dates = {"os": ("date_diagnosis",), "rfs": ("date_maintenance_start",)}
    for key, (time, event, _) in ENDPOINTS.items():
        from_dates = all(d in chosen for d in dates[key])
        if (time in chosen) != (event in chosen) and not from_dates:
            chosen.pop(time, None)
            chosen.pop(event, None)


def _label(name: str) -> str:
    return BY_NAME[name].label if name in BY_NAME else DATE_FIELDS[name] + " date"


def distinct_values(raw: pd.DataFrame, column: str, limit: int = 50) -> list[str]:
    """Distinct non-missing values of a file column as stripped text, most frequent first."""
    texts = clean_column(raw[column])
    return texts.dropna().value_counts().index[:limit].tolist()


def _event_codes(raw, chosen):
    events, choices, checked_by_row = [], [], []
    for name in ("os_event", "rfs_event"):
        if name not in chosen:
            continue
        values = distinct_values(raw, chosen[name], MAX_EVENT_CODES + 1)
        if set(values) <= {"0", "1"}:
            continue
        codes = {v: EVENT_CODES.get(v.lower()) for v in values}
        if len(values) > MAX_EVENT_CODES or None in codes.values():
            unknown = [v for v, c in codes.items() if c is None]
            choices.append(f"Column {chosen[name]!r} ({_label(name)}) has values "
                           f"{', '.join(map(repr, unknown or values))} that are not known event "
                           "codes. Assign each value to event (1) or censored (0) in the "
                           "mapping.")
            if len(values) <= MAX_EVENT_CODES:  # a few codes: the known ones coded, the
                known = {v: c for v, c in codes.items() if c is not None}  # rest per row
                if known:
                    events.append((name, _pairs(known)))
                checked_by_row.append(choices[-1])
            continue
        events.append((name, _pairs(codes)))
    return tuple(events), choices, tuple(checked_by_row)


def _value_codes(raw, chosen):
    out = []
    for name, spellings in VALUE_CODES.items():
        if name not in chosen:
            continue
        values = distinct_values(raw, chosen[name])
        codes = {v: spellings[v.lower()] for v in values if v.lower() in spellings}
        if codes:
            out.append((name, _pairs(codes)))
    return tuple(out)


def _date_format(raw, chosen):
    texts = [v for f in DATE_FIELDS if f in chosen
             for v in clean_column(raw[chosen[f]]).dropna() if isinstance(v, str)]
    texts = [t for t in texts if not re.fullmatch(r"\d{4}-\d\d-\d\d( 00:00:00)?", t)]
    if not texts:
        return None, []
    sample = pd.Series(texts[:2000], dtype=object).map(_normalise_date_text)
    fits = [f for f in DATE_FORMATS
            if pd.to_datetime(sample, format=f, errors="coerce").notna().all()]
    if len(fits) == 1 or (fits and not {"%d/%m/%Y", "%m/%d/%Y"} <= set(fits)):
        return fits[0], []
    if not fits:
        return None, [f"The dates (e.g. {texts[0]!r}) are in no known format. Write them as "
                      "YYYY-MM-DD, or choose their format in the mapping."]
    return None, [f"The dates (e.g. {texts[0]!r}) read both as day/month/year and as "
                  "month/day/year. Choose the format in the mapping."]


def _normalise_date_text(text: str) -> str:
    text = re.sub(r"\s+00:00(:00)?$", "", str(text).strip())
    return re.sub(r"(\d+)年(\d+)月(\d+)日?", r"\1-\2-\3", text)


def resolve_mapping(raw: pd.DataFrame) -> Mapping:
    """The proposal for ``raw`` when it needs no choice (used when no mapping is given).

    Event values that are no known code are left in place: the gatekeeper
    (:func:`core.cohort.validate.validate_cohort`) reports them row by row together with every
    other problem of the file.

    Raises
    ------
    core.errors.CohortError
        Listing every choice the proposal cannot make on its own.
    """
    proposal = propose_mapping(raw)
    blocking = [c for c in proposal.choices if c not in proposal.checked_by_row]
    if blocking:
        raise CohortError([f"{c} (No mapping was given and the file is ambiguous here.)"
                           for c in blocking])
    return proposal.mapping


def apply_mapping(raw: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """Rename, recode and convert a raw table by ``mapping``, ready for the gatekeeper.

    Returns
    -------
    pandas.DataFrame
        Fields under their schema names (events as ``"1"``/``"0"`` where coded, times in
        months, dates as ``YYYY-MM-DD`` text), then the unused file columns under their own
        names when ``mapping.keep_extra``. The index (row numbers) is kept. Values the
        mapping does not cover are passed on unchanged, for the gatekeeper to report.

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
    out: dict[str, pd.Series] = {}
    units, events, values = dict(mapping.time_units), dict(mapping.event_codes), \
        dict(mapping.value_codes)
    for name, column in mapping.columns:
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
            series = parse_dates(series, mapping.date_format)
        elif name in ("os_months", "rfs_months") and units.get(name, "months") != "months":
            numbers = to_numbers(clean_column(series))
            factor = UNIT_DAYS[units[name]] / DAYS_PER_MONTH
            series = (numbers * factor).astype(object).where(numbers.notna(), series)
        out[name] = series
    _times_from_dates(out)
    position = {column: i for i, column in enumerate(raw.columns)}  # keep the file's order
    file_position = {name: position[column] for name, column in mapping.columns}
    out = dict(sorted(out.items(), key=lambda item: file_position.get(item[0], len(position))))
    frame = pd.DataFrame(out, index=raw.index)
    if mapping.keep_extra:
        used = {c for _, c in mapping.columns}
        extra = [c for c in raw.columns if c not in used]
        frame = pd.concat([frame, raw[extra]], axis=1)
    return frame


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """``YYYY-MM-DD`` text of each date (spreadsheet date cells or text in ``date_format``);
    cells that do not parse keep their text, for the gatekeeper to report."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    else:
        texts = clean_column(values).map(
            lambda v: _normalise_date_text(v) if isinstance(v, str) else v)
        objects = values.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
        dates = pd.to_datetime(texts.where(~objects, None), format=date_format or "ISO8601",
                               errors="coerce")
        if objects.any():
            dates = dates.where(~objects, pd.to_datetime(values.where(objects), errors="coerce"))
        dates = dates.where(dates.notna() | texts.isna(), pd.NaT)
        iso = dates.dt.strftime("%Y-%m-%d").astype(object)
        return iso.where(dates.notna(), texts)
    return dates.dt.strftime("%Y-%m-%d").astype(object).where(dates.notna(), None)


def _times_from_dates(out: dict[str, pd.Series]) -> None:
    """OS and RFS in months from the dates, for an endpoint whose time is not mapped."""
    starts = {"os": ("date_diagnosis", "date_death"),
              "rfs": ("date_maintenance_start", "date_relapse")}
    for key, (start, event_date) in starts.items():
        time, event, _ = ENDPOINTS[key]
        if time in out or start not in out or (event_date not in out
                                                and "date_last_contact" not in out):
            continue
        begin = pd.to_datetime(out[start], errors="coerce", format="ISO8601")
        end_event = pd.to_datetime(out.get(event_date), errors="coerce", format="ISO8601") \
            if event_date in out else pd.Series(pd.NaT, index=begin.index)
        end_last = pd.to_datetime(out.get("date_last_contact"), errors="coerce",
                                  format="ISO8601") if "date_last_contact" in out else \
            pd.Series(pd.NaT, index=begin.index)
        if event in out:
            flags = pd.to_numeric(out[event], errors="coerce")
        else:
            flags = end_event.notna().astype(float)
            out[event] = flags.map({1.0: "1", 0.0: "0"})
        end = end_event.where(flags == 1, end_last)
        days = (end - begin).dt.days.astype("float64")
        out[time] = (days / DAYS_PER_MONTH).astype(object).where(np.isfinite(days), None)
