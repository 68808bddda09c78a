"""Baseline hazards and absolute risks of proportional-hazards models at a horizon.

Design: every risk model of :mod:`core.risk` is one or more proportional-hazards components,
each a coefficient vector and a baseline cumulative hazard (at the centre of the covariates,
so that exp(x'b) never overflows) stored as its jumps. The absolute risk at horizon h is

* one cause, Cox: 1 - exp(-H0(h) exp(x'b)), as R ``survfit.coxph`` (Efron's baseline for an
  Efron fit: each of d tied deaths adds 1 / (S0 - k/d E0), k = 0..d-1; Breslow's d / S0);
* Fine-Gray: 1 - exp(-Lambda0(h) exp(x'b)), Lambda0 the subdistribution baseline hazard
  d / S0 over ``crr``'s weighted risk sets, as ``cmprsk::predict.crr``;
* cause-specific Cox models combined: sum over s <= h of S(s- | x) dH1(s | x), S the
  product-limit survival from all causes, prod (1 - sum_k dHk(u | x)), as
  ``riskRegression::predictRisk`` of a ``CSC`` fit (``product.limit = TRUE``).

Everything is a cumulative sum over sorted times: O(n log n) per fit, O(n m) per prediction
of cause-specific models (m event times up to the horizon; done in blocks of patients).

References
----------
Fine JP, Gray RJ (1999). A proportional hazards model for the subdistribution of a competing
risk. JASA 94:496-509.
Ozenne B, Sorensen AL, Scheike T, Torp-Pedersen C, Gerds TA (2017). riskRegression:
predicting the risk of an event using Cox regression models. R Journal 9:440-460.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import AnalysisError

BLOCK = 2_000
"""Patients per block when combining cause-specific hazards (bounds memory at BLOCK x m)."""
MAX_CELLS = 200_000_000
"""Distinct covariate patterns x event times at most when combining cause-specific hazards:
beyond it (continuous times on a registry with numeric covariates) the page is asked to use
whole months or the Fine-Gray model instead of stalling."""
EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class Hazard:
    """One proportional-hazards component: coefficients and baseline cumulative hazard.

    Attributes
    ----------
    name : str
        What the component models, e.g. "relapse (cause-specific)".
    coef : numpy.ndarray, shape (p,)
        Log hazard ratios per design column.
    center : numpy.ndarray, shape (p,)
        Covariate values at which ``jumps`` are the baseline (the fit's means).
    times : numpy.ndarray, shape (m,)
        Distinct event times (unit of the time column), ascending.
    jumps : numpy.ndarray, shape (m,)
        Baseline hazard increments at ``times`` (for x = ``center``).
    """

    name: str
    coef: np.ndarray
    center: np.ndarray
    times: np.ndarray
    jumps: np.ndarray

    def relative(self, x: np.ndarray) -> np.ndarray:
        """exp((x - center)'b) per row of the design ``x`` (n, p)."""
        return np.exp((np.atleast_2d(x) - self.center) @ self.coef)

    def cumulative(self, t: float) -> float:
        """Baseline cumulative hazard at time ``t`` (right-continuous step)."""
        return float(self.jumps[self.times <= t].sum())


def cox_baseline(time: np.ndarray, event: np.ndarray, x: np.ndarray, coef: np.ndarray,
                 ties: str = "efron") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Baseline hazard jumps of a Cox fit, at the centre of ``x``, as R ``survfit.coxph``.

    Parameters
    ----------
    time : numpy.ndarray, shape (n,)
    event : numpy.ndarray of bool, shape (n,)
    x : numpy.ndarray, shape (n, p)
        Design of the fitted patients.
    coef : numpy.ndarray, shape (p,)
    ties : {"efron", "breslow"}

    Returns
    -------
    (center, times, jumps) : numpy.ndarray
        The means of ``x``, the distinct event times and the hazard increments there.
    """
    center = x.mean(axis=0)
    r = np.exp((x - center) @ coef)
    order = np.argsort(time, kind="stable")
    t, e, r = time[order], event[order].astype(bool), r[order]
    times, first = np.unique(t, return_index=True)
    s0 = np.cumsum(r[::-1])[::-1][first]  # sum of exp(x'b) over time >= T
    deaths = np.add.reduceat(e.astype(float), first)
    e0 = np.add.reduceat(np.where(e, r, 0.0), first)  # over the deaths at T
    has = deaths > 0
    times, s0, deaths, e0 = times[has], s0[has], deaths[has], e0[has]
    if ties == "breslow":
        return center, times, deaths / s0
    d = deaths.astype(np.int64)
    slot = np.repeat(np.arange(d.size), d)
    k = np.arange(slot.size) - np.repeat(np.cumsum(d) - d, d)  # 0..d-1 within each time
    jumps = np.bincount(slot, 1.0 / (s0[slot] - k / d[slot] * e0[slot]), minlength=d.size)
    return center, times, jumps


def fine_gray_baseline(time: np.ndarray, code: np.ndarray, x: np.ndarray, coef: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subdistribution baseline hazard jumps of a Fine-Gray fit (``crr``'s ``bfitj``).

    At a distinct time T of the cause, d / S0(T) with S0(T) = sum over time >= T of
    exp(x'b) plus, over failures from another cause before T, exp(x'b) G(T-) / G(t_j-);
    G is the Kaplan-Meier of censoring read at time (1 - 100 eps), as ``crr``.

    Parameters
    ----------
    time : numpy.ndarray, shape (n,)
    code : numpy.ndarray of int, shape (n,)
        0 censored, 1 the cause modelled, 2 another cause.
    x, coef : numpy.ndarray
        Design (n, p) and coefficients (p,).

    Returns
    -------
    (center, times, jumps) : numpy.ndarray
    """
    center = x.mean(axis=0)
    order = np.argsort(time, kind="stable")
    t, c = time[order], code[order]
    r = np.exp((x[order] - center) @ coef)
    distinct, first = np.unique(t, return_index=True)
    censored = np.add.reduceat((c == 0).astype(float), first)
    g = np.cumprod(1.0 - censored / (t.size - first))
    position = np.searchsorted(distinct, t * (1 - 100 * EPS), side="right") - 1
    g_before = np.where(position >= 0, g[np.maximum(position, 0)], 1.0)  # G(t_i-)
    times = np.unique(t[c == 1])
    start = np.searchsorted(t, times, side="left")  # rows with time < T
    later = np.concatenate((np.cumsum(r[::-1])[::-1], [0.0]))[start]
    other = np.concatenate(([0.0], np.cumsum(np.where(c == 2, r / g_before, 0.0))))[start]
    s0 = later + g_before[start] * other
    deaths = np.bincount(np.searchsorted(times, t[c == 1]), minlength=times.size)
    return center, times, deaths / s0


def single_risk(hazard: Hazard, x: np.ndarray, horizon: float) -> np.ndarray:
    """1 - exp(-H0(h) exp(x'b)): the risk by ``horizon`` of a Cox or Fine-Gray component."""
    return -np.expm1(-hazard.cumulative(horizon) * hazard.relative(x))


def combined_risk(hazards: tuple[Hazard, ...], x: np.ndarray, horizon: float) -> np.ndarray:
    """Risk by ``horizon`` of the first component's cause, all components competing
    (cause-specific Cox models combined by the product-limit, as riskRegression)."""
    x = np.atleast_2d(x)
    grid = np.unique(np.concatenate([h.times[h.times <= horizon] for h in hazards]))
    base = [np.zeros(grid.size) for _ in hazards]
    for b, h in zip(base, hazards, strict=True):
        inside = h.times <= horizon
        b[np.searchsorted(grid, h.times[inside])] = h.jumps[inside]
    patterns, back = np.unique(x, axis=0, return_inverse=True)  # patients sharing covariates
    if patterns.shape[0] * grid.size > MAX_CELLS:
        raise AnalysisError(
            f"Combining cause-specific hazards for {patterns.shape[0]:,} distinct covariate "
            f"patterns over {grid.size:,} event times is too large to compute here. Fix: record "
            "times in whole days or months, or choose the Fine-Gray model.")
    out = np.empty(patterns.shape[0])
    for start in range(0, patterns.shape[0], BLOCK):
        rows = patterns[start:start + BLOCK]
        steps = [np.outer(h.relative(rows), b) for h, b in zip(hazards, base, strict=True)]
        total = np.sum(steps, axis=0)
        survival = np.cumprod(1.0 - total, axis=1)
        before = np.hstack((np.ones((rows.shape[0], 1)), survival[:, :-1]))
        out[start:start + BLOCK] = np.sum(before * steps[0], axis=1)
    return out[back.ravel()]
