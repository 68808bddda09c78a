"""The one Cox partial likelihood under every Cox variant (as R's ``coxph.fit`` / ``agreg.fit``).

Design: a model variant is a description of risk sets, never a new Newton-Raphson loop.
:func:`.risksets.risk_sets` sorts counting-process rows ``(start, stop]`` once, within strata,
with case weights, into the structure every risk-set sum reads (suffix sums within a stratum,
minus the rows that have not yet entered); :func:`.partial.evaluate` gives the log partial
likelihood, score and information at a coefficient vector with Efron or Breslow ties in
O(n log n + n p^2); :func:`.newton.maximize` runs R's ``coxph.control`` iteration (relative
change of the log-likelihood, iteration cap, step halving toward the last good estimate).
The ordinary, Firth, counts-based, time-dependent and cause-specific Cox fits, the log-rank
test with delayed entry and the proportional-hazards test all stand on these three calls; the
Fine-Gray fit keeps its own likelihood and uses :func:`.newton.newton_step`.

This package depends on nothing of the app (numpy and scipy only): survival and cox both
stand on it.

References
----------
Therneau TM, Grambsch PM (2000). Modeling Survival Data. Springer (chapter 3: computation).
Therneau TM. survival: ``src/agfit4.c``, ``src/coxfit6.c``, ``R/coxph.control.R``.
"""
