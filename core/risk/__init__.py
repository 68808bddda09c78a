"""Patient-level risk at a horizon and the validation that says how far to trust it.

Built on :mod:`core.cohort`, :mod:`core.survival` and :mod:`core.cox` (one floor above cox,
below report). The contract's names (``shared/CONTRACT.md``, "Relapse risk and its
validation") are importable from this package: :func:`time_auc` and :func:`brier_score`.
"""

from core.risk.auc import TimeAUC, time_auc  # noqa: F401  (contract names)
from core.risk.brier import BrierScore, brier_score  # noqa: F401
