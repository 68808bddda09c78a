"""Tests of core.cox.fit, core.cox.ph, core.cox.predict (Cox models) and core.cox.figures.

Golden numbers come from two committed R outputs:

* ``golden/seed_r_reference.json`` (key ``source``: R 4.2.2, survival 3.5.3, coxph
  ties='efron'), an independent transcription of the seed study's tables;
* ``golden/cox_r_golden.json``, written by ``golden/make_cox_golden.R`` (R 4.2.2, survival
  3.5.3): coxph with Efron and Breslow ties, cox.zph(transform = "km") and
  summary(survfit(coxph, newdata), times =) with conf.type "log" and "log-log".

Covariates as in R: mrd_pos = mrd_pre_status == "positive", adverse = eln2022_risk ==
"adverse", consolidation = sorafenib_timing == "consolidation", age in years.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.subplots import make_subplots
from scipy import optimize, stats

from core.cohort.read import load_seed_cohort
from core.cox.data import CoxData
from core.cox.display import model_rows
from core.cox.figures import forest_figure, prediction_figure, schoenfeld_figure
from core.cox.fit import CoxResult, fit_cox
from core.cox.guardrails import AUTO_FIRTH_NOTE, GuardrailBox, guardrail_box
from core.cox.ph import ph_test
from core.cox.predict import predict_survival
from core.errors import AnalysisError
from core.likelihood.firth import maximize_penalized, penalized

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SEED_REF = json.loads((GOLDEN / "seed_r_reference.json").read_text())
COX_REF = json.loads((GOLDEN / "cox_r_golden.json").read_text())
REL = 1e-4
COLUMNS = ("coef", "se", "hr", "hr_lower", "hr_upper", "p_value")
MODELS = {
    "mrd_pos": ["mrd_pos"],
    "adverse": ["adverse"],
    "age": ["age"],
    "consolidation": ["consolidation"],
    "mrd_pos_adverse": ["mrd_pos", "adverse"],
    "age_mrd_pos_adverse": ["age", "mrd_pos", "adverse"],
}


def _cohort() -> pd.DataFrame:
    df = load_seed_cohort()
    df["mrd_pos"] = (df["mrd_pre_status"] == "positive").astype(int)
    df["adverse"] = (df["eln2022_risk"] == "adverse").astype(int)
    df["consolidation"] = (df["sorafenib_timing"] == "consolidation").astype(int)
    return df


COHORT = _cohort()


@pytest.fixture
def cohort() -> pd.DataFrame:
    return COHORT.copy()


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _number(value) -> float:
    return math.inf if value == "Inf" else -math.inf if value == "-Inf" else float(value)


def _separation_warned(result: CoxResult, term: str) -> bool:
    return any(w.startswith(f"Monotone likelihood (separation) for `{term}`")
               and "firth=True" in w for w in result.warnings)


# --------------------------------------------------------------------------------------------
# Golden: seed_r_reference.json (R 4.2.2, survival 3.5.3, ties = 'efron')
# --------------------------------------------------------------------------------------------

SEED_CASES = [(ep, model) for ep in ("os", "rfs") for model in SEED_REF["results"][f"{ep}.cox"]]


@pytest.mark.parametrize(("endpoint", "model"), SEED_CASES)
def test_seed_reference_cox_efron(cohort, endpoint, model):
    """R: coxph(Surv(<ep>_months, <ep>_event) ~ <model>, data = d, ties = "efron"), summary();
    Wald 95% CI (R 4.2.2, survival 3.5.3), model mrd_pos_adverse = ~ mrd_pos + adverse.
    Where R warns "coefficient may be infinite" (OS: adverse, consolidation, mrd_pos_adverse)
    we assert our separation warning instead of the diverging numbers."""
    ref = SEED_REF["results"][f"{endpoint}.cox"][model]
    result = fit_cox(cohort, f"{endpoint}_months", f"{endpoint}_event", MODELS[model])
    terms = _as_list(ref["term"])
    assert list(result.table.index) == terms
    if ref["warnings"]:
        diverging = [t for t in terms if _number(_as_list(ref["hr_upper"])[terms.index(t)])
                     == math.inf]
        assert diverging
        for term in diverging:
            assert _separation_warned(result, term)
        finite = [t for t in terms if t not in diverging]
        for term in finite:  # the finite coefficient of a model with a diverging one
            i = terms.index(term)
            for col in COLUMNS:
                assert result.table.loc[term, col] == pytest.approx(
                    _as_list(ref[col])[i], rel=1e-3)
        return
    assert not any("separation" in w for w in result.warnings)
    for i, term in enumerate(terms):
        for col in COLUMNS:
            assert result.table.loc[term, col] == pytest.approx(_as_list(ref[col])[i], rel=REL)


# --------------------------------------------------------------------------------------------
# Golden: cox_r_golden.json (make_cox_golden.R; R 4.2.2, survival 3.5.3)
# --------------------------------------------------------------------------------------------

COX_CASES = [(ep, m, ties) for ep in ("rfs", "os") for m in MODELS for ties in ("efron", "breslow")]


@pytest.mark.parametrize(("endpoint", "model", "ties"), COX_CASES)
def test_coxph_efron_and_breslow_match_r(cohort, endpoint, model, ties):
    """R: coxph(Surv(<ep>_months, <ep>_event) ~ <model>, data = d, ties = <ties>): coef,
    se(coef), exp(coef), Wald 95% CI, Wald p, loglik, likelihood-ratio test and concordance
    (R 4.2.2, survival 3.5.3; the exact call is in the JSON's "call")."""
    ref = COX_REF[f"cox.{endpoint}.{model}.{ties}"]
    result = fit_cox(cohort, f"{endpoint}_months", f"{endpoint}_event", MODELS[model],
                     ties=ties)
    assert result.ties == ties and result.n == ref["n"] and result.events == ref["events"]
    assert ties.capitalize() in result.method
    if ref["warnings"]:
        assert any(_separation_warned(result, t) for t in _as_list(ref["term"]))
        return
    for i, term in enumerate(_as_list(ref["term"])):
        for col in COLUMNS:
            assert result.table.loc[term, col] == pytest.approx(_as_list(ref[col])[i],
                                                                rel=REL), col
    assert result.loglik_null == pytest.approx(ref["loglik"][0], rel=1e-6)
    assert result.loglik == pytest.approx(ref["loglik"][1], rel=1e-6)
    assert result.lr_statistic == pytest.approx(ref["lr_statistic"], rel=REL)
    assert result.lr_df == ref["lr_df"]
    assert result.lr_p_value == pytest.approx(ref["lr_p_value"], rel=REL)
    assert result.concordance == pytest.approx(ref["concordance"], rel=1e-9)


def test_categorical_covariate_dummy_coded_against_first_eln_level(cohort):
    """R: coxph(Surv(rfs_months, rfs_event) ~ eln2022_risk, ties = "efron") with levels
    favorable < intermediate < adverse: R warns "coefficient may be infinite" for
    intermediate (no relapse among 9 patients); the adverse coefficient is finite."""
    ref = COX_REF["cox.rfs.eln.efron"]
    result = fit_cox(cohort, "rfs_months", "rfs_event", ["eln2022_risk"])
    assert list(result.table.index) == ["eln2022_risk[intermediate]", "eln2022_risk[adverse]"]
    assert _separation_warned(result, "eln2022_risk[intermediate]")
    assert "none of the 9 patients with `eln2022_risk[intermediate]` had an event" in \
        " ".join(result.warnings)
    assert result.table.loc["eln2022_risk[adverse]", "coef"] == pytest.approx(
        ref["coef"][1], rel=1e-3)
    assert result.table.loc["eln2022_risk[intermediate]", ["n", "events"]].tolist() == [9, 0]


def test_reference_level_and_scale_change_term_names(cohort):
    result = fit_cox(cohort, "rfs_months", "rfs_event", ["eln2022_risk", "age"],
                     reference={"eln2022_risk": "intermediate"}, scale={"age": 10})
    assert list(result.table.index) == [
        "eln2022_risk[favorable]", "eln2022_risk[adverse]", "age (per 10 years)"]
    plain = fit_cox(cohort, "rfs_months", "rfs_event", ["age"])
    assert list(plain.table.index) == ["age"]


# --------------------------------------------------------------------------------------------
# Proportional hazards (cox.zph)
# --------------------------------------------------------------------------------------------

ZPH_CASES = [(k.split(".")[1], k.split(".")[2], k.split(".")[3]) for k in COX_REF
             if k.startswith("zph.")]


@pytest.mark.parametrize(("endpoint", "model", "ties"), ZPH_CASES)
def test_ph_test_matches_cox_zph(cohort, endpoint, model, ties):
    """R: cox.zph(coxph(Surv(<ep>_months, <ep>_event) ~ <model>, data = d, ties = <ties>),
    transform = "km") (R 4.2.2, survival 3.5.3): chisq, df, p per term and GLOBAL; the event
    times, transformed times x and scaled Schoenfeld residuals y."""
    ref = COX_REF[f"zph.{endpoint}.{model}.{ties}"]
    fit = fit_cox(cohort, f"{endpoint}_months", f"{endpoint}_event", MODELS[model], ties=ties)
    result = ph_test(fit)
    assert list(result.table.index) == ref["term"]
    assert result.table["chisq"].tolist() == pytest.approx(ref["chisq"], rel=1e-6)
    assert result.table["df"].tolist() == ref["df"]
    assert result.table["p_value"].tolist() == pytest.approx(ref["p"], rel=1e-6)
    assert result.residuals["time"].tolist() == pytest.approx(ref["time"])
    assert result.residuals["transformed_time"].tolist() == pytest.approx(ref["x"], abs=1e-12)
    for term, column in zip(_as_list(ref["y_terms"]), ref["y"], strict=True):
        assert result.residuals[term].tolist() == pytest.approx(column, rel=1e-6)
    assert "cox.zph" in result.method


def test_ph_test_other_transforms_and_grouped_factor(cohort):
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "age"])
    for transform in ("identity", "log", "rank"):
        result = ph_test(fit, transform=transform)
        assert result.table.loc["GLOBAL", "df"] == 2
        assert ((result.table["p_value"] >= 0) & (result.table["p_value"] <= 1)).all()
    fit3 = fit_cox(cohort, "rfs_months", "rfs_event", ["fab_class"])
    result = ph_test(fit3)
    k = len(fit3.terms)
    assert result.table.loc["fab_class", "df"] == k == result.table.loc["GLOBAL", "df"]
    assert result.table.loc["fab_class", "chisq"] == pytest.approx(
        result.table.loc["GLOBAL", "chisq"], nan_ok=True)


