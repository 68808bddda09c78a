"""Competing-risks input: which rows enter, the cause codes, and the seed cohort's cause rule.

Design: every competing-risks estimator (:mod:`core.survival.competing.estimate`,
:mod:`core.survival.competing.gray`, :mod:`core.survival.competing.finegray`) calls
:func:`competing_data` once. It
checks the status codes (0 = censored, 1, 2, ... = causes, as R ``cmprsk`` expects them) and
hands the time, "any event" indicator and group to the survival gatekeeper
:func:`core.survival.input.survival_data`, so time checks, group labels (R factor style: "1",
not "1.0") and the counting of excluded rows are the same as on the Kaplan-Meier page.

:func:`competing_status` derives the cause on the relapse-free clock from a cohort's columns:
relapse (``rfs_event = 1``) is cause 1, death without relapse is cause 2. The data record a
death without relapse on the OS clock only (months from diagnosis), and neither clock records
when maintenance began; the rule in :data:`DEATH_RULE_TEXT` says when such a death can be
placed on the maintenance clock and what it assumes. An optional ``rfs_status`` column (schema)
holding 0/1/2 overrides the derivation row by row.

References
----------
Gray RJ. cmprsk: Subdistribution Analysis of Competing Risks (R package), status coding of
``cuminc`` and ``crr``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.engine import columns_frame
from core.errors import AnalysisError
from core.survival.input import SurvivalData, _show, survival_data

CAUSE_NAMES = {1: "relapse", 2: "death without relapse"}
"""Causes on the relapse-free clock of the study."""
STATUS_COLUMN = "rfs_status"
"""Optional cohort column with the cause code on the RFS clock (0 censored, 1, 2)."""
DEATH_RULES = ("censor", "end_of_rfs")
DEATH_RULE_TEXT = {
    "censor": (
        "A death without relapse counts as the competing event (cause 2) only when it is "
        "recorded on the relapse-free clock (column `rfs_status` = 2). A death recorded only "
        "on the OS clock (months from diagnosis) cannot be placed on the maintenance clock, "
        "because the data do not say when maintenance began or why relapse-free follow-up "
        "ended: the patient stays censored at `rfs_months`, the end of relapse-free "
        "follow-up."),
    "end_of_rfs": (
        "Sensitivity rule: a death without relapse recorded only on the OS clock is placed "
        "at the end of relapse-free follow-up (`rfs_months`), as cause 2. This assumes that "
        "relapse-free follow-up ended with the death, i.e. maintenance began "
        "`os_months - rfs_months` after diagnosis."),
}
DATED_TEXT = (
    "The export's dates place every death without relapse on the relapse-free clock: it "
    "ends relapse-free follow-up at the date of death (a death known only by a flag: at the "
    "last contact) and counts as the competing event (cause 2), whichever rule is chosen for "
    "deaths recorded only on the OS clock.")
"""The rule in words when every patient's cause is recorded on the RFS clock (``rfs_status``,
which :mod:`core.cohort.derive` fills for cohorts built from dates)."""

RULE_NOT_NEEDED = (
    "No rule for deaths without relapse to choose here: the dates of this file place every "
    "such death on the relapse-free clock (at the date of death, or at the last contact when "
    "death is known only by a flag), so both rules give the same numbers.")
"""Said where the death-rule choice is left out (:func:`death_rule_matters` is False)."""


def death_rule_matters(cohort: pd.DataFrame) -> bool:
    """Whether the death rule can change a number: False when ``rfs_status`` is recorded for
    every patient with a relapse flag (cohorts built from dates), as :data:`DATED_TEXT` says."""
    if STATUS_COLUMN not in cohort.columns or "rfs_event" not in cohort.columns:
        return True
    recorded = pd.to_numeric(cohort[STATUS_COLUMN], errors="coerce").notna()
    flagged = pd.to_numeric(cohort["rfs_event"], errors="coerce").notna()
    return not (recorded.any() and recorded[flagged].all())


TIME = "rfs_months"
STATUS = "cr_status"
"""Column added to the cohort copy: the cause code of :func:`competing_status`."""


@dataclass(frozen=True)
class CompetingData:
    """Rows of a competing-risks analysis after the gatekeeper.

    Attributes
    ----------
    survival : SurvivalData
        Time (months), any-event indicator, group and exclusions of the rows that enter.
    status : numpy.ndarray of int, shape (n,)
        0 = censored, 1, 2, ... = cause, aligned with ``survival.time``.
    causes : tuple of int
        Causes present among the rows (sorted).
    """

    survival: SurvivalData
    status: np.ndarray
    causes: tuple[int, ...]

    @property
    def time(self) -> np.ndarray:
        return self.survival.time

    @property
    def group(self) -> np.ndarray:
        return self.survival.group

    @property
    def groups(self) -> tuple[str, ...]:
        return self.survival.groups


def competing_data(df: pd.DataFrame, time: str, status: str, by: str | None = None,
                   entry: str | None = None) -> CompetingData:
    """Check a competing-risks analysis's columns and keep the usable rows.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient (in memory, or in an engine: only the named columns are fetched).
    time : str
        Column of follow-up times (months), >= 0.
    status : str
        Column of status codes: 0 = censored, 1, 2, ... = the cause that ended follow-up.
    by : str, optional
        Grouping column; None for one group ``"All"``.
    entry : str, optional
        Column of delayed-entry times on the clock of ``time`` (checked by the survival
        gatekeeper: a row is at risk when entry < t <= time).

    Returns
    -------
    CompetingData
        Rows with a missing time, status, entry or group are left out and counted.

    Raises
    ------
    AnalysisError
        A column is absent, a time is negative, or a status is not a whole number >= 0.
    """
    df = fetched(df, time, status, by, entry)
    if status not in df.columns:
        columns = ", ".join(map(str, df.columns))
        raise AnalysisError(f"Column `{status}` is not in the cohort (columns: {columns}). "
                            "Fix: choose the column that holds 0 (censored) and 1, 2, ... "
                            "(the cause).")
    codes = pd.to_numeric(df[status], errors="coerce")
    bad = (df[status].notna() & codes.isna()) | (codes < 0) | (codes.notna() & (codes % 1 != 0))
    if bad.any():
        ids = (df["patient_id"].astype(str) if "patient_id" in df.columns
               else pd.Series([f"row {i + 2}" for i in range(len(df))], index=df.index))
        shown = ", ".join(f"patient {i} ({_show(df[status][k])})"
                          for k, i in zip(ids.index[bad], ids[bad], strict=True))
        raise AnalysisError(f"Column `{status}`: {int(bad.sum())} value(s) are not a status "
                            f"code: {shown}. Fix: use 0 for censored and 1, 2, ... for the "
                            "cause that ended follow-up.")
    frame = df.copy(deep=False)  # copy-on-write: only the status column is new
    frame[status] = np.where(codes.isna(), np.nan, (codes > 0).astype(float))
    data = survival_data(frame, time, status, by, entry)
    times = pd.to_numeric(df[time], errors="coerce")
    keep = codes.notna() & times.notna()
    if entry is not None:  # the gatekeeper's rules: entry recorded and before the time
        entries = pd.to_numeric(df[entry], errors="coerce")
        keep &= entries.notna() & (entries != times)
    if by is not None:
        keep &= df[by].notna()
    values = codes[keep].to_numpy(dtype=float).astype(np.int64)
    causes = tuple(int(c) for c in np.unique(values[values > 0]))
    return CompetingData(survival=data, status=values, causes=causes)


NO_ENTRY_IN_CMPRSK = (
    "{what} cannot take a delayed-entry time (`{entry}`): R's cmprsk, which it reproduces, "
    "has no left truncation, and no published extension is implemented here. Fix: read the "
    "cumulative incidence with delayed entry (Aalen-Johansen) and compare groups with the "
    "cause-specific Cox model, or drop the entry time for this test.")


def refuse_entry(what: str, entry: str | None) -> None:
    """Raise :class:`AnalysisError` when a cmprsk-only method (Gray's test, Fine-Gray) is
    asked for delayed entry."""
    if entry is not None:
        raise AnalysisError(NO_ENTRY_IN_CMPRSK.format(what=what, entry=entry))


def fetched(df, *columns: str | None) -> pd.DataFrame:
    """``df`` itself, or for an engine source (:func:`core.cohort.open_cohort`) its rows with
    only ``patient_id`` and the named columns, as a DataFrame."""
    return columns_frame(df, columns)


@dataclass(frozen=True)
class CompetingStatus:
    """Cause codes on the relapse-free clock, with the rule that placed each death.

    Attributes
    ----------
    status : pandas.Series of float
        0 censored, 1 relapse, 2 death without relapse (NaN where RFS is not recorded),
        indexed like the cohort.
    rule : str
        The death rule used (one of :data:`DEATH_RULES`).
    explanation : str
        The rule in words, for the screen.
    unplaced : tuple of str
        Patients who died without relapse on the OS clock but stay censored on the RFS clock.
    placed : tuple of str
        Patients whose death without relapse is counted as cause 2.
    """

    status: pd.Series
    rule: str
    explanation: str
    unplaced: tuple[str, ...]
    placed: tuple[str, ...]

    def describe(self) -> str:
        """The rule and the patients it affects, in one paragraph (at most
        :data:`SHOWN_IDS` ids per list, the rest counted: a registry has 10^5 such deaths)."""
        text = self.explanation
        if self.unplaced:
            text += (f" Affected: patient{'s' if len(self.unplaced) > 1 else ''} "
                     f"{_some(self.unplaced)} (died without relapse, kept censored on the "
                     "relapse-free clock).")
        if self.placed:
            text += (f" Counted as death without relapse: patient"
                     f"{'s' if len(self.placed) > 1 else ''} {_some(self.placed)}.")
        if not self.unplaced and not self.placed:
            text += " No patient in this cohort died without relapse."
        return text


SHOWN_IDS = 8
"""Patient ids one sentence lists; beyond, "and 88,170 more"."""


def _some(ids: tuple[str, ...]) -> str:
    """``"1, 2, 3"``, or the first :data:`SHOWN_IDS` ids and ``"and k more"``."""
    shown = ", ".join(ids[:SHOWN_IDS])
    more = len(ids) - SHOWN_IDS
    return f"{shown} and {more:,} more" if more > 0 else shown


def competing_status(cohort: pd.DataFrame, death_rule: str = "censor") -> CompetingStatus:
    """Cause of the end of relapse-free follow-up: 0 censored, 1 relapse, 2 death without relapse.

    Parameters
    ----------
    cohort : pandas.DataFrame
        Needs ``rfs_event``; uses ``os_event`` (death) and, where present and filled,
        ``rfs_status`` (0/1/2 recorded on the RFS clock, which wins).
    death_rule : {"censor", "end_of_rfs"}
        How a death without relapse recorded only on the OS clock enters (see
        :data:`DEATH_RULE_TEXT`): kept censored (default), or counted at ``rfs_months``.

    Returns
    -------
    CompetingStatus
    """
    if death_rule not in DEATH_RULES:
        raise AnalysisError(f"death_rule must be one of {DEATH_RULES}, not {death_rule!r}. "
                            "Fix: use 'censor' (default) or 'end_of_rfs'.")
    if "rfs_event" not in cohort.columns:
        raise AnalysisError("The cohort has no `rfs_event` column, so relapse cannot be "
                            "told from censoring. Fix: add `rfs_event` (1 relapse, 0 none) or "
                            "`rfs_status` (0 censored, 1 relapse, 2 death without relapse).")
    relapse = pd.to_numeric(cohort["rfs_event"], errors="coerce")
    death = (pd.to_numeric(cohort["os_event"], errors="coerce") if "os_event" in cohort
             else pd.Series(np.nan, index=cohort.index))
    status = relapse.astype(float).copy()
    died_first = (relapse == 0) & (death == 1)
    if death_rule == "end_of_rfs":
        status[died_first] = 2.0
    explanation = DEATH_RULE_TEXT[death_rule]
    if STATUS_COLUMN in cohort.columns:
        recorded = pd.to_numeric(cohort[STATUS_COLUMN], errors="coerce")
        status = status.where(recorded.isna(), recorded.astype(float))
        if recorded.notna().any() and recorded.notna()[relapse.notna()].all():
            explanation = DATED_TEXT  # no death waits for a rule: the dates placed them all
    unplaced = _ids(cohort, died_first & (status == 0))
    placed = _ids(cohort, status == 2)
    return CompetingStatus(status=status, rule=death_rule, explanation=explanation,
                           unplaced=unplaced, placed=placed)


def _ids(cohort: pd.DataFrame, mask: pd.Series) -> tuple[str, ...]:
    """Patient ids (row numbers, header = row 1, without ids) of the rows in ``mask``; only
    those rows are turned into text (a registry sample has 10^5 rows)."""
    if "patient_id" in cohort.columns:
        return tuple(cohort.loc[mask, "patient_id"].astype(str).tolist())
    return tuple(f"row {i + 2}" for i in np.flatnonzero(mask.to_numpy()))


def with_competing_status(cohort: pd.DataFrame, death_rule: str = "censor",
                          column: str = "cr_status") -> pd.DataFrame:
    """A copy of ``cohort`` with the cause code of :func:`competing_status` in ``column``."""
    out = cohort.copy(deep=False)  # copy-on-write: the new column is this frame's alone
    out[column] = competing_status(cohort, death_rule).status
    return out


def prepared(cohort: pd.DataFrame, death_rule: str = "censor") -> tuple[pd.DataFrame,
                                                                          CompetingStatus]:
    """A copy of ``cohort`` with the cause code in :data:`STATUS`, and the rule used."""
    rule = competing_status(cohort, death_rule)
    frame = cohort.copy(deep=False)  # copy-on-write: no copy of 10^6 rows per call
    frame[STATUS] = rule.status
    return frame, rule
