"""Competing risks: who had which first event (:mod:`.input`), Aalen-Johansen cumulative
incidence (:mod:`.estimate`), Gray's test (:mod:`.gray`), Fine-Gray regression
(:mod:`.finegray`) and the Competing risks page's summary (:mod:`.summary`).

The contract's names (``shared/CONTRACT.md``) are importable from this package.
"""

from core.survival.competing.estimate import (  # noqa: F401  (contract names)
    CumulativeIncidence,
    cumulative_incidence,
    cumulative_incidence_at,
)
from core.survival.competing.finegray import FineGrayResult, fine_gray  # noqa: F401
from core.survival.competing.gray import GrayTestResult, gray_test  # noqa: F401
