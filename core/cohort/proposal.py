"""The mapping proposal: which file column is which field, read off headers and cells.

Design: :func:`propose_mapping` looks at a raw table (:func:`core.cohort.read.read_table`) and
proposes, for each field it knows (schema columns and the dates in
:data:`core.cohort.schema.DATE_FIELDS`), the file column that fits: first a header that is the
field's own name, then an exact synonym, then a topic match, in English, Chinese, German,
French or Spanish, the SPSS/Stata variable label counting as a header
(:mod:`core.cohort.headers`). Cells then have the last word: a date field must hold dates, a
death flag no relapse words, an optional field values it can take. Whatever does not fit is
left unmapped with a note (``Proposal.notes``), never mapped so that it invalidates the rows;
whatever the proposal cannot decide (two candidate columns, unknown event codes, dates such as
``03/04/2020`` that nothing in the file orders) is a sentence in ``Proposal.choices``, which
the Your data page shows and :func:`resolve_mapping` raises when no mapping is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from core.cohort.dates import (
    ORDER_FORMATS,
    ORDERS,
    day_month_evidence,
    looks_like_dates,
)
from core.cohort.headers import fold, header_score
from core.cohort.mapping import MAX_EVENT_CODES, Mapping, _pairs, distinct_values
from core.cohort.mapping_words import DEATH_WORDS, EVENT_CODES, RELAPSE_WORDS, VALUE_CODES
from core.cohort.schema import BY_NAME, DATE_FIELDS, ENDPOINTS
from core.cohort.validate import clean_column, normalise_column_name
from core.cohort.validate_cells import ALIASES, quote_list
from core.errors import CohortError


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
    notes : tuple of str
        Columns the proposal left unmapped although their header names a field, and why (an
        optional column whose values do not fit its field, a flag of the wrong kind).
    """

    mapping: Mapping
    candidates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    choices: tuple[str, ...] = field(default=())
    checked_by_row: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())


def _unit_of(header: str) -> str:
    text = header.lower()
    if re.search(r"\bdays?\b|\(d\)|_d$|天|日\)|\btage?\b|\bjours?\b|\bd[ií]as?\b", text):
        return "days"
    if re.search(r"\bweeks?\b|\(w\)|周|wochen?", text):
        return "weeks"
    if re.search(r"\byears?\b|\(y\)|\(年\)|\bjahre?\b|\bans?\b|\baños?\b", text):
        return "years"
    return "months"


def propose_mapping(raw: pd.DataFrame) -> Proposal:
    """Propose a :class:`Mapping` for a raw table and list what needs the user's choice.

    Parameters
    ----------
    raw : pandas.DataFrame
        As :func:`core.cohort.read.read_table` returns it (SPSS/Stata variable labels, when
        the file has them, in ``raw.attrs["column_labels"]``).
    """
    headers = [str(c) for c in raw.columns]
    labels = raw.attrs.get("column_labels", {})
    fields = [*BY_NAME, *DATE_FIELDS]
    scores = {f: {h: header_score(h, f, labels.get(h)) for h in headers} for f in fields}
    choices: list[str] = []
    notes: list[str] = []
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:  # a header that is a field's own name is that field
        if (name := normalise_column_name(header)) in scores and name not in chosen:
            chosen[name] = header
            taken.add(header)
    named = dict(chosen)
    for level in (3, 2, 1):  # exact synonyms first, then topic words
        for name in fields:
            if name in chosen:
                continue
            fits = [h for h in headers if scores[name][h] == level and h not in taken]
            if level == 1:  # a bare topic word ("Diagnose") only for a column of dates
                fits = [h for h in fits if name in DATE_FIELDS and looks_like_dates(raw[h])]
            if len(fits) == 1:
                chosen[name] = fits[0]
                taken.add(fits[0])
            elif len(fits) > 1 and level > 1:
                choices.append(f"Several columns could be `{name}` ({_label(name)}): "
                               f"{', '.join(map(repr, fits))}. Choose one in the mapping.")
                taken.update(fits)
    _check_kinds(raw, chosen, notes, named)
    _drop_half_endpoints(chosen)
    candidates = [(name, tuple(sorted((h for h in headers if scores[name][h]),
                                      key=lambda h: -scores[name][h])))
                  for name in fields if any(scores[name].values())]
    units = tuple((f, _unit_of(chosen[f])) for f in ("os_months", "rfs_months")
                  if f in chosen and _unit_of(chosen[f]) != "months")
    events, event_choices, checked_by_row = _event_codes(raw, chosen)
    values = _value_codes(raw, chosen, notes)
    date_format, date_choices = _date_order(raw, chosen)
    mapping = Mapping(columns=tuple(sorted(chosen.items())), time_units=units,
                      event_codes=events, value_codes=values, date_format=date_format)
    return Proposal(mapping, tuple(candidates), tuple(choices + event_choices + date_choices),
                    checked_by_row, tuple(notes))


