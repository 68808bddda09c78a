"""The gatekeeper of every survival analysis: which rows enter, which are left out, and why.

Every estimator in :mod:`core.survival.km.estimate` and :mod:`core.survival.km.logrank` calls
:func:`survival_data` first. It checks the columns, keeps the rows with a usable time, event
and group, and counts every row it leaves out with the reason, so a page can say "2 patients
without a recorded RFS time are not in this analysis" instead of dropping them silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.coding import level_labels, order_levels, present_levels
from core.cohort.columns import check_levels
from core.errors import AnalysisError

ALL = "All"
"""The group label when the analysis is not stratified (as the contract specifies)."""


@dataclass(frozen=True)
class Exclusion:
    """Rows left out of an analysis for one reason.

    Attributes
    ----------
    reason : str
        Plain-language reason, e.g. "no recorded RFS time (months)".
    count : int
        Number of rows left out for this reason.
    patients : tuple of str
        Patient ids (or row numbers when there is no ``patient_id``) of those rows.
    """

    reason: str
    count: int
    patients: tuple[str, ...]

    def describe(self) -> str:
        """One sentence for the screen, e.g. "2 patients left out (no recorded ...): 4, 12."."""
        noun = "patient" if self.count == 1 else "patients"
        if not self.patients:  # an engine source without patient ids
            return f"{self.count} {noun} left out ({self.reason})."
        more = len(self.patients) > 10 or self.count > len(self.patients)
        who = ", ".join(self.patients[:10]) + (" …" if more else "")
        return f"{self.count} {noun} left out ({self.reason}): {who}."


@dataclass(frozen=True)
class SurvivalData:
    """Right-censored survival times of the rows that enter an analysis.

    Attributes
    ----------
    time : numpy.ndarray of float, shape (n,)
        Follow-up time of each row (the unit of the input column, months in this app).
    event : numpy.ndarray of bool, shape (n,)
        True where the follow-up ended with the event, False where it was censored.
    group : numpy.ndarray of str, shape (n,)
        The row's group (``"All"`` when the analysis is not stratified).
    groups : tuple of str
        Groups in display order (a pandas Categorical's categories, else schema order where
        the column has one, else numeric or sorted).
    n_input : int
        Rows handed in, before exclusions.
    exclusions : tuple of Exclusion
        Rows left out, one entry per reason.
    group_code : numpy.ndarray of int, shape (n,), optional
        Position of each row's group in ``groups`` (computed from ``group`` when not given).
    entry : numpy.ndarray of float, shape (n,), optional
        Delayed entry (left truncation): the time on the same clock after which the row is
        at risk, always < ``time``; None when every row is at risk from 0.
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    groups: tuple[str, ...]
    n_input: int
    exclusions: tuple[Exclusion, ...] = ()
    group_code: np.ndarray | None = None
    entry: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.group_code is None:
            index = {g: k for k, g in enumerate(self.groups)}
            codes = np.fromiter((index.get(g, -1) for g in self.group), dtype=np.int64,
                                count=len(self.group))
            object.__setattr__(self, "group_code", codes)

    @property
    def n(self) -> int:
        """Rows that enter the analysis."""
        return int(self.time.size)

    @property
    def n_excluded(self) -> int:
        return self.n_input - self.n


def group_order(values: pd.Series | np.ndarray, by: str | None) -> tuple[str, ...]:
    """Display order of the groups of column ``by``: the one order of
    :func:`core.cohort.coding.present_levels` (a Categorical's categories, else the schema's
    order, else numbers in numeric order, else natural order: "2" before "10")."""
    return present_levels(pd.Series(values), by)


