"""Interventions during follow-up (core.survival.timedep.models*) against R's survival package.

Golden values: ``tests/core/golden/timedep_r_golden.json``, written by
``tests/core/golden/make_timedep_golden.R`` (R 4.2.2, survival 3.5.3). Each case holds the
cohort (time, event, switch; switch null = never) and R's results on it:
``rows <- tmerge(d, d, id, ev = event(time, event)); tmerge(rows, d, id, after = tdc(switch))``,
``coxph(Surv(tstart, tstop, ev) ~ after, data = rows)`` (Efron ties), its
``summary()$sctest``, ``survfit(Surv(tstart, tstop, ev) ~ after, conf.type = "log-log")``, and
``survdiff(Surv(time - L, event) ~ switch <= L, subset = time > L)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.duration.hazard_regression import PHReg

from core.errors import AnalysisError
from core.survival.timedep.km import intervention_sensitivity, simon_makuch
from core.survival.timedep.models import (
    counting_process,
    landmark_logrank,
    mantel_byar,
    time_dependent_cox,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
R = json.loads((GOLDEN / "timedep_r_golden.json").read_text())["results"]
TOL = 1e-6
FITTED = [k for k, v in R.items() if "cox" in v]
NOT_ESTIMABLE = [k for k, v in R.items() if v.get("estimable") is False]
EXAMPLE = Path(__file__).resolve().parents[4] / "data" / "examples" / "hsct_example.csv"


def cohort(key: str) -> pd.DataFrame:
    """The golden case's patients (switch NaN = never)."""
    return pd.DataFrame(R[key]["data"]).astype(float)


def test_cases_cover_the_edges():
    """The golden cohorts contain what the brief asks for: ties between a switch and an event,
    a switch at time 0, a switch at or after the end, a stratum nobody switched in, and ~100
    random patients."""
    ties, zero, rand = cohort("ties"), cohort("zero"), cohort("random100")
    assert np.isin(ties["switch"].dropna(), ties.loc[ties["event"] == 1, "time"]).any()
    assert (ties["switch"] == ties["time"]).any() and (zero["switch"] == 0).sum() >= 3
    assert (cohort("after_end")["switch"] >= cohort("after_end")["time"]).sum() >= 2
    assert cohort("stratum_b")["switch"].isna().all() and len(rand) == 100


@pytest.mark.parametrize("key", list(R))
def test_split_equals_tmerge(key):
    """R: ``tmerge(d, d, id, ev = event(time, event))`` then ``tmerge(.., after = tdc(switch))``
    (rows ordered by id, tstart): same (tstart, tstop, ev, after) rows."""
    rows = counting_process(cohort(key), "time", "event", "switch").table
    expected = pd.DataFrame(R[key]["rows"])
    np.testing.assert_array_equal(rows[["start", "stop", "event", "after"]].to_numpy(float),
                                  expected[["start", "stop", "event", "after"]].to_numpy(float))


@pytest.mark.parametrize("key", FITTED)
def test_mantel_byar_equals_coxph_score_test(key):
    """R: ``summary(coxph(Surv(tstart, tstop, ev) ~ after, data = rows))$sctest`` (Efron)."""
    result = mantel_byar(cohort(key), "time", "event", "switch")
    assert result.statistic == pytest.approx(R[key]["sctest"]["statistic"], abs=TOL, rel=TOL)
    assert result.p_value == pytest.approx(R[key]["sctest"]["p_value"], abs=TOL, rel=TOL)
    assert result.dof == 1


@pytest.mark.parametrize("key", FITTED)
def test_time_dependent_cox_equals_coxph(key):
    """R: ``coxph(Surv(tstart, tstop, ev) ~ after, data = rows)``: ``summary()$coefficients``
    (coef, se(coef), Pr(>|z|)) and ``$conf.int`` (exp(coef), lower .95, upper .95), Efron
    ties, Wald interval and p; ``fit$loglik``."""
    result = time_dependent_cox(cohort(key), "time", "event", "switch")
    row = result.table.iloc[0]
    golden = R[key]["cox"]
    for column in ("coef", "hr", "hr_lower", "p_value"):
        assert row[column] == pytest.approx(golden[column], abs=TOL, rel=TOL), column
    # the diverging fit's se and upper limit are huge: compare relatively
    assert row["se"] == pytest.approx(golden["se"], rel=TOL)
    assert row["hr_upper"] == pytest.approx(golden["hr_upper"] if golden["hr_upper"] is not None
                                            else np.inf, rel=TOL)
    assert [result.loglik_null, result.loglik] == pytest.approx(golden["loglik"], rel=1e-9)
    assert result.iterations == golden["iterations"]
    assert bool(result.warnings) == ("warning" in R[key])


