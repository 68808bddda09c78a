'''The Cox part of the standalone Python script of the "Reproduce this" zip (see
:mod:`core.report.reproduce_python`, which puts it in place of its ``# __COX__`` line).

Design: coxph's partial likelihood with the Cox page's ties, Efron or Breslow (risk sets
within each stratum and, with delayed entry, of the patients who entered before t),
Newton-Raphson with step halving from 0,
the ordinary Cox model with Wald intervals and Table 2's likelihood-ratio tests (R drop1).
'''

COX_FUNCTIONS = r'''def partial(beta, x, time, event, sets):
    """Partial log-likelihood, gradient and information with the Cox page's ties
    (SPEC["cox"]["ties"]: coxph ties = "efron", or "breslow", where the m events at t share
    one risk set); risk sets within each stratum (coxph + strata(s): one baseline hazard per
    level) and, with delayed entry, of the patients who entered before t (Surv(entry, time,
    event))."""
    efron = (SPEC["cox"] or {}).get("ties", "efron") == "efron"
    stratum, entry = sets
    eta = x @ beta
    risk = np.exp(eta)
    loglik, grad, info = 0.0, np.zeros(len(beta)), np.zeros((len(beta), len(beta)))
    for s, t in sorted({(s, t) for s, t in zip(stratum[event == 1], time[event == 1])}):
        at = (entry < t) & (time >= t) & (stratum == s)
        dead = (time == t) & (event == 1) & (stratum == s)
        m = dead.sum()
        s0, s1 = risk[at].sum(), risk[at] @ x[at]
        s2 = (x[at] * risk[at][:, None]).T @ x[at]
        d0, d1 = risk[dead].sum(), risk[dead] @ x[dead]
        d2 = (x[dead] * risk[dead][:, None]).T @ x[dead]
        loglik += eta[dead].sum()
        grad += x[dead].sum(axis=0)
        for r in range(m):
            f = r / m if efron else 0.0  # Breslow: every event sees the whole risk set
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
    time, event, design matrix, term names and risk-set labels (stratum, entry time)."""
    spec = SPEC["cox"]
    columns = [spec["time"], spec["event"], *([spec["entry"]] if spec["entry"] else []),
               *(e["column"] for e in encodings), *([spec["strata"]] if spec["strata"] else [])]
    rows = data.dropna(subset=columns)
    if spec["entry"]:  # delayed entry: rows entering at or after their end are left out
        rows = rows[pd.to_numeric(rows[spec["entry"]]) < pd.to_numeric(rows[spec["time"]])]
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
    entry = (pd.to_numeric(rows[spec["entry"]]).to_numpy(float) if spec["entry"]
             else np.full(len(time), -np.inf))
    return rows, time, event, np.hstack(design), terms, (stratum, entry)


def cox(data):
    spec = SPEC["cox"]
    if not spec:
        return None
    _, time, event, x, terms, sets = model_rows(data, spec["encodings"])
    beta, loglik, info, converged, _ = newton(x, time, event, sets)
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
    _, time, event, x, terms, sets = model_rows(data, encodings)
    full = newton(x, time, event, sets)
    out, converged = [], full[3]
    for enc in encodings:
        _, t1, e1, x1, _, s1 = model_rows(data, [enc])  # its own complete rows
        alone = newton(x1, t1, e1, s1)
        keep = [k for k, term in enumerate(terms) if term not in enc["terms"]]
        without = newton(x[:, keep], time, event, sets)  # the multivariable rows
        converged = converged and alone[3] and without[3]
        out.append({"covariate": enc["column"],
                    "uni_lr_statistic": 2 * (alone[1] - alone[4]), "uni_lr_df": x1.shape[1],
                    "multi_lr_statistic": 2 * (full[1] - without[1]),
                    "multi_lr_df": len(enc["terms"])})
    return {"converged": bool(converged), "covariates": out}


def newton(x, time, event, sets):
    """coxph's Newton-Raphson with step halving: (beta, loglik, information, converged,
    loglik at beta = 0)."""
    beta = np.zeros(x.shape[1])
    loglik, grad, info = partial(beta, x, time, event, sets)
    loglik0 = loglik
    if x.shape[1] == 0:
        return beta, loglik, info, True, loglik0
    converged = False
    for _ in range(30):  # Newton converges in under 10 steps when an optimum exists
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:  # information singular: a coefficient diverged
            break
        new = beta + step
        new_loglik, new_grad, new_info = partial(new, x, time, event, sets)
        halvings = 0
        while new_loglik < loglik - 1e-12 and halvings < 10:
            step /= 2
            new = beta + step
            new_loglik, new_grad, new_info = partial(new, x, time, event, sets)
            halvings += 1
        if not math.isfinite(new_loglik):  # a coefficient diverged: not converged
            break
        beta, grad, info, change = new, new_grad, new_info, abs(new_loglik - loglik)
        loglik = new_loglik
        if change < 1e-12 and np.max(np.abs(step)) < 1e-9:
            converged = True
            break
    return beta, loglik, info, converged, loglik0


'''
