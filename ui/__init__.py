"""Streamlit-only helpers shared by app.py and pages/ (never imported by core/).

One BLAS thread per server process, set here because every page imports ``ui``: the app's
linear algebra is vectors of one value per patient (dot products, p x p information
matrices, p <= ~20), where OpenBLAS's threads only wait for each other. Measured on the
2-core machine under load (``bench/bench_registry_pages.py``): a dot product of 10^5 values
took 5 ms of CPU with two threads and 0.1-0.4 ms with one, and a Cox fit on the registry's
10^5-row sample about 40 % less CPU. Results agree to rounding (a sum in another order).
"""

import numpy  # noqa: F401  (loads numpy's OpenBLAS, so that the limit below reaches it)
from threadpoolctl import threadpool_limits

threadpool_limits(limits=1, user_api="blas")
