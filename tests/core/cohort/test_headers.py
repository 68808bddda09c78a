"""Headers as hospital systems write them are proposed for the right field (issue 21)."""

from __future__ import annotations

import io

import pytest

from core.cohort.headers import fold, header_key, header_score
from core.cohort.proposal import propose_mapping
from core.cohort.read import read_table

CASES = {
    "english words": (
        "Patient,Date of diagnosis,Start of maintenance,Date of relapse,Date of death,"
        "Cause of death,Date of last contact\n"
        "1,2020-01-01,2020-03-01,,2021-01-01,infection,2021-01-01\n"
        "2,2020-01-01,2020-03-01,,2021-01-01,GvHD,2021-01-01\n"
        "3,2020-01-01,2020-03-01,,2021-01-01,bleeding,2021-01-01\n"
        "4,2020-01-01,2020-03-01,,2021-01-01,relapse,2021-01-01\n",
        {"patient_id": "Patient", "date_diagnosis": "Date of diagnosis",
         "date_maintenance_start": "Start of maintenance", "date_relapse": "Date of relapse",
         "date_death": "Date of death", "date_last_contact": "Date of last contact"}),
    "german words": (
        "Nr.,Datum Erstdiagnose,Erhaltungstherapie Beginn,Rezidiv,Rezidiv am,"
        "Datum letzte Vorstellung,Tod\n1,01.01.2020,01.03.2020,ja,01.06.2020,01.01.2021,nein\n",
        {"patient_id": "Nr.", "date_diagnosis": "Datum Erstdiagnose",
         "date_maintenance_start": "Erhaltungstherapie Beginn", "rfs_event": "Rezidiv",
         "date_relapse": "Rezidiv am", "date_last_contact": "Datum letzte Vorstellung",
         "os_event": "Tod"}),
    "french words": (
        "N°,Date du diagnostic,Début de maintenance,Rechute,Date rechute,Date dernier contact,"
        "Décédé\n1,2020-01-01,2020-03-01,oui,2020-06-01,2021-01-01,non\n",
        {"patient_id": "N°", "date_diagnosis": "Date du diagnostic",
         "date_maintenance_start": "Début de maintenance", "rfs_event": "Rechute",
         "date_relapse": "Date rechute", "date_last_contact": "Date dernier contact",
         "os_event": "Décédé"}),
    "spanish words": (
        "Id,Fecha diagnóstico,Inicio mantenimiento,Recaída,Fecha recaída,Fecha última visita,"
        "Fallecido\n1,2020-01-01,2020-03-01,sí,2020-06-01,2021-01-01,no\n",
        {"patient_id": "Id", "date_diagnosis": "Fecha diagnóstico",
         "date_maintenance_start": "Inicio mantenimiento", "rfs_event": "Recaída",
         "date_relapse": "Fecha recaída", "date_last_contact": "Fecha última visita",
         "os_event": "Fallecido"}),
    "chinese words": (
        "编号,初诊日期,开始维持治疗日期,是否复发,复发时间,随访截止日期,生存状态\n"
        "1,2020-01-01,2020-03-01,是,2020-06-01,2021-01-01,存活\n",
        {"patient_id": "编号", "date_diagnosis": "初诊日期",
         "date_maintenance_start": "开始维持治疗日期", "rfs_event": "是否复发",
         "date_relapse": "复发时间", "date_last_contact": "随访截止日期",
         "os_event": "生存状态"}),
    "english abbreviations": (
        "id,dx_date,maint_start,relapse_dt,death_dt,last_fu_date\n"
        "1,2020-01-01,2020-03-01,2020-09-01,2021-01-01,2021-01-01\n"
        "2,2020-02-01,2020-04-01,,,2022-02-01\n",
        {"patient_id": "id", "date_diagnosis": "dx_date", "date_maintenance_start": "maint_start",
         "date_relapse": "relapse_dt", "date_death": "death_dt",
         "date_last_contact": "last_fu_date"}),
    "event names holding dates": (  # few distinct dates: still dates, not event codes
        "patient_id,diagnosis,maintenance_start,relapse,death,last_contact\n"
        "1,2020-01-01,2020-03-01,2020-09-01,2021-01-01,2021-01-01\n"
        "2,2020-02-01,2020-04-01,,,2022-02-01\n",
        {"patient_id": "patient_id", "date_diagnosis": "diagnosis",
         "date_maintenance_start": "maintenance_start", "date_relapse": "relapse",
         "date_death": "death", "date_last_contact": "last_contact"}),
    "german relapse on": (
        "Patientennummer,Datum der Erstdiagnose,Beginn der Erhaltung,Rezidiv am,Todesdatum,"
        "Letzte Vorstellung\n1,01.01.2020,01.03.2020,01.09.2020,01.01.2021,01.01.2021\n"
        "2,01.02.2020,01.04.2020,,,01.02.2022\n",
        {"patient_id": "Patientennummer", "date_diagnosis": "Datum der Erstdiagnose",
         "date_maintenance_start": "Beginn der Erhaltung", "date_relapse": "Rezidiv am",
         "date_death": "Todesdatum", "date_last_contact": "Letzte Vorstellung"}),
    "spanish ordinal sign": (
        "Nº paciente,Fecha diagnóstico,Inicio mantenimiento,Fecha recaída,Fecha fallecimiento,"
        "Fecha último contacto\n1,2020-01-01,2020-03-01,2020-09-01,2021-01-01,2021-01-01\n",
        {"patient_id": "Nº paciente", "date_diagnosis": "Fecha diagnóstico",
         "date_maintenance_start": "Inicio mantenimiento", "date_relapse": "Fecha recaída",
         "date_death": "Fecha fallecimiento", "date_last_contact": "Fecha último contacto"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_headers_are_proposed_for_their_fields(case):
    text, expected = CASES[case]
    proposal = propose_mapping(read_table(io.BytesIO(text.encode())))
    assert dict(proposal.mapping.columns) == expected
    assert proposal.choices == ()


def test_a_cause_of_death_column_is_no_death_flag():
    proposal = propose_mapping(read_table(io.BytesIO(CASES["english words"][0].encode())))
    assert proposal.notes == (
        "Column 'Cause of death' was not used as Death: it holds more than 3 different values, "
        "a flag two or three. It is kept under its own name.",)


def test_a_death_column_of_relapse_words_is_left_for_the_relapse_field():
    text = ("id,dx date,last contact,status\n1,2020-01-01,2021-01-01,relapse\n"
            "2,2020-01-01,2021-01-01,CR\n")
    proposal = propose_mapping(read_table(io.BytesIO(text.encode())))
    assert "os_event" not in dict(proposal.mapping.columns)
    assert proposal.notes == ("Column 'status' was not used as Death: its values are relapse "
                              "words. Map it under the relapse field if it is that.",)


def test_folding_and_scores():
    assert fold("Décédée") == "decedee" and fold("死亡") == "死亡"
    assert header_key("DATE DE DÉCÈS (jj/mm/aaaa)") == "datededeces"
    assert header_score("Date de décès", "date_death") == 3
    assert header_score("Datum des Todes", "date_death") == 2  # "todes" and a date word
    assert header_score("Tod", "os_event") == 3
    assert header_score("Tod", "date_death") == 1  # a date only if its cells are dates
    assert header_score("v7", "os_event", label="Status verstorben") == 3
    assert header_score("Todesursache", "os_event") == 2  # ranked; cells decide


def test_a_sas_export_with_cdisc_names_and_month_name_dates_loads():
    from core.cohort import load_cohort

    text = ("USUBJID,DIAGDT,Maintenance start,Relapse date,DTHDT,LSTALVDT\n"
            "A-1,10JAN2019,01JUN2019,,15MAR2020,15MAR2020\n"
            "A-2,05FEB2019,20JUL2019,01DEC2019,,31MAY2024\n")
    cohort = load_cohort(io.BytesIO(text.encode()))
    # R: as.numeric(as.Date("2020-03-15") - as.Date("2019-01-10")) = 430; likewise 1942, 288, 134
    assert cohort["os_months"].tolist() == pytest.approx([430 / 30.4375, 1942 / 30.4375])
    assert cohort["rfs_months"].tolist() == pytest.approx([288 / 30.4375, 134 / 30.4375])
    assert cohort["os_event"].tolist() == [1, 0] and cohort["rfs_status"].tolist() == [2, 1]


@pytest.mark.parametrize(("text", "iso"), [
    ("10JAN2020", "2020-01-10"), ("10-Jan-2020", "2020-01-10"), ("Jan 10, 2020", "2020-01-10"),
    ("10. März 2020", "2020-03-10"), ("3 janv. 2021", "2021-01-03"), ("15-ago-2019",
                                                                    "2019-08-15"),
    ("August 3, 2018", "2018-08-03"), ("2020年1月10日", "2020-01-10"), ("20200110", "2020-01-10"),
    ("2020/1/10", "2020-01-10"), ("2020-01-10 00:00:00", "2020-01-10"), ("43840", "2020-01-10")])
def test_date_texts(text, iso):
    import pandas as pd

    from core.cohort.dates import read_dates

    column = read_dates(pd.Series([text]), None)
    assert column.dates.dt.strftime("%Y-%m-%d").tolist() == [iso] and not column.bad.any()
