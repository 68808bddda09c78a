"""Overall and relapse-free survival derived from a patient's dates, and the dates' conflicts.

Design: the gatekeeper (:func:`core.cohort.validate.validate_cohort`) calls
:func:`derive_endpoints` once when a table carries dates (``date_diagnosis``,
``date_maintenance_start``, ``date_relapse``, ``date_death``, ``date_last_contact``) and the
death and relapse flags (``os_event``, ``rfs_event`` read as flags when the times are not
given). It returns the endpoint columns and records every conflict among the dates, one problem
per patient and rule, each naming the patient, the column, the dates and the fix, so that
problem rows can be set aside and every one of them listed. An endpoint whose ingredients are
not mapped is not derived at all (:func:`missing_ingredients` says why): a field left unmapped
never turns into an endpoint in which every patient is censored. Vectorised: the rules are
column comparisons; only offending rows are formatted.

Conventions (the study's definitions, see ``data/DATA_DICTIONARY.md``):

- months = days / 30.4375; a blank date means the event did not happen.
- OS runs from diagnosis to death (event) or last contact (censored). A death date, when
  recorded, ends OS. A death known only by a flag or status word is dated at the last-contact
  date (column ``death_at_last_contact`` = 1; the preview and the methods text count them).
- RFS runs from maintenance start to relapse (event). A death without relapse ends
  relapse-free follow-up at the death, censored (``rfs_status`` 2, the competing event of the
  Competing risks page); otherwise RFS is censored at last contact (``rfs_status`` 0).
- A death after the last contact is accepted (registries learn of deaths later): OS and RFS
  end at the death date.
- RFS needs a relapse-date column: a relapse flag alone does not say when the relapse
  happened, so a file with a flag and no such column has no RFS (:func:`missing_ingredients`
  says why) and its OS still loads. In a file with the column, a flagged relapse without its
  date is a conflict.
- Conflicts: a relapse after the last contact or after death; an origin after the date that
  ends its endpoint; maintenance before diagnosis; a date in the future; an event flag without
  the date its endpoint needs; a flag that says "no" beside a recorded date.

References: Cheson BD et al. (2003) J Clin Oncol 21:4642 (IWG response criteria: OS, RFS,
cumulative incidence of relapse); Döhner H et al. (2022) Blood 140:1345 (ELN 2022 outcomes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.dates import months_between
from core.cohort.headers import header_key
from core.cohort.schema import ALIVE_OR_LOST, DATE_FIELDS
from core.cohort.validate_cells import Problems

MAX_ROW_PROBLEMS = 500
"""Per rule, at most this many rows get their own problem sentence; the rest one summary."""

OS_NEEDS = {"date_diagnosis": "a diagnosis date (OS runs from diagnosis)",
            "death": "a death date or a death flag/status column (without one every patient "
                     "would look alive: a curve without deaths)",
            "date_last_contact": "a last-contact date (the end of follow-up of the living)"}
RFS_NEEDS = {"date_maintenance_start": "a maintenance-start date (RFS runs from maintenance "
                                       "start)",
             "relapse": "a relapse-date column (without one every patient would look "
                        "relapse-free: a curve without relapses; a relapse flag alone does "
                        "not say when the relapse happened)",
             "date_last_contact": "a last-contact date (the end of follow-up without relapse)"}


def today() -> pd.Timestamp:
    """Today's date: later dates are in the future."""
    return pd.Timestamp.today().normalize()


def missing_ingredients(fields: set[str]) -> dict[str, list[str]]:
    """What each endpoint lacks to be derived from dates, given the mapped ``fields``.

    Returns
    -------
    dict
        ``{"os": [...], "rfs": [...]}``: phrases naming the missing ingredients (empty list:
        the endpoint can be derived).
    """
    have = set(fields) | ({"death"} if {"date_death", "os_event"} & set(fields) else set()) \
        | ({"relapse"} if "date_relapse" in set(fields) else set())
    return {"os": [text for need, text in OS_NEEDS.items() if need not in have],
            "rfs": [text for need, text in RFS_NEEDS.items() if need not in have]}


