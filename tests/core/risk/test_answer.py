"""The Relapse risk page's answer-first line (core.risk.summary.RiskReport.answer).

The figures inside it are the model's and the assessment's (golden-tested against R
riskRegression / pmsampsize formulas in tests/core/risk/); these tests pin the wording: the
spread of predicted risks, the apparent AUC, and a verdict that is "not conclusive with N
events" whenever Riley et al.'s criteria are not met, whatever the AUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cohort import load_seed_cohort
from core.risk.summary import risk_report


def test_too_few_events_is_not_conclusive_with_the_count():
    report = risk_report(load_seed_cohort(), "cir", "fine_gray", ["mrd_pre_status", "age"], 24)
    risks = report.assessment.patients["risk"]
    auc = report.assessment.auc
    assert report.answer == (
        "Relapse (death without relapse competing) by 24 months, Fine-Gray subdistribution "
        f"hazards: predicted risks {100 * risks.min():.1f}% to {100 * risks.max():.1f}% across "
        f"19 patients; apparent AUC {auc.auc:.3f} (95% CI {auc.ci_lower:.3f}–"
        f"{auc.ci_upper:.3f}): not conclusive with 6 events (Riley et al.'s criteria ask for "
        "at least 48).")


def test_enough_events_reads_the_auc_interval():
    """600 synthetic patients with a strong marker: validated, AUC interval above 0.5."""
    rng = np.random.default_rng(7)
    n = 600
    marker = rng.choice(["low", "high"], n)
    rate = np.where(marker == "high", 0.08, 0.02)
    time = rng.exponential(1 / rate)
    censor = rng.uniform(6, 60, n)
    cohort = pd.DataFrame({"patient_id": range(n), "mrd_pre_status": np.where(
        marker == "high", "positive", "negative"),
        "rfs_months": np.minimum(time, censor), "rfs_event": (time <= censor).astype(int),
        "os_months": censor + 1, "os_event": 0})
    report = risk_report(cohort, "rfs", "cox", ["mrd_pre_status"], 12)
    assert report.validated
    assert report.answer.endswith(": it ranks patients better than chance (apparent figures, "
                                  "optimistic until the internal validation below).")
