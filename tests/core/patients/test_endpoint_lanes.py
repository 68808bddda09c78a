"""Issue 21: swimmer lanes of any endpoint (core.patients.endpoint_lanes), e.g. the user's own:
from 0 (or the entry, with delayed entry) to the endpoint's time, ending in its event, a
competing event or censored, as the one resolver gives them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import AnalysisError
from core.patients.endpoint_lanes import endpoint_lanes
from core.patients.figures import swimmer_figure
from core.patients.timelines import MAX_LANES, swimmer_lanes
from core.survival.endpoint import EndpointRecipe, resolve_endpoint, user_endpoint
from tests.core.user_endpoints import CIR, RELAPSED, SEED, user_endpoint_cohort

COHORT = user_endpoint_cohort(entry_months=1.0)
ENTRY = user_endpoint("Relapse after month 1", "R1", EndpointRecipe(
    None, ("relapse_m",), "last_m", entry="start_m", unit="months"))


def test_a_user_incidence_endpoint_ends_in_its_event_a_competing_event_or_censored():
    lanes = endpoint_lanes(resolve_endpoint(COHORT, CIR), color_by="mrd_pre_status").lanes
    by_id = lanes.set_index("patient_id")
    rfs = swimmer_lanes(SEED, mode="rfs").lanes.set_index("patient_id")
    assert by_id["end"].to_dict() == rfs["end"].to_dict()  # the same clock as RFS here
    assert (by_id["end_marker"] == "endpoint event").sum() == int(RELAPSED.sum())
    assert by_id.loc["17", "end_marker"] == "competing event"  # died without relapse
    assert set(by_id["end_marker"]) == {"endpoint event", "competing event", "censored"}
    assert (by_id["start"] == 0).all()
    assert by_id.loc["5", "hover"] == ("<b>Patient 5</b><br>RDC 6.0 months from time 0: endpoint "
                                       "event<br>MRD before maintenance: negative")


def test_delayed_entry_starts_each_lane_at_its_entry():
    swimmer = endpoint_lanes(resolve_endpoint(COHORT, ENTRY))
    assert (swimmer.lanes["start"] == 1.0).all()
    assert all("At risk from 1.0 months (delayed entry)" in h for h in swimmer.lanes["hover"])
    figure = swimmer_figure(swimmer)
    assert figure.layout.xaxis.title.text == "Months from time 0"


def test_a_registry_size_cohort_is_capped_and_unknown_orders_are_refused():
    big = pd.concat([COHORT] * 40, ignore_index=True).assign(
        patient_id=[str(i) for i in range(40 * len(COHORT))])
    swimmer = endpoint_lanes(resolve_endpoint(big, CIR))
    assert len(swimmer.lanes) == MAX_LANES and swimmer.n_hidden == len(big) - MAX_LANES
    assert np.all(np.diff(swimmer.lanes["end"]) <= 0)  # longest first
    with pytest.raises(AnalysisError, match=r"^Unknown lane order 'x'\. Fix: use one of "):
        endpoint_lanes(resolve_endpoint(COHORT, CIR), sort_by="x")