def not_available_text(key: str, missing: list[str]) -> str:
    """One sentence: why endpoint ``key`` is not derived from the dates."""
    name = _NAMES[key]
    return (f"{name} is not available from this file's dates: it needs "
            f"{' and '.join(missing)}. Map the column under Dates if the file has it.")


def unavailable_endpoints(fields: set[str]) -> dict[str, str]:
    """Endpoints that mapped ``fields`` (schema and date field names) cannot give, and why.

    An endpoint is available from its time and event columns, or from the dates
    (:func:`missing_ingredients`); anything else is not offered at all (never an endpoint in
    which every patient is censored because a field was left unmapped).
    """
    fields = set(fields)
    missing = missing_ingredients(fields)
    out = {}
    for key, (time, event) in (("os", ("os_months", "os_event")),
                               ("rfs", ("rfs_months", "rfs_event"))):
        if time in fields:
            if event not in fields:
                out[key] = (f"{_NAMES[key]} is not available: the time column is mapped but "
                            f"not its event (`{event}`). Map the event column too.")
        elif missing[key]:
            out[key] = not_available_text(key, missing[key])
    return out


_NAMES = {"os": "Overall survival (OS)", "rfs": "Relapse-free survival (RFS)"}


def derivation_table(columns: dict[str, str]) -> list[dict[str, str]]:
    """Where each time comes from, for the page: one row per derived time.

    Parameters
    ----------
    columns : dict
        Field -> file column, as the mapping has it (a death date naming the last-contact
        column means "a flagged death is dated at the last contact").

    Returns
    -------
    list of dict
        Keys ``time``, ``starts at``, ``event``, ``censored at``: file columns in quotes.
    """
    q = {f: f"'{c}'" for f, c in columns.items()}
    if columns.get("date_death") and columns.get("date_death") == columns.get(
            "date_last_contact"):
        del q["date_death"]
    last = q.get("date_last_contact", "the last contact")
    if "date_death" in q and "os_event" in q:
        death = (f"death at {q['date_death']}; a death flagged in {q['os_event']} without a "
                 f"death date at {last}")
    elif "date_death" in q:
        death = f"death at {q['date_death']}"
    else:
        death = f"death (flag {q.get('os_event', '?')}) dated at {last}"
    relapse = f"relapse at {q.get('date_relapse', '?')}" + (
        f" (flag {q['rfs_event']})" if "rfs_event" in q and "date_relapse" in q else "")
    rows = []
    for key, time, event, start, ends, censor in (
            ("os", "os_months", "os_event", "date_diagnosis", death, last),
            ("rfs", "rfs_months", "rfs_event", "date_maintenance_start", relapse,
             f"death without relapse ({death.split(';')[0]}; the competing event of the "
             f"Competing risks page), else {last}")):
        if time in q:
            rows.append({"time": f"`{time}`", "starts at": "(a time in the file)",
                         "event": q.get(event, "?"), "censored at": f"from column {q[time]}"})
        elif not missing_ingredients(set(columns))[key]:
            rows.append({"time": f"`{time}`, `{event}`", "starts at": q[start], "event": ends,
                         "censored at": censor})
    for name, start, end in (("maintenance_os_months", "date_diagnosis",
                              "date_maintenance_start"),
                             ("relapse_os_months", "date_diagnosis", "date_relapse")):
        if start in q and end in q:
            rows.append({"time": f"`{name}`", "starts at": q[start], "event": q[end],
                         "censored at": "(a time, not an endpoint)"})
    return rows