# --------------------------------------------------------------------------------------------
# Predicted survival (survfit.coxph)
# --------------------------------------------------------------------------------------------

SURV_CASES = [k for k in COX_REF if k.startswith("surv.")]


@pytest.mark.parametrize("key", SURV_CASES)
def test_predict_survival_matches_survfit_coxph(cohort, key):
    """R: summary(survfit(coxph(Surv(rfs_months, rfs_event) ~ mrd_pos + adverse, ties =
    <ties>), newdata = <profile>, conf.type = <"log" or "log-log">), times = c(6, 12, 24))
    (R 4.2.2, survival 3.5.3; default ctype: Efron hazard for an Efron fit)."""
    ref = COX_REF[key]
    ties, conf_type = key.split(".")[3], key.split(".")[5]
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "adverse"], ties=ties)
    pred = predict_survival(fit, ref["profile"], ref["time"], conf_type=conf_type)
    t = pred.table
    assert t["time"].tolist() == ref["time"]
    assert t["survival"].tolist() == pytest.approx(ref["surv"], rel=1e-6)
    assert t["cumulative_hazard"].tolist() == pytest.approx(ref["cumhaz"], rel=1e-6)
    # R's summary std.err is the SE of S: S * se(H)
    assert (t["survival"] * t["se_cumulative_hazard"]).tolist() == pytest.approx(
        ref["std_err"], rel=1e-6)
    assert t["ci_lower"].tolist() == pytest.approx(ref["lower"], rel=1e-6)
    assert t["ci_upper"].tolist() == pytest.approx(ref["upper"], rel=1e-6)


