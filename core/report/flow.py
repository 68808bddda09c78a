"""The deliverables' first section: who is in the analysis (the CONSORT/STROBE flow diagram of
:mod:`core.survival.flow`), drawn first in the deck, the HTML report and projector mode."""

from __future__ import annotations

from core.report.sections import Section


def flow_section(flow):
    """Who is in the analysis (:class:`core.survival.flow.AnalysisFlow`): the CONSORT/STROBE
    flow diagram and its sentence, first in every deliverable."""
    from core.survival.flow import flow_figure

    endpoint = flow.abbreviation or flow.endpoint.upper() or "the endpoint"  # os_entry: OS
    return Section(f"Who is in the analysis ({endpoint})", (flow.describe(),),
                   figure=flow_figure(flow), key="flow",
                   notes=("Every row of the file is counted once: set aside by the checks, left "
                          "out by each filter (not matching, or no value recorded), left out "
                          f"for a missing {endpoint} time, event or group, or analysed.",),
                   metrics=(("Rows in the file", f"{flow.steps[0].n:,}"),
                            ("Analysed", f"{flow.steps[-1].n:,}")))