def methods_sentences(cohort: pd.DataFrame) -> list[str]:
    """What the methods text says about a cohort whose times come from dates (empty list for
    a cohort with times): the rules, and how many deaths were dated at the last contact."""
    if "death_at_last_contact" not in cohort.columns and "maintenance_os_months" not in \
            cohort.columns:
        return []
    text = ["OS and RFS were computed from the dates of the export (months = days / 30.4375): "
            "OS from diagnosis to death or last contact; RFS from maintenance start to relapse, "
            "a death without relapse censoring RFS at the death and counting as the competing "
            "event of the cumulative incidence of relapse."]
    if "death_at_last_contact" in cohort.columns:
        at_last = int((cohort["death_at_last_contact"] == 1).sum())
        deaths = int((pd.to_numeric(cohort["os_event"], errors="coerce") == 1).sum())
        if at_last:
            text.append(f"{at_last} of {deaths} deaths {'is' if at_last == 1 else 'are'} "
                        "recorded only by a flag, without a date of death, and "
                        f"{'is' if at_last == 1 else 'are'} dated at the last-contact date, "
                        "which may differ from the true date of death.")
    return text


@dataclass(frozen=True)
class DateInputs:
    """The dates and flags of a table, read (see :func:`core.cohort.dates.read_dates`).

    Attributes
    ----------
    dates : dict of str to pandas.Series of datetime64
        Field -> dates (``NaT`` when blank or unreadable), for the fields present.
    death_flag, relapse_flag : pandas.Series of float or None
        1 = died / relapsed, 0 = not, ``NaN`` blank; ``None`` when no flag column.
    names : dict of str to str
        Field -> how messages name its column (the file's own header when known).
    """

    dates: dict[str, pd.Series]
    death_flag: pd.Series | None
    relapse_flag: pd.Series | None
    names: dict[str, str]

    def get(self, field: str, n: int) -> pd.Series:
        found = self.dates.get(field)
        return found if found is not None else pd.Series(pd.NaT, index=range(n),
                                                          dtype="datetime64[ns]")


def outcome_from_death(inputs: DateInputs, n: int) -> pd.Series | None:
    """The ``outcome`` column from the death record: "dead" where the death flag says so or
    a death date is given, :data:`ALIVE_OR_LOST` where the flag says not dead (or, without a
    flag, the death date is blank: the death did not happen), empty where the flag is blank
    and no date says more. None without a death flag or death date column."""
    death = inputs.dates.get("date_death")
    if inputs.death_flag is None and death is None:
        return None
    dated = death.notna() if death is not None else pd.Series(False, index=range(n))
    flag = inputs.death_flag if inputs.death_flag is not None else \
        pd.Series(np.where(dated, 1.0, 0.0))
    dead = flag.eq(1) | dated
    known = dead | flag.eq(0)
    return pd.Series(np.where(dead, "dead", ALIVE_OR_LOST), dtype=object).where(known, None)


def column_name(field: str, source: str | None) -> str:
    """``'复发日期' (relapse date)`` for a mapped file column, else ```date_relapse```."""
    if source and source != field:
        meaning = f"{DATE_FIELDS[field].lower()} date" if field in DATE_FIELDS else \
            {"os_event": "death flag", "rfs_event": "relapse flag"}.get(field, field)
        same = header_key(source) in (header_key(meaning), header_key(meaning.rsplit(" ", 1)[0]))
        return f"'{source}'" if same else f"'{source}' ({meaning})"
    return f"`{field}`"