def test_predict_survival_before_first_event_and_categorical_profile(cohort):
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["sex", "age"], scale={"age": 10})
    pred = predict_survival(fit, {"sex": "F", "age": 60}, [0, 0.5, 12, 126])
    assert pred.table["survival"].iloc[0] == 1.0
    s = pred.table["survival"].to_numpy()
    assert (np.diff(s) <= 0).all() and ((s >= 0) & (s <= 1)).all()
    assert (pred.table["ci_lower"] <= pred.table["survival"]).all()
    assert (pred.table["survival"] <= pred.table["ci_upper"]).all()


def test_predict_survival_never_extrapolates(cohort):
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos"])
    with pytest.raises(AnalysisError, match=r"Cannot predict survival at \[130.0\]: the "
                       r"model's follow-up ends at 126, and predictions are never extrapolated"):
        predict_survival(fit, {"mrd_pos": 1}, [12, 130])


def test_predict_survival_errors(cohort):
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "eln2022_risk"])
    with pytest.raises(AnalysisError, match=r"The profile has no value for \['eln2022_risk'\]"):
        predict_survival(fit, {"mrd_pos": 1}, [12])
    with pytest.raises(AnalysisError, match=r"The profile's `eln2022_risk` is 'high'; the "
                       r"model knows the levels \['favorable', 'intermediate', 'adverse'\]"):
        predict_survival(fit, {"mrd_pos": 1, "eln2022_risk": "high"}, [12])
    with pytest.raises(AnalysisError, match=r"The profile's `mrd_pos` must be a number"):
        predict_survival(fit, {"mrd_pos": "yes", "eln2022_risk": "adverse"}, [12])
    with pytest.raises(AnalysisError, match=r"Prediction times must be numbers >= 0"):
        predict_survival(fit, {"mrd_pos": 1, "eln2022_risk": "adverse"}, [-1])
    with pytest.raises(AnalysisError, match=r"conf_type must be 'log' or 'log-log'"):
        predict_survival(fit, {"mrd_pos": 1, "eln2022_risk": "adverse"}, [12], conf_type="x")
    firth = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos"], firth=True)
    with pytest.raises(AnalysisError, match=r"Predicted survival is computed from an ordinary "
                       r"Cox fit \(firth=False\)"):
        predict_survival(firth, {"mrd_pos": 1}, [12])
    with pytest.raises(AnalysisError, match=r"The proportional-hazards test needs an ordinary "
                       r"Cox fit \(firth=False\)"):
        ph_test(firth)
    with pytest.raises(AnalysisError, match=r"transform must be 'km', 'identity', 'log' or"):
        ph_test(fit, transform="loglog")


# --------------------------------------------------------------------------------------------
# Firth
# --------------------------------------------------------------------------------------------

def _breslow_penalized_loglik(beta: np.ndarray, times, status, x) -> float:
    """Firth-penalized Breslow log partial likelihood l(b) + 0.5 log det I(b), by hand."""
    x = np.atleast_2d(np.asarray(x, dtype=float).T).T
    eta = x @ beta
    loglik = 0.0
    info = np.zeros((x.shape[1], x.shape[1]))
    for i in np.flatnonzero(status):
        risk = times >= times[i]
        w = np.exp(eta[risk])
        xr = x[risk]
        xbar = w @ xr / w.sum()
        loglik += eta[i] - math.log(w.sum())
        info += (xr * w[:, None]).T @ xr / w.sum() - np.outer(xbar, xbar)
    return loglik + 0.5 * math.log(np.linalg.det(info))


def test_firth_hand_case_is_log_3():
    """Two patients: x = 1 has the event at t = 1 while both are at risk, x = 0 is censored at
    t = 2. Partial likelihood p = e^b / (1 + e^b), information p(1 - p); the penalized
    log-likelihood 1.5 b - 2 log(1 + e^b) is maximal where 2p = 1.5, i.e. e^b = 3."""
    times, status, x = np.array([1.0, 2.0]), np.array([1, 0]), np.array([1.0, 0.0])
    by_hand = optimize.minimize_scalar(
        lambda b: -_breslow_penalized_loglik(np.array([b]), times, status, x),
        bounds=(-10, 10), method="bounded", options={"xatol": 1e-12}).x
    assert by_hand == pytest.approx(math.log(3), abs=1e-6)
    data = CoxData(times=times, status=status, design=x[:, None])
    fit = maximize_penalized(data.likelihood("breslow"), np.zeros(1))
    assert fit.converged and fit.beta[0] == pytest.approx(math.log(3), abs=1e-9)


def test_firth_matches_penalized_likelihood_maximised_by_hand():
    """A small cohort with 3 events and one separated indicator (the x = 1 group has every
    event): fit_cox(firth=True) equals the maximiser of the hand-coded penalized Breslow
    log partial likelihood."""
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                       "e": [1, 1, 0, 1, 0, 0, 0],
                       "x": [1, 1, 1, 1, 0, 0, 0]})
    result = fit_cox(df, "t", "e", ["x"], firth=True)
    by_hand = optimize.minimize_scalar(
        lambda b: -_breslow_penalized_loglik(np.array([b]), df["t"].to_numpy(),
                                             df["e"].to_numpy(), df["x"].to_numpy()),
        bounds=(-20, 20), method="bounded", options={"xatol": 1e-12}).x
    assert result.table.loc["x", "coef"] == pytest.approx(by_hand, abs=1e-6)
    assert math.isfinite(result.table.loc["x", "hr_upper"])
    ordinary = fit_cox(df, "t", "e", ["x"], ties="breslow")
    assert _separation_warned(ordinary, "x")


