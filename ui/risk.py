"""Cached wrappers and the background bootstrap of the Relapse risk page.

The bootstrap validation (:func:`core.risk.bootstrap.validate_model`) can take a minute on a
large cohort. It runs on a worker thread that only calls core (never streamlit); the page
polls the :class:`BootstrapJob` in ``st.session_state`` from a fragment that reruns every
second to draw the progress bar and the Cancel button, so the rest of the page stays usable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from core.errors import AnalysisError
from core.risk.bootstrap import Validation, validate_model
from core.risk.frozen import thaw
from core.risk.model import RiskModel
from core.risk.summary import RiskReport, risk_report
from ui.session_cache import session_cached

JOB = "risk.job"
"""Session-state key of the running or finished bootstrap."""
WORKERS = 2
"""Refitting threads of a bootstrap on 1,000 patients or more (bench/bench_risk.py)."""


@session_cached(show_spinner="Fitting the risk model…", max_entries=32)
def report(cohort: pd.DataFrame, endpoint: str, kind: str, covariates: tuple[str, ...],
           horizon: float, death_rule: str, user_endpoints: tuple = ()) -> RiskReport:
    return risk_report(cohort, endpoint, kind, list(covariates), horizon, death_rule,
                       user_endpoints=user_endpoints)


@session_cached(show_spinner=False, max_entries=8)
def frozen(text: bytes) -> tuple[RiskModel, str, dict]:
    return thaw(text)


@dataclass(eq=False)
class BootstrapJob:
    """A bootstrap running on a worker thread (mutable: the worker fills it in).

    Attributes
    ----------
    key : tuple
        What was validated (endpoint, kind, covariates, horizon, rule, B, seed, cohort size):
        a result is shown only while the page still shows that model.
    total, done : int
        Replicates asked for and finished.
    result : Validation or None
    error : str or None
    cancel : threading.Event
    """

    key: tuple
    total: int
    done: int = 0
    result: Validation | None = None
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def start_bootstrap(rep: RiskReport, key: tuple, n_boot: int, seed: int) -> BootstrapJob:
    """Start the bootstrap of the report's model on a worker thread and keep the job."""
    job = BootstrapJob(key=key, total=n_boot)

    def progress(done: int, total: int) -> None:
        job.done = done

    def work() -> None:
        try:
            job.result = validate_model(rep.endpoint.frame, rep.model.spec, n_boot, seed,
                                        progress=progress, cancel=job.cancel,
                                        workers=WORKERS if rep.model.n >= 1_000 else 1)
        except AnalysisError as error:
            job.error = str(error)

    job.thread = threading.Thread(target=work, name="risk-bootstrap", daemon=True)
    st.session_state[JOB] = job
    job.thread.start()
    return job


def current_job(key: tuple) -> BootstrapJob | None:
    """The session's bootstrap of this model, if any."""
    job = st.session_state.get(JOB)
    return job if job is not None and job.key == key else None


RISK_PAGE = "pages/11_Relapse_risk.py"


def open_for_patient(patient_id: str) -> None:
    """Go to the Relapse risk page with this patient's profile chosen (the patient card's
    button). The choice is saved as the page's own (``saved.risk.*``, :mod:`ui.state`), so it
    wins over an earlier visit's; the page offers patients only to roles that see rows."""
    for key, value in (("risk.source", "patient"), ("risk.patient", str(patient_id))):
        st.session_state.pop(key, None)
        st.session_state[f"saved.{key}"] = value
    st.switch_page(RISK_PAGE)
