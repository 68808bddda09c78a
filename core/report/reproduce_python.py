'''The standalone Python script of the "Reproduce this" zip (a template; see
:mod:`core.report.reproduce`).

Design: the script's text lives here as one string with a single placeholder, ``__SPEC__``,
replaced by the analysis the app ran (endpoint columns, grouping, landmark months, Cox terms)
written as a JSON literal. The script needs pandas, numpy and scipy only; it recomputes from
``cohort_filtered.csv`` the Kaplan-Meier landmarks with log-log intervals, the medians with
their intervals, the restricted mean survival times (the Kaplan-Meier step function integrated
to the horizon, R's standard error), the log-rank test and its trend version (when the page
shows it) and the ordinary Cox model (the Cox page's ties, Wald intervals),
writes ``python_numbers.json`` and compares every number with ``app_numbers.json``. With
delayed entry (``SPEC["entry"]``) a patient is in the risk set at t only when entry < t <=
time, in every estimate, and the log-rank test is the Breslow Cox score test (R ``sctest``).

Conventions: R survival 3.x (``survfit`` with ``conf.type = "log-log"``, ``summary(fit,
times)``, ``print.survfit`` medians, ``survdiff``, ``coxph(ties = "efron"`` or ``"breslow")``).
'''

from core.report.reproduce_python_cox import COX_FUNCTIONS
from core.report.reproduce_tests_scripts import PY_TESTS

