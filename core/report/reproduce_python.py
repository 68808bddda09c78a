'''The standalone Python script of the "Reproduce this" zip (a template; see
:mod:`core.report.reproduce`).

Design: the script's text lives here as one string with a single placeholder, ``__SPEC__``,
replaced by the analysis the app ran (endpoint columns, grouping, landmark months, Cox terms)
written as a JSON literal. The script needs pandas, numpy and scipy only; it recomputes from
``cohort_filtered.csv`` the Kaplan-Meier landmarks with log-log intervals, the medians with
their intervals, the restricted mean survival times (the Kaplan-Meier step function integrated
to the horizon, R's standard error), the log-rank test and its trend version (when the page
shows it) and the ordinary Cox model (Efron ties, Wald intervals),
writes ``python_numbers.json`` and compares every number with ``app_numbers.json``.

Conventions: R survival 3.x (``survfit`` with ``conf.type = "log-log"``, ``summary(fit,
times)``, ``print.survfit`` medians, ``survdiff``, ``coxph(ties = "efron")``).
'''

SCRIPT = r'''#!/usr/bin/env python3
"""Recompute the numbers the Relapse Risk Explorer showed, from the rows in this zip.

Needs pandas, numpy and scipy only. Run next to cohort_filtered.csv:

    python3 reproduce.py

Writes python_numbers.json and compares every number with app_numbers.json (largest absolute
difference per block). Methods follow R survival: Kaplan-Meier with Greenwood variance and
log-log intervals (survfit conf.type = "log-log"), survival at landmarks as summary(fit,
times), medians as print.survfit, restricted means as print(fit, rmean = horizon) (the
step function integrated to the horizon), the log-rank test as survdiff and its trend version
from survdiff's observed - expected and variance, Cox regression with Efron ties and Wald
intervals as coxph.
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
    columns = {SPEC["time"]: float, SPEC["event"]: float}
    data = pd.read_csv(HERE / "cohort_filtered.csv", dtype=str, keep_default_na=False,
                       na_values=[""])
    for name in columns:
        data[name] = pd.to_numeric(data[name])
    keep = data[SPEC["time"]].notna() & data[SPEC["event"]].notna()
    if SPEC["by"]:
        keep &= data[SPEC["by"]].notna()
    return data, data[keep]


def km_curve(time, event):
    """One group's Kaplan-Meier rows: time, n_risk, survival, ci_lower, ci_upper."""
    times = np.unique(time)
    d = np.array([event[time == t].sum() for t in times], dtype=float)
    n = np.array([(time >= t).sum() for t in times], dtype=float)
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
        times, n, surv, lower, upper = km_curve(time, event)
        for t in sorted(SPEC["landmark_months"]):
            if t > times[-1]:
                continue  # beyond the group's follow-up (R: extend = FALSE)
            if t < times[0]:
                landmarks.append([group, t, 1.0, 1.0, 1.0, int(len(time))])
                continue
            i = int(np.searchsorted(times, t, side="right")) - 1
            landmarks.append([group, t, surv[i], lower[i], upper[i],
                              int((time >= t).sum())])
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
                           part[SPEC["event"]].to_numpy(float), horizon)
        out.append({"group": group, "rmst": area, "se": se, "ci_lower": area - z * se,
                    "ci_upper": area + z * se})
    return out


def rmst_of(time, event, horizon):
    """(area, standard error) of one group's Kaplan-Meier step function up to horizon."""
    times = np.unique(time)
    d = np.array([event[time == t].sum() for t in times], dtype=float)
    n = np.array([(time >= t).sum() for t in times], dtype=float)
    surv = np.cumprod(1 - d / n)
    inside = times <= horizon
    widths = np.diff(np.concatenate([[0.0], times[inside], [horizon]]))
    rectangles = widths * np.concatenate([[1.0], surv[inside]])
    tail = np.cumsum(rectangles[1:][::-1])[::-1]  # area from each time to the horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(n - d > 0, d / (n * (n - d)), 0.0)[inside]
    return float(rectangles.sum()), float(np.sqrt(np.sum(tail ** 2 * h)))


def contrasts(rows):
    """Each group against the first (SPEC order): the milestone survival difference at the
    first landmark (Greenwood standard errors, z-test; tern s_surv_timepoint_diff) and
    survRM2 rmst2's RMST difference, RMST ratio and RMTL ratio up to the horizon."""
    if not SPEC["by"] or len(SPEC["groups"]) < 2:
        return None
    z = norm.ppf(1 - (1 - SPEC["conf_level"]) / 2)
    data = {g: (part[SPEC["time"]].to_numpy(float), part[SPEC["event"]].to_numpy(float))
            for g, part in groups_of(rows).items()}
    reference, tau = SPEC["groups"][0], SPEC["horizon"]
    areas = {g: dict(zip(("rmst", "se"), rmst_of(*data[g], tau))) for g in data}

    def at(group, t):  # summary(survfit, times = t): surv and its Greenwood std.err
        time, event = data[group]
        times = np.unique(time)
        if t > times[-1]:
            return math.nan, math.nan
        d = np.array([event[time == u].sum() for u in times], dtype=float)
        n = np.array([(time >= u).sum() for u in times], dtype=float)
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0:
            return 1.0, 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1 - d / n)
            var = np.cumsum(np.where(n - d > 0, d / (n * (n - d)), 0.0))
        return float(surv[i]), float(surv[i] * np.sqrt(var[i]))

    def two_sided(estimate, se):
        ok = math.isfinite(estimate) and math.isfinite(se) and se > 0
        return float(2 * norm.sf(abs(estimate) / se)) if ok else math.nan

    milestone, rmst = None, []
    if SPEC["landmark_months"]:
        t = min(SPEC["landmark_months"])
        s0, se0 = at(reference, t)
        milestone = []
        for g in SPEC["groups"][1:]:
            s1, se1 = at(g, t)
            diff, se = s1 - s0, float(np.hypot(se1, se0))
            milestone.append({"group": g, "reference": reference, "time": float(t),
                              "survival": s1, "reference_survival": s0, "difference": diff,
                              "se": se, "ci_lower": diff - z * se, "ci_upper": diff + z * se,
                              "p_value": two_sided(diff, se) if se > 0 else math.nan})
    for g in SPEC["groups"][1:]:
        (t0, e0), (t1, e1) = data[reference], data[g]
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


def logrank(rows):
    if not SPEC["by"] or len(SPEC["groups"]) < 2:
        return None
    observed, expected, variance = observed_minus_expected(rows)
    keep = expected > 0
    diff = (observed - expected)[keep][:-1]
    v = variance[np.ix_(keep, keep)][:-1, :-1]
    statistic = float(diff @ np.linalg.solve(v, diff))
    dof = int(keep.sum() - 1)
    return {"statistic": statistic, "dof": dof, "p_value": float(chi2.sf(statistic, dof))}


def efron(beta, x, time, event, stratum):
    """Efron partial log-likelihood, gradient and information (coxph ties = "efron"); risk
    sets within each stratum (coxph + strata(s): one baseline hazard per level)."""
    eta = x @ beta
    risk = np.exp(eta)
    loglik, grad, info = 0.0, np.zeros(len(beta)), np.zeros((len(beta), len(beta)))
    for s, t in sorted({(s, t) for s, t in zip(stratum[event == 1], time[event == 1])}):
        at = (time >= t) & (stratum == s)
        dead = (time == t) & (event == 1) & (stratum == s)
        m = dead.sum()
        s0, s1 = risk[at].sum(), risk[at] @ x[at]
        s2 = (x[at] * risk[at][:, None]).T @ x[at]
        d0, d1 = risk[dead].sum(), risk[dead] @ x[dead]
        d2 = (x[dead] * risk[dead][:, None]).T @ x[dead]
        loglik += eta[dead].sum()
        grad += x[dead].sum(axis=0)
        for r in range(m):
            f = r / m
            a0, a1, a2 = s0 - f * d0, s1 - f * d1, s2 - f * d2
            if not a0 > 0:  # every risk in the set underflowed: beta ran off (no optimum)
                return -math.inf, grad, info
            loglik -= math.log(a0)
            mean = a1 / a0
            grad -= mean
            info += a2 / a0 - np.outer(mean, mean)
    return loglik, grad, info


def model_rows(data, encodings):
    """The rows complete in the endpoint, ``encodings``' columns and the stratum, with their
    time, event, design matrix, term names and stratum labels."""
    spec = SPEC["cox"]
    columns = [spec["time"], spec["event"], *(e["column"] for e in encodings),
               *([spec["strata"]] if spec["strata"] else [])]
    rows = data.dropna(subset=columns)
    time = pd.to_numeric(rows[spec["time"]]).to_numpy(float)
    event = pd.to_numeric(rows[spec["event"]]).to_numpy(float)
    design, terms = [np.zeros((len(rows), 0))], []
    for enc in encodings:
        if enc["kind"] == "numeric":
            design.append(pd.to_numeric(rows[enc["column"]]).to_numpy(float)[:, None]
                          / enc["scale"])
        else:
            for level in enc["levels"][1:]:
                design.append((rows[enc["column"]] == level).to_numpy(float)[:, None])
        terms += enc["terms"]
    stratum = (rows[spec["strata"]].to_numpy(str) if spec["strata"]
               else np.zeros(len(time), dtype=str))
    return rows, time, event, np.hstack(design), terms, stratum


def cox(data):
    spec = SPEC["cox"]
    if not spec:
        return None
    _, time, event, x, terms, stratum = model_rows(data, spec["encodings"])
    beta, loglik, info, converged, _ = newton(x, time, event, stratum)
    with np.errstate(all="ignore"):
        se = np.sqrt(np.abs(np.diag(np.linalg.pinv(info))))
        z = norm.ppf(1 - (1 - SPEC["conf_level"]) / 2)
        out = []
        for term, b, s in zip(terms, beta, se):
            out.append({"term": term, "coef": float(b), "se": float(s),
                        "hr": float(np.exp(b)), "hr_lower": float(np.exp(b - z * s)),
                        "hr_upper": float(np.exp(b + z * s)),
                        "p_value": float(2 * norm.sf(abs(b / s)))})
    return {"n": int(len(time)), "events": int(event.sum()), "converged": converged,
            "terms": out}


def table2(data):
    """Table 2's likelihood-ratio tests: each covariate alone against the null model (on its
    own complete rows), and the full model against the full model without it (both on the
    rows complete in all), as R drop1(fit, test = "Chisq")."""
    spec = SPEC["cox"]
    if not spec:
        return None
    encodings = spec["encodings"]
    _, time, event, x, terms, stratum = model_rows(data, encodings)
    full = newton(x, time, event, stratum)
    out, converged = [], full[3]
    for enc in encodings:
        _, t1, e1, x1, _, s1 = model_rows(data, [enc])  # its own complete rows
        alone = newton(x1, t1, e1, s1)
        keep = [k for k, term in enumerate(terms) if term not in enc["terms"]]
        without = newton(x[:, keep], time, event, stratum)  # the multivariable rows
        converged = converged and alone[3] and without[3]
        out.append({"covariate": enc["column"],
                    "uni_lr_statistic": 2 * (alone[1] - alone[4]), "uni_lr_df": x1.shape[1],
                    "multi_lr_statistic": 2 * (full[1] - without[1]),
                    "multi_lr_df": len(enc["terms"])})
    return {"converged": bool(converged), "covariates": out}


def newton(x, time, event, stratum):
    """coxph's Newton-Raphson with step halving: (beta, loglik, information, converged,
    loglik at beta = 0)."""
    beta = np.zeros(x.shape[1])
    loglik, grad, info = efron(beta, x, time, event, stratum)
    loglik0 = loglik
    if x.shape[1] == 0:
        return beta, loglik, info, True, loglik0
    converged = False
    for _ in range(100):
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:  # information singular: a coefficient diverged
            break
        new = beta + step
        new_loglik, new_grad, new_info = efron(new, x, time, event, stratum)
        halvings = 0
        while new_loglik < loglik - 1e-12 and halvings < 30:
            step /= 2
            new = beta + step
            new_loglik, new_grad, new_info = efron(new, x, time, event, stratum)
            halvings += 1
        if not math.isfinite(new_loglik):  # a coefficient diverged: not converged
            break
        beta, grad, info, change = new, new_grad, new_info, abs(new_loglik - loglik)
        loglik = new_loglik
        if change < 1e-12 and np.max(np.abs(step)) < 1e-9:
            converged = True
            break
    return beta, loglik, info, converged, loglik0


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
                     "contrasts": contrasts(rows)})
    (HERE / "python_numbers.json").write_text(json.dumps(numbers, indent=1))
    app = HERE / "app_numbers.json"
    if not app.exists():
        return 0
    shown = json.loads(app.read_text())
    worst = 0.0
    for block in ("n", "landmarks", "medians", "rmst", "logrank", "trend", "cox", "table2",
                  "contrasts"):
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
