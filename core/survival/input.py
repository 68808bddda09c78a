"""The gatekeeper of every survival analysis: which rows enter, which are left out, and why.

Every estimator in :mod:`core.survival.km` and :mod:`core.survival.logrank` calls
:func:`survival_data` first. It checks the columns, keeps the rows with a usable time, event
and group, and counts every row it leaves out with the reason, so a page can say "2 patients
without a recorded RFS time are not in this analysis" instead of dropping them silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.schema import BY_NAME
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
        who = ", ".join(self.patients[:10]) + (" …" if len(self.patients) > 10 else "")
        noun = "patient" if self.count == 1 else "patients"
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
        Groups in display order (schema order where the column has one, else sorted).
    n_input : int
        Rows handed in, before exclusions.
    exclusions : tuple of Exclusion
        Rows left out, one entry per reason.
    """

    time: np.ndarray
    event: np.ndarray
    group: np.ndarray
    groups: tuple[str, ...]
    n_input: int
    exclusions: tuple[Exclusion, ...] = ()

    @property
    def n(self) -> int:
        """Rows that enter the analysis."""
        return int(self.time.size)

    @property
    def n_excluded(self) -> int:
        return self.n_input - self.n


def group_order(values: pd.Series | np.ndarray, by: str | None) -> tuple[str, ...]:
    """Display order of the groups of column ``by``: the schema's order, else numeric order
    when every group is a number, else sorted text."""
    present = {str(v) for v in pd.unique(np.asarray(values, dtype=object))}
    column = BY_NAME.get(by) if by else None
    if column is not None and column.allowed:
        known = [level for level in column.allowed if level in present]
        return (*known, *sorted(present - set(known)))
    try:  # numbers in numeric order ("2" before "10"), as R orders a numeric factor
        return tuple(sorted(present, key=float))
    except ValueError:
        return tuple(sorted(present))


def survival_data(df: pd.DataFrame, time: str, event: str, by: str | None = None) -> SurvivalData:
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
        Column whose values define the groups; None for one group labelled ``"All"``.

    Returns
    -------
    SurvivalData
        Rows with a missing time, event or group are left out and counted in
        ``exclusions``; they are never silently dropped.

    Raises
    ------
    AnalysisError
        A named column is absent, a time is negative or not a number, or an event value is
        neither 0 nor 1. The message names the rows, the value and the fix.
    """
    for name in (time, event, by):
        if name is not None and name not in df.columns:
            columns = ", ".join(map(str, df.columns))
            raise AnalysisError(f"Column `{name}` is not in the cohort (columns: {columns}). "
                                "Fix: choose one of these columns, or add it to the file.")
    ids = (df["patient_id"].astype(str) if "patient_id" in df.columns
           else pd.Series([f"row {i + 2}" for i in range(len(df))], index=df.index))
    times = pd.to_numeric(df[time], errors="coerce")
    bad_time = df[time].notna() & times.isna()
    if bad_time.any():
        raise AnalysisError(_rows_message(ids, bad_time, df[time], time,
                                          "is not a number", "enter the time in months"))
    negative = times < 0
    if negative.any():
        raise AnalysisError(_rows_message(ids, negative, df[time], time, "is negative",
                                          "times are months from the start of follow-up and "
                                          "cannot be negative"))
    events = pd.to_numeric(df[event].replace({True: 1, False: 0}), errors="coerce")
    bad_event = df[event].notna() & ~events.isin([0, 1])
    if bad_event.any():
        raise AnalysisError(_rows_message(ids, bad_event, df[event], event,
                                          "is not 0 or 1", "use 1 for the event and 0 for "
                                          "censored"))

    exclusions = []
    keep = pd.Series(True, index=df.index)
    checks = [(times.isna(), f"no recorded `{time}`"),
              (events.isna(), f"no recorded `{event}`")]
    if by is not None:
        checks.append((df[by].isna(), f"no recorded `{by}`"))
    for missing, reason in checks:
        newly = missing & keep
        if newly.any():
            exclusions.append(Exclusion(reason, int(newly.sum()), tuple(ids[newly])))
            keep &= ~newly
    groups = (group_labels(df.loc[keep, by]) if by is not None
              else np.full(int(keep.sum()), ALL, dtype=object))
    return SurvivalData(
        time=times[keep].to_numpy(dtype=float),
        event=events[keep].to_numpy(dtype=float).astype(bool),
        group=groups,
        groups=group_order(groups, by) if by is not None else (ALL,),
        n_input=len(df),
        exclusions=tuple(exclusions),
    )


def group_labels(values: pd.Series) -> np.ndarray:
    """Group values as text, as R's ``factor`` prints them: whole numbers without a decimal
    part (a 0/1 column stored as floats gives groups "0" and "1", not "0.0" and "1.0")."""
    if pd.api.types.is_float_dtype(values):
        return np.array([str(int(v)) if float(v).is_integer() else repr(float(v))
                         for v in values], dtype=object)
    return values.astype(str).to_numpy(dtype=object)


def _rows_message(ids: pd.Series, mask: pd.Series, values: pd.Series, column: str,
                  problem: str, fix: str) -> str:
    shown = [f"patient {i} ({_show(values[k])})"
             for k, i in zip(ids.index[mask], ids[mask], strict=True)][:10]
    count = int(mask.sum())
    return (f"Column `{column}`: {count} value{'s' if count != 1 else ''} {problem}: "
            f"{', '.join(shown)}. Fix: {fix}.")


def _show(value: object) -> str:
    """A cell as the user typed it: numbers plainly, text quoted."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(str(value))
