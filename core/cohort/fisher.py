"""Fisher's exact test on any r x c contingency table, as R's ``fisher.test`` computes it.

Design: the p-value is the probability, given the table's row and column totals, of all tables
at most as probable as the observed one. For 2 x 2 tables this is a sum over the hypergeometric
support (R's own 2 x 2 path: tables with probability <= observed x (1 + 1e-7)). For larger
tables it is the network algorithm of Mehta & Patel (R's FEXACT), written here in numpy: the
table is filled one column at a time; a *node* is the multiset of row totals still to fill,
carrying the distinct log-values of the partial tables that reach it (with how many do). At
each node every completion's log-probability lies between two bounds (relaxations that keep
only row or only column totals); when all completions are at most as probable as the observed
table their total probability (a closed form, N! / prod R_i! prod C_k!) is added at once, when
none is they are dropped, and only the rest is expanded. The tolerance is FEXACT's: tables
whose log-probability exceeds the observed one by at most 3.45254e-7 count as equally probable
(ties of exactly equal probability are common and must count). scipy's ``fisher_exact`` is
2 x 2 only (r x c by Monte Carlo), hence this module.

When a table is too large to enumerate (more than :data:`WORK_LIMIT` node values, or more
than :data:`EXACT_LIMIT_N` patients with at least three rows and columns; R's ``fisher.test``
stops with a workspace error on such tables), the p-value is estimated by Monte Carlo over
random tables with the same totals (R ``simulate.p.value = TRUE``) and the result says so.
Two-row (or two-column) tables get exact bounds and stay exact at registry sizes.

References
----------
Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r x c
contingency tables. J Am Stat Assoc 1983;78:427-434. Clarkson DB, Fan Y, Joe H. A remark on
algorithm 643: FEXACT. ACM TOMS 1993;19:484-488. R ``fisher.test`` (stats package).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln
from scipy.stats import random_table

WORK_LIMIT = 3_000_000
"""Node values expanded before the exact computation gives way to Monte Carlo: a count, so
the choice never depends on the machine's speed."""
EXACT_LIMIT_N = 150
"""Tables with more patients (and at least three rows and columns) go to Monte Carlo."""
MONTE_CARLO_TABLES = 100_000
SEED = 20261125
TOLERANCE_RXC = 3.45254e-7
"""FEXACT's tolerance on the log-probability scale."""
RELATIVE_2X2 = 1e-7
"""R's relative tolerance in the 2 x 2 case."""


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of a contingency table.

    Attributes
    ----------
    p_value : float
    exact : bool
        False when the p-value is a Monte Carlo estimate (a very large table).
    n_tables : int
        Random tables drawn (0 when exact).
    """

    p_value: float
    exact: bool = True
    n_tables: int = 0


class _TooLarge(Exception):
    pass


def fisher_test(table) -> FisherResult:
    """Two-sided Fisher's exact test of independence in an r x c table (R ``fisher.test``).

    Parameters
    ----------
    table : array_like of int, shape (r, c)
        Counts; rows or columns that are all zero are ignored (they change no probability).

    Returns
    -------
    FisherResult
        p = 1 when fewer than two rows or columns have counts.
    """
    x = np.asarray(table, dtype=np.int64)
    x = x[x.sum(axis=1) > 0][:, x.sum(axis=0) > 0]
    if x.ndim != 2 or min(x.shape) < 2:
        return FisherResult(1.0)
    if x.shape == (2, 2):
        return FisherResult(_two_by_two(x))
    if min(x.shape) == 2 or x.sum() <= EXACT_LIMIT_N:
        try:
            return FisherResult(_network(x))
        except _TooLarge:
            pass
    return FisherResult(_monte_carlo(x), exact=False, n_tables=MONTE_CARLO_TABLES)


def _monte_carlo(x: np.ndarray) -> float:
    """R's ``fisher.test(simulate.p.value = TRUE)``: (1 + tables at most as probable) / (B + 1)
    over B random tables with the observed totals (Patefield's algorithm, seeded)."""
    lf = _log_factorial(int(x.sum()))
    observed = -lf[x].sum()
    draws = random_table(x.sum(axis=1), x.sum(axis=0)).rvs(
        size=MONTE_CARLO_TABLES, random_state=np.random.default_rng(SEED))
    statistic = -lf[draws].sum(axis=(1, 2))
    hits = int(np.sum(statistic <= observed * (1 - 64 * np.finfo(float).eps)))
    return (1 + hits) / (MONTE_CARLO_TABLES + 1)


def _log_factorial(n: int) -> np.ndarray:
    return gammaln(np.arange(n + 1) + 1.0)


def _two_by_two(x: np.ndarray) -> float:
    """R's 2 x 2 path: hypergeometric probabilities over the support of x[0, 0]."""
    m, n, k = int(x[0].sum()), int(x[1].sum()), int(x[:, 0].sum())
    support = np.arange(max(0, k - n), min(k, m) + 1)
    lf = _log_factorial(m + n)
    log_d = -(lf[support] + lf[m - support] + lf[k - support] + lf[n - k + support])
    d = np.exp(log_d - log_d.max())
    d /= d.sum()
    observed = d[int(x[0, 0]) - support[0]]
    return float(min(1.0, d[d <= observed * (1 + RELATIVE_2X2)].sum()))


def _spread(totals: np.ndarray, caps: np.ndarray, lf: np.ndarray) -> np.ndarray:
    """Largest sum of -log(x!) over cells x <= caps adding up to each total: as even as the
    caps allow (-log x! is concave): the smallest caps are filled up while they are below the
    level the rest would share, the rest shared evenly.

    Parameters
    ----------
    totals : array, shape (K,)
    caps : array, shape (K, m), each row sorted ascending
    """
    k, m = caps.shape
    best = np.full(k, np.nan)
    filled = np.zeros(k, dtype=np.int64)
    value = np.zeros(k)
    for i in range(m):
        left = totals - filled
        cells = m - i
        level = -(-left // cells)
        done = np.isnan(best) & (caps[:, i] >= level)
        q, r = np.divmod(left, cells)
        best = np.where(done, value - (r * lf[q + 1] + (cells - r) * lf[q]), best)
        filled = filled + caps[:, i]
        value = value - lf[caps[:, i]]
    return np.where(np.isnan(best), value, best)


def _pile(totals: np.ndarray, caps: np.ndarray, lf: np.ndarray) -> np.ndarray:
    """Smallest sum of -log(x!) over cells x <= caps adding up to each total: the largest caps
    filled first (-log x! is concave, its minimum is at a vertex). ``caps`` rows sorted
    descending, shape (K, m)."""
    before = np.cumsum(caps, axis=1) - caps
    take = np.clip(totals[:, None] - before, 0, caps)
    return -lf[take].sum(axis=1)


def _bounds(children: np.ndarray, rest: list[int], lf: np.ndarray, by_rows: tuple
            ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (low, high) on sum -log(x!) over the completions of each child node (rows of
    ``children``, sorted descending) by the columns ``rest``: relaxations that keep only the
    row totals (``by_rows``: the per-row bounds of every row total, from :func:`_row_bounds`)
    or only the column totals, the tighter of the two."""
    k = children.shape[0]
    asc = children[:, ::-1]
    by_cols_high = sum(_spread(np.full(k, c), asc, lf) for c in rest)
    by_cols_low = sum(_pile(np.full(k, c), children, lf) for c in rest)
    low_of, high_of = by_rows
    return (np.maximum(low_of[children].sum(axis=1), by_cols_low),
            np.minimum(high_of[children].sum(axis=1), by_cols_high))


def _row_bounds(rest: list[int], n: int, lf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every row total 0..n, the smallest and largest sum of -log(x!) over its cells in
    the columns ``rest`` (capped by their totals)."""
    totals = np.arange(n + 1)
    cols = np.asarray(rest, dtype=np.int64)
    possible = totals <= cols.sum()
    totals = np.minimum(totals, cols.sum())
    low = _pile(totals, np.broadcast_to(np.sort(cols)[::-1], (n + 1, cols.size)), lf)
    high = _spread(totals, np.broadcast_to(np.sort(cols), (n + 1, cols.size)), lf)
    return np.where(possible, low, -np.inf), np.where(possible, high, -np.inf)


def _two_row_bounds(cols: list[int], lf: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Exact (low, high) of sum -log(x!) over the completions of a two-row table, for every
    first-row total a, after each stage: entry j holds arrays indexed by a for the columns
    after column j (one backward pass over the columns, as FEXACT's shortest and longest
    paths)."""
    bounds: list = [None] * len(cols)
    total = cols[-1]
    a = np.arange(total + 1)
    low = high = -(lf[a] + lf[total - a])  # one column left: a single completion
    bounds[len(cols) - 2] = (low, high)
    for j in range(len(cols) - 3, -1, -1):
        c = cols[j + 1]
        new_total = total + c
        a = np.arange(new_total + 1)[:, None]
        f = np.arange(c + 1)[None, :]
        after = a - f  # first-row total left for the later columns
        valid = (after >= 0) & (after <= total)
        step = -(lf[f] + lf[c - f])
        index = np.clip(after, 0, total)
        high = np.where(valid, step + bounds[j + 1][1][index], -np.inf).max(axis=1)
        low = np.where(valid, step + bounds[j + 1][0][index], np.inf).min(axis=1)
        bounds[j] = (low, high)
        total = new_total
    return bounds


def _fillings(state: np.ndarray, total: int) -> np.ndarray:
    """Every way to put ``total`` into cells with caps ``state`` (one column of the table),
    shape (ways, len(state))."""
    parts = np.zeros((1, 0), dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    tails = np.r_[np.cumsum(state[::-1])[::-1], 0]
    for i in range(state.size - 1):
        low = np.maximum(0, left - tails[i + 1])
        high = np.minimum(state[i], left)
        ways = np.maximum(high - low + 1, 0)
        parent = np.repeat(np.arange(left.size), ways)
        offset = np.arange(parent.size) - np.repeat(np.cumsum(ways) - ways, ways)
        value = low[parent] + offset
        parts = np.column_stack([parts[parent], value])
        left = left[parent] - value
    return np.column_stack([parts, left])


def _network(x: np.ndarray) -> float:
    """p-value of an r x c table by the network algorithm (see the module docstring)."""
    if x.shape[0] > x.shape[1]:
        x = x.T  # fewer rows: smaller nodes
    cols = sorted(x.sum(axis=0).tolist(), reverse=True)
    rows = sorted(x.sum(axis=1).tolist(), reverse=True)
    n = int(x.sum())
    lf_array = _log_factorial(n)
    lf = lf_array.tolist()
    base = np.int64(n + 1) ** np.arange(len(rows), dtype=np.int64)[::-1]
    constant = sum(lf[t] for t in rows) + sum(lf[t] for t in cols) - lf[n]
    threshold = -float(lf_array[x].sum()) + TOLERANCE_RXC
    p = 0.0
    nodes = [(np.array(rows), np.zeros(1), np.ones(1))]  # (row totals left, values, paths)
    exact = _two_row_bounds(cols, lf_array) if len(rows) == 2 else None
    work = 0
    for j, c in enumerate(cols):
        rest = cols[j + 1:]
        rest_total = lf[sum(rest)] - sum(lf[t] for t in rest)
        by_rows = None
        keys, values, paths = [], [], []
        for state, past, many in nodes:
            filling = _fillings(state, c)
            work += filling.shape[0] * (past.size + 1)
            if work > WORK_LIMIT:
                raise _TooLarge
            if work > WORK_LIMIT:
                raise _TooLarge
            value = past[None, :] - lf_array[filling].sum(axis=1)[:, None]
            if not rest:
                p += float(np.sum(np.where(value <= threshold,
                                           many * np.exp(constant + value), 0.0)))
                continue
            child = -np.sort(-(state - filling), axis=1)
            key = child @ base
            if exact is not None:
                low, high = exact[j][0][child[:, 0]], exact[j][1][child[:, 0]]
            else:
                if by_rows is None:
                    by_rows = _row_bounds(rest, n, lf_array)
                low, high = _bounds(child, rest, lf_array, by_rows)
            log_total = rest_total - lf_array[child].sum(axis=1)
            every = value + high[:, None] <= threshold
            p += float(np.sum(np.where(every, many * np.exp(constant + value
                                                            + log_total[:, None]), 0.0)))
            open_ = ~every & (value + low[:, None] <= threshold)
            which, at = np.nonzero(open_)
            keys.append(key[which])
            values.append(value[which, at])
            paths.append(many[at])
        if not keys:
            break
        nodes = _merge(np.concatenate(keys), np.concatenate(values), np.concatenate(paths),
                       n + 1, len(rows))
    return float(min(1.0, p))


def _merge(keys: np.ndarray, values: np.ndarray, paths: np.ndarray, base: int, r: int
           ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The next stage's nodes: past values of one node equal to 1e-9 merged, paths added."""
    if keys.size == 0:
        return []
    rounded = np.round(values, 9)
    order = np.lexsort((rounded, keys))
    keys, rounded, values, paths = keys[order], rounded[order], values[order], paths[order]
    new = np.r_[True, (keys[1:] != keys[:-1]) | (rounded[1:] != rounded[:-1])]
    group = np.cumsum(new) - 1
    merged_paths = np.bincount(group, weights=paths)
    merged_keys, merged_values = keys[new], values[new]
    starts = np.flatnonzero(np.r_[True, merged_keys[1:] != merged_keys[:-1]])
    ends = np.r_[starts[1:], merged_keys.size]
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        key, state = int(merged_keys[a]), []
        for _ in range(r):
            key, digit = divmod(key, base)
            state.append(digit)
        out.append((np.array(state[::-1], dtype=np.int64), merged_values[a:b],
                    merged_paths[a:b]))
    return out


__all__ = ["FisherResult", "fisher_test"]
