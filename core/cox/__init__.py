"""What changes the hazard, and by how much: Cox and Firth fits with their guardrails, the
proportional-hazards check, predicted survival of a profile, page tables and figures.

Built on :mod:`core.cohort` and :mod:`core.survival`.
"""

from core.cox.fit import CoxResult, fit_cox  # noqa: F401  (re-exported: outside checks call it)