def _check_kinds(raw: pd.DataFrame, chosen: dict[str, str], notes: list[str],
                 named: dict[str, str]) -> None:
    """Columns must hold what their field holds: a date field dates; a flag holding dates is
    its event's date; a death flag holding relapse words is no death flag (and vice versa).
    A column named exactly as its field (``named``) is taken at its word."""
    for flag, date_field in (("os_event", "date_death"), ("rfs_event", "date_relapse")):
        if flag in chosen and date_field not in chosen and looks_like_dates(raw[chosen[flag]]) \
                and not all(fold(v) in EVENT_CODES  # ("Rezidiv am", "death" holding dates)
                            for v in distinct_values(raw, chosen[flag], MAX_EVENT_CODES + 1)):
            chosen[date_field] = chosen.pop(flag)
    for name in [f for f in chosen if f in DATE_FIELDS]:
        if not looks_like_dates(raw[chosen[name]]):
            notes.append(f"Column {chosen[name]!r} was not used as the {_label(name).lower()}: "
                         "its cells are not dates. It is kept under its own name.")
            del chosen[name]
    for flag, wrong, kind in (("os_event", RELAPSE_WORDS, "relapse"),
                              ("rfs_event", DEATH_WORDS, "death")):
        if flag not in chosen or named.get(flag) == chosen[flag]:
            continue
        values = distinct_values(raw, chosen[flag], MAX_EVENT_CODES + 1)
        if len(values) > MAX_EVENT_CODES:  # "Cause of death", "Relapse site": no flag
            notes.append(f"Column {chosen[flag]!r} was not used as {_label(flag)}: it holds "
                         f"more than {MAX_EVENT_CODES} different values, a flag two or three. "
                         "It is kept under its own name.")
            del chosen[flag]
        elif {fold(v) for v in values} & {w for group in wrong.values() for w in group}:
            notes.append(f"Column {chosen[flag]!r} was not used as {_label(flag)}: its values "
                         f"are {kind} words. Map it under the {kind} field if it is that.")
            del chosen[flag]


def _drop_half_endpoints(chosen: dict[str, str]) -> None:
    """An endpoint's time or event alone is no endpoint: leave the column as an extra one
    (with dates, the events are flags and stay)."""
    if any(f in chosen for f in DATE_FIELDS):
        for time, event, _ in ENDPOINTS.values():
            if time in chosen and event not in chosen:
                chosen.pop(time)
        return
    for time, event, _ in ENDPOINTS.values():
        if (time in chosen) != (event in chosen):
            chosen.pop(time, None)
            chosen.pop(event, None)


def _label(name: str) -> str:
    return BY_NAME[name].label if name in BY_NAME else DATE_FIELDS[name] + " date"


def _event_codes(raw, chosen):
    events, choices, checked_by_row = [], [], []
    for name in ("os_event", "rfs_event"):
        if name not in chosen:
            continue
        values = distinct_values(raw, chosen[name], MAX_EVENT_CODES + 1)
        if set(values) <= {"0", "1"}:
            continue
        codes = {v: EVENT_CODES.get(fold(v)) for v in values}
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


def _value_codes(raw, chosen, notes):
    """Category codes of the chosen columns; an optional column whose values do not fit its
    field (numbers that are not numbers, categories it cannot take) is left unmapped."""
    out = []
    for name in [f for f in chosen if f in BY_NAME and not BY_NAME[f].required
                 and f not in ("os_months", "os_event", "rfs_months", "rfs_event")]:
        column = BY_NAME[name]
        values = distinct_values(raw, chosen[name], 10_000)
        if column.kind == "number":
            numbers = pd.to_numeric(pd.Series(values, dtype=object).str.replace(",", "."),
                                    errors="coerce")
            unfit = [v for v, x in zip(values, numbers, strict=True) if pd.isna(x)]
            wanted = "numbers"
        elif column.kind == "category" and column.allowed:
            spellings = {**{a.lower(): a for a in column.allowed}, **ALIASES.get(name, {}),
                         **VALUE_CODES.get(name, {})}
            codes = {v: spellings[fold(v)] for v in values if fold(v) in spellings}
            unfit = [v for v in values if v not in codes]
            wanted = ", ".join(column.allowed)
            if codes and not unfit:
                out.append((name, _pairs({v: c for v, c in codes.items() if c != v})))
        else:
            continue
        if unfit:
            notes.append(f"Column {chosen[name]!r} was not used as {column.label}: its values "
                         f"{quote_list(unfit, 4)} are not {wanted}. It is kept under its own "
                         "name (a filter and group); to use it as that field, choose it under "
                         "Optional fields and code its values.")
            del chosen[name]
    return tuple((f, c) for f, c in out if c)


def _date_order(raw, chosen):
    """The order of day and month in the dates, when the data decide it; a choice when a
    column's dates read both ways (``03/04/2020``) and nothing in the file decides."""
    fields = [f for f in DATE_FIELDS if f in chosen]
    evidence = {f: day_month_evidence(raw[chosen[f]]) for f in fields}
    decided = {e for e in evidence.values() if e in ORDERS}
    if len(decided) == 1:
        return ORDER_FORMATS[decided.pop()], []
    unclear = [chosen[f] for f in fields if evidence[f] in ("none", "both")
               or (len(decided) > 1 and evidence[f] in ORDERS)]
    if not unclear:
        return None, []
    example = clean_column(raw[unclear[0]]).dropna().iloc[0]
    which = "Columns " + ", ".join(map(repr, unclear)) + " hold" if len(unclear) > 1 else \
        f"Column {unclear[0]!r} holds"
    why = ("a column holds dates of both orders" if "both" in evidence.values() else
           "the columns disagree on the order" if len(decided) > 1 else
           "no date in the file has a day above 12 to tell which")
    return None, [f"{which} dates such as {example!r} that read both as day/month/year and as "
                  f"month/day/year ({why}). Choose the order (day first or month first) under "
                  "Dates on the Your data page (in a saved mapping: date_format '%d/%m/%Y' or "
                  "'%m/%d/%Y'), or write the dates as YYYY-MM-DD."]


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


