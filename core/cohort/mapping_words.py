"""The words a mapping proposal recognises: header synonyms, topic words, event and value codes.

Design: plain data, spellings as hospital systems export them in English, Chinese, German,
French and Spanish. Headers are compared after :func:`core.cohort.headers.header_key`
(lower case, accents dropped, separators removed), values after lower-casing and dropping
accents. Add a spelling here and :func:`core.cohort.mapping.propose_mapping` proposes it;
nothing else changes.

- :data:`SYNONYMS`: a header spelled exactly so is that field.
- :data:`TOPICS`: a header *containing* a topic word (and, for dates, a date word from
  :data:`DATE_WORDS`) fits the field when no header is an exact synonym: "Datum der
  Erstdiagnose", "fecha del último contacto", "诊断时间(年月日)".
- :data:`EVENT_CODES`: how a death or relapse flag or status word reads (1 event, 0 none);
  :data:`DEATH_WORDS` and :data:`RELAPSE_WORDS` say which of them only fit one of the two.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "id", "patient", "patient_no", "no", "pid", "mrn",
                   "case", "case_id", "subject", "subject_id", "病历号", "住院号", "患者编号",
                   "编号", "序号", "患者id", "病案号", "登记号", "patienten_id", "patientennummer",
                   "pat_nr", "patient_nr", "fallnummer", "identifiant", "numero_patient",
                   "n_patient", "no_patient", "id_patient", "numero_de_paciente", "id_paciente",
                   "paciente", "nhc", "numero_paciente", "no_paciente", "n_paciente",
                   "nro_paciente", "num_paciente", "identificador", "nr", "n", "numero",
                   "identifiant_patient", "code_patient", "codigo_paciente", "id_del_paciente",
                   "patient_number", "study_id", "record_id", "usubjid", "subjid"),
    "sex": ("sex", "gender", "性别", "geschlecht", "sexe", "sexo"),
    "age": ("age", "age_years", "age_at_diagnosis", "年龄", "诊断年龄", "alter", "edad",
            "age_ans", "alter_jahre"),
    "wbc": ("wbc", "white_blood_cells", "leukocytes", "白细胞", "白细胞计数", "leukozyten",
            "leucocytes", "leucocitos", "gb"),
    "blasts_pct": ("blasts", "blast", "blasts_pct", "bm_blasts", "原始细胞", "骨髓原始细胞",
                   "blasten", "blastes", "blastos"),
    "fab": ("fab", "fab_subtype", "fab分型"),
    "eln2022_risk": ("eln2022_risk", "eln2022", "eln", "eln_risk", "risk", "risk_group",
                     "危险度", "危险分层", "预后分层", "eln危险度", "risikogruppe", "risiko",
                     "groupe_de_risque", "risque", "grupo_de_riesgo", "riesgo"),
    "sorafenib_timing": ("sorafenib_timing", "sorafenib", "索拉非尼时机", "索拉非尼"),
    "mrd_pre_status": ("mrd_pre_status", "mrd", "mrd_status", "mrd_pre", "微小残留病",
                       "mrd状态", "维持前mrd", "emr"),
    "os_months": ("os_months", "os", "os_time", "overall_survival", "os_m", "总生存",
                  "总生存期", "总生存时间"),
    "os_event": ("os_event", "os_status", "death", "dead", "died", "vital_status", "deceased",
                 "死亡", "是否死亡", "生存状态", "死亡情况", "verstorben", "status_verstorben",
                 "tod", "vitalstatus", "exitus", "deces", "decede", "statut_vital",
                 "fallecido", "fallecimiento", "muerte", "estado_vital", "status", "statut",
                 "estado", "状态", "随访状态", "dthfl"),
    "rfs_months": ("rfs_months", "rfs", "rfs_time", "relapse_free_survival", "rfs_m",
                   "无复发生存", "无复发生存期", "无复发生存时间"),
    "rfs_event": ("rfs_event", "rfs_status", "relapse", "relapsed", "复发", "是否复发",
                  "复发状态", "复发情况", "rezidiv", "rechute", "recaida", "recidiva"),
    "relapse_type": ("relapse_type", "复发类型", "复发方式"),
    "outcome": ("outcome", "转归", "结局", "预后"),
    "date_diagnosis": ("date_diagnosis", "diagnosis_date", "date_of_diagnosis", "dx_date", "diagdt",
                       "诊断日期", "确诊日期", "诊断时间", "diagnosedatum", "datum_diagnose",
                       "erstdiagnose", "date_de_diagnostic", "date_diagnostic",
                       "fecha_de_diagnostico", "fecha_diagnostico"),
    "date_maintenance_start": ("date_maintenance_start", "maintenance_start",
                               "maintenance_date", "维持治疗开始日期", "维持开始日期",
                               "维持治疗日期", "beginn_erhaltungstherapie",
                               "debut_de_maintenance", "inicio_de_mantenimiento"),
    "date_relapse": ("date_relapse", "relapse_date", "date_of_relapse", "复发日期",
                     "复发时间", "rezidivdatum", "datum_rezidiv", "date_de_rechute",
                     "fecha_de_recaida"),
    "date_death": ("date_death", "death_date", "date_of_death", "死亡日期", "死亡时间",
                   "sterbedatum", "todesdatum", "date_de_deces", "fecha_de_muerte",
                   "fecha_de_fallecimiento", "fecha_de_defuncion", "dod", "dthdt"),
    "date_last_contact": ("date_last_contact", "last_contact", "last_follow_up",
                          "last_followup", "date_last_follow_up", "末次随访日期",
                          "最后随访日期", "末次随访", "随访日期", "letzter_kontakt",
                          "date_des_dernieres_nouvelles", "dernieres_nouvelles",
                          "date_du_dernier_contact", "fecha_de_ultimo_contacto",
                          "ultimo_contacto", "last_seen", "date_last_known_alive", "lstalvdt",
                          "lstcndt"),
}
"""Header spellings (compared after :func:`core.cohort.headers.header_key`) per field, with
the CDISC ADaM names of the same variables (USUBJID, DTHDT, DTHFL, LSTALVDT)."""

DATE_WORDS: tuple[str, ...] = ("date", "datum", "fecha", "日期", "时间", "dt", "day", "tag",
                               "jour", "dia")
"""Words that make a header a date (substring of the folded header; ``dt``, ``day``, ``tag``,
``jour`` and ``dia`` only as whole words)."""

TOPICS: dict[str, tuple[str, ...]] = {
    "date_diagnosis": ("diagnos", "diagnostic", "诊断", "确诊", "初诊", "dx"),
    "date_maintenance_start": ("maint", "erhaltung", "mantenimiento", "维持"),
    "date_relapse": ("relapse", "rezidiv", "rechute", "recaida", "recidiv", "复发"),
    "date_death": ("death", "dead", "died", "deceased", "todes", "sterbe", "verstorb", "deces",
                   "decede", "fallec", "defuncion", "muerte", "死亡", "tod", "mort"),
    "date_last_contact": ("lastcontact", "lastfollow", "lastseen", "lastvisit", "lastknown",
                          "lastfu", "last", "letzt", "dernier", "ultim", "末次", "最后随访",
                          "最近随访", "随访"),
}
"""Topic words of each date field (substrings of the folded header; ``dx``, ``tod``, ``mort``
and ``last`` only as whole words)."""
FLAG_TOPICS: dict[str, str] = {"os_event": "date_death", "rfs_event": "date_relapse"}
"""A header with a death (relapse) topic word and no date word is a death (relapse) flag."""

NEUTRAL_YES = ("1", "1.0", "yes", "y", "true", "是", "有", "ja", "oui", "si", "x")
NEUTRAL_NO = ("0", "0.0", "no", "n", "false", "否", "无", "nein", "non", "lost",
              "lost to follow-up", "lost to follow up", "失访", "verloren", "perdu de vue",
              "perdido", "perdida")
DEATH_WORDS = {
    1: ("dead", "death", "died", "deceased", "verstorben", "tot", "gestorben", "exitus",
        "decede", "decedee", "deces", "mort", "morte", "fallecido", "fallecida", "muerto",
        "muerta", "fallecimiento", "死亡", "已故", "去世", "死"),
    0: ("alive", "living", "lebend", "lebt", "am leben", "vivant", "vivante", "en vie", "vivo",
        "viva", "存活", "生存", "健在", "在世", "活"),
}
RELAPSE_WORDS = {
    1: ("relapse", "relapsed", "rezidiv", "rechute", "recaida", "recidiva", "recidive",
        "复发", "event"),
    0: ("cr", "ccr", "remission", "kein rezidiv", "no relapse", "pas de rechute",
        "sin recaida", "rc", "remision", "缓解", "完全缓解", "未复发", "无复发", "censored"),
}
EVENT_CODES: dict[str, int] = {
    **dict.fromkeys(NEUTRAL_YES, 1), **dict.fromkeys(NEUTRAL_NO, 0),
    **{w: code for code, words in DEATH_WORDS.items() for w in words},
    **{w: code for code, words in RELAPSE_WORDS.items() for w in words},
}
"""Event code spellings (lower case, accents dropped) a proposal recognises."""

VALUE_CODES: dict[str, dict[str, str]] = {
    "eln2022_risk": {"高危": "adverse", "中危": "intermediate", "低危": "favorable",
                     "high": "adverse", "poor": "adverse", "int": "intermediate",
                     "low": "favorable", "good": "favorable", "预后不良": "adverse",
                     "预后良好": "favorable", "预后中等": "intermediate",
                     "ungunstig": "adverse", "intermediar": "intermediate",
                     "gunstig": "favorable", "defavorable": "adverse",
                     "intermediaire": "intermediate", "favorable": "favorable",
                     "adverso": "adverse", "desfavorable": "adverse", "intermedio": "intermediate"},
    "mrd_pre_status": {"pos": "positive", "neg": "negative", "阳性": "positive",
                       "阴性": "negative", "mrd+": "positive", "mrd-": "negative",
                       "positiv": "positive", "negativ": "negative", "positif": "positive",
                       "negatif": "negative", "positivo": "positive", "negativo": "negative"},
    "sex": {"男": "M", "女": "F", "mannlich": "M", "weiblich": "F", "w": "F", "homme": "M",
            "femme": "F", "h": "M", "hombre": "M", "mujer": "F", "masculino": "M",
            "femenino": "F", "masculin": "M", "feminin": "F"},
    "sorafenib_timing": {"诱导": "induction", "巩固": "consolidation"},
    "relapse_type": {"分子学复发": "molecular", "形态学复发": "morphological", "无": "none",
                     "未复发": "none", "无复发": "none"},
    "outcome": {"存活": "alive", "生存": "alive", "死亡": "dead", "失访": "lost to follow-up"},
}
"""Category value spellings (lower case, accents dropped) and their canonical value."""