def test_firth_rfs_by_mrd_is_a_converged_maximum_with_its_lr_p(cohort):
    """Issue 17: RFS ~ MRD status (seed cohort, one covariate, tied times). firthmodels 0.8.2
    says "Step-halving failed to converge" and declines the LR test, yet its estimate is the
    maximum. Independently here (hand-coded Breslow l(b) + 0.5 log I(b), scipy): coef
    1.0172, HR 2.77, profile 95% CI 0.479-12.585 (2 [l*(b_hat) - l*(b)] = chi2_1(0.95)),
    penalized LR p 0.2285 (2 [l*(b_hat) - l*(0)], 1 df)."""
    times = cohort["rfs_months"].to_numpy(dtype=float)
    status = cohort["rfs_event"].to_numpy()
    x = cohort["mrd_pos"].to_numpy(dtype=float)

    def pll(b):
        return _breslow_penalized_loglik(np.array([b]), times, status, x)

    b_hat = optimize.minimize_scalar(lambda b: -pll(b), bounds=(-10, 10), method="bounded",
                                     options={"xatol": 1e-12}).x
    cut = stats.chi2.ppf(0.95, 1) / 2
    lower = optimize.brentq(lambda b: pll(b_hat) - pll(b) - cut, b_hat - 10, b_hat, xtol=1e-12)
    upper = optimize.brentq(lambda b: pll(b_hat) - pll(b) - cut, b_hat, b_hat + 10, xtol=1e-12)
    p_value = stats.chi2.sf(2 * (pll(b_hat) - pll(0.0)), 1)
    assert (round(b_hat, 4), round(math.exp(b_hat), 2)) == (1.0172, 2.77)
    assert (round(math.exp(lower), 3), round(math.exp(upper), 3)) == (0.479, 12.585)
    assert round(p_value, 4) == 0.2285

    result = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status"], firth=True)
    row = result.table.loc["mrd_pre_status[positive]"]
    assert row["coef"] == pytest.approx(b_hat, abs=1e-6)
    assert row["hr_lower"] == pytest.approx(math.exp(lower), rel=1e-5)
    assert row["hr_upper"] == pytest.approx(math.exp(upper), rel=1e-5)
    assert row["p_value"] == pytest.approx(p_value, abs=1e-6)
    assert result.loglik == pytest.approx(pll(b_hat), abs=1e-8)
    assert result.converged
    assert not any("did not converge" in w or "numerical problem" in w
                   for w in result.warnings)


def test_firth_estimate_zeroes_the_exact_penalized_score(cohort):
    """At the estimate the exact penalized score (core.likelihood.firth) is ~0 and the
    information positive definite; one unit away it is not."""
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos"], firth=True)
    f = fit.data.likelihood("breslow")
    at = penalized(f, fit.params)
    assert np.abs(at.score).max() < 1e-8
    assert np.linalg.eigvalsh(at.information).min() > 0
    off = penalized(f, fit.params + 1)
    assert np.abs(off.score).max() > 0.1


def test_firth_equals_firthmodels_where_it_converges(cohort):
    """An independent implementation: firthmodels 0.8.2 ``FirthCoxPH`` (Breslow ties) on
    OS ~ MRD + adverse, where its own fit and penalized LR tests converge: the same
    estimates, profile penalized-likelihood limits and penalized LR p-values."""
    from firthmodels import FirthCoxPH

    times = cohort["os_months"].to_numpy(dtype=float)
    status = cohort["os_event"].to_numpy()
    x = cohort[["mrd_pos", "adverse"]].to_numpy(dtype=float)
    est = FirthCoxPH(max_iter=200, max_halfstep=20, gtol=1e-9, xtol=1e-10,
                     backend="numpy").fit(x, (status.astype(bool), times))
    est.lrt()
    ci = np.asarray(est.conf_int(alpha=0.05, method="pl", max_iter=200, tol=1e-8))
    assert est.converged_ and np.isfinite(est.lrt_pvalues_).all()
    ours = fit_cox(cohort, "os_months", "os_event", ["mrd_pos", "adverse"], firth=True)
    np.testing.assert_allclose(ours.table["coef"], est.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.table["p_value"], est.lrt_pvalues_, atol=1e-6)
    np.testing.assert_allclose(np.log(ours.table[["hr_lower", "hr_upper"]].to_numpy()), ci,
                               atol=1e-5)


def test_firth_gives_finite_estimate_where_mle_diverges(cohort):
    """OS ~ adverse: all 3 deaths are in adverse-risk patients; R's coxph reports
    "coefficient may be infinite". Firth gives a finite HR with a profile-likelihood CI."""
    ordinary = fit_cox(cohort, "os_months", "os_event", ["adverse"])
    assert _separation_warned(ordinary, "adverse")
    assert "none of the 12 patients without `adverse` had an event" in " ".join(
        ordinary.warnings)
    firth = fit_cox(cohort, "os_months", "os_event", ["adverse"], firth=True)
    row = firth.table.loc["adverse"]
    assert all(math.isfinite(row[c]) for c in COLUMNS)
    assert row["hr_lower"] < row["hr"] < row["hr_upper"]
    assert 0 < row["p_value"] < 1
    assert firth.ties == "breslow" and firth.method.startswith("Firth-penalized Cox")
    assert any("Breslow ties only; Breslow was used instead of Efron" in w
               for w in firth.notes)
    assert not any("separation" in w for w in firth.warnings)


