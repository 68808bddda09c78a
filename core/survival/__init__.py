"""How long until death or relapse: which rows enter an analysis, Kaplan-Meier estimates,
log-rank tests, the Survival page's report, the study's printed rates and the KM figure.

Built on :mod:`core.cohort`; never imports from ``cox``, ``patients`` or ``report``.
"""

from core.survival.km.contrasts import milestone_difference, rmst_comparison  # noqa: F401
from core.survival.km.estimate import (  # noqa: F401  (re-exported: outside checks call these names)
    KaplanMeierResult,
    kaplan_meier,
    survival_at,
)
from core.survival.km.logrank import LogRankResult, logrank  # noqa: F401
from core.survival.km.pairwise import PairwiseLogRank, pairwise_logrank  # noqa: F401
