"""Invariants of the one Cox likelihood engine (hypothesis): what must hold whatever the data.

- row order does not matter;
- duplicating every row equals frequency weights 2 (Efron counting the weights) and case
  weights 2 under Breslow;
- entry times at minus infinity, or at 0 with every time > 0, are no entry at all;
- one stratum is no stratum, and strata fitted together equal the sum of separate fits;
- splitting a row (a, b] into (a, c] and (c, b] (the event on the last piece) changes
  nothing (the counting process of a time-dependent covariate that does not change).
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.likelihood.partial import PartialLikelihood
from core.likelihood.risksets import risk_sets


@st.composite
def cohorts(draw):
    n = draw(st.integers(3, 25))
    seed = draw(st.integers(0, 10 ** 6))
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 8, n).astype(float)  # heavy ties
    event = rng.random(n) < 0.7
    event[0] = True
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    entry = np.where(rng.random(n) < 0.4, np.floor(time * rng.random(n)), 0.0)
    entry = np.minimum(entry, time - 0.5)
    strata = rng.integers(0, 2, n)
    beta = rng.normal(size=2) * 0.5
    return time, event, x, entry, strata, beta


def _evaluate(time, event, x, beta, **kw):
    strata = kw.get("strata")
    rs = risk_sets(time, event, **kw)
    return PartialLikelihood(rs, x, strata=strata)(beta)


def _same(a, b):
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a.score, b.score, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(a.information, b.information, rtol=1e-9, atol=1e-10)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cohorts(), st.sampled_from(["efron", "breslow"]))
def test_row_order_does_not_matter(c, ties):
    time, event, x, entry, strata, beta = c
    perm = np.random.default_rng(0).permutation(len(time))
    kw = {"start": entry, "strata": strata, "ties": ties}
    _same(_evaluate(time, event, x, beta, **kw),
          _evaluate(time[perm], event[perm], x[perm], beta, start=entry[perm],
                    strata=strata[perm], ties=ties))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cohorts(), st.sampled_from(["efron", "breslow"]))
def test_duplicated_rows_equal_frequency_weights(c, ties):
    time, event, x, entry, strata, beta = c
    twice = _evaluate(np.tile(time, 2), np.tile(event, 2), np.tile(x, (2, 1)), beta,
                      start=np.tile(entry, 2), strata=np.tile(strata, 2), ties=ties)
    weighted = _evaluate(time, event, x, beta, start=entry, strata=strata, ties=ties,
                         weights=np.full(len(time), 2.0), tie_count="weights")
    _same(twice, weighted)
    if ties == "breslow":  # Breslow: case weights are frequency weights
        _same(twice, _evaluate(time, event, x, beta, start=entry, strata=strata, ties=ties,
                               weights=np.full(len(time), 2.0)))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts(), st.sampled_from(["efron", "breslow"]))
def test_no_entry_and_one_stratum_are_the_plain_model(c, ties):
    time, event, x, _, _, beta = c
    plain = _evaluate(time, event, x, beta, ties=ties)
    _same(plain, _evaluate(time, event, x, beta, ties=ties, start=np.full(len(time), -np.inf)))
    _same(plain, _evaluate(time, event, x, beta, ties=ties, start=np.zeros(len(time))))
    _same(plain, _evaluate(time, event, x, beta, ties=ties,
                           strata=np.zeros(len(time), dtype=int)))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts(), st.sampled_from(["efron", "breslow"]))
def test_strata_add_up(c, ties):
    time, event, x, entry, strata, beta = c
    whole = _evaluate(time, event, x, beta, start=entry, strata=strata, ties=ties)
    parts = [_evaluate(time[strata == s], event[strata == s], x[strata == s], beta,
                       start=entry[strata == s], ties=ties) for s in (0, 1)
             if (strata == s).any()]
    np.testing.assert_allclose(whole.loglik, sum(p.loglik for p in parts), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(whole.score, sum(p.score for p in parts), rtol=1e-9,
                               atol=1e-10)
    np.testing.assert_allclose(whole.information, sum(p.information for p in parts),
                               rtol=1e-9, atol=1e-10)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts(), st.sampled_from(["efron", "breslow"]))
def test_splitting_a_row_changes_nothing(c, ties):
    time, event, x, entry, strata, beta = c
    cut = entry + (time - entry) / 2  # strictly inside every row
    split = _evaluate(np.concatenate([cut, time]),
                      np.concatenate([np.zeros(len(time), bool), event]),
                      np.vstack([x, x]), beta, start=np.concatenate([entry, cut]),
                      strata=np.concatenate([strata, strata]), ties=ties)
    _same(_evaluate(time, event, x, beta, start=entry, strata=strata, ties=ties), split)


def test_a_risk_set_far_below_its_strata_largest_score_sums_to_no_zero():
    """Seen on the Subgroups page with a 300-patient upload: "invalid value encountered in
    multiply" from this module. The patients with x = 1 all die first, so at a trial
    coefficient of 800 (a Newton step towards the separated level) the later risk sets hold
    only rows about 530 below the stratum's largest score: their sums underflowed to 0, the
    tie sums became 1/0 and the score and information 0 * inf. Scores are now cut 200 below
    the largest (core.likelihood.partial.SMALL, as R's coxsafe): every number is finite, with
    warnings as errors, and a coefficient where no score is cut gives what it gave."""
    import warnings

    from core.cox.fit import fit_cox

    t = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    e = np.array([1, 1, 1, 1, 1, 0, 1, 0])
    x = np.array([[1.0], [1], [1], [0], [1], [0], [0], [0]])
    for ties in ("efron", "breslow"):
        f = PartialLikelihood(risk_sets(t, e, ties=ties), x - x.mean(axis=0))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            far = f(np.array([800.0]))
            near = f(np.array([5.0]))
        assert np.isfinite(far.loglik) and np.isfinite(far.score).all()
        assert np.isfinite(far.information).all() and far.loglik < near.loglik
        # at 5 no score is cut: the textbook Breslow/Efron value (by hand for Breslow)
        if ties == "breslow":
            eta = 5.0 * (x[:, 0] - x.mean())
            expected = sum(eta[i] - np.log(np.exp(eta[t >= t[i]]).sum())
                           for i in range(len(t)) if e[i])
            assert abs(near.loglik - expected) < 1e-12
    # the fit itself, warnings as errors, is R's: coxph(Surv(t, e) ~ x) on these 8 rows
    # gives coef 2.1558589505, se 1.1401412268 (Efron, 3 iterations)
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_cox(pd.DataFrame({"t": t, "e": e, "x": x[:, 0]}), "t", "e", ["x"])
    assert abs(fit.table.loc["x", "coef"] - 2.1558589505) < 1e-9
    assert abs(fit.table.loc["x", "se"] - 1.1401412268) < 1e-9
