"""Interventions during follow-up (e.g. HSCT) without immortal-time bias: the counting-process
split (:mod:`.data`), Mantel-Byar and the time-dependent Cox model (:mod:`.models`), the
landmark log-rank (:mod:`.landmark`), Simon-Makuch curves and the censor-at-intervention
sensitivity analysis (:mod:`.km`), and the During follow-up page's summary (:mod:`.summary`).

The contract's names (``shared/CONTRACT.md``) are importable from this package.
"""

from core.survival.timedep.landmark import LandmarkResult, landmark_logrank  # noqa: F401
from core.survival.timedep.models import (  # noqa: F401  (contract names)
    MantelByarResult,
    TimeDependentCoxResult,
    mantel_byar,
    time_dependent_cox,
)
