"""Risk sets of counting-process rows, sorted once: entry times, strata and case weights.

Design: a row is an interval ``(start, stop]`` of one patient (``start`` the entry time of
delayed entry, or the start of a piece of a time-dependent covariate), an event indicator at
``stop``, a stratum and a case weight. The risk set of an event time t in stratum s holds the
rows of s with ``start < t <= stop`` (R ``Surv(start, stop, event)``; a row entering at t is
not at risk at t). Every risk-set sum is then (rows of s with stop >= t) minus (rows of s with
start >= t): two suffix sums read in two sort orders. Times and strata are replaced by exact
integer keys ``stratum * M + rank(time)``, so ties between entries, exits and event times are
decided exactly and a suffix never crosses into the next stratum. The rows between
consecutive read positions are summed once (``np.add.reduceat``) and cumulated backwards, so a
sum of an (n, p) array costs O(n p) with O(G p) memory, G being the number of (stratum, event
time) groups.

The same structure answers the information's per-row question "which event-time groups is
this row at risk in" (:func:`cumulate_to_rows`): the groups of its stratum with
``start < t <= stop`` are a contiguous range of the sorted groups.

Conventions: without entry times every ``start`` is minus infinity (an event at time 0 is in
its own risk set, as R's ``coxph`` without a start time); ``tie_count`` chooses how Efron's
correction counts tied deaths: ``"rows"`` (R's case weights: d = death rows, each slot
weighted by their mean weight) or ``"weights"`` (frequency weights: a row of weight w stands
for w identical patients, d = the sum of the death weights, exactly the expanded data).

References
----------
Therneau TM. survival: ``src/agfit4.c`` (risk sets of (start, stop] data, strata, weights).
Andersen PK, Gill RD (1982). Cox's regression model for counting processes. Ann Stat 10:
1100-1120.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class _Suffix:
    """One sort order of the rows and where each group's suffix sum starts and ends in it."""

    order: np.ndarray      # rows in ascending (stratum, time) key
    bounds: np.ndarray     # strictly increasing segment starts in ``order`` (all < n)
    first: np.ndarray      # per group: index into bounds (len(bounds) = "past the end")
    last: np.ndarray       # per group: index into bounds of the stratum's end

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per group, the sum of ``values`` over positions [first, last) of this order."""
        return self.sums_ordered(values[self.order])

    def sums_ordered(self, ordered: np.ndarray) -> np.ndarray:
        """:meth:`sums` of values already in this order (``values[order]``)."""
        if len(self.bounds) == 0:
            shape = (len(self.first),) + ordered.shape[1:]
            return np.zeros(shape)
        seg = np.add.reduceat(ordered, self.bounds, axis=0)
        tail = np.concatenate([np.cumsum(seg[::-1], axis=0)[::-1],
                               np.zeros((1,) + ordered.shape[1:])])
        return tail[self.first] - tail[self.last]


@dataclass(frozen=True, eq=False)
class RiskSets:
    """The sorted structure every risk-set sum, and so every Cox variant, reads.

    Attributes
    ----------
    n : int
        Rows.
    ties : {"efron", "breslow"}
    weights : ndarray, shape (n,)
        Case weights (1 when none were given).
    event_times : ndarray, shape (G,)
        Event time of each group (stratum, distinct event time), groups sorted by stratum,
        then time (unit of the time column).
    group_stratum : ndarray of int, shape (G,)
        Stratum code of each group.
    death_rows : ndarray of int, shape (D,)
        Rows with an event, grouped by group (in group order).
    death_group : ndarray of int, shape (D,)
        Group of each death row.
    first_death : ndarray of int, shape (G,)
        Position in ``death_rows`` of each group's first death row.
    n_death_rows : ndarray of int, shape (G,)
        Death rows per group.
    death_weight : ndarray, shape (G,)
        Sum of the death rows' weights per group.
    tie_size : ndarray, shape (G,)
        d of Efron's correction per group (death rows, or the death weight under frequency
        weights); 1 for Breslow.
    n_risk : ndarray, shape (G,)
        Rows at risk (unweighted) per group.
    row_first, row_last : ndarray of int, shape (n,)
        Each row is at risk in groups ``row_first <= g < row_last``.
    has_entry : bool
        Whether any row has a finite start.
    """

    n: int
    ties: str
    weights: np.ndarray
    event_times: np.ndarray
    group_stratum: np.ndarray
    death_rows: np.ndarray
    death_group: np.ndarray
    first_death: np.ndarray
    n_death_rows: np.ndarray
    death_weight: np.ndarray
    tie_size: np.ndarray
    n_risk: np.ndarray
    row_first: np.ndarray
    row_last: np.ndarray
    has_entry: bool
    _exits: _Suffix
    _entries: _Suffix | None

    @property
    def groups(self) -> int:
        """Number of (stratum, event time) groups."""
        return len(self.event_times)

    def risk_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (shape (n,) or (n, k)) over each group's risk set.

        Returns
        -------
        ndarray, shape (G,) or (G, k)
        """
        values = np.asarray(values, dtype=float)
        total = self._exits.sums(values)
        if self._entries is not None:
            total = total - self._entries.sums(values)
        return total

    def sorted_rows(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` (shape (n, p)) in each sort order the risk-set sums read (exits, entries),
        gathered once for :meth:`scaled_risk_sums`."""
        return x[self._exits.order], None if self._entries is None else x[self._entries.order]

    def scaled_risk_sums(self, scale: np.ndarray, rows: tuple) -> np.ndarray:
        """``risk_sums(scale[:, None] * x)`` with ``rows = sorted_rows(x)``: the same products
        summed in the same order (the same numbers, bit for bit), without gathering an
        (n, p) array on every call (a Newton step of the partial likelihood)."""
        exits, entries = rows
        total = self._exits.sums_ordered(scale[self._exits.order][:, None] * exits)
        if self._entries is not None:
            total = total - self._entries.sums_ordered(
                scale[self._entries.order][:, None] * entries)
        return total

    def death_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (shape (n,) or (n, k)) over each group's death rows."""
        values = np.asarray(values, dtype=float)
        if len(self.death_rows) == 0:
            return np.zeros((0,) + values.shape[1:])
        return np.add.reduceat(values[self.death_rows], self.first_death, axis=0)

    def cumulate_to_rows(self, per_group: np.ndarray) -> np.ndarray:
        """For each row, the sum of ``per_group`` (shape (G,) or (G, k)) over the groups the
        row is at risk in."""
        per_group = np.asarray(per_group, dtype=float)
        cum = np.concatenate([np.zeros((1,) + per_group.shape[1:]),
                              np.cumsum(per_group, axis=0)])
        return cum[self.row_last] - cum[self.row_first]


def risk_sets(stop: np.ndarray, event: np.ndarray, *, start: np.ndarray | None = None,
              strata: np.ndarray | None = None, weights: np.ndarray | None = None,
              ties: str = "efron", tie_count: str = "rows") -> RiskSets:
    """Sort counting-process rows once into the structure every risk-set sum reads.

    Parameters
    ----------
    stop : ndarray, shape (n,)
        End of each row's interval (follow-up time; unit of the time column).
    event : ndarray, shape (n,)
        1 (or True) = event at ``stop``, 0 = censored.
    start : ndarray, shape (n,), optional
        Entry time of each row (delayed entry / left truncation): the row is at risk at the
        event times t with ``start < t <= stop``. Default: at risk from the beginning.
    strata : ndarray of int, shape (n,), optional
        Stratum codes (0, 1, ...): each stratum has its own risk sets (R ``strata()``).
    weights : ndarray, shape (n,), optional
        Positive case weights (R ``weights=``). Default 1.
    ties : {"efron", "breslow"}
    tie_count : {"rows", "weights"}
        How Efron counts tied deaths: death rows (R's case weights) or the sum of their
        weights (frequency weights, equal to the expanded data).

    Returns
    -------
    RiskSets
    """
    stop = np.asarray(stop, dtype=float)
    n = len(stop)
    event = np.asarray(event).astype(bool)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    s = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    has_entry = start is not None and bool(np.isfinite(np.asarray(start, dtype=float)).any())
    begin = np.asarray(start, dtype=float) if has_entry else np.full(n, -np.inf)

    # exact integer keys: stratum * M + rank(time), rank 0 = minus infinity
    uniq = np.unique(np.concatenate([stop, begin[np.isfinite(begin)]]))
    m = np.int64(len(uniq) + 2)
    stop_key = s * m + np.searchsorted(uniq, stop, side="left") + 1
    begin_key = s * m + np.where(np.isfinite(begin),
                                 np.searchsorted(uniq, begin, side="left") + 1, 0)

    death_key = stop_key[event]
    group_key, tie_rows = np.unique(death_key, return_counts=True)
    death_rows = np.flatnonzero(event)
    death_rows = death_rows[np.argsort(death_key, kind="stable")]
    death_group = np.repeat(np.arange(len(group_key)), tie_rows)
    first_death = np.cumsum(tie_rows) - tie_rows
    group_stratum = group_key // m
    event_times = uniq[(group_key % m) - 1] if len(group_key) else np.zeros(0)
    stratum_end_key = (group_stratum + 1) * m
    death_weight = (np.add.reduceat(w[death_rows], first_death) if len(group_key)
                    else np.zeros(0))
    if ties == "breslow":
        tie_size = np.ones(len(group_key))
    elif tie_count == "weights":
        tie_size = death_weight.copy()
    else:
        tie_size = tie_rows.astype(float)

    exits = _suffix(stop_key, group_key, "left", stratum_end_key)
    entries = _suffix(begin_key, group_key, "left", stratum_end_key) if has_entry else None
    # groups the row is at risk in: key(start) < group key <= key(stop)
    row_last = np.searchsorted(group_key, stop_key, side="right")
    row_first = np.searchsorted(group_key, begin_key, side="right")
    rs = RiskSets(n=n, ties=ties, weights=w, event_times=event_times,
                  group_stratum=group_stratum, death_rows=death_rows, death_group=death_group,
                  first_death=first_death, n_death_rows=tie_rows, death_weight=death_weight,
                  tie_size=tie_size, n_risk=np.zeros(0), row_first=row_first,
                  row_last=row_last, has_entry=has_entry, _exits=exits, _entries=entries)
    object.__setattr__(rs, "n_risk", rs.risk_sums(np.ones(n)))
    return rs


def _suffix(key: np.ndarray, group_key: np.ndarray, side: str,
            stratum_end_key: np.ndarray) -> _Suffix:
    """Sort rows by ``key`` and locate, per group, the suffix [key >= group key, stratum end)."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    n = len(key)
    first = np.searchsorted(sorted_key, group_key, side=side)
    last = np.searchsorted(sorted_key, stratum_end_key, side="left")
    bounds = np.unique(np.concatenate([first, last]))
    bounds = bounds[bounds < n]
    # index of each position in bounds; a position n reads the appended zero
    first_idx = np.searchsorted(bounds, first, side="left")
    last_idx = np.searchsorted(bounds, last, side="left")
    return _Suffix(order=order, bounds=bounds, first=first_idx, last=last_idx)
