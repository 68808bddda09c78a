"""The checked per-patient table and the counting-process split of an intervention during follow-up.

Design: every analysis of :mod:`core.survival.timedep.models` starts from :func:`intervention_data`,
the gatekeeper (time and event checked by :func:`core.survival.input.survival_data`, the
intervention time checked here, every row left out counted with its reason), and the Cox
model and Simon-Makuch curves from :func:`split_follow_up`, which cuts each follow-up at the
intervention into rows ``(start, stop], event, after`` with array operations (no loop over
patients).

Conventions are those of R's ``tmerge(data, data, id, ev = event(time, event))`` followed by
``tmerge(.., after = tdc(switch_time))`` (survival 3.5), edge rules included:

* no intervention time (empty) -> never switched;
* an intervention **at or after** the patient's end time (``switch >= time``) does not switch
  the patient (tmerge ignores tdc times >= tstop): an event at the same time as the
  intervention counts as an event *before* it;
* an intervention **at or before time 0** (``switch <= 0``) makes the patient "after" from the
  start (one row ``(0, time]`` with ``after = 1``), as tmerge does with a tdc time at the start;
* a follow-up of 0 months cannot be split (tmerge refuses it: "found an ending time of 0");
  such patients are left out and counted.

References
----------
Therneau TM, Crowson C, Atkinson E. Using time dependent covariates and time dependent
coefficients in the Cox model (R survival vignette).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.engine import is_source
from core.errors import AnalysisError
from core.survival.input import Exclusion, survival_data


@dataclass(frozen=True)
class InterventionData:
    """Checked per-patient rows of an analysis with an intervention during follow-up.

    Attributes
    ----------
    patient : numpy.ndarray of str, shape (n,)
        Patient ids (``row k`` when the cohort has no ``patient_id``).
    time : numpy.ndarray of float, shape (n,)
        Follow-up time on the endpoint's clock (months), all > 0.
    event : numpy.ndarray of bool, shape (n,)
    switch : numpy.ndarray of float, shape (n,)
        Intervention time on the same clock; NaN when it never happened.
    n_input : int
        Rows handed in.
    exclusions : tuple of Exclusion
        Rows left out, one entry per reason.
    """

    patient: np.ndarray
    time: np.ndarray
    event: np.ndarray
    switch: np.ndarray
    n_input: int
    exclusions: tuple[Exclusion, ...] = ()

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def switched(self) -> np.ndarray:
        """True where the patient switches during follow-up (0 < switch < time)."""
        with np.errstate(invalid="ignore"):
            return (self.switch > 0) & (self.switch < self.time)

    @property
    def at_start(self) -> np.ndarray:
        """True where the intervention is at or before time 0 ("after" from the start)."""
        with np.errstate(invalid="ignore"):
            return self.switch <= 0

    @property
    def after_end(self) -> np.ndarray:
        """True where the intervention is at or after the end of follow-up (not switched)."""
        with np.errstate(invalid="ignore"):
            return (self.switch > 0) & (self.switch >= self.time)


def intervention_data(df: pd.DataFrame, time: str, event: str, switch_time: str
                      ) -> InterventionData:
    """Check the columns and keep the usable rows (the gatekeeper of this module).

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
        One row per patient. From an engine (:func:`core.cohort.open_cohort`) only the id,
        time, event and intervention columns are fetched: the split needs every patient's
        times (O(n) memory, 3 numbers per patient).
    time, event : str
        Follow-up time (months) and event indicator (1 = event, 0 = censored), checked by
        :func:`core.survival.input.survival_data`.
    switch_time : str
        Intervention time on the same clock as ``time`` (months); empty = never.

    Returns
    -------
    InterventionData
        Rows with a missing time or event, or a follow-up of 0 months, are left out and
        counted in ``exclusions``.

    Raises
    ------
    AnalysisError
        ``switch_time`` is absent, or holds a value that is not a number.
    """
    if is_source(df):  # an engine's rows: fetch the few columns the split needs
        wanted = [c for c in ("patient_id", time, event, switch_time) if c in df.columns]
        df = df.table.select(*dict.fromkeys(wanted)).to_pandas()
    data = survival_data(df, time, event)
    if switch_time not in df.columns:
        raise AnalysisError(f"Column `{switch_time}` (the intervention time) is not in the "
                            f"cohort. Fix: choose a column that holds, per patient, the months "
                            "from the endpoint's start to the intervention (empty = never).")
    ids = (df["patient_id"].astype(str) if "patient_id" in df.columns
           else pd.Series([f"row {i + 2}" for i in range(len(df))], index=df.index))
    switch = pd.to_numeric(df[switch_time], errors="coerce")
    bad = df[switch_time].notna() & switch.isna()
    if bad.any():
        count = int(bad.sum())
        shown = ", ".join(f"patient {i} ({str(v)!r})" for i, v in
                          zip(ids[bad][:10], df.loc[bad, switch_time][:10], strict=True))
        raise AnalysisError(f"Column `{switch_time}`: {count} value{'s' if count != 1 else ''} "
                            f"{'is' if count == 1 else 'are'} not a number: {shown}. Fix: enter "
                            "the intervention time in months, or leave it empty when it never "
                            "happened.")
    keep = (pd.to_numeric(df[time], errors="coerce").notna()
            & pd.to_numeric(df[event].replace({True: 1, False: 0}), errors="coerce").notna())
    if int(keep.sum()) != data.n:  # the rows kept here must be the gatekeeper's rows
        raise RuntimeError(f"intervention_data kept {int(keep.sum())} rows, survival_data "
                           f"{data.n}: the two missing-value rules have drifted apart.")
    kept_ids = ids[keep].to_numpy(dtype=object)
    switch = switch[keep].to_numpy(dtype=float)
    exclusions = list(data.exclusions)
    zero = data.time <= 0
    if zero.any():
        exclusions.append(Exclusion(f"follow-up of 0 months in `{time}`: no time at risk to "
                                    "split at the intervention", int(zero.sum()),
                                    tuple(kept_ids[zero])))
    positive = ~zero
    return InterventionData(patient=kept_ids[positive], time=data.time[positive],
                            event=data.event[positive], switch=switch[positive],
                            n_input=len(df), exclusions=tuple(exclusions))


@dataclass(frozen=True)
class CountingProcess:
    """Follow-up split at the intervention (R ``tmerge`` with ``tdc``).

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``patient, start, stop, event, after``: one row per patient and status
        period, ordered by patient (input order) then ``start``; times in months, ``event``
        0/1 at ``stop``, ``after`` 1 once the intervention has happened. A patient switched
        at ``s`` (0 < s < time) has rows ``(0, s], 0, 0`` and ``(s, time], event, 1``.
    n_patients : int
    n_switched : int
        Patients switched during follow-up (0 < switch < time).
    n_at_start : int
        Patients with the intervention at or before time 0 ("after" from the start).
    n_after_end : int
        Patients whose intervention time is at or after their end of follow-up (not switched).
    exclusions : tuple of Exclusion
    """

    table: pd.DataFrame
    n_patients: int
    n_switched: int
    n_at_start: int
    n_after_end: int
    exclusions: tuple[Exclusion, ...] = ()


def split_follow_up(data: InterventionData) -> CountingProcess:
    """:func:`counting_process` on checked :class:`InterventionData`."""
    switched, at_start = data.switched, data.at_start
    order = np.arange(data.n)
    first = ~at_start  # every patient not "after" from the start has a row from 0
    first_stop = np.where(switched, data.switch, data.time)
    first_event = np.where(switched, False, data.event)
    second = switched | at_start
    second_start = np.where(at_start, 0.0, data.switch)
    table = pd.DataFrame({
        "_order": np.concatenate([order[first], order[second]]),
        "patient": np.concatenate([data.patient[first], data.patient[second]]),
        "start": np.concatenate([np.zeros(int(first.sum())), second_start[second]]),
        "stop": np.concatenate([first_stop[first], data.time[second]]),
        "event": np.concatenate([first_event[first], data.event[second]]).astype(np.int64),
        "after": np.concatenate([np.zeros(int(first.sum()), dtype=np.int64),
                                 np.ones(int(second.sum()), dtype=np.int64)]),
    })
    table = (table.sort_values(["_order", "start"], kind="stable").drop(columns="_order")
             .reset_index(drop=True))
    return CountingProcess(table=table, n_patients=data.n, n_switched=int(switched.sum()),
                           n_at_start=int(at_start.sum()),
                           n_after_end=int(data.after_end.sum()), exclusions=data.exclusions)


def counting_process(df: pd.DataFrame, time: str, event: str, switch_time: str
                     ) -> CountingProcess:
    """Split each patient's follow-up at the intervention into counting-process rows.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Follow-up time (months) and event indicator.
    switch_time : str
        Intervention time on the same clock (months); empty = never.

    Returns
    -------
    CountingProcess
        ``.table`` has columns ``patient, start, stop, event, after`` (R: ``tmerge`` with
        ``event(time, event)`` and ``tdc(switch_time)``; the edge rules are in the module
        docstring).
    """
    return split_follow_up(intervention_data(df, time, event, switch_time))


__all__ = ["CountingProcess", "InterventionData", "counting_process", "intervention_data",
           "split_follow_up"]