def test_firth_close_to_ordinary_estimate_in_large_sample():
    """n = 2000 simulated (seed 20241124): Firth's bias correction is O(1/n), so the two
    estimates agree to about 0.01."""
    rng = np.random.default_rng(20241124)
    n = 2000
    x1 = rng.binomial(1, 0.4, n)
    x2 = rng.normal(0, 1, n)
    t_event = rng.exponential(1 / (0.1 * np.exp(0.7 * x1 - 0.3 * x2)))
    t_cens = rng.uniform(0, 15, n)
    df = pd.DataFrame({"t": np.minimum(t_event, t_cens), "e": (t_event <= t_cens).astype(int),
                       "x1": x1, "x2": x2})
    ordinary = fit_cox(df, "t", "e", ["x1", "x2"], ties="breslow")
    firth = fit_cox(df, "t", "e", ["x1", "x2"], ties="breslow", firth=True)
    diff = (firth.table["coef"] - ordinary.table["coef"]).abs()
    assert (diff < 0.01).all()
    assert (diff > 0).all()
    assert firth.table.loc["x1", "coef"] == pytest.approx(0.7, abs=0.15)
    assert not any("events per coefficient" in w for w in ordinary.notes)


# --------------------------------------------------------------------------------------------
# Guardrails and errors
# --------------------------------------------------------------------------------------------

def test_events_per_variable_note(cohort):
    """Few events per coefficient: the estimates stand, read with care (a note, not a
    warning, in the one vocabulary of core.errors.Caveats)."""
    result = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "adverse"])
    assert ("Only 6 events for 2 coefficients (3.0 events per coefficient; at least 10 is "
            "the usual minimum)") in result.notes[0]


def test_non_convergence_is_explained(cohort):
    result = fit_cox(cohort, "os_months", "os_event", ["consolidation"])
    assert not result.converged
    assert any(w.startswith("The likelihood maximisation did not converge")
               for w in result.warnings)
    assert _separation_warned(result, "consolidation")


def test_missing_rows_are_excluded_and_counted(cohort):
    cohort.loc[[0, 3], "age"] = np.nan
    cohort.loc[5, "rfs_months"] = np.nan
    result = fit_cox(cohort, "rfs_months", "rfs_event", ["age"])
    assert result.n == 16 and result.excluded == 3
    assert result.excluded_reason == ("3 rows excluded for missing values: `rfs_months` (1), "
                                      "`age` (2).")
    complete = fit_cox(cohort.dropna(subset=["age", "rfs_months"]), "rfs_months",
                       "rfs_event", ["age"])
    assert result.table["coef"].tolist() == pytest.approx(complete.table["coef"].tolist())
    assert complete.excluded == 0 and complete.excluded_reason == ""


def test_errors_are_pinned(cohort):
    with pytest.raises(AnalysisError, match=r"A Cox model needs at least 2 events; `os_event` "
                       r"has 1 among the 15 patients"):
        fit_cox(cohort[cohort["patient_id"] != 6].iloc[:15], "os_months", "os_event",
                ["age"])
    with pytest.raises(AnalysisError, match=r"Covariate `sex` is constant \('F' for every "
                       r"patient in the model\)"):
        fit_cox(cohort[cohort["sex"] == "F"], "rfs_months", "rfs_event", ["sex"])
    with pytest.raises(AnalysisError, match=r"Covariate `age` is constant \(50.0 for every"):
        fit_cox(cohort.assign(age=50.0), "rfs_months", "rfs_event", ["age"])
    with pytest.raises(AnalysisError, match=r"The cohort has no column `stage`"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["stage"])
    with pytest.raises(AnalysisError, match=r"`rfs_months` must hold non-negative numbers"):
        fit_cox(cohort.assign(rfs_months=-cohort["rfs_months"]), "rfs_months", "rfs_event",
                ["age"])
    with pytest.raises(AnalysisError, match=r"`rfs_event` must be 0 \(censored\) or 1 "
                       r"\(event\); found \[2"):
        fit_cox(cohort.assign(rfs_event=cohort["rfs_event"] * 2), "rfs_months", "rfs_event",
                ["age"])
    with pytest.raises(AnalysisError, match=r"Reference level 'poor' of `eln2022_risk` is not"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["eln2022_risk"],
                reference={"eln2022_risk": "poor"})
    with pytest.raises(AnalysisError, match=r"scale is given for `sex`, which is categorical"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["sex"], scale={"sex": 2})
    with pytest.raises(AnalysisError, match=r"scale for `age` must be a positive number"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["age"], scale={"age": 0})
    with pytest.raises(AnalysisError, match=r"reference is given for \['sex'\], which are not"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["age"], reference={"sex": "F"})
    with pytest.raises(AnalysisError, match=r"ties must be 'efron' or 'breslow', not 'exact'"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["age"], ties="exact")
    with pytest.raises(AnalysisError, match=r"Choose at least one covariate"):
        fit_cox(cohort, "rfs_months", "rfs_event", [])
    with pytest.raises(AnalysisError, match=r"conf_level must be between 0 and 1"):
        fit_cox(cohort, "rfs_months", "rfs_event", ["age"], conf_level=95)


def test_conf_level_changes_interval(cohort):
    r95 = fit_cox(cohort, "rfs_months", "rfs_event", ["adverse"])
    r90 = fit_cox(cohort, "rfs_months", "rfs_event", ["adverse"], conf_level=0.90)
    z95, z90 = 1.959963984540054, 1.6448536269514722
    width = (np.log(r95.table["hr_upper"]) - np.log(r95.table["hr_lower"])).iloc[0]
    width90 = (np.log(r90.table["hr_upper"]) - np.log(r90.table["hr_lower"])).iloc[0]
    assert width90 / width == pytest.approx(z90 / z95)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(len(COHORT)))))
def test_hazard_ratios_do_not_depend_on_row_order(order):
    shuffled = COHORT.iloc[order].reset_index(drop=True)
    for ties in ("efron", "breslow"):
        base = fit_cox(COHORT, "rfs_months", "rfs_event", ["mrd_pos", "age"], ties=ties)
        other = fit_cox(shuffled, "rfs_months", "rfs_event", ["mrd_pos", "age"], ties=ties)
        assert other.table["hr"].tolist() == pytest.approx(base.table["hr"].tolist(), rel=1e-7)
        assert other.table["se"].tolist() == pytest.approx(base.table["se"].tolist(), rel=1e-6)
        assert ph_test(other).table["chisq"].tolist() == pytest.approx(
            ph_test(base).table["chisq"].tolist(), rel=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([2.0, 5.0, 10.0, 12.5, 0.5]))
