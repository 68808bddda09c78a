"""The seed study's printed figures against its patient rows: the headline rates
(:mod:`.headline`) and every printed summary figure (:mod:`.check`)."""
