"""Risk sets shared by the models of the same rows (core.cox.data.shared_risk_sets): the shared
structure is exactly the one a fresh build gives, rows that differ in any bit get their own,
nobody can change a shared one, and a fit reading it gives the same numbers bit for bit."""

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.cox import data as cox_data
from core.cox.fit import fit_cox
from core.likelihood.risksets import risk_sets


def _rows(seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    times = np.round(rng.exponential(20, n), 1)
    status = (rng.uniform(size=n) < 0.6).astype(float)
    entry = np.where(rng.uniform(size=n) < 0.3, times * rng.uniform(size=n) * 0.5, 0.0)
    strata = rng.integers(0, 3, n)
    weights = rng.uniform(0.5, 2, n)
    return times, status, entry, strata, weights


def _assert_same(got, expected):
    for field in fields(expected):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if hasattr(b, "__dataclass_fields__"):
            _assert_same(a, b)
        elif isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, strict=True)
        else:
            assert a == b, field.name


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("parts", ["plain", "entry", "strata-weights"])
def test_the_shared_structure_is_a_fresh_build(ties, parts):
    times, status, entry, strata, weights = _rows()
    entry = entry if parts == "entry" else None
    strata, weights = (strata, weights) if parts == "strata-weights" else (None, None)
    shared = cox_data.shared_risk_sets(times, status, entry, strata, weights, ties, "rows")
    _assert_same(shared, risk_sets(times, status, start=entry, strata=strata, weights=weights,
                                   ties=ties, tie_count="rows"))
    assert cox_data.shared_risk_sets(times.copy(), status.copy(), entry, strata, weights, ties,
                                     "rows") is shared  # equal rows: the same structure


def test_rows_that_differ_in_one_bit_get_their_own_structure():
    times, status, *_ = _rows(seed=5)
    shared = cox_data.shared_risk_sets(times, status, None, None, None, "efron", "rows")
    nudged = times.copy()
    nudged[7] = np.nextafter(nudged[7], np.inf)
    flipped = status.copy()
    flipped[11] = 1 - flipped[11]
    for other_times, other_status, ties in ((nudged, status, "efron"),
                                            (times, flipped, "efron"),
                                            (times, status, "breslow"),
                                            (times, status.astype(np.int64), "efron")):
        other = cox_data.shared_risk_sets(other_times, other_status, None, None, None, ties,
                                          "rows")
        assert other is not shared
        _assert_same(other, risk_sets(other_times, other_status, ties=ties))


def test_a_shared_structure_cannot_be_changed():
    times, status, *_ = _rows(seed=8)
    shared = cox_data.shared_risk_sets(times, status, None, None, None, "efron", "rows")
    with pytest.raises(ValueError, match="read-only"):
        shared.weights[0] = 2.0
    with pytest.raises(ValueError, match="read-only"):
        shared._exits.order[0] = 1


def test_structures_beyond_the_row_budget_are_not_kept(monkeypatch):
    monkeypatch.setattr(cox_data, "KEPT_ROWS", 500)
    monkeypatch.setattr(cox_data, "_KEPT", type(cox_data._KEPT)())
    first = cox_data.shared_risk_sets(*_rows(seed=1, n=300)[:2], None, None, None, "efron",
                                      "rows")
    cox_data.shared_risk_sets(*_rows(seed=2, n=300)[:2], None, None, None, "efron", "rows")
    assert list(cox_data._KEPT.values()) != [] and first not in cox_data._KEPT.values()
    cox_data.shared_risk_sets(*_rows(seed=4, n=600)[:2], None, None, None, "efron", "rows")
    assert sum(kept.n for kept in cox_data._KEPT.values()) <= 500


def test_fits_on_shared_risk_sets_equal_fits_on_fresh_ones(monkeypatch):
    cohort = load_seed_cohort()
    big = pd.concat([cohort] * 40, ignore_index=True)
    big["rfs_months"] = big["rfs_months"] + np.arange(len(big)) % 7 / 10
    models = [["mrd_pre_status", "eln2022_risk"], ["eln2022_risk"], ["mrd_pre_status"]]
    shared = [fit_cox(big, "rfs_months", "rfs_event", m) for m in models]
    monkeypatch.setattr(cox_data, "shared_risk_sets",
                        lambda t, s, e, st, w, ties, count: risk_sets(
                            t, s, start=e, strata=st, weights=w, ties=ties, tie_count=count))
    fresh = [fit_cox(big, "rfs_months", "rfs_event", m) for m in models]
    for a, b in zip(shared, fresh, strict=True):
        pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
        np.testing.assert_array_equal(a.cov, b.cov, strict=True)
        assert (a.loglik, a.concordance) == (b.loglik, b.concordance)
