"""The words a mapping proposal recognises: header synonyms, event codes, category values.

Design: plain data, English and Chinese spellings as hospital systems export them; headers are
compared after :func:`core.cohort.validate.normalise_column_name` with underscores removed,
values in lower case. Add a spelling here and :func:`core.cohort.mapping.propose_mapping`
proposes it; nothing else changes.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient_id", "id", "patient", "patient_no", "no", "pid", "mrn",
                   "case", "case_id", "subject", "subject_id", "病历号", "住院号", "患者编号",
                   "编号", "序号", "患者id", "病案号", "登记号"),
    "sex": ("sex", "gender", "性别"),
    "age": ("age", "age_years", "age_at_diagnosis", "年龄", "诊断年龄"),
    "wbc": ("wbc", "white_blood_cells", "leukocytes", "白细胞", "白细胞计数"),
    "blasts_pct": ("blasts", "blast", "blasts_pct", "bm_blasts", "原始细胞", "骨髓原始细胞"),
    "fab": ("fab", "fab_subtype", "fab分型"),
    "eln2022_risk": ("eln2022_risk", "eln2022", "eln", "eln_risk", "risk", "risk_group",
                     "危险度", "危险分层", "预后分层", "eln危险度"),
    "sorafenib_timing": ("sorafenib_timing", "sorafenib", "索拉非尼时机", "索拉非尼"),
    "mrd_pre_status": ("mrd_pre_status", "mrd", "mrd_status", "mrd_pre", "微小残留病",
                       "mrd状态", "维持前mrd"),
    "os_months": ("os_months", "os", "os_time", "overall_survival", "os_m", "总生存",
                  "总生存期", "总生存时间"),
    "os_event": ("os_event", "os_status", "death", "dead", "died", "vital_status", "deceased",
                 "死亡", "是否死亡", "生存状态"),
    "rfs_months": ("rfs_months", "rfs", "rfs_time", "relapse_free_survival", "rfs_m",
                   "无复发生存", "无复发生存期", "无复发生存时间"),
    "rfs_event": ("rfs_event", "rfs_status", "relapse", "relapsed", "复发", "是否复发",
                  "复发状态"),
    "relapse_type": ("relapse_type", "复发类型", "复发方式"),
    "outcome": ("outcome", "转归", "结局", "预后"),
    "date_diagnosis": ("date_diagnosis", "diagnosis_date", "date_of_diagnosis", "dx_date",
                       "诊断日期", "确诊日期", "诊断时间"),
    "date_maintenance_start": ("date_maintenance_start", "maintenance_start",
                               "maintenance_date", "维持治疗开始日期", "维持开始日期",
                               "维持治疗日期"),
    "date_relapse": ("date_relapse", "relapse_date", "date_of_relapse", "复发日期",
                     "复发时间"),
    "date_death": ("date_death", "death_date", "date_of_death", "死亡日期", "死亡时间"),
    "date_last_contact": ("date_last_contact", "last_contact", "last_follow_up",
                          "last_followup", "date_last_follow_up", "末次随访日期",
                          "最后随访日期", "末次随访", "随访日期"),
}
"""Header spellings (compared after :func:`normalise_column_name`) per field."""

EVENT_CODES: dict[str, int] = {
    **dict.fromkeys(("1", "1.0", "yes", "y", "true", "是", "有", "dead", "death", "died",
                     "deceased", "死亡", "relapse", "relapsed", "复发", "event"), 1),
    **dict.fromkeys(("0", "0.0", "no", "n", "false", "否", "无", "alive", "living", "censored",
                     "存活", "生存", "cr", "未复发", "无复发", "remission", "lost",
                     "lost to follow-up", "失访"), 0),
}
"""Event code spellings (lower-case) a proposal recognises."""

VALUE_CODES: dict[str, dict[str, str]] = {
    "eln2022_risk": {"高危": "adverse", "中危": "intermediate", "低危": "favorable",
                     "high": "adverse", "poor": "adverse", "int": "intermediate",
                     "low": "favorable", "good": "favorable", "预后不良": "adverse",
                     "预后良好": "favorable", "预后中等": "intermediate"},
    "mrd_pre_status": {"pos": "positive", "neg": "negative", "阳性": "positive",
                       "阴性": "negative", "mrd+": "positive", "mrd-": "negative"},
    "sex": {"男": "M", "女": "F"},
    "sorafenib_timing": {"诱导": "induction", "巩固": "consolidation"},
    "relapse_type": {"分子学复发": "molecular", "形态学复发": "morphological", "无": "none",
                     "未复发": "none", "无复发": "none"},
    "outcome": {"存活": "alive", "生存": "alive", "死亡": "dead", "失访": "lost to follow-up"},
}
"""Category value spellings (lower-case) and their canonical value."""
