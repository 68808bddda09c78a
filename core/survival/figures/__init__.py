"""Plotly figures of survival results, drawing only (every number comes in as a table):
Kaplan-Meier (:mod:`.km`), cumulative incidence (:mod:`.competing`), cut-point
(:mod:`.cutpoint`) and Simon-Makuch (:mod:`.timedep`)."""