def test_monotone_likelihood_is_flagged():
    """R: ``coxph(...)`` warns "Loglik converged before variable 1; beta may be infinite" when
    no event follows the intervention; the score test (Mantel-Byar) stays valid."""
    result = time_dependent_cox(cohort("monotone"), "time", "event", "switch")
    assert "may be infinite" in R["monotone"]["warning"]
    assert "may be infinite" in result.warnings[0]
    assert result.score.statistic == pytest.approx(R["monotone"]["sctest"]["statistic"], rel=TOL)


@pytest.mark.parametrize("key", NOT_ESTIMABLE)
def test_no_contrast_is_an_error_as_R_gives_NA(key):
    """R: ``coxph(...)`` returns coefficient NA when nobody is switched during follow-up
    (here: all switches at/after the end, or none at all in the stratum)."""
    with pytest.raises(AnalysisError, match="had no intervention during follow-up"):
        mantel_byar(cohort(key), "time", "event", "switch")
    with pytest.raises(AnalysisError, match="not estimable"):
        time_dependent_cox(cohort(key), "time", "event", "switch")


@pytest.mark.parametrize("key", ["random100", "ties"])
def test_statsmodels_phreg_counts_entry_ties_differently(key):
    """Independent check, and why the fit is written here: statsmodels ``PHReg(stop, after,
    status, entry=start, ties="efron")`` puts a row in the risk set at t when ``start <= t``
    (R: ``start < t``), so a patient switched at an event time is counted twice there and the
    estimate moves (0.04 on random100, 0.38 on ties). With the entry nudged by 1e-7 months it
    agrees with ours and R's."""
    rows = counting_process(cohort(key), "time", "event", "switch").table

    def phreg(entry):
        return PHReg(rows["stop"].to_numpy(float), rows[["after"]].to_numpy(float),
                     status=rows["event"].to_numpy(float), entry=entry, ties="efron").fit()

    table = time_dependent_cox(cohort(key), "time", "event", "switch").table
    as_is, nudged = phreg(rows["start"].to_numpy(float)), phreg(rows["start"] + 1e-7)
    assert abs(table["coef"].iloc[0] - as_is.params[0]) > 0.01
    assert table["coef"].iloc[0] == pytest.approx(nudged.params[0], abs=1e-6)
    assert table["se"].iloc[0] == pytest.approx(nudged.bse[0], abs=1e-6)


