"""Invariants of the survival estimators (hypothesis), and agreement with scikit-survival.

scikit-survival's ``kaplan_meier_estimator(conf_type="log-log")`` and ``compare_survival``
are independent implementations of the same estimators; ours work from event counts (see
core/survival/km/estimate.py) and must agree with them to rounding error on any data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2
from sksurv.compare import compare_survival
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

from core.survival.km.estimate import kaplan_meier, medians
from core.survival.km.logrank import logrank
from core.survival.km.rmst import restricted_mean

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cohorts(draw, min_size=1, max_size=40, groups=("a", "b", "c")):
    """Right-censored data with integer months (many ties) and up to three groups."""
    n = draw(st.integers(min_size, max_size))
    times = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    events = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    labels = draw(st.lists(st.sampled_from(groups), min_size=n, max_size=n))
    return pd.DataFrame({"t": np.asarray(times, float), "e": events, "g": labels})


@SETTINGS
@given(cohorts())
def test_survival_is_a_non_increasing_probability_and_ci_contains_it(df):
    assert_probability_curve(kaplan_meier(df, "t", "e", "g").table)


def assert_probability_curve(table: pd.DataFrame) -> None:
    """Survival in [0, 1], non-increasing per group, inside its interval within [0, 1]."""
    assert ((table["survival"] >= 0) & (table["survival"] <= 1)).all()
    for _, rows in table.groupby("group"):
        assert (np.diff(rows["survival"].to_numpy()) <= 1e-15).all()
    defined = table.dropna(subset=["ci_lower"])
    assert (defined["ci_lower"] <= defined["survival"] + 1e-12).all()
    assert (defined["survival"] <= defined["ci_upper"] + 1e-12).all()
    assert ((defined["ci_lower"] >= 0) & (defined["ci_upper"] <= 1)).all()


@SETTINGS
@given(cohorts(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(df, random):
    order = list(range(len(df)))
    random.shuffle(order)
    shuffled = df.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(kaplan_meier(df, "t", "e", "g").table,
                                  kaplan_meier(shuffled, "t", "e", "g").table)


@SETTINGS
@given(cohorts(max_size=20))
def test_duplicating_every_row_keeps_the_curve(df):
    """Doubling each patient is a frequency weight of 2: same S(t), twice the numbers at risk."""
    single = kaplan_meier(df, "t", "e").table
    double = kaplan_meier(pd.concat([df, df]), "t", "e").table
    np.testing.assert_allclose(single["survival"], double["survival"], atol=1e-12)
    assert (double["n_risk"] == 2 * single["n_risk"]).all()


@SETTINGS
@given(cohorts())
def test_agrees_with_scikit_survival_kaplan_meier(df):
    table = kaplan_meier(df, "t", "e").table
    times, surv, ci = kaplan_meier_estimator(df["e"].astype(bool).to_numpy(),
                                             df["t"].to_numpy(), conf_type="log-log")
    np.testing.assert_allclose(table["time"], times)
    np.testing.assert_allclose(table["survival"], surv, atol=1e-12)
    ours = table[["ci_lower", "ci_upper"]].to_numpy().T
    defined = ~np.isnan(ours[0])
    np.testing.assert_allclose(ours[:, defined], ci[:, defined], atol=1e-10)


@SETTINGS
@given(cohorts(min_size=4))
@example(pd.DataFrame({"t": [0.0, 1, 2, 3, 4], "e": [0, 1, 1, 0, 1],
                       "g": ["a", "b", "b", "c", "c"]}))  # group a: no one at risk at an event
def test_agrees_with_scikit_survival_logrank(df):
    assume(df["g"].nunique() >= 2 and df["e"].sum() > 0)
    ours = logrank(df, "t", "e", "g")
    try:
        chisq, p_value = compare_survival(Surv.from_arrays(df["e"].astype(bool), df["t"]),
                                          df["g"].to_numpy())
    except np.linalg.LinAlgError:  # scikit-survival needs an invertible covariance
        assume(False)
    assert abs(ours.statistic - chisq) < 1e-8
    # degrees of freedom as R's survdiff counts them: a group with no one at risk at any event
    # time (e.g. its only patient censored before the first event) has 0 expected events and
    # adds none; scikit-survival counts every group (its p then differs from R's)
    first_event = df.loc[df["e"] == 1, "t"].min()
    at_risk = (df.groupby("g")["t"].max() >= first_event).sum()
    assert ours.dof == at_risk - 1
    if ours.dof == df["g"].nunique() - 1:
        assert abs(ours.p_value - p_value) < 1e-8
    else:
        assert abs(ours.p_value - chi2.sf(chisq, ours.dof)) < 1e-8


@SETTINGS
@given(cohorts(), st.floats(0.5, 40))
def test_restricted_mean_lies_between_zero_and_horizon(df, horizon):
    table = restricted_mean(kaplan_meier(df, "t", "e", "g"), horizon).table
    assert ((table["rmst"] >= -1e-12) & (table["rmst"] <= horizon + 1e-12)).all()
    assert (table["se"] >= 0).all()


@SETTINGS
@given(cohorts())
def test_median_interval_brackets_the_median(df):
    table = medians(kaplan_meier(df, "t", "e", "g"))
    both = table.dropna(subset=["median", "median_lower"])
    assert (both["median_lower"] <= both["median"]).all()
    both = table.dropna(subset=["median", "median_upper"])
    assert (both["median"] <= both["median_upper"]).all()
