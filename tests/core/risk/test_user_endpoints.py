"""Issue 21: the Relapse risk page predicts the user's own endpoints that end with a relapse
and have no delayed entry, through the one resolver; the others are named with the reason.

Equivalence: a user cumulative incidence of relapse built from times (relapse, death without
relapse competing, last contact, on the maintenance clock) is the built-in CIR with the
"end_of_rfs" death rule, so its Fine-Gray and Cox models are the built-in ones, whose numbers
are R's (tests/core/risk/test_models.py, cmprsk::crr and survival::coxph).
"""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import AnalysisError
from core.risk.endpoints import endpoint_choices, endpoint_kinds, not_offered, prepare_endpoint
from core.risk.summary import risk_report
from core.survival.endpoint import EndpointRecipe, user_endpoint
from tests.core.user_endpoints import CIR, SEED, user_endpoint_cohort

COHORT = user_endpoint_cohort()
OWN_RFS = user_endpoint("Relapse or death", "RD", EndpointRecipe(
    None, ("relapse_m", "death_m"), "last_m", unit="months"))
WITH_ENTRY = user_endpoint("Relapse with entry", "RE", EndpointRecipe(
    None, ("relapse_m",), "last_m", entry="start_m", unit="months"))
NOT_RELAPSE = user_endpoint("Death only", "DO", EndpointRecipe(
    None, ("death_m",), "last_m", unit="months"))
USERS = (CIR, OWN_RFS, WITH_ENTRY, NOT_RELAPSE)


def test_only_relapse_endpoints_without_entry_are_offered_and_the_others_say_why():
    choices = endpoint_choices(COHORT, USERS)
    assert list(choices)[-2:] == ["u.rdc", "u.rd"]
    assert endpoint_kinds("u.rdc", USERS) == ("fine_gray", "cause_specific")
    assert endpoint_kinds("u.rd", USERS) == ("cox",)
    assert not_offered(COHORT, USERS) == [
        "Relapse with entry (RE) is not offered here: it has delayed entry (from `start_m`), "
        "which the risk models and their validation (time-dependent AUC, calibration, Brier "
        "score, all weighted by censoring) do not take. Fix: define the endpoint again without "
        "an entry time.",
        "Death only (DO) is not offered here: none of its events (`death_m`) is a relapse, "
        "and this page predicts the risk of relapse. Fix: include the relapse date among its "
        "events on the Your data page."]
    with pytest.raises(AnalysisError, match=r"^The cohort has no columns for the endpoint "
                                            r"'u\.do'"):
        prepare_endpoint(COHORT, "u.do", user_endpoints=USERS)


def test_a_user_cumulative_incidence_of_relapse_is_the_built_in_model():
    """Fine-Gray on both; the cause-specific model needs two deaths without relapse, which
    the study has not (one), and says so for the user's endpoint as for the built-in."""
    covariates, kind = ["mrd_pre_status", "age"], "fine_gray"
    own = risk_report(COHORT, "u.rdc", kind, covariates, 24, user_endpoints=USERS)
    built_in = risk_report(SEED, "cir", kind, covariates, 24, death_rule="end_of_rfs")
    np.testing.assert_allclose(own.model.table["coef"], built_in.model.table["coef"],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(own.assessment.patients["risk"],
                               built_in.assessment.patients["risk"], rtol=0, atol=1e-10)
    assert own.endpoint.label == "Relapse, death competing (RDC)"
    with pytest.raises(AnalysisError, match=r"^A Cox model needs at least 2 events; cause 2 "
                                            r"of `endpoint_status` has 1 among the 19"):
        risk_report(COHORT, "u.rdc", "cause_specific", covariates, 24, user_endpoints=USERS)


def test_a_user_one_event_endpoint_is_a_cox_model_of_its_event():
    """Relapse or death from the user's times is the study's EFS: the Cox model equals the
    one on the built-in EFS columns (R coxph on the same time and event)."""
    own = risk_report(COHORT, "u.rd", "cox", ["mrd_pre_status"], 12, user_endpoints=USERS)
    efs = prepare_endpoint(COHORT, "u.rd", user_endpoints=USERS)
    expected = (SEED["rfs_event"] == 1) | (SEED["os_event"] == 1)
    assert efs.frame[efs.status].tolist() == expected.astype(float).tolist()
    assert own.model.n == 19 and own.endpoint.kinds == ("cox",)


def test_a_frozen_model_of_a_user_endpoint_asks_for_its_definition():
    """External validation of a frozen model on another cohort: the file keeps the endpoint's
    key; without the definition in the session the page says how to give it."""
    from core.risk.summary import external_validation

    report = risk_report(COHORT, "u.rdc", "fine_gray", ["age"], 24, user_endpoints=USERS)
    with pytest.raises(AnalysisError, match=r"^The model predicts your own endpoint 'u\.rdc', "
                                            r"which is not defined in this session"):
        external_validation(report.model, "u.rdc", COHORT)
    again = external_validation(report.model, "u.rdc", COHORT, user_endpoints=USERS)
    assert again.n == 19