@pytest.mark.parametrize("key", [k for k, v in R.items() if "simon_makuch" in v])
def test_simon_makuch_equals_survfit_by_tdc_group(key):
    """R: ``summary(survfit(Surv(tstart, tstop, ev) ~ after, data = rows, conf.type =
    "log-log"), censored = TRUE)``: time, n.risk, n.event, n.censor, surv, std.err, lower,
    upper per stratum (after=0 -> "no X yet", after=1 -> "after X")."""
    result = simon_makuch(cohort(key), "time", "event", "switch", name="X")
    expected = pd.DataFrame(R[key]["simon_makuch"])
    expected["group"] = expected["group"].map({"0": "no X yet", "1": "after X"})
    ours = result.table
    assert ours["group"].tolist() == expected["group"].tolist()
    for column in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(ours[column].to_numpy(float),
                                      expected[column].to_numpy(float), err_msg=column)
    for column in ("survival", "std_err", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(ours[column].to_numpy(float),
                                   expected[column].to_numpy(float, na_value=np.nan),
                                   atol=TOL, equal_nan=True, err_msg=column)


def test_simon_makuch_moves_and_at_risk_by_hand():
    """Patients 1 (switch 2), 2 (switch 0) and 8 (switch 2): the "not yet" rows ending at 2 are
    moves, not censorings; at 0 the "after" group holds the patient switched at 0."""
    d = pd.DataFrame({"time": [5, 3, 4, 6, 2, 7, 4, 8], "event": [1, 0, 1, 1, 1, 0, 1, 1],
                      "switch": [2, 0, 4, np.nan, 5, 3, 1, 2]})
    result = simon_makuch(d, "time", "event", "switch", name="X", ticks=[0, 3])
    not_yet = result.table[result.table["group"] == "no X yet"].set_index("time")
    assert not_yet.loc[2.0, "n_switched"] == 2 and not_yet.loc[1.0, "n_switched"] == 1
    assert result.at_risk["n_risk"].tolist() == [7, 3, 1, 4]  # rows with start < t <= stop
    assert (result.n_switched, result.n_at_start) == (4, 1)


@pytest.mark.parametrize("key", list(R))
def test_landmark_logrank_equals_survdiff(key):
    """R: ``survdiff(Surv(time - L, event) ~ switch <= L, subset = time > L)``; patients with
    time <= L excluded and counted; when one group is empty R has nothing to compare and we
    raise."""
    for golden in R[key]["landmarks"]:
        landmark = golden["landmark"]
        if "statistic" not in golden:
            with pytest.raises(AnalysisError, match="a comparison needs both"):
                landmark_logrank(cohort(key), "time", "event", "switch", landmark)
            continue
        result = landmark_logrank(cohort(key), "time", "event", "switch", landmark)
        assert result.statistic == pytest.approx(golden["statistic"], abs=TOL, rel=TOL)
        assert result.p_value == pytest.approx(golden["p_value"], abs=TOL, rel=TOL)
        assert result.n_excluded == golden["n_excluded"]
        assert [result.fit.n[g] for g in result.groups] == [golden["n_by"], golden["n_not"]]


@pytest.mark.parametrize("key", ["random100", "random300"])
def test_censored_at_intervention_equals_survfit(key):
    """R: ``survfit(Surv(time_c, event_c) ~ 1, conf.type = "log-log")`` with follow-up cut at
    the intervention (switch < time: time_c = max(switch, 0), event_c = 0)."""
    result = intervention_sensitivity(cohort(key), "time", "event", "switch", name="X")
    ours = result.fit.group_table("censored at X")
    expected = pd.DataFrame(R[key]["censored_km"])
    np.testing.assert_array_equal(ours["n_risk"].to_numpy(), expected["n_risk"].to_numpy())
    np.testing.assert_allclose(ours["survival"].to_numpy(), expected["survival"].to_numpy(),
                               atol=TOL)
    np.testing.assert_allclose(ours["ci_lower"].to_numpy(float),
                               expected["ci_lower"].to_numpy(float, na_value=np.nan),
                               atol=TOL, equal_nan=True)
    assert result.medians["group"].tolist() == ["as observed", "censored at X"]
    data = cohort(key)
    cut = data["switch"] < data["time"]
    assert result.n_censored == int(cut.sum())
    assert result.events_removed == int((cut & (data["event"] == 1)).sum())


# --------------------------------------------------------------------------------------------
# Edge rules, errors and properties
# --------------------------------------------------------------------------------------------

def test_zero_follow_up_is_left_out_and_counted():
    """R's tmerge refuses a 0-month follow-up ("found an ending time of 0"): we leave it out."""
    d = cohort("ties")
    with_zero = pd.concat([d, pd.DataFrame({"time": [0.0], "event": [1.0],
                                            "switch": [np.nan]})], ignore_index=True)
    process = counting_process(with_zero, "time", "event", "switch")
    assert process.exclusions[-1].count == 1 and "follow-up of 0 months" in \
        process.exclusions[-1].reason
    assert mantel_byar(with_zero, "time", "event", "switch").statistic == pytest.approx(
        R["ties"]["sctest"]["statistic"], rel=1e-12)


def test_error_messages():
    d = cohort("ties")
    with pytest.raises(AnalysisError, match="`hsct` \\(the intervention time\\) is not in the"):
        mantel_byar(d, "time", "event", "hsct")
    bad = d.astype({"switch": object})
    bad.loc[0, "switch"] = "after cycle 2"
    with pytest.raises(AnalysisError, match="1 value is not a number.*leave it empty"):
        counting_process(bad, "time", "event", "switch")
    with pytest.raises(AnalysisError, match="landmark must be a number of months >= 0"):
        landmark_logrank(d, "time", "event", "switch", -1)
    with pytest.raises(AnalysisError, match="needs at least one event"):
        mantel_byar(d.assign(event=0.0), "time", "event", "switch")
    with pytest.raises(AnalysisError, match="All 14 patients had the intervention"):
        mantel_byar(d.assign(switch=0.0), "time", "event", "switch")
    with pytest.raises(AnalysisError, match="No patient is left"):
        mantel_byar(d.iloc[:0], "time", "event", "switch")
    with pytest.raises(AnalysisError, match="conf_level must be between 0 and 1"):
        time_dependent_cox(d, "time", "event", "switch", conf_level=95)
    same_status = pd.DataFrame({"time": [1.0, 2.0, 5.0, 6.0], "event": [1.0, 1.0, 0.0, 0.0],
                                "switch": [np.nan, np.nan, 3.0, 4.0]})
    with pytest.raises(AnalysisError, match="At every event time all patients at risk have"):
        time_dependent_cox(same_status, "time", "event", "switch")


cohorts = st.lists(st.tuples(st.integers(1, 30), st.booleans(),
                             st.one_of(st.none(), st.integers(0, 35))),
                   min_size=6, max_size=40).map(lambda rows: pd.DataFrame(
                       rows, columns=["time", "event", "switch"]).astype(float))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts)