_TEMPLATE = r'''#!/usr/bin/env python3
"""Recompute the numbers the Relapse Risk Explorer showed, from the rows in this zip.

Needs pandas, numpy and scipy only. Run next to cohort_filtered.csv:

    python3 reproduce.py

Writes python_numbers.json and compares every number with app_numbers.json (largest absolute
difference per block). Methods follow R survival: Kaplan-Meier with Greenwood variance and
log-log intervals (survfit conf.type = "log-log"), survival at landmarks as summary(fit,
times), medians as print.survfit, restricted means as print(fit, rmean = horizon) (the
step function integrated to the horizon), the log-rank test as survdiff and its trend version
from survdiff's observed - expected and variance, Cox regression with the Cox page's ties
(SPEC["cox"]["ties"]) and Wald intervals as coxph. With delayed entry (SPEC["entry"]) a
patient is at risk at t only when entry < t <= time (R Surv(entry, time, event)) and the
log-rank test is the score test of the Breslow Cox model (R summary(coxph(...))$sctest).
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

SPEC = json.loads(r"""__SPEC__""")
HERE = Path(__file__).resolve().parent
TOL = 1e-6


def load():
    columns = [SPEC["time"], SPEC["event"], *([SPEC["entry"]] if SPEC["entry"] else [])]
    data = pd.read_csv(HERE / "cohort_filtered.csv", dtype=str, keep_default_na=False,
                       na_values=[""])
    for name in columns:
        data[name] = pd.to_numeric(data[name])
    keep = data[SPEC["time"]].notna() & data[SPEC["event"]].notna()
    if SPEC["entry"]:  # delayed entry: rows entering at or after their end are left out
        keep &= data[SPEC["entry"]].notna() & (data[SPEC["entry"]] < data[SPEC["time"]])
    if SPEC["by"]:
        keep &= data[SPEC["by"]].notna()
    return data, data[keep]


def entry_of(part):
    """Delayed-entry times of ``part`` (0 without them): at risk at t when entry < t."""
    if not SPEC["entry"]:
        return np.zeros(len(part))
    return part[SPEC["entry"]].to_numpy(float)


def at_risk(time, entry, t):
    """Patients at risk at t: entry < t <= time (R's risk set of Surv(entry, time, event))."""
    return float(((entry < t) & (time >= t)).sum())


def km_curve(time, event, entry):
    """One group's Kaplan-Meier rows: time, n_risk, survival, ci_lower, ci_upper."""
    times = np.unique(time)
    d = np.array([event[time == t].sum() for t in times], dtype=float)
    n = np.array([at_risk(time, entry, t) for t in times], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - d / n)
        se_log = np.sqrt(np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)))
        defined = (surv > 0) & (surv < 1)
        log_s = np.log(np.where(defined, surv, 0.5))
        shift = norm.ppf(1 - (1 - SPEC["conf_level"]) / 2) * se_log / log_s
        lower = np.where(defined, np.exp(-np.exp(np.log(-log_s) - shift)), np.nan)
        upper = np.where(defined, np.exp(-np.exp(np.log(-log_s) + shift)), np.nan)
    return times, n, surv, lower, upper


def first_below_half(values, times):
    keep = ~np.isnan(values) & (values < 0.5 + 1.5e-8)
    if not keep.any():
        return None
    x, y = times[keep], values[keep]
    if abs(y[0] - 0.5) < 1.5e-8 and (y < y[0]).any():
        return float((x[0] + x[np.argmax(y < y[0])]) / 2)
    return float(x[0])


def groups_of(rows):
    if not SPEC["by"]:
        return {"All": rows}
    return {g: rows[rows[SPEC["by"]] == g] for g in SPEC["groups"]}


def kaplan_meier(rows):
    landmarks, medians = [], []
    for group, part in groups_of(rows).items():
        time = part[SPEC["time"]].to_numpy(float)
        event = part[SPEC["event"]].to_numpy(float)
        times, n, surv, lower, upper = km_curve(time, event, entry_of(part))
        for t in sorted(SPEC["landmark_months"]):
            if t > times[-1]:
                continue  # beyond the group's follow-up (R: extend = FALSE)
            if t < times[0]:
                landmarks.append([group, t, 1.0, 1.0, 1.0, int(n[0])])
                continue
            i = int(np.searchsorted(times, t, side="right")) - 1
            # n.risk of summary(fit, times): at the first observed time >= t
            landmarks.append([group, t, surv[i], lower[i], upper[i],
                              int(n[np.searchsorted(times, t, side="left")])])
        medians.append([group, int(len(time)), int(event.sum()),
                        first_below_half(surv, times), first_below_half(lower, times),
                        first_below_half(upper, times)])
    keys = ["group", "time", "survival", "ci_lower", "ci_upper", "n_risk"]
    return ([dict(zip(keys, row)) for row in landmarks],
            [dict(zip(["group", "n", "events", "median", "median_lower", "median_upper"],
                      row)) for row in medians])


def restricted_means(rows):
    """Area under each group's Kaplan-Meier step function from 0 to the horizon, with R's
    standard error: sum over times of (area from that time to the horizon)^2 d / (n (n - d))."""
    horizon = SPEC["horizon"]
    z = norm.ppf(1 - (1 - SPEC["conf_level"]) / 2)
    out = []
    for group, part in groups_of(rows).items():
        area, se = rmst_of(part[SPEC["time"]].to_numpy(float),
                           part[SPEC["event"]].to_numpy(float), entry_of(part), horizon)
        out.append({"group": group, "rmst": area, "se": se, "ci_lower": area - z * se,
                    "ci_upper": area + z * se})
    return out


def rmst_of(time, event, entry, horizon):
    """(area, standard error) of one group's Kaplan-Meier step function up to horizon."""
    times = np.unique(time)
    d = np.array([event[time == t].sum() for t in times], dtype=float)
    n = np.array([at_risk(time, entry, t) for t in times], dtype=float)
    surv = np.cumprod(1 - d / n)
    inside = times <= horizon
    widths = np.diff(np.concatenate([[0.0], times[inside], [horizon]]))
    rectangles = widths * np.concatenate([[1.0], surv[inside]])
    tail = np.cumsum(rectangles[1:][::-1])[::-1]  # area from each time to the horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(n - d > 0, d / (n * (n - d)), 0.0)[inside]
    return float(rectangles.sum()), float(np.sqrt(np.sum(tail ** 2 * h)))


def contrasts(rows):
    """Each group against the page's reference (SPEC order): the milestone survival
    difference at the first landmark (Greenwood standard errors, z-test; tern
    s_surv_timepoint_diff) and survRM2 rmst2's RMST difference, RMST ratio and RMTL ratio up
    to the horizon."""
    if not SPEC["by"] or len(SPEC["groups"]) < 2:
        return None
    z = norm.ppf(1 - (1 - SPEC["conf_level"]) / 2)
    data = {g: (part[SPEC["time"]].to_numpy(float), part[SPEC["event"]].to_numpy(float),
                entry_of(part)) for g, part in groups_of(rows).items()}
    reference, tau = SPEC["reference"], SPEC["horizon"]
    others = [g for g in SPEC["groups"] if g != reference]
    areas = {g: dict(zip(("rmst", "se"), rmst_of(*data[g], tau))) for g in data}

    def at(group, t):  # summary(survfit, times = t): surv and its Greenwood std.err
        time, event, entry = data[group]
        times = np.unique(time)
        if t > times[-1]:
            return math.nan, math.nan
        d = np.array([event[time == u].sum() for u in times], dtype=float)
        n = np.array([at_risk(time, entry, u) for u in times], dtype=float)
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0:
            return 1.0, 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1 - d / n)
            # Greenwood; infinite once everyone at risk has the event (surv 0: se NA, as R)
            var = np.cumsum(np.where(n - d > 0, d / (n * (n - d)), np.where(d > 0, np.inf, 0)))
            return float(surv[i]), float(surv[i] * np.sqrt(var[i]))

    def two_sided(estimate, se):
        ok = math.isfinite(estimate) and math.isfinite(se) and se > 0
        return float(2 * norm.sf(abs(estimate) / se)) if ok else math.nan

    milestone, rmst = None, []
    if SPEC["landmark_months"]:
        t = min(SPEC["landmark_months"])
        s0, se0 = at(reference, t)
        milestone = []
        for g in others:
            s1, se1 = at(g, t)
            diff, se = s1 - s0, float(np.hypot(se1, se0))
            milestone.append({"group": g, "reference": reference, "time": float(t),
                              "survival": s1, "reference_survival": s0, "difference": diff,
                              "se": se, "ci_lower": diff - z * se, "ci_upper": diff + z * se,
                              "p_value": two_sided(diff, se) if se > 0 else math.nan})
    for g in others:
        (t0, e0, _), (t1, e1, _) = data[reference], data[g]
        last0, last1 = t0.max(), t1.max()  # rmst2's largest tau (g is its arm 1):
        first_time, first_event = (t1, e1) if last0 >= last1 else (t0, e0)
        ends_with_event = bool((first_event[first_time == first_time.max()] == 1).all())
        limit = max(last0, last1) if ends_with_event else min(last0, last1)
        r1, v1 = areas[g]["rmst"], areas[g]["se"] ** 2
        r0, v0 = areas[reference]["rmst"], areas[reference]["se"] ** 2
        for name, a, b in (("RMST difference", r1, r0), ("RMST ratio", r1, r0),
                           ("RMTL ratio", tau - r1, tau - r0)):
            row = {"group": g, "reference": reference, "tau": float(tau), "contrast": name}
            if tau > limit or (name != "RMST difference" and not (a > 0 and b > 0)):
                rmst.append(row | dict.fromkeys(("estimate", "ci_lower", "ci_upper",
                                                 "p_value"), math.nan))
                continue
            if name == "RMST difference":
                est, se = a - b, math.sqrt(v1 + v0)
                rmst.append(row | {"estimate": est, "ci_lower": est - z * se,
                                   "ci_upper": est + z * se, "p_value": two_sided(est, se)})
                continue
            log_ratio, se = math.log(a) - math.log(b), math.sqrt(v1 / a ** 2 + v0 / b ** 2)
            rmst.append(row | {"estimate": math.exp(log_ratio),
                               "ci_lower": math.exp(log_ratio - z * se),
                               "ci_upper": math.exp(log_ratio + z * se),
                               "p_value": two_sided(log_ratio, se)})
    return {"milestone": milestone, "rmst": rmst}


def observed_minus_expected(rows):
    """Per group (SPEC order) observed - expected events and their covariance (survdiff)."""
    time = rows[SPEC["time"]].to_numpy(float)
    event = rows[SPEC["event"]].to_numpy(float)
    label = rows[SPEC["by"]].to_numpy()
    k = len(SPEC["groups"])
    observed, expected = np.zeros(k), np.zeros(k)
    variance = np.zeros((k, k))
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n_g = np.array([(at_risk & (label == g)).sum() for g in SPEC["groups"]], float)
        d_g = np.array([((time == t) & (event == 1) & (label == g)).sum()
                        for g in SPEC["groups"]], float)
        n, d = n_g.sum(), d_g.sum()
        observed += d_g
        expected += d * n_g / n
        if n > 1:
            variance += d * (n - d) / (n - 1) * (np.diag(n_g / n) - np.outer(n_g, n_g) / n**2)
    return observed, expected, variance


def trend(rows):
    """Log-rank test for trend: (w'(O - E))^2 / (w'Vw) on 1 df, scores w in the page's order."""
    if not SPEC["trend"]:
        return None
    observed, expected, variance = observed_minus_expected(rows)
    index = [SPEC["groups"].index(g) for g in SPEC["trend"]["order"]]
    w = np.array(SPEC["trend"]["scores"], float)
    statistic = float((w @ (observed - expected)[index]) ** 2
                      / (w @ variance[np.ix_(index, index)] @ w))
    return {"statistic": statistic, "p_value": float(chi2.sf(statistic, 1))}


def score_test(rows):
    """With delayed entry: the score test at 0 of the Breslow Cox model on the group
    indicators, R summary(coxph(Surv(entry, time, event) ~ group, ties = "breslow"))$sctest
    (dof: the indicators that are not aliased)."""
    time, event = rows[SPEC["time"]].to_numpy(float), rows[SPEC["event"]].to_numpy(float)
    entry, label = entry_of(rows), rows[SPEC["by"]].to_numpy()
    k = len(SPEC["groups"])
    score, information = np.zeros(k - 1), np.zeros((k - 1, k - 1))
    for t in np.unique(time[event == 1]):
        risk = (entry < t) & (time >= t)
        x = np.array([(risk & (label == g)).sum() for g in SPEC["groups"][1:]], float)
        d_x = np.array([((time == t) & (event == 1) & (label == g)).sum()
                        for g in SPEC["groups"][1:]], float)
        n, d = risk.sum(), ((time == t) & (event == 1)).sum()
        score += d_x - d * x / n
        information += d * (np.diag(x / n) - np.outer(x, x) / n ** 2)
    dof = int(np.linalg.matrix_rank(information))
    statistic = float(score @ np.linalg.pinv(information) @ score)
    return {"statistic": statistic, "dof": dof, "p_value": float(chi2.sf(statistic, dof))}


def logrank(rows):
    if not SPEC["by"] or len(SPEC["groups"]) < 2:
        return None
    if SPEC["entry"]:
        return score_test(rows)
    observed, expected, variance = observed_minus_expected(rows)
    keep = expected > 0
    diff = (observed - expected)[keep][:-1]
    v = variance[np.ix_(keep, keep)][:-1, :-1]
    statistic = float(diff @ np.linalg.solve(v, diff))
    dof = int(keep.sum() - 1)
    return {"statistic": statistic, "dof": dof, "p_value": float(chi2.sf(statistic, dof))}


# __COX__
# __TESTS__


def clean(value):
    """NaN (an interval R reports as NA) as JSON null."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return clean(value.item())
    return value


def compare(mine, theirs, path=""):
    """Largest absolute difference between two JSON-like structures (None = both missing)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return max([compare(mine[k], theirs.get(k), f"{path}.{k}") for k in mine
                    if k in theirs] or [0.0])
    if isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            return math.inf
        return max([compare(a, b, path) for a, b in zip(mine, theirs)] or [0.0])
    if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
        if math.isnan(mine) and math.isnan(theirs):
            return 0.0
        return abs(mine - theirs)
    if mine is None and theirs is None:
        return 0.0
    return 0.0 if mine == theirs else math.inf


def main():
    data, rows = load()
    landmarks, medians = kaplan_meier(rows)
    numbers = clean({"n": int(len(rows)), "landmarks": landmarks, "medians": medians,
                     "rmst": restricted_means(rows), "logrank": logrank(rows),
                     "trend": trend(rows), "cox": cox(data), "table2": table2(data),
                     "contrasts": contrasts(rows), "weighted": weighted(rows),
                     "stratified": stratified(rows), "pairwise": pairwise(rows),
                     "table1": table1(data)})
    (HERE / "python_numbers.json").write_text(json.dumps(numbers, indent=1))
    app = HERE / "app_numbers.json"
    if not app.exists():
        return 0
    shown = json.loads(app.read_text())
    worst = 0.0
    if SPEC["fine_gray"]:
        print("fine_gray: the Fine-Gray hazard ratios (R cmprsk::crr) are recomputed by "
              "reproduce.R, not here")
    if numbers["table1"] is not None:  # the characteristics recomputed here, by name
        mine = numbers["table1"]
        shown["table1"] = {r["column"]: r for r in shown.get("table1") or []
                           if r["column"] in mine}
    for block in ("n", "landmarks", "medians", "rmst", "logrank", "trend", "cox", "table2",
                  "contrasts", "weighted", "stratified", "pairwise", "table1"):
        if block in ("cox", "table2") and numbers[block] and not numbers[block]["converged"]:
            print(f"{block}: a model does not converge (a coefficient runs to infinity); "
                  "its numbers depend on where the iterations stop and are not compared")
            continue
        diff = compare(numbers[block], shown.get(block))
        worst = max(worst, diff)
        print(f"{block}: largest absolute difference {diff:.3g}")
    print("REPRODUCED" if worst <= TOL else "DIFFERENT")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    sys.exit(main())
'''
SCRIPT = _TEMPLATE.replace("# __COX__\n", COX_FUNCTIONS).replace("# __TESTS__\n", PY_TESTS)
"""The script (the Cox part from :mod:`core.report.reproduce_python_cox`)."""
