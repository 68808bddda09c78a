"""Cut-points of a numeric marker: the maximally selected log-rank statistic with Lausen &
Schumacher's p, an exact Gaussian p and a permutation p (:mod:`.maxstat`, as R ``maxstat``).

The contract's name ``max_logrank`` is importable from this package.
"""

from core.survival.cutpoint.maxstat import CutpointResult, max_logrank  # noqa: F401