def test_no_intervention_is_a_clear_error(d):
    """Nobody has an intervention time: the time-dependent model has no contrast."""
    d = d.assign(switch=np.nan, event=1.0)
    with pytest.raises(AnalysisError, match="had no intervention during follow-up"):
        time_dependent_cox(d, "time", "event", "switch")


def _statistics(d: pd.DataFrame) -> tuple:
    try:
        cox = time_dependent_cox(d, "time", "event", "switch")
    except AnalysisError as error:
        return (str(error),)
    if any("may be infinite" in w for w in cox.warnings):
        # a coefficient running to infinity stops wherever the log-likelihood flattens; its
        # value and SE carry no information (R's are as arbitrary): the score test does
        return (cox.score.statistic, "infinite")
    return (cox.score.statistic, *cox.table[["coef", "se"]].iloc[0].tolist())


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(d, rng):
    shuffled = d.sample(frac=1.0, random_state=rng.randint(0, 10 ** 6)).reset_index(drop=True)
    before, after = _statistics(d), _statistics(shuffled)
    if isinstance(before[0], str):  # the same error, word for word
        assert after == before
    elif before[1] == "infinite":
        assert after[1] == "infinite"
        assert after[0] == pytest.approx(before[0], rel=1e-9, abs=1e-12)
    else:
        assert after == pytest.approx(before, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(cohorts, st.integers(0, 5))
def test_switch_at_or_after_end_is_never_switched(d, extra):
    """A patient whose intervention time is >= their time is identical to never switched."""
    late = d.assign(switch=np.where(d["switch"].isna() | (d["switch"] >= d["time"]),
                                    d["time"] + extra, d["switch"]))
    never = d.assign(switch=np.where(d["switch"] >= d["time"], np.nan, d["switch"]))
    assert counting_process(late, "time", "event", "switch").table.equals(
        counting_process(never, "time", "event", "switch").table)
    assert _statistics(late) == _statistics(never)


def test_large_cohort_is_vectorised():
    """10^5 patients: split, Mantel-Byar, Cox and Simon-Makuch with no loop over patients."""
    rng = np.random.default_rng(1)
    n = 100_000
    d = pd.DataFrame({"time": np.ceil(rng.exponential(20, n)), "event": rng.integers(0, 2, n),
                      "switch": np.where(rng.random(n) < 0.4, np.ceil(rng.exponential(8, n)),
                                         np.nan)})
    fit = time_dependent_cox(d, "time", "event", "switch")
    assert fit.table["n_rows"].iloc[0] > n
    assert simon_makuch(d, "time", "event", "switch").table["n_risk"].min() >= 1


def test_example_file_has_hsct_times():
    """data/examples/hsct_example.csv (synthetic) loads and gives a fitted model."""
    from core.cohort.read import load_cohort

    example = load_cohort(EXAMPLE)
    assert example["hsct_months"].notna().sum() >= 5
    result = mantel_byar(example, "rfs_months", "rfs_event", "hsct_months")
    assert 0 <= result.p_value <= 1


# --------------------------------------------------------------------------------------------
# What the page shows (core.survival.timedep.summary) and draws (core.survival.figures.timedep)
# --------------------------------------------------------------------------------------------

def test_report_keeps_each_analysis_or_its_reason():
    """On the example: all four analyses; at L = 48 only the landmark one fails, with why."""
    from core.cohort.read import load_cohort
    from core.survival.timedep.summary import during_follow_up_report

    example = load_cohort(EXAMPLE)
    report = during_follow_up_report(example, "rfs", "hsct_months", 48)
    assert report.name == "HSCT" and report.n_recorded == example["hsct_months"].notna().sum()
    assert "a comparison needs both" in report.landmark_analysis.error
    assert report.cox.result.score.statistic == pytest.approx(
        mantel_byar(example, "rfs_months", "rfs_event", "hsct_months").statistic, rel=1e-12)
    assert any("at or before time 0" in n for n in report.notes())
    with pytest.raises(AnalysisError, match="Unknown endpoint 'pfs'"):
        during_follow_up_report(example, "pfs", "hsct_months", 6)
    no_rfs = example.assign(rfs_months=np.nan)
    with pytest.raises(AnalysisError, match="No patient here has a usable RFS time and event "
                                            "\\(`rfs_months`, `rfs_event`\\).*choose the other"):
        during_follow_up_report(no_rfs, "rfs", "hsct_months", 6)
    with pytest.raises(AnalysisError, match="No patient is left for the sensitivity curves: "
                                            "none has a usable `rfs_months`"):
        intervention_sensitivity(no_rfs, "rfs_months", "rfs_event", "hsct_months")


def test_intervention_options_put_known_columns_first_and_skip_endpoints():
    from core.survival.timedep.summary import intervention_options

    d = cohort("ties").rename(columns={"time": "rfs_months", "event": "rfs_event"})
    d["hsct_months"], d["note"], d["dose"] = d["switch"], "x", "5"
    assert intervention_options(d) == ["hsct_months", "switch", "dose"]
    # read per distinct value: one text that is no number among repeated numbers, a list
    d["mixed"] = ["7"] * (len(d) - 1) + ["seven"]
    d["genes"] = [["FLT3"]] * len(d)
    d["codes"] = pd.Series(["1", "2"] * (len(d) // 2) + ["1"] * (len(d) % 2), dtype="string")
    assert intervention_options(d) == ["hsct_months", "switch", "dose", "codes"]


def test_tables_for_the_page():
    """The HR row and the side-by-side sensitivity table format core's numbers."""
    from core.survival.timedep.summary import cox_table, sensitivity_table

    d = cohort("random100")
    cox = time_dependent_cox(d, "time", "event", "switch")
    row = cox_table(cox, "X").iloc[0]
    assert row["HR (95% CI)"] == "0.635 (0.359–1.12)"  # R: 0.635 (0.359-1.123), 3 digits
    sens = intervention_sensitivity(d, "time", "event", "switch", landmark_times=(12, 240),
                                    name="X")
    table = sensitivity_table(sens).set_index("Analysis")
    assert table.loc["as observed", "240 months: % (95% CI)"] == "beyond follow-up"
    assert table.loc["censored at X", "Patients"] == 100
    monotone = cox_table(time_dependent_cox(cohort("monotone"), "time", "event", "switch"), "X")
    assert monotone["HR (95% CI)"].iloc[0].endswith("–∞)")


def test_simon_makuch_figure_ticks_censorings_not_moves():
    """"Not yet" rows ending at 1, 2, 2 and 3 are moves to "after", not censorings; the real
    censorings are both in "after": the patient treated from 0 (censored at 3) and the one
    treated at 3 (censored at 7)."""
    from core.survival.figures.timedep import simon_makuch_figure

    d = pd.DataFrame({"time": [5, 3, 4, 6, 2, 7, 4, 8], "event": [1, 0, 1, 1, 1, 0, 1, 1],
                      "switch": [2, 0, 4, np.nan, 5, 3, 1, 2]})
    figure = simon_makuch_figure(simon_makuch(d, "time", "event", "switch", name="X"), "S", "M")
    ticks = {t.name: list(t.x) for t in figure.data if t.name.endswith("censored")}
    assert ticks["no X yet censored"] == [] and ticks["after X censored"] == [3.0, 7.0]
    assert {"no X yet", "after X"} <= {t.name for t in figure.data}


def test_engine_source_gives_the_same_numbers(tmp_path):
    """A CSV opened through DuckDB (core.cohort.open_cohort) is accepted like a DataFrame."""
    from core.cohort import open_cohort

    d = cohort("random100")
    d.insert(0, "patient_id", [f"P{i:03d}" for i in range(len(d))])
    d.to_csv(tmp_path / "cohort.csv", index=False)
    source = open_cohort(tmp_path / "cohort.csv")
    assert mantel_byar(source, "time", "event", "switch").statistic == pytest.approx(
        R["random100"]["sctest"]["statistic"], rel=1e-9)
    assert landmark_logrank(source, "time", "event", "switch", 6).statistic == pytest.approx(
        R["random100"]["landmarks"][2]["statistic"], rel=1e-9)


def test_gatekeeper_drift_is_caught(monkeypatch):
    """If survival_data ever kept other rows than intervention_data, ids and intervention
    times would be misaligned silently; the guard stops that."""
    import core.survival.timedep.data as module

    real = module.survival_data
    monkeypatch.setattr(module, "survival_data",
                        lambda df, time, event: real(df.iloc[1:], time, event))
    with pytest.raises(RuntimeError, match="missing-value rules have drifted apart"):
        module.intervention_data(cohort("ties"), "time", "event", "switch")
