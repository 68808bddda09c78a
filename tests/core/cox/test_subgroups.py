"""Subgroup forest and side-by-side univariable models: numbers against R's survival package,
guardrails (Firth where separated, rows without an estimate kept with the reason), figure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.cox.figures_subgroups import subgroup_forest_figure
from core.cox.fit import fit_cox
from core.cox.subgroups import (
    AGE_GROUP_COLUMN,
    interaction_test,
    subgroup_forest,
    univariable_forest,
    with_age_group,
)
from core.errors import AnalysisError

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """The 100 patients of maxstat_r_golden.json's ``age_100`` case (made in R, seed 102),
    with f = "high" when marker > 48 else "low" and a = "a", "b", "c" by row (1-based row
    i gets c("a", "b", "c")[(i - 1) %% 3 + 1])."""
    data = pd.DataFrame(json.loads((GOLDEN / "maxstat_r_golden.json").read_text())
                        ["results"]["age_100"]["data"])
    data["f"] = np.where(data["marker"] > 48, "high", "low")
    data["a"] = np.array(["a", "b", "c"])[np.arange(len(data)) % 3]
    return data


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return with_age_group(load_seed_cohort())


def test_subgroup_hazard_ratios_equal_r(simulated):
    """R: summary(coxph(Surv(time, event) ~ f, data = g[g$a == lv, ]))$conf.int, f with levels
    c("low", "high"): a 5.925901975579 (2.205675456612-15.920889049611, p 0.000417578594),
    b 4.188886493956 (1.600687072424-10.962023971795, p 0.003518159289), c 4.058125706033
    (1.289378498616-12.772342848626, p 0.016646088952); all patients 3.931470445146."""
    forest = subgroup_forest(simulated, "time", "event", "f", ["a"], reference="low")
    table = forest.table.set_index("level")
    expected = {"a": (5.925901975579, 2.205675456612, 15.920889049611, 0.000417578594),
                "b": (4.188886493956, 1.600687072424, 10.962023971795, 0.003518159289),
                "c": (4.058125706033, 1.289378498616, 12.772342848626, 0.016646088952)}
    for level, values in expected.items():
        got = table.loc[level, ["hr", "hr_lower", "hr_upper", "p_value"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, values, rtol=1e-6)
    assert table.loc["all", "hr"] == pytest.approx(3.931470445146, rel=1e-6)
    assert list(forest.table["method"]) == ["Cox"] * 4
    assert forest.reference == "low"


def test_interaction_likelihood_ratio_equals_r(simulated):
    """R: anova(coxph(Surv(time, event) ~ f + a, g), coxph(Surv(time, event) ~ f * a, g)):
    loglik -290.171596851 and -287.145622541, Chisq 6.05195, Df 2, P 0.048511."""
    row = subgroup_forest(simulated, "time", "event", "f", ["a"],
                          reference="low").interactions.iloc[0]
    assert row["statistic"] == pytest.approx(2 * (-287.145622541 + 290.171596851), rel=1e-8)
    assert row["df"] == 2 and row["p_value"] == pytest.approx(0.048511, abs=5e-7)
    assert row["note"] == ""


def test_separated_subgroups_use_firth_and_say_why(seed):
    forest = subgroup_forest(seed, "rfs_months", "rfs_event", "mrd_pre_status",
                             ["sex", AGE_GROUP_COLUMN, "eln2022_risk"])
    table = forest.table
    firth = table[table["method"] == "Firth"]
    assert len(firth) >= 1
    assert firth["note"].str.startswith("Firth-penalized: the ordinary fit").all()
    for _, row in firth.iterrows():  # the same numbers as fit_cox(firth=True) on the subgroup
        subset = seed[seed[row["attribute"]] == row["level"]]
        direct = fit_cox(subset, "rfs_months", "rfs_event", ["mrd_pre_status"], firth=True)
        assert row["hr"] == pytest.approx(direct.table["hr"].iloc[0], rel=1e-9)
    eln = table[table["attribute"] == "eln2022_risk"].set_index("level")
    assert math.isnan(eln.loc["favorable", "hr"])
    assert eln.loc["favorable", "note"] == ("only one value of MRD before maintenance in this "
                                            "subgroup")
    assert eln.loc["intermediate", "note"] == "0 event(s): no hazard ratio"
    # the subgroups of each attribute hold every patient with the attribute recorded
    for attribute in ("sex", AGE_GROUP_COLUMN, "eln2022_risk"):
        assert table.loc[table["attribute"] == attribute, "n"].sum() == 19
    assert forest.interactions["note"].str.startswith("unreliable").any()


def test_interaction_without_variation_is_explained():
    data = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 0, 1, 1, 0, 1, 1],
                         "f": ["x", "y", "x", "y", "x", "x", "x", "x"],
                         "a": ["p", "p", "p", "p", "q", "q", "q", "q"]})
    row = interaction_test(data, "t", "e", "f", "a", {})
    assert row["df"] == 0 and row["note"].startswith("no estimable interaction")
    row = interaction_test(data.assign(a="p"), "t", "e", "f", "a", {})
    assert row["note"] == "one level only: no interaction to test"
    row = interaction_test(data.iloc[:0], "t", "e", "f", "a", {})  # attribute all missing
    assert row["note"] == "one level only: no interaction to test" and row["n"] == 0


def test_forest_with_an_attribute_missing_for_everyone():
    """An uploaded file without sex: the forest of a two-level file column still draws (the
    interaction row says why there is no test) instead of failing on an empty design."""
    data = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 0, 1, 1, 0, 1, 1],
                         "arm": ["A", "B"] * 4, "sex": [None] * 8})
    forest = subgroup_forest(data, "t", "e", "arm", ["sex"])
    row = forest.interactions.iloc[0]
    assert row["note"] == "one level only: no interaction to test; 8 patients without this " \
                          "attribute left out"


def test_univariable_models_side_by_side(seed):
    table = univariable_forest(seed, "rfs_months", "rfs_event",
                               ["mrd_pre_status", "age", "eln2022_risk"])
    direct = fit_cox(seed, "rfs_months", "rfs_event", ["age"])
    age = table[table["attribute"] == "age"].iloc[0]
    assert age["hr"] == pytest.approx(direct.table.loc["age", "hr"], rel=1e-12)
    assert set(table.loc[table["attribute"] == "eln2022_risk", "method"]) == {"Firth"}
    assert list(table["attribute"]) == ["mrd_pre_status", "age", "eln2022_risk", "eln2022_risk"]
    missing = univariable_forest(seed.assign(rfs_event=0), "rfs_months", "rfs_event", ["age"])
    assert missing["note"].iloc[0].startswith("A Cox model needs at least 2 events")


def test_figure_rows_headings_and_log_ticks(seed):
    forest = subgroup_forest(seed, "rfs_months", "rfs_event", "mrd_pre_status",
                             ["sex", "eln2022_risk"])
    figure = subgroup_forest_figure(forest.table, forest.interactions)
    ticks = list(figure.layout.yaxis.ticktext)
    assert ticks[0].startswith("<b>All patients</b>")
    assert any(t.startswith("<b>Sex</b>  interaction p = ") for t in ticks)
    assert any("only one value of MRD" in t for t in ticks)
    assert len(ticks) == len(forest.table) + 2  # one heading per attribute
    # a bound beyond 100 stops the axis there; labelled at the decades within the data
    # (core.style.plot.ratio_axis; 0.001 and 1000 were drawn before)
    assert list(figure.layout.xaxis.ticktext) == ["0.1", "1", "10", "100"]
    assert list(figure.layout.xaxis.tickvals) == [0.1, 1.0, 10.0, 100.0]
    assert figure.layout.xaxis.range[1] == 2.0
    # the 87-character note wraps: the panel keeps the width, the row its own room
    note = next(t for t in ticks if "only one value of MRD" in t)
    assert "<br>" in note and all(len(line) <= 56 for line in note.split("<br>"))
    values = list(figure.layout.yaxis.tickvals)
    assert all(b - a >= 1.0 - 1e-6 for a, b in zip(values, values[1:], strict=False))
    # the bound beyond 100 is marked by an arrow at that edge (issue 24)
    assert {trace.name for trace in figure.data} == {"Cox", "Firth-penalized",
                                                     "beyond the axis"}
    arrows = [t for t in figure.data if t.name == "beyond the axis"]
    assert {x for t in arrows for x in t.x} <= {10 ** r for r in figure.layout.xaxis.range}


def test_figure_escapes_group_names(seed):
    cohort = seed.assign(hostile=np.where(seed["age"] > 55, "<b onmouseover=x>", "plain"))
    forest = subgroup_forest(cohort, "rfs_months", "rfs_event", "mrd_pre_status", ["hostile"])
    text = " ".join(subgroup_forest_figure(forest.table).layout.yaxis.ticktext)
    assert "<b onmouseover" not in text


def test_age_group_keeps_missing_age_missing(seed):
    cohort = with_age_group(seed.assign(age=[np.nan] + list(seed["age"][1:])), cut=50)
    assert cohort[AGE_GROUP_COLUMN].isna().sum() == 1
    assert set(cohort[AGE_GROUP_COLUMN].dropna()) == {"< 50", ">= 50"}


def test_errors_name_the_rule_and_the_fix(seed):
    with pytest.raises(AnalysisError, match="Column `nope` is not in the cohort"):
        subgroup_forest(seed, "rfs_months", "rfs_event", "nope", ["sex"])
    with pytest.raises(AnalysisError, match="takes fewer than 2 values among the 19 patients"):
        subgroup_forest(seed.assign(mrd_pre_status="negative"), "rfs_months", "rfs_event",
                        "mrd_pre_status", ["sex"])
    twice = pd.concat([seed, seed], ignore_index=True).assign(ward=[f"w{i}" for i in range(38)])
    with pytest.raises(AnalysisError, match=r"^Column `ward` has 38 different values; at most 20 "
                                            r"groups \(or levels of a covariate\) are compared"):
        subgroup_forest(twice, "rfs_months", "rfs_event", "mrd_pre_status", ["ward"])
