"""Who each patient is and what happened when: swimmer lanes, patient cards, one-patient
timelines, the pre-treatment regimen glossary and their figures.

Built on :mod:`core.cohort` and :mod:`core.survival`.
"""