def derive_endpoints(inputs: DateInputs, derive: set[str], row_label: Callable,
                     problems: Problems, today: pd.Timestamp) -> dict[str, pd.Series]:
    """Derive OS and/or RFS from dates and flags, recording every conflict in ``problems``.

    Parameters
    ----------
    inputs : DateInputs
    derive : set of {"os", "rfs"}
        Endpoints to derive (those whose time the table does not give and whose ingredients
        are mapped, see :func:`missing_ingredients`).
    row_label : callable
        Positions -> "row 5 (patient 000105)" (from the gatekeeper).
    problems : core.cohort.validate_cells.Problems
        Collector; each conflict adds one problem per patient (see module docstring).
    today : pandas.Timestamp
        Dates after it are in the future.

    Returns
    -------
    dict of str to pandas.Series
        ``os_months``, ``os_event``, ``death_at_last_contact`` when OS is derived; ``rfs_months``,
        ``rfs_event``, ``rfs_status`` when RFS is derived; ``maintenance_os_months`` and
        ``relapse_os_months`` whenever their dates are present. Rows whose endpoint cannot be
        computed (a missing origin or end) hold ``NaN`` for it, time and event alike.
    """
    n = len(next(iter(inputs.dates.values()))) if inputs.dates else 0
    rules = _Rules(inputs, row_label, problems)
    dx, start = inputs.get("date_diagnosis", n), inputs.get("date_maintenance_start", n)
    relapse, death = inputs.get("date_relapse", n), inputs.get("date_death", n)
    last = inputs.get("date_last_contact", n)
    rules.future(today)

    if inputs.death_flag is not None:
        dead = (inputs.death_flag.eq(1).fillna(False)  # a blank flag: the date decides
                | (inputs.death_flag.isna() & death.notna())).to_numpy(bool)
        rules.flag_without_date("os_event", dead & death.isna().to_numpy() & last.isna().to_numpy(),
                                "date_death" if "date_death" in inputs.dates
                                else "date_last_contact")
        rules.date_beside_no("os_event", "date_death", inputs.death_flag.eq(0), death)
    else:
        dead = death.notna().to_numpy()
    died_at = death.where(death.notna(), last.where(dead))
    if inputs.relapse_flag is not None and "date_relapse" in inputs.dates:
        relapsed = (inputs.relapse_flag.eq(1).fillna(False)
                    | (inputs.relapse_flag.isna() & relapse.notna())).to_numpy(bool)
        rules.flag_without_date("rfs_event", relapsed & relapse.isna().to_numpy(),
                                "date_relapse")
        rules.date_beside_no("rfs_event", "date_relapse", inputs.relapse_flag.eq(0), relapse)
    else:
        relapsed = relapse.notna().to_numpy()
    relapse = relapse.where(relapsed)

    rules.before("date_maintenance_start", "date_diagnosis", "is before diagnosis",
                 "maintenance starts after diagnosis")
    for later in ("date_relapse", "date_death", "date_last_contact"):
        rules.before(later, "date_diagnosis", "is before diagnosis",
                     "every date of the course follows diagnosis")
        rules.before(later, "date_maintenance_start", "is before maintenance start",
                     "RFS runs from maintenance start and cannot be negative")
    rules.after("date_relapse", "date_last_contact", "is after the last contact",
                "a relapse must be known by the last contact")
    rules.after("date_relapse", "date_death", "is after death", "a relapse cannot follow death")

    out: dict[str, pd.Series] = {}
    if "os" in derive:
        end = died_at.where(dead, last)
        months = months_between(dx, end)
        known = months.notna()
        out["os_months"] = months
        out["os_event"] = pd.Series(dead.astype(float)).where(known)
        at_last = dead & death.isna().to_numpy() & last.notna().to_numpy()
        out["death_at_last_contact"] = pd.Series(at_last.astype(float)).where(known)
    if "rfs" in derive:
        end = relapse.where(relapsed, died_at.where(dead, last))
        months = months_between(start, end)
        known = months.notna()
        status = np.where(relapsed, 1.0, np.where(dead, 2.0, 0.0))
        out["rfs_months"] = months
        out["rfs_event"] = pd.Series(relapsed.astype(float)).where(known)
        out["rfs_status"] = pd.Series(status).where(known)
    if "date_diagnosis" in inputs.dates and "date_maintenance_start" in inputs.dates:
        out["maintenance_os_months"] = months_between(dx, start)
    if "date_diagnosis" in inputs.dates and "date_relapse" in inputs.dates:
        out["relapse_os_months"] = months_between(dx, relapse)
    return {name: values.reset_index(drop=True) for name, values in out.items()}


