"""The Cox page's model policy in one core call (core.cox.view): which fits are made and shown.

The numbers themselves are fit_cox's (golden-tested against R in test_cox.py); these tests pin
the policy: univariable vs multivariable, Firth when asked or under "auto" on separation,
predictions per endpoint, and the reasons no model is fitted.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from core.cox.fit import fit_cox
from core.cox.view import (
    MARKS,
    CoxChoices,
    cox_view,
    no_model_reason,
    prediction_panels,
    readable,
)
from core.errors import AnalysisError
from core.survival.endpoint import OS, OS_ENTRY, RFS, resolve_endpoint

SEED = load_seed_cohort()


def test_multivariable_view_shows_one_model_equal_to_fit_cox():
    view = cox_view(SEED, CoxChoices("rfs", ("mrd_pre_status", "eln2022_risk"),
                                     firth="ordinary"))
    assert [m.name for m in view.models] == ["Multivariable"]
    direct = fit_cox(SEED, "rfs_months", "rfs_event", ["mrd_pre_status", "eln2022_risk"])
    pd.testing.assert_frame_equal(view.models[0].shown.table, direct.table)
    assert view.forest_title == "Multivariable Cox model, RFS"
    assert list(view.hr_table.index) == list(range(len(direct.table)))
    assert set(view.predictions) == {"rfs", "os"}
    assert "Efron" in view.caption and "Wald" in view.caption


def test_univariable_view_fits_one_model_per_covariate_with_ph_checks():
    view = cox_view(SEED, CoxChoices("os", ("mrd_pre_status", "age"), model="univariable",
                                     scale=(("age", 10.0),)))
    assert [m.covariates for m in view.models] == [("mrd_pre_status",), ("age",)]
    assert all(m.ph is not None and m.ph_error == "" for m in view.models)
    assert "age (per 10 years)" in view.labels


def test_auto_uses_firth_only_where_the_ordinary_fit_separates():
    # a level without events: the ordinary fit separates, "auto" shows Firth
    cohort = SEED.assign(arm=["a"] * 10 + ["b"] * 9,
                         rfs_event=[1, 0] * 5 + [0] * 9)
    auto = cox_view(cohort, CoxChoices("rfs", ("arm",), firth="auto"))
    assert auto.models[0].shown.firth and not auto.models[0].ordinary.firth
    assert auto.box.points  # the guardrail box says why
    ordinary = cox_view(cohort, CoxChoices("rfs", ("arm",), firth="ordinary"))
    assert not ordinary.models[0].shown.firth
    sound = cox_view(SEED, CoxChoices("rfs", ("age",), firth="auto"))
    assert not sound.models[0].shown.firth


def test_fits_come_through_the_given_callable():
    calls = []

    def fit(endpoint, columns, firth):
        calls.append((endpoint, columns, firth))
        return CoxChoices(endpoint, columns).fit_cox(SEED, endpoint, columns, firth)

    cox_view(SEED, CoxChoices("rfs", ("age",), firth="ordinary"), fit=fit)
    assert ("rfs", ("age",), False) in calls and ("os", ("age",), False) in calls
    assert not any(firth for _, _, firth in calls)


def test_no_model_reasons_are_pinned():
    kind, text = no_model_reason(SEED.iloc[:1], RFS, "rfs_event", ["age"])
    assert kind == "patients" and text.startswith("Only one patient matches")
    kind, text = no_model_reason(SEED.assign(os_event=0), OS, "os_event", ["age"])
    assert (kind, text) == ("events", "The 19 filtered patients have 0 deaths (Overall "
                            "survival (OS)): a hazard ratio compares the rate of deaths, "
                            "so the Cox model needs at least two. Widen the filters or choose "
                            "another endpoint.")
    assert no_model_reason(SEED, RFS, "rfs_event", [])[0] == "covariates"
    assert no_model_reason(SEED, RFS, "rfs_event", ["age"]) == ("", "")


def test_a_fit_that_cannot_be_made_raises_for_the_page():
    with pytest.raises(AnalysisError, match="constant"):
        cox_view(SEED.assign(sex="M"), CoxChoices("rfs", ("sex",)))


def test_prediction_panels_give_curves_and_rows_at_the_marks():
    view = cox_view(SEED, CoxChoices("rfs", ("mrd_pre_status",), firth="ordinary"))
    panels = prediction_panels(SEED, view, {"mrd_pre_status": "negative"})
    assert [p.endpoint for p in panels] == ["rfs", "os"]
    for panel in panels:
        assert panel.curve is not None and not panel.error
        row = dict(panel.row)
        assert list(row) == ["Endpoint", *(f"{m:g} months: % (95% CI)" for m in MARKS)]
        survival = panel.curve.table["survival"]
        assert survival.between(0, 1).all() and survival.is_monotonic_decreasing


def test_prediction_panel_without_events_says_why():
    cohort = SEED.assign(os_event=0)
    view = cox_view(cohort, CoxChoices("rfs", ("mrd_pre_status",), firth="ordinary"))
    os_panel = prediction_panels(cohort, view, {"mrd_pre_status": "negative"})[1]
    assert os_panel.curve is None
    assert os_panel.message == ("No overall survival prediction: the filtered patients have 0 "
                                "deaths, and a Cox model needs at least two.")


def test_readable_names_terms_and_escapes_user_text():
    text = readable("Monotone likelihood for `arm[<b>x</b>]`. Refit with firth=True "
                    "(Firth-penalized Cox).", {"arm[<b>x</b>]": "Arm: <b>x</b> vs a"}, {})
    assert text == ("Monotone likelihood for *Arm: \\<b\\>x\\</b\\> vs a*. Choose "
                    "**Firth-penalized Cox** (or **Automatic**) under Estimation.")


def test_delayed_entry_endpoint_fits_with_entry_and_equals_r():
    """OS with delayed entry at maintenance start: R (tests/core/golden/
    make_cox_entry_golden.R) ``coxph(Surv(entry, os_months, os_event) ~ mrd_pre_status,
    data = seed)``, entry = os_months - rfs_months: coefficient, SE, HR, CI, p and
    concordance to 1e-6; no predicted curve (a sentence instead); the entry is named in
    the model description."""
    golden = json.loads((Path(__file__).resolve().parents[1] / "golden"
                         / "cox_entry_r_golden.json").read_text())["mrd.efron"]
    resolved = resolve_endpoint(SEED, OS_ENTRY)
    assert resolved.frame[resolved.entry].tolist() == json.loads((
        Path(__file__).resolve().parents[1] / "golden" / "cox_entry_r_golden.json"
    ).read_text())["entry"]
    choices = CoxChoices(OS_ENTRY, ("mrd_pre_status",), firth="ordinary",
                         columns=(resolved.time, resolved.event, resolved.entry))
    view = cox_view(resolved.frame, choices)
    fit = view.models[0].shown
    row = fit.table.iloc[0]
    for ours, theirs in [("coef", "coef"), ("se", "se"), ("hr", "hr"), ("hr_lower", "lower"),
                         ("hr_upper", "upper"), ("p_value", "p")]:
        assert row[ours] == pytest.approx(golden[theirs], rel=1e-6), ours
    assert fit.concordance == pytest.approx(golden["concordance"], rel=1e-9)
    assert (fit.n, fit.events) == (golden["n"], golden["events"])
    assert fit.lr_p_value == pytest.approx(golden["lr_p"], rel=1e-6)
    assert "patients count from maintenance start" in view.caption
    assert all("delayed entry at maintenance start" in m for m in view.methods)
    assert view.predicted == ("os_entry",) and view.predictions == {}
    panel, = prediction_panels(resolved.frame, view, {"mrd_pre_status": "negative"})
    assert panel.curve is None
    assert panel.message.startswith("No predicted curve for Overall survival (OS; delayed "
                                     "entry at maintenance start): with delayed entry")
    naive = cox_view(SEED, CoxChoices("os", ("mrd_pre_status",), firth="ordinary"))
    assert naive.models[0].shown.table.iloc[0]["hr"] != pytest.approx(golden["hr"], rel=1e-3)