def test_scaling_age_multiplies_coefficient(factor):
    base = fit_cox(COHORT, "rfs_months", "rfs_event", ["age"])
    scaled = fit_cox(COHORT, "rfs_months", "rfs_event", ["age"], scale={"age": factor})
    term = f"age (per {factor:g} years)"
    assert scaled.table.loc[term, "coef"] == pytest.approx(
        factor * base.table.loc["age", "coef"], rel=1e-6)
    assert scaled.table.loc[term, "p_value"] == pytest.approx(
        base.table.loc["age", "p_value"], rel=1e-6)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

def test_forest_figure(cohort):
    result = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "adverse"])
    fig = forest_figure(result.table)
    spec = fig.to_plotly_json()
    trace = spec["data"][0]
    assert isinstance(trace["x"], list) and isinstance(trace["y"], list)
    assert trace["y"] == ["mrd_pos (n=4, events=2)", "adverse (n=7, events=4)"]
    assert trace["x"] == pytest.approx(result.table["hr"].tolist())
    assert trace["error_x"]["array"] == pytest.approx(
        (result.table["hr_upper"] - result.table["hr"]).tolist())
    assert spec["layout"]["xaxis"]["type"] == "log"
    assert spec["layout"]["shapes"][0]["x0"] == 1


def test_forest_figure_with_diverging_interval(cohort):
    result = fit_cox(cohort, "os_months", "os_event", ["mrd_pos", "adverse"])
    trace = forest_figure(result.table).to_plotly_json()["data"][0]
    assert "interval beyond the axis" in trace["hovertext"][1]


def test_forest_axis_labels_decades_0_01_to_100_and_wraps_long_labels(cohort):
    """A separated level (HR ~1e-10) once stretched the axis to 0.001 with 1000 on the other
    side; the axis stops at 0.01 and 100, the estimate is drawn at the edge and said so."""
    table = pd.DataFrame({"hr": [1e-10, 3.2], "hr_lower": [0.0, 0.3],
                          "hr_upper": [math.inf, 80.0], "p_value": [0.99, 0.3]},
                         index=["separated", "x"])
    layout = forest_figure(table).to_plotly_json()["layout"]["xaxis"]
    assert layout["tickvals"] == [0.01, 0.1, 1.0, 10.0, 100.0]
    assert layout["ticktext"] == ["0.01", "0.1", "1", "10", "100"]
    assert layout["range"] == [-2.0, 2.0]
    trace = forest_figure(table).to_plotly_json()["data"][0]
    assert trace["x"][0] == 0.01 and trace["hovertext"][0].endswith(
        "(estimate and interval beyond the axis)")
    narrow = forest_figure(table.loc[["x"]].assign(hr_lower=0.6, hr_upper=3.5))
    assert list(narrow.layout.xaxis.ticktext) == ["0.5", "1", "2", "5"]  # under 2 decades
    long = "ELN 2022 risk: intermediate versus favorable, by the 2022 classification"
    rows = forest_figure(table, labels={"x": long}).to_plotly_json()["data"][0]["y"]
    assert "<br>" in rows[1] and all(len(line) <= 56 for line in rows[1].split("<br>"))


def test_schoenfeld_figure(cohort):
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos", "adverse"])
    test = ph_test(fit)
    fig = schoenfeld_figure(test.residuals, test.table,
                            coefficients=fit.table["coef"].to_dict())
    data = fig.to_plotly_json()["data"]
    points = [t for t in data if t["mode"] == "markers"]
    assert len(points) == 2 and isinstance(points[0]["x"], list)
    assert points[0]["y"] == pytest.approx(test.residuals["mrd_pos"].tolist())
    titles = [a["text"] for a in fig.to_plotly_json()["layout"]["annotations"]]
    assert titles[0].startswith("mrd_pos (p = 0.656")


def test_schoenfeld_figure_has_the_subplots_layout_and_the_simple_white_template():
    """The figure is built in one construction from a cached grid, its template assigned from
    plotly's cache without validation: its layout is what ``make_subplots`` and
    ``update_layout(template="simple_white")`` gave (1 to 3 panels)."""
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        terms = [f"t{i}" for i in range(n)]
        residuals = pd.DataFrame({"time": rng.exponential(10, 12),
                                  "transformed_time": rng.random(12),
                                  **{t: rng.normal(size=12) for t in terms}})
        layout = schoenfeld_figure(residuals, labels={"t0": "first"}).to_plotly_json()["layout"]
        grid = make_subplots(rows=n, cols=1, subplot_titles=["first", *terms[1:]],
                             shared_xaxes=True, vertical_spacing=0.12 if n > 1 else 0.0)
        expected = grid.update_layout(template="simple_white").to_plotly_json()["layout"]
        assert layout["annotations"] == expected["annotations"]
        assert layout["template"] == expected["template"]
        for axis in [k for k in expected if k.startswith(("xaxis", "yaxis"))]:
            assert {k: layout[axis][k] for k in expected[axis]} == expected[axis]
        assert {k for k in layout if k.startswith(("xaxis", "yaxis"))} == {
            k for k in expected if k.startswith(("xaxis", "yaxis"))}


def test_unvalidated_cox_figures_are_what_plotly_validation_leaves_unchanged():
    """Schoenfeld and prediction figures skip plotly's validation of their lists
    (core.style.plot.trusted_figure): a validated copy has the same JSON (no empty title or
    shapes, which validation would drop), with and without title, marks and coefficients."""
    rng = np.random.default_rng(1)
    residuals = pd.DataFrame({"time": rng.exponential(10, 9), "transformed_time": rng.random(9),
                              "a": rng.normal(size=9), "b": rng.normal(size=9)})
    table = pd.DataFrame({"time": [0.0, 6.0, 12.0], "survival": [1.0, 0.8, 0.6],
                          "ci_lower": [1.0, 0.7, 0.5], "ci_upper": [1.0, 0.9, 0.7]})
    for fig in (schoenfeld_figure(residuals), schoenfeld_figure(residuals[["time",
                "transformed_time", "a"]], coefficients={"a": 0.2}, window=3),
                prediction_figure(table), prediction_figure(table, title="t", marks=(6, 24))):
        assert json.loads(go.Figure(fig.to_plotly_json()).to_json()) == json.loads(fig.to_json())


