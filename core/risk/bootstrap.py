"""Internal validation by the bootstrap: optimism-corrected indexes, as ``rms::validate``.

Design (Efron's optimism bootstrap, the procedure of ``rms::validate`` / ``predab.resample``
with ``method = "boot"``): the model is fitted on the cohort (the *apparent* indexes, flattered
by fitting and judging on the same patients); then, B times, on a sample of the cohort drawn
with replacement, the model is refitted and judged both on that sample (*training*) and on the
whole cohort (*test*). The mean of training - test is the *optimism*; apparent - optimism is the
*corrected* index, what to expect on new patients like these. A replicate whose refit fails
(too few events, a level absent from the sample) is counted and left out, as rms does; an index
that is not defined in a replicate is left out of that index's mean only (rms's per-index n).

The refitted models are kept (coefficients and baseline hazards only): the spread of their
predictions for one patient profile is the bootstrap percentile interval of that patient's
risk (:func:`profile_interval`).

The loop reports progress after every replicate and stops, keeping what it has, when asked
to (``cancel``): the page runs it off the script thread with a progress bar and a Cancel
button. Draws come from ``numpy.random.default_rng(seed)`` in the calling thread, in order, so
a seed gives the same result whatever ``workers`` is; with ``workers`` > 1 the refits of a
batch run on that many threads (numpy releases the GIL in the sorts and sums that dominate).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd

from core.errors import AnalysisError
from core.risk.hazards import Hazard, cox_baseline
from core.risk.model import ModelSpec, RiskModel, complete_rows, fit_risk_model
from core.risk.performance import INDEXES, Indexes, evaluate
from core.risk.refits import CoxRefits, Fit

MAX_REPLICATES = 2_000


class Cancel(Protocol):
    """Anything with ``is_set()`` (a :class:`threading.Event`)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class Validation:
    """The bootstrap validation of a risk model.

    Attributes
    ----------
    model : RiskModel
        The model fitted on the whole cohort.
    table : pandas.DataFrame
        Indexed by index name (:data:`core.risk.performance.INDEXES`); columns ``apparent``,
        ``training``, ``test``, ``optimism``, ``corrected`` and ``n`` (replicates that
        entered this index), as ``rms::validate`` prints them (``index.orig``, ...,
        ``index.corrected``, ``n``).
    requested, done : int
        Replicates asked for, and replicates run (fewer when cancelled).
    failed : int
        Replicates whose refit failed (left out).
    failures : tuple of str
        Distinct reasons of the failures, with counts.
    seed : int or None
    cancelled : bool
    replicates : tuple of RiskModel
        The refitted models that entered (for :func:`profile_interval`).
    """

    model: RiskModel
    table: pd.DataFrame
    requested: int
    done: int
    failed: int
    failures: tuple[str, ...]
    seed: int | None
    cancelled: bool
    replicates: tuple[RiskModel, ...]

    @property
    def method(self) -> str:
        stop = f", cancelled after {self.done}" if self.cancelled else ""
        return (f"Bootstrap optimism correction as rms::validate: {self.requested} samples "
                f"with replacement (seed {self.seed}){stop}, each refitted and judged on "
                f"itself and on the whole cohort; {self.failed} failed refits left out")


