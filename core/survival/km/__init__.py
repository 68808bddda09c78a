"""Kaplan-Meier and the log-rank family: the event-count table every estimate is read from
(:mod:`.counts`), the estimates, landmarks, medians and RMST (:mod:`.estimate`), log-rank,
permutation and trend tests (:mod:`.logrank`), median follow-up (:mod:`.followup`) and the
Survival page's summary in one call (:mod:`.summary`).
"""
