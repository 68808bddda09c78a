"""Kaplan-Meier and the log-rank family: the event-count table every estimate is read from
(:mod:`.counts`, :mod:`.engine_counts`), the estimates, landmarks and medians (:mod:`.estimate`),
restricted means (:mod:`.rmst`), log-rank,
permutation and trend tests (:mod:`.logrank`), median follow-up (:mod:`.followup`) and the
Survival page's summary in one call (:mod:`.summary`).
"""
