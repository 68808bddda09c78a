"""Which rows enter a Cox model: the Cox gatekeeper.

Design: :func:`complete_rows` checks the model's columns once (time, event, covariates and
the optional entry, strata and weights columns), keeps the rows where none is missing and
counts the rest with the columns that were missing, so the page can say how many patients
were left out and why. A row that enters at or after its end of follow-up is never at risk:
R turns it into NA and drops it; here it is dropped and counted with that reason.
:func:`refuse_interventions` keeps the time of an intervention during follow-up out of the
baseline covariates (immortal-time bias).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.cohort.engine import columns_frame
from core.cohort.schema import INTERVENTION_COLUMNS
from core.errors import AnalysisError


def refuse_interventions(covariates: Sequence[str]) -> None:
    """Refuse a column holding the time of an intervention during follow-up (e.g. HSCT) as a
    baseline covariate (the immortal-time error).

    Raises
    ------
    core.errors.AnalysisError
        Naming the column(s) and where to analyse them instead.
    """
    found = [c for c in covariates if c in INTERVENTION_COLUMNS]
    if found:
        names = ", ".join(f"`{c}`" for c in found)
        raise AnalysisError(
            f"{names} holds the time of an intervention during follow-up (e.g. HSCT), which "
            "is not known at baseline: as a baseline covariate it would credit the patients "
            "who received it with the time they had to survive to receive it (immortal-time "
            "bias). Remove it from the covariates and analyse it on the \"Transplant & events "
            "during follow-up\" page (landmark analysis, Mantel-Byar test, time-dependent Cox "
            "model).")


def complete_rows(df, time: str, event: str, covariates: Sequence[str], *,
                  entry: str | None = None, strata: str | None = None,
                  weights: str | None = None) -> tuple[pd.DataFrame, int, str]:
    """Check the model's columns and keep the rows that can enter it.

    Parameters
    ----------
    df : pandas.DataFrame or core.cohort.engine.CohortSource
    time, event : str
        Follow-up time (non-negative) and event indicator (0/1) columns.
    covariates : sequence of str
    entry : str, optional
        Entry-time column (delayed entry, on the time column's clock, non-negative).
    strata : str, optional
        Stratum column (any values; a missing value excludes the row).
    weights : str, optional
        Case-weight column (positive numbers).

    Returns
    -------
    frame : pandas.DataFrame
        The kept rows of these columns (time, event, entry and weights as floats).
    excluded : int
        Rows left out.
    reason : str
        Why, in words ("" when none).

    Raises
    ------
    core.errors.AnalysisError
        A column is missing, no row is complete, or a time, event, entry or weight is not
        a valid value (naming the values and the fix).
    """
    extra = [c for c in (entry, strata, weights) if c is not None]
    columns = list(dict.fromkeys([time, event, *covariates, *extra]))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalysisError(f"The cohort has no column {', '.join(f'`{c}`' for c in missing)}; "
                            f"available columns: {', '.join(map(str, df.columns))}.")
    frame = columns_frame(df, columns)[columns].copy()  # an engine source: these columns only
    na = frame.isna()
    keep = ~na.any(axis=1)
    reasons, excluded = [], int((~keep).sum())
    if excluded:
        counts = ", ".join(f"`{c}` ({int(na[c].sum())})" for c in columns if na[c].any())
        reasons.append((excluded, f"for missing values: {counts}"))
    frame = frame[keep]
    if frame.empty:
        raise AnalysisError("No patient has complete data for the model's columns "
                            f"({', '.join(columns)}); widen the filters or drop a covariate.")
    t = _numbers(frame, time, "follow-up times", lower=0.0)
    e = pd.to_numeric(frame[event], errors="coerce")
    if not e.isin([0, 1]).all():
        bad = frame.loc[~e.isin([0, 1]), event].tolist()
        raise AnalysisError(f"`{event}` must be 0 (censored) or 1 (event); found {bad[:8]}.")
    frame[time] = t
    frame[event] = e.astype(float)
    if weights is not None:
        w = _numbers(frame, weights, "case weights", lower=0.0, strict=True)
        frame[weights] = w
    if entry is not None:
        start = _numbers(frame, entry, "entry times on the endpoint's clock", lower=0.0)
        frame[entry] = start
        never = start >= t
        if never.any():  # never at risk (R: "Stop time must be > start time", NA, dropped)
            reasons.append((int(never.sum()), f"entering at or after their end of follow-up "
                                              f"(`{entry}` >= `{time}`), so never at risk"))
            frame = frame[~never]
            excluded += int(never.sum())
            if frame.empty:
                raise AnalysisError(f"Every patient enters (`{entry}`) at or after the end of "
                                    f"follow-up (`{time}`): no one is ever at risk. Check that "
                                    "both columns are on the same clock.")
    reason = ""
    if reasons:
        parts = ([reasons[0][1]] if len(reasons) == 1
                 else [f"{count} {text}" for count, text in reasons])
        reason = (f"{excluded} row{'s' if excluded != 1 else ''} excluded "
                  + "; ".join(parts) + ".")
    return frame, excluded, reason


def _numbers(frame: pd.DataFrame, column: str, what: str, lower: float,
             strict: bool = False) -> pd.Series:
    """``column`` as floats, refusing non-numbers and values below (or at) ``lower``."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~values.abs().lt(float("inf"))
    bad |= values <= lower if strict else values < lower
    if bad.any():
        sign = "positive" if strict else "non-negative"
        raise AnalysisError(f"`{column}` must hold {sign} numbers ({what}); found "
                            f"{frame.loc[bad, column].tolist()[:8]}.")
    return values.astype(float)
