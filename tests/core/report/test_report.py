"""The tumor-board report: content, escaping, and no external resources."""

import re
from datetime import date

import pytest

from core.cohort.filters import CohortFilter
from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.report.html import report_sections, tumor_board_html
from core.survival.flow import analysis_flow


def html_of(cohort, **kwargs) -> str:
    options = {"source": "Embedded study cohort", "n_total": 19, "filters": [],
               "today": date(2026, 11, 25)} | kwargs
    return tumor_board_html(cohort, **options).decode("utf-8")


def test_sections_in_order_with_the_page_numbers():
    """RFS by MRD status: R survdiff chisq 1.2212 (p 0.269); exact permutation p 0.326."""
    sections = report_sections(load_seed_cohort(), "mrd_pre_status")
    assert [s.title for s in sections] == [
        "Baseline characteristics", "Overall survival (OS)",
        "How big the difference is: OS",
        "Relapse-free survival (RFS; study: relapse only)",
        "How big the difference is: RFS",
        "Patients"]
    rfs = sections[3]
    assert rfs.paragraphs[1].startswith("Log-rank chi-square 1.22, 1 df, p = 0.269; "
                                        "permutation p = 0.326 (exact, all 3,876")
    assert rfs.table.set_index("Group").loc["positive", "Median, months (95% CI)"] == \
        "16.0 (1.0–NR)"
    assert len(sections[5].table) == 19


def test_html_header_counts_filters_and_date():
    cohort = load_seed_cohort()
    positive = cohort[cohort["mrd_pre_status"] == "positive"]
    text = html_of(positive, filters=["MRD before maintenance: positive"])
    assert "<strong>4 of 19 patients</strong> · MRD before maintenance: positive" in text
    assert "generated 2026-11-25" in text


def test_values_from_the_data_are_escaped():
    cohort = load_seed_cohort()
    cohort.loc[0, "sorafenib_timing"] = "induction"
    text = html_of(cohort, source="<script>alert(1)</script>",
                   filters=["<img src=x onerror=alert(1)>"])
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text


def test_loads_nothing_from_other_hosts():
    """plotly.js is embedded; no <script src>, <link href> or <img src> points to a host."""
    text = html_of(load_seed_cohort(), by="eln2022_risk")
    external = re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*['\"]?https?:",
                          text, flags=re.I)
    assert external == []
    assert text.count("<script>/**\n* plotly.js v") == 1  # embedded once, for both figures


def test_endpoint_without_usable_rows_is_reported_not_fatal():
    cohort = load_seed_cohort()
    cohort["os_months"] = float("nan")
    sections = report_sections(cohort)
    assert sections[1].warnings == ("No patient has a recorded time and event for this "
                                    "endpoint. Fix: widen the filters.",)


def test_empty_cohort():
    with pytest.raises(AnalysisError, match=r"The report needs at least one patient\. Fix: "
                                             r"widen the filters\."):
        report_sections(load_seed_cohort().iloc[0:0])


def test_numbers_and_counts_read_as_written():
    """Issue 17: ages and months printed "59.0"/"72.0"; "p = < 0.001"; "n = 1 patients"."""
    cohort = load_seed_cohort()
    patients = report_sections(cohort)[-1].table
    assert patients.iloc[0]["Age (years)"] == "59"
    text = html_of(cohort.head(1))
    assert "n = 1 patient," in text and "1 patients" not in text
    assert ">59<" in text or "<td>59</td>" in text
    assert "59.0" not in text and "p = &lt;" not in text and "p = <" not in text


def test_category_values_are_never_links_or_markup_in_the_report():
    """Issue 18: a category ``<a href=...>`` became a clickable legend entry in the report."""
    cohort = load_seed_cohort()
    cohort["mrd_pre_status"] = cohort["mrd_pre_status"].astype(object)
    cohort.loc[cohort["mrd_pre_status"] == "positive", "mrd_pre_status"] = \
        '<a href="https://example.org">x</a>'
    text = html_of(cohort, by="mrd_pre_status")
    assert '<a href="https://example.org">' not in text
    assert "\\u003ca href" not in text  # nor in the figure JSON, unicode-escaped
    assert '"name":"&lt;a href=\\"https:\\u002f\\u002fexample.org\\"&gt;x&lt;\\u002fa&gt; (n=4)"' \
        in text


def test_patient_list_of_a_large_cohort_is_capped_with_a_note():
    """Issue 18: a 10^6-row cohort made a 247 MB report; the list stops at 500 rows."""
    import pandas as pd

    from core.report.html import MAX_REPORT_PATIENTS

    seed = load_seed_cohort()
    big = pd.concat([seed.assign(patient_id=seed["patient_id"].astype(str) + f"-{k}")
                     for k in range(32)], ignore_index=True)  # 608 patients
    patients = report_sections(big)[-1]
    assert MAX_REPORT_PATIENTS == 500 and len(patients.table) == 500
    assert patients.warnings == (
        "The list shows the first 500 of 608 patients (a report for projecting or printing "
        "stays readable and small); every patient is in the statistics above and in the CSV "
        "and XLSX downloads.",)
    assert report_sections(seed)[-1].warnings == ()


def test_report_includes_the_printed_rates_for_the_study_cohort():
    cohort = load_seed_cohort()
    positive = cohort[cohort["mrd_pre_status"] == "positive"]
    sections = report_sections(positive, printed_rates=True)
    printed = [s for s in sections if s.key == "printed_rates"]
    assert len(printed) == 1 and len(printed[0].table) == 4
    assert printed[0].paragraphs[0].startswith("The printed rates are for all 19 patients")
    assert printed[0].table["Printed in the study"].iloc[1] == "94.7% (18/19)"
    assert "printed_rates" not in [s.key for s in report_sections(positive)]
    assert "The study&#x27;s printed rates" in html_of(positive, printed_rates=True)


def test_one_covariate_cox_section_is_not_called_multivariable():
    """Issue 17: a one-covariate model was titled "Multivariable"; p never "p = < 0.001"."""
    from core.report.sections import ReportChoices, cox_section
    one = cox_section(load_seed_cohort(), ReportChoices(cox_covariates=("mrd_pre_status",)))
    text = " ".join(one.paragraphs)
    assert "Univariable Cox model of relapses" in text and "Multivariable" not in text
    two = cox_section(load_seed_cohort(), ReportChoices())
    assert "Multivariable Cox model" in " ".join(two.paragraphs)
    assert "p = <" not in " ".join(two.paragraphs + one.paragraphs)


def test_flow_diagram_is_the_first_section_of_the_report():
    """Who is in the analysis comes first, with its sentence; 19 rows, 5 consolidation patients
    left out by the filter (counted by hand from the seed cohort), 14 analysed."""
    seed = load_seed_cohort()
    cohort_filter = CohortFilter(sorafenib_timing=("induction",))
    flow = analysis_flow(seed, cohort_filter, "rfs")
    sections = report_sections(cohort_filter.apply(seed).cohort, flow=flow)
    assert sections[0].key == "flow" and sections[0].title == "Who is in the analysis (RFS)"
    assert sections[0].paragraphs[0] == ("19 rows in the file; 5 left out (not Sorafenib "
                                         "timing = induction); 14 analysed.")
    page = tumor_board_html(cohort_filter.apply(seed).cohort, source="x", n_total=19,
                            filters=[], flow=flow).decode()
    assert page.index("Who is in the analysis") < page.index("Baseline characteristics")
    assert [s.key for s in report_sections(seed)][0] == "baseline"
