"""Who may see what, and who did what: roles and their permissions, the access settings, the
hash-chained audit log and de-identified exports.

Pure Python on the cohort floor (it reads the cohort schema to know which columns are dates
and free text); the UI glue (sign-in, the header, the download guard) is ``ui/access.py``.
The audit log is verified from a terminal with ``python -m core.access verify <log>``.
"""