def survival_data(df: pd.DataFrame, time: str, event: str, by: str | None = None,
                  entry: str | None = None, capped: bool = True) -> SurvivalData:
    """Check the columns of a survival analysis and keep the usable rows.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time : str
        Column of follow-up times (months in this app); must be numeric and >= 0.
    event : str
        Column of event indicators: 1 (or True) = event, 0 (or False) = censored.
    by : str, optional
        Column whose values define the groups; None for one group labelled ``"All"``. At most
        :data:`core.cohort.columns.MAX_LEVELS` groups (:func:`~core.cohort.columns.check_levels`).
    entry : str, optional
        Column of delayed-entry times on the clock of ``time`` (left truncation, R
        ``Surv(entry, time, event)``): the row is at risk at t only when entry < t <= time.
    capped : bool
        False only for a caller whose "groups" are the distinct values of a marker it scans
        (the cut-point finder) or that checks the cap per column (strata), not groups to compare.

    Returns
    -------
    SurvivalData
        Rows with a missing time, event, entry or group are left out and counted in
        ``exclusions``; they are never silently dropped. A row whose entry equals its time
        is left out too (it is never at risk; R's ``Surv`` makes it NA and drops it).

    Raises
    ------
    AnalysisError
        A named column is absent, ``by`` has more than the group cap, a time or entry is
        negative or not a number, an entry is after the time, or an event value is neither 0
        nor 1. The message names the rows, the value and the fix.
    """
    check_columns(df.columns, (time, event, by, entry))
    if by is not None and capped:
        check_levels(df[by], by)
    t = _checked_times(df, time)
    no_time = np.isnan(t)
    raw_event = df[event]
    if pd.api.types.is_bool_dtype(raw_event):
        raw_event = raw_event.astype("Int64" if raw_event.hasnans else np.int64)
    elif not pd.api.types.is_numeric_dtype(raw_event):
        raw_event = raw_event.replace({True: 1, False: 0})
    e = pd.to_numeric(raw_event, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    no_event = np.isnan(e)
    bad_event = (e != 0) & (e != 1) & (~no_event | df[event].notna().to_numpy())
    if bad_event.any():
        raise AnalysisError(_rows_message(df, pd.Series(bad_event, index=df.index), df[event],
                                          event, *BAD_EVENT))

    exclusions = []
    keep = np.ones(len(df), dtype=bool)
    checks = [(no_time, missing_reason(time)), (no_event, missing_reason(event))]
    if entry is not None:
        e_in = _checked_times(df, entry)
        with np.errstate(invalid="ignore"):
            late = e_in > t
        if late.any():
            raise AnalysisError(_rows_message(df, pd.Series(late, index=df.index), df[entry],
                                              entry, *late_entry(time)))
        checks += [(np.isnan(e_in), missing_reason(entry)),
                   (e_in == t, ENTRY_AT_END.format(entry=entry, time=time))]
    if by is not None:  # one hash pass gives the groups and the missing ones (code -1)
        all_codes, uniques = pd.factorize(df[by])
        checks.append((all_codes < 0, missing_reason(by)))
    for missing, reason in checks:
        if not missing.any():
            continue
        newly = missing & keep
        count = int(newly.sum())
        if count:
            exclusions.append(Exclusion(reason, count,
                                        tuple(_ids(df, pd.Series(newly, index=df.index)))))
            keep &= ~newly
    every = bool(keep.all())
    if by is not None:
        codes = all_codes if every else all_codes[keep]
        labels = level_labels(pd.Series(uniques))
        used = np.bincount(codes, minlength=len(labels)) > 0  # groups of the kept rows only
        categories = (level_labels(pd.Series(df[by].cat.categories))
                      if isinstance(df[by].dtype, pd.CategoricalDtype) else None)
        groups = order_levels({label for label, u in zip(labels, used, strict=True) if u}, by,
                              categories)
        where = {label: i for i, label in enumerate(groups)}  # a marker: 10^5 levels
        position = np.array([where.get(label, -1) for label in labels], dtype=np.int64)
        group_code = position[codes] if codes.size else np.zeros(0, dtype=np.int64)
        group = np.asarray(groups, dtype=object)[group_code] if codes.size else \
            np.zeros(0, dtype=object)
    else:
        groups = (ALL,)
        group_code = np.zeros(int(keep.sum()), dtype=np.int64)
        group = np.full(group_code.size, ALL, dtype=object)
    return SurvivalData(
        time=t if every else t[keep],
        event=(e if every else e[keep]).astype(bool),
        group=group,
        groups=groups,
        n_input=len(df),
        exclusions=tuple(exclusions),
        group_code=group_code,
        entry=None if entry is None else (e_in if every else e_in[keep]),
    )


def _checked_times(df: pd.DataFrame, column: str) -> np.ndarray:
    """A column of times as floats (NaN where empty); raises on text and negative values."""
    t = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(df[column]):  # text that is not a number
        bad = df[column].notna() & np.isnan(t)
        if bad.any():
            raise AnalysisError(_rows_message(df, bad, df[column], column, *BAD_TIME))
    negative = t < 0
    if negative.any():
        raise AnalysisError(_rows_message(df, pd.Series(negative, index=df.index), df[column],
                                          column, *NEGATIVE_TIME))
    return t


BAD_TIME = ("is not a number", "enter the time in months")
NEGATIVE_TIME = ("is negative", "times are months from the start of follow-up and cannot be "
                 "negative")
BAD_EVENT = ("is not 0 or 1", "use 1 for the event and 0 for censored")
"""(problem, fix) of the three row errors of the gatekeeper, shared with the engine path."""
ENTRY_AT_END = ("`{entry}` equals `{time}`: a patient whose follow-up ends when it begins is "
                "never at risk (R's Surv(entry, time, event) drops such rows)")
"""Exclusion reason of rows whose entry equals their time."""


def late_entry(time: str) -> tuple[str, str]:
    """(problem, fix) of an entry time after the end of follow-up."""
    return (f"is after `{time}`",
            f"an entry time is when a patient joins the risk set and must come before the end "
            f"of follow-up (`{time}`); correct the dates, or leave the entry empty")


def missing_reason(column: str) -> str:
    """The exclusion reason of rows without a value in ``column``."""
    return f"no recorded `{column}`"


def check_columns(columns, names) -> None:
    """Raise :class:`AnalysisError` when a named column (None skipped) is not in ``columns``."""
    for name in names:
        if name is not None and name not in columns:
            listed = ", ".join(map(str, columns))
            raise AnalysisError(f"Column `{name}` is not in the cohort (columns: {listed}). "
                                "Fix: choose one of these columns, or add it to the file.")


def _ids(df: pd.DataFrame, mask: pd.Series) -> list[str]:
    """Patient ids of the rows in ``mask`` (row numbers, header = row 1, without ids)."""
    if "patient_id" in df.columns:
        return df.loc[mask, "patient_id"].astype(str).tolist()
    return [f"row {i + 2}" for i in np.flatnonzero(mask.to_numpy())]


def _rows_message(df: pd.DataFrame, mask: pd.Series, values: pd.Series, column: str,
                  problem: str, fix: str) -> str:
    shown = list(zip(_ids(df, mask)[:10], values[mask].iloc[:10], strict=True))
    return rows_message(column, int(mask.sum()), shown, problem, fix)


def rows_message(column: str, count: int, shown, problem: str, fix: str) -> str:
    """The message of a row error: the count, up to 10 (patient id, value) pairs, the fix."""
    listed = ", ".join(f"patient {i} ({_show(v)})" if i is not None else _show(v)
                       for i, v in list(shown)[:10])
    if count != 1 and problem.startswith("is "):  # "2 values are negative"
        problem = "are " + problem[3:]
    return (f"Column `{column}`: {count} value{'s' if count != 1 else ''} {problem}: "
            f"{listed}. Fix: {fix}.")


def _show(value: object) -> str:
    """A cell as the user typed it: numbers plainly, text quoted."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(str(value))