class _Rules:
    """The date rules, each adding one problem per offending patient."""

    def __init__(self, inputs: DateInputs, row_label: Callable, problems: Problems) -> None:
        self.inputs, self.row_label, self.problems = inputs, row_label, problems

    def name(self, field: str) -> str:
        return column_name(field, self.inputs.names.get(field))

    def what(self, field: str) -> str:
        return {"date_diagnosis": "diagnosis", "date_maintenance_start": "maintenance start",
                "date_relapse": "relapse", "date_death": "death",
                "date_last_contact": "the last contact"}[field]

    def add(self, mask: np.ndarray, sentence: Callable[[int], str], summary: str) -> None:
        rows = np.flatnonzero(mask)
        for position in rows[:MAX_ROW_PROBLEMS]:
            self.problems.add(sentence(int(position)), [int(position)])
        if len(rows) > MAX_ROW_PROBLEMS:
            rest = rows[MAX_ROW_PROBLEMS:]
            self.problems.add(f"{summary} {len(rest):,} more patients break this rule "
                              f"({self.row_label(rest)}).", rest.tolist())

    def future(self, today: pd.Timestamp) -> None:
        for field, dates in self.inputs.dates.items():
            mask = (dates > today).fillna(False).to_numpy(bool)
            self.add(mask, lambda i, f=field, d=dates: (
                f"Column {self.name(f)}, {self.row_label([i])}: {self.what(f)} "
                f"{d.iloc[i]:%Y-%m-%d} is in the future (today is {today:%Y-%m-%d}). Fix: "
                "correct the date (the year?)."), f"Column {self.name(field)}:")

    def before(self, later: str, earlier: str, verb: str, why: str) -> None:
        """``later`` must not come before ``earlier``."""
        if later not in self.inputs.dates or earlier not in self.inputs.dates:
            return
        a, b = self.inputs.dates[later], self.inputs.dates[earlier]
        mask = (a < b).fillna(False).to_numpy(bool)
        self.add(mask, lambda i: (
            f"Column {self.name(later)}, {self.row_label([i])}: {self.what(later)} "
            f"{a.iloc[i]:%Y-%m-%d} {verb} {b.iloc[i]:%Y-%m-%d} (column {self.name(earlier)}). "
            f"Fix: correct one of the two dates (day and month swapped?); {why}."),
            f"Column {self.name(later)}:")

    def after(self, earlier: str, later: str, verb: str, why: str) -> None:
        """``earlier`` must not come after ``later``."""
        if earlier not in self.inputs.dates or later not in self.inputs.dates:
            return
        a, b = self.inputs.dates[earlier], self.inputs.dates[later]
        mask = (a > b).fillna(False).to_numpy(bool)
        self.add(mask, lambda i: (
            f"Column {self.name(earlier)}, {self.row_label([i])}: {self.what(earlier)} "
            f"{a.iloc[i]:%Y-%m-%d} {verb} {b.iloc[i]:%Y-%m-%d} (column {self.name(later)}). "
            f"Fix: correct one of the two dates; {why}."), f"Column {self.name(earlier)}:")

    def flag_without_date(self, flag: str, mask: np.ndarray, date_field: str) -> None:
        happened = "died" if flag == "os_event" else "relapsed"
        if flag == "os_event":
            needs = ("neither a death date nor a last-contact date is recorded"
                     if "date_death" in self.inputs.dates
                     else f"no last-contact date is recorded (column {self.name(date_field)})")
            fix = "enter the date of death or of the last contact"
        else:
            needs = f"no relapse date is recorded (column {self.name(date_field)})"
            fix = "enter the relapse date, or code the flag as no relapse if there was none"
        self.add(mask, lambda i: (
            f"Column {self.name(flag)}, {self.row_label([i])}: the patient {happened} "
            f"but {needs}. Fix: {fix}."), f"Column {self.name(flag)}:")

    def date_beside_no(self, flag: str, date_field: str, says_no: pd.Series,
                       dates: pd.Series) -> None:
        if date_field not in self.inputs.dates:
            return
        mask = (says_no.fillna(False) & dates.notna()).to_numpy(bool)
        event = "death" if flag == "os_event" else "relapse"
        self.add(mask, lambda i: (
            f"Column {self.name(flag)}, {self.row_label([i])}: the flag says no {event}, "
            f"but {event} {dates.iloc[i]:%Y-%m-%d} is recorded (column {self.name(date_field)})."
            f" Fix: correct the flag or remove the date."), f"Column {self.name(flag)}:")