def validate_model(df: pd.DataFrame, spec: ModelSpec, n_boot: int = 200, seed: int | None = 1,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: Cancel | None = None,
                   samples: np.ndarray | None = None, workers: int = 1) -> Validation:
    """Fit ``spec`` and correct its indexes for optimism by the bootstrap.

    Parameters
    ----------
    df : pandas.DataFrame
        The cohort (rows with missing values are left out and counted in the model).
    spec : ModelSpec
    n_boot : int, default 200
        Replicates B (1 to 2,000).
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    progress : callable, optional
        Called as ``progress(done, n_boot)`` after every replicate.
    cancel : object with ``is_set()``, optional
        Checked before every replicate; when set, the loop stops and the result says so.
    samples : numpy.ndarray of int, shape (n, B), optional
        Bootstrap samples to use instead of drawing (0-based row positions among the
        complete rows; e.g. R's ``replicate(B, sample(n, replace = TRUE)) - 1``).
    workers : int, default 1
        Threads refitting at once (the result does not depend on it).

    Returns
    -------
    Validation

    Raises
    ------
    core.errors.AnalysisError
        B out of range, or the model cannot be fitted on the whole cohort.
    """
    if samples is not None:
        n_boot = samples.shape[1]
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or \
            not 1 <= n_boot <= MAX_REPLICATES:
        raise AnalysisError(f"The number of bootstrap samples must be a whole number from 1 to "
                            f"{MAX_REPLICATES:,}, not {n_boot!r}.")
    model = fit_risk_model(df, spec)
    frame, _ = complete_rows(df, spec)
    frame = frame.reset_index(drop=True)
    x = model.design(frame)
    time = frame[spec.time].to_numpy(dtype=float)
    status = frame[spec.status].to_numpy(dtype=np.int64)
    apparent = evaluate(model, x, time, status, own=True).as_array()
    rng = np.random.default_rng(seed)
    n = len(frame)

    refits = (CoxRefits(time, status == spec.cause, x) if spec.kind == "cox" else None)

    def replicate(rows: np.ndarray):
        """(training, test, refit) of one sample, or the reason its refit failed."""
        try:
            if refits is not None:  # the engine on the encoded rows (core.risk.refits)
                refit = _cox_refit(model, refits.refit(rows), time[rows],
                                   status[rows] == spec.cause, x[rows])
            else:
                refit = fit_risk_model(frame.iloc[rows], spec)
                if refit.terms != model.terms:
                    raise AnalysisError("a category level is absent from the sample")
            return (evaluate(refit, x[rows], time[rows], status[rows], own=True),
                    evaluate(refit, x, time, status, refits=refits), refit)
        except AnalysisError as error:
            return str(error).split(". ")[0]

    train, test, kept, reasons = [], [], [], {}
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        while done < n_boot and not (cancel is not None and cancel.is_set()):
            batch = range(done, min(n_boot, done + max(1, int(workers))))
            draws = [samples[:, b] if samples is not None else rng.integers(0, n, n)
                     for b in batch]
            for outcome in pool.map(replicate, draws):
                if isinstance(outcome, str):
                    reasons[outcome] = reasons.get(outcome, 0) + 1
                else:
                    train.append(outcome[0])
                    test.append(outcome[1])
                    kept.append(outcome[2])
                done += 1
                if progress is not None:
                    progress(done, n_boot)
    table = _table(apparent, train, test)
    failed = done - len(kept)
    return Validation(model=model, table=table, requested=n_boot, done=done, failed=failed,
                      failures=tuple(f"{count} × {reason}" for reason, count in
                                     sorted(reasons.items(), key=lambda kv: -kv[1])),
                      seed=seed, cancelled=done < n_boot, replicates=tuple(kept))


def _cox_refit(model: RiskModel, fit: Fit, time: np.ndarray, event: np.ndarray,
               x: np.ndarray) -> RiskModel:
    """``model`` with the coefficients and baseline hazard of a refit on a sample."""
    hazard = Hazard(model.hazards[0].name, fit.coef, *cox_baseline(time, event, x, fit.coef))
    return replace(model, hazards=(hazard,), table=model.table.iloc[:0], n=int(time.size),
                   events=int(event.sum()), loglik=(fit.loglik_null, fit.loglik),
                   concordance=math.nan, warnings=(), exclusions=())


def _table(apparent: np.ndarray, train: list[Indexes], test: list[Indexes]) -> pd.DataFrame:
    """rms's summary: per index the means over the replicates where both are defined."""
    if train:
        tr = np.array([t.as_array() for t in train])
        te = np.array([t.as_array() for t in test])
        ok = ~(np.isnan(tr) | np.isnan(te))
        count = ok.sum(axis=0)
        with np.errstate(invalid="ignore"):
            training = np.where(ok, tr, 0).sum(axis=0) / count
            testing = np.where(ok, te, 0).sum(axis=0) / count
    else:
        count = np.zeros(len(INDEXES), dtype=int)
        training = testing = np.full(len(INDEXES), math.nan)
    optimism = training - testing
    return pd.DataFrame({"apparent": apparent, "training": training, "test": testing,
                         "optimism": optimism, "corrected": apparent - optimism,
                         "n": count}, index=pd.Index(INDEXES, name="index"))


def profile_interval(validation: Validation, x: np.ndarray, conf_level: float = 0.95
                     ) -> tuple[float, float]:
    """Bootstrap percentile interval of the risk of the patient(s) with design row ``x``.

    Returns
    -------
    (lower, upper) : float
        NaN when fewer than 20 replicates entered.
    """
    if len(validation.replicates) < 20:
        return math.nan, math.nan
    risks = np.array([m.predict(np.atleast_2d(x))[0] for m in validation.replicates])
    alpha = (1 - conf_level) / 2
    return float(np.quantile(risks, alpha)), float(np.quantile(risks, 1 - alpha))