def test_ph_test_on_a_degenerate_fit_reports_missing_not_a_negative_chisq(cohort):
    """Favorable-risk patients only (3 patients, RFS ~ age per decade, coefficient running
    away): the statistic is numerical noise (it once came out as -8967, then as 2e-11, a
    reassuring p of 1.0). The test must say it cannot be computed, and why."""
    favorable = cohort[cohort["eln2022_risk"] == "favorable"]
    fit = fit_cox(favorable, "rfs_months", "rfs_event", ["age"], scale={"age": 10})
    result = ph_test(fit)
    assert result.table["chisq"].isna().all()
    assert any(w.startswith("The proportional-hazards test cannot be computed for `age` and "
                            "the global test: a coefficient of the fit runs to infinity "
                            "(separation)")
               for w in result.warnings)


def test_ph_test_keeps_the_finite_covariates_of_a_separated_fit(cohort):
    """RFS ~ MRD + ELN risk (no relapse at intermediate risk): ELN and the global test are not
    computable, MRD keeps its statistic."""
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status", "eln2022_risk"])
    table = ph_test(fit).table
    assert math.isfinite(table.loc["mrd_pre_status", "chisq"])
    assert table.loc[["eln2022_risk", "GLOBAL"], "chisq"].isna().all()


def test_duplicated_covariates_are_reported_as_na_like_coxph(cohort):
    """RFS ~ sorafenib timing + cytogenetics + fusion gene: t(8;21) and AML1-ETO mark the same
    3 patients, so the information matrix is singular. R 4.2.2 / survival 3.5.3:
    ``coxph(Surv(rfs_months, rfs_event) ~ sorafenib_timing + cytogenetics + fusion_gene)``
    reports fusion_genenegative as NA and fits the rest: cytogeneticsNormal se 1.858364,
    cytogeneticst(8;21)(q22;q22) coef -0.4756627 se 1.347703, sorafenib timing se 1.311678
    (R's reference is consolidation, ours induction: same se, opposite sign)."""
    fit = fit_cox(cohort, "rfs_months", "rfs_event",
                  ["sorafenib_timing", "cytogenetics", "fusion_gene"])
    table = fit.table
    assert table.loc["fusion_gene[negative]", ["coef", "se", "hr", "p_value"]].isna().all()
    assert table.loc["cytogenetics[t(8;21)(q22;q22)]", "coef"] == pytest.approx(-0.4756627,
                                                                                abs=1e-6)
    assert table.loc["cytogenetics[t(8;21)(q22;q22)]", "se"] == pytest.approx(1.347703, abs=1e-6)
    assert table.loc["cytogenetics[Normal]", "se"] == pytest.approx(1.858364, abs=1e-6)
    assert table.loc["sorafenib_timing[consolidation]", "se"] == pytest.approx(1.311678,
                                                                               abs=1e-6)
    assert any(w.startswith("`fusion_gene[negative]` carries no information of its own")
               for w in fit.warnings)
    assert not any("Monotone likelihood (separation) for `fusion_gene" in w
                   for w in fit.warnings)


def test_all_terms_aliased_is_refused(cohort):
    """Two copies of one indicator under different names leave nothing estimable when the
    indicator itself carries no information (every patient censored before any event)."""
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0, 4.0], "e": [1, 1, 0, 0], "x": [1.0, 1.0, 1.0, 1.0]})
    with pytest.raises(AnalysisError, match=r"Covariate `x` is constant"):
        fit_cox(df, "t", "e", ["x"])


def test_intervention_time_is_refused_as_a_baseline_covariate(cohort):
    """Issue 13: HSCT months (an event during follow-up) entered as a baseline covariate is
    the immortal-time error; the fit refuses and points to the page that analyses it."""
    cohort["hsct_months"] = np.where(cohort["patient_id"] <= 3, 8.0, np.nan)
    with pytest.raises(AnalysisError, match=(
            r"`hsct_months` holds the time of an intervention during follow-up \(e\.g\. HSCT\), "
            r"which is not known at baseline: as a baseline covariate it would credit the "
            r"patients who received it with the time they had to survive to receive it "
            r"\(immortal-time bias\)\. Remove it from the covariates and analyse it on the "
            r"\"Transplant & events during follow-up\" page")):
        fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status", "hsct_months"])


def test_firth_is_capped_for_registry_size_cohorts(cohort):
    big = pd.concat([cohort] * 264, ignore_index=True)  # 5,016 patients
    with pytest.raises(AnalysisError, match=(
            r"Firth's penalized Cox model is offered for up to 5,000 patients; this model has "
            r"5,016\. Its correction matters in small samples; in a cohort this large a hazard "
            r"ratio running to 0 or infinity means a level with no events")):
        fit_cox(big, "rfs_months", "rfs_event", ["mrd_pre_status"], firth=True)


def test_cox_page_rows_are_a_named_seeded_sample_above_the_cap(cohort):
    rows, note = model_rows(cohort, ["patient_id", "rfs_months", "age"], max_rows=19)
    assert note == "" and list(rows.columns) == ["patient_id", "rfs_months", "age"]
    sample, note = model_rows(cohort, ["patient_id", "rfs_months"], max_rows=10, seed=3)
    again, _ = model_rows(cohort, ["patient_id", "rfs_months"], max_rows=10, seed=3)
    assert len(sample) == 10 and sample.equals(again)
    assert sample.index.is_monotonic_increasing
    assert note == ("This cohort has 19 patients: the Cox models below are fitted on a random "
                    "sample of 10 of them (seed 3, the same sample every time), so that the page "
                    "answers in seconds. Intervals from all patients would be narrower; the "
                    "estimates differ only by sampling error.")


