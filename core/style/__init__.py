"""How numbers, p-values and figures look, the same on every page and in every export.

The ground floor of presentation: :mod:`.numbers` formats estimates, intervals and p-values
as clinicians read them; :mod:`.plot` holds the colour-blind-safe palettes, line styles,
fonts and axis helpers every figure uses. Survival, Cox, patients and report all import from
here, never from each other's page modules.
"""