def test_single_covariate_given_as_a_string(cohort):
    pd.testing.assert_frame_equal(fit_cox(cohort, "rfs_months", "rfs_event", "age").table,
                                  fit_cox(cohort, "rfs_months", "rfs_event", ["age"]).table)


# --------------------------------------------------------------------------------------------
# The risk-set Newton-Raphson against statsmodels PHReg (the fit it replaced), and the
# guardrail box
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_risk_set_fit_equals_statsmodels_phreg_on_a_tied_cohort(ties):
    """300 seeded patients, 3 covariates, whole-month times (many ties): coefficients,
    standard errors and log-likelihood equal statsmodels PHReg's (which matches R) to 1e-8."""
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(11)
    x = rng.normal(size=(300, 3))
    times = np.ceil(rng.exponential(20 * np.exp(-x @ np.array([0.4, -0.3, 0.0]))))
    status = (rng.random(300) < 0.7).astype(int)
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(t=times, e=status)
    ours = fit_cox(df, "t", "e", ["a", "b", "c"], ties=ties)
    ref = PHReg(times, x, status=status, ties=ties).fit()
    assert ours.converged
    assert ours.table["coef"].to_numpy() == pytest.approx(ref.params, abs=1e-8)
    assert ours.table["se"].to_numpy() == pytest.approx(ref.bse, rel=1e-8)
    assert ours.loglik == pytest.approx(ref.llf, rel=1e-10)


def test_guardrail_box_for_the_default_seed_model(cohort):
    """RFS ~ MRD + ELN risk, Firth chosen automatically: separation, few events and the
    disagreement sentence, in plain words; the technical sentences only in the details."""
    ordinary = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status", "eln2022_risk"])
    firth = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pre_status", "eln2022_risk"],
                    firth=True)
    box = guardrail_box([("", ordinary, firth)], "relapses", auto_firth=True,
                        ph_results=[ph_test(ordinary)])
    assert len(box.points) == 3
    assert box.points[0].startswith("ELN 2022 risk: intermediate vs favorable: a group with "
                                    "none of the relapses")
    assert box.points[1].startswith("Only 6 relapses for 3 hazard ratios")
    assert box.points[2].startswith("For ELN 2022 risk: intermediate vs favorable, the Firth "
                                    "interval (< 0.001–0.274) excludes 1 while the ordinary "
                                    "Cox interval (0–∞) includes it")
    assert not any("onotone" in p or "profile" in p for p in box.points)
    assert any(d.startswith("Monotone likelihood (separation)") for d in box.details)
    assert AUTO_FIRTH_NOTE in box.details


def test_no_guardrail_points_for_a_clean_model():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=400), "t": rng.exponential(10, 400),
                       "e": (rng.random(400) < 0.8).astype(int)})
    fit = fit_cox(df, "t", "e", ["x"])
    assert guardrail_box([("", fit, fit)], "relapses") == GuardrailBox((), ())


def test_predict_survival_refuses_a_stratum_without_events(cohort):
    """Seed cohort (Table 1): no ELN-intermediate patient relapsed (0 of 9), so the stratified
    model has no baseline hazard there; R's survfit would draw a flat 100 %."""
    fit = fit_cox(cohort, "rfs_months", "rfs_event", ["mrd_pos"], strata="eln2022_risk")
    assert len(predict_survival(fit, {"mrd_pos": 0}, [12], stratum="adverse").table) == 1
    with pytest.raises(AnalysisError, match=r"Stratum 'intermediate' has no events, so the "
                       r"model estimates no baseline hazard for it and cannot predict"):
        predict_survival(fit, {"mrd_pos": 0}, [12], stratum="intermediate")


def test_forest_arrows_mark_what_runs_beyond_the_axis():
    """Issue 24: a separated level (HR 1e-10, interval 0 to infinity) and an upper bound past
    100 are drawn to the axis edge; an arrow at that edge, pointing outward, says they go on
    (besides the hover text); a row inside the axis gets none. Cox and Fine-Gray forests
    (forest_figure) and the subgroup forest share the helper (core.style.plot.edge_arrows)."""
    from core.cox.figures_subgroups import subgroup_forest_figure

    table = pd.DataFrame({"hr": [1e-10, 3.2, 2.0], "hr_lower": [0.0, 0.3, 0.5],
                          "hr_upper": [math.inf, 800.0, 8.0], "p_value": [0.99, 0.3, 0.4]},
                         index=["separated", "wide", "inside"])
    data = forest_figure(table).to_plotly_json()["data"]
    assert len(data) == 2
    arrows = data[1]
    assert arrows["x"] == [0.01, 100.0, 100.0]
    assert arrows["y"] == ["separated", "separated", "wide"]
    assert list(arrows["marker"]["symbol"]) == ["triangle-left", "triangle-right",
                                                "triangle-right"]
    assert arrows["hovertext"][0].endswith("(estimate and interval beyond the axis)")
    assert len(forest_figure(table.loc[["inside"]]).to_plotly_json()["data"]) == 1
    rows = table.reset_index(names="label").assign(
        attribute="Sex", level=["F", "M", "X"], n=[5, 6, 7], events=[0, 3, 2],
        method=["Firth", "Cox", "Cox"], note="")
    figure = subgroup_forest_figure(rows).to_plotly_json()
    marks = {t["name"]: t for t in figure["data"]}
    assert marks["Cox"]["x"] == [3.2, 2.0]
    edges = [t for t in figure["data"] if t["name"] == "beyond the axis"]
    assert [(t["x"], list(t["marker"]["symbol"])) for t in edges] == [
        ([100.0], ["triangle-right"]),  # the Cox rows: "wide" only
        ([0.01, 100.0], ["triangle-left", "triangle-right"])]  # the Firth row
