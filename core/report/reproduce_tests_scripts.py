'''The "Reproduce this" scripts' code for the blocks of :mod:`core.report.reproduce_tests`:
weighted, stratified and pairwise log-rank tests, Table 1's p-values, Fine-Gray hazard ratios.

Design: two fragments spliced into the script templates (:mod:`core.report.reproduce_r` at
``# __TESTS__``, :mod:`core.report.reproduce_python` likewise). R recomputes every block:
``survdiff(rho =)``, ``survdiff(... + strata(s))``, ``survdiff`` on each pair's rows with
``p.adjust`` (what survminer's ``pairwise_survdiff`` does), ``fisher.test``, ``wilcox.test``,
``kruskal.test`` and ``cmprsk::crr`` (when cmprsk is installed; else a sentence says how to get
it). Python (numpy and scipy) recomputes the log-rank tests (survdiff's weighted observed -
expected and variance, the weight the pooled Kaplan-Meier S(t-)^rho), the Wilcoxon and
Kruskal-Wallis p-values and Fisher's test on 2 x 2 tables; for an r x c Fisher test and the
Fine-Gray model it prints that the R script covers them.
'''

R_TESTS = r'''# ---- weighted, stratified, pairwise log-rank; Table 1 p-values; Fine-Gray --------
lr_test <- function(formula, d, rho = 0) {  # survdiff; df as print.survdiff counts it
  test <- survdiff(formula, data = d, rho = rho)
  e <- if (is.matrix(test$exp)) rowSums(test$exp) else test$exp
  dof <- sum(e > 0) - 1
  list(statistic = test$chisq, dof = as.integer(dof),
       p_value = pchisq(test$chisq, dof, lower.tail = FALSE))
}
score_test <- function(formula, d) {  # with delayed entry: the Breslow Cox score test
  sc <- summary(coxph(formula, data = d, ties = "breslow"))$sctest
  list(statistic = unname(sc["test"]), dof = as.integer(sc["df"]),
       p_value = unname(sc["pvalue"]))
}
weighted <- NULL
stratified <- NULL
pairwise <- NULL
if (!is.null(spec$weighted))
  weighted <- lr_test(Surv(.time, .event) ~ .group, rows, spec$weighted$rho)
if (!is.null(spec$stratified)) {
  rows$.stratum <- rows[[spec$stratified$strata]]
  kept <- rows[!is.na(rows$.stratum), , drop = FALSE]
  stratified <- if (entry)
    score_test(Surv(.entry, .time, .event) ~ .group + strata(.stratum), kept) else
    lr_test(Surv(.time, .event) ~ .group + strata(.stratum), kept)
}
if (!is.null(spec$pairwise)) {  # survminer pairwise_survdiff: survdiff on each pair's rows
  pairwise <- list()
  for (j in seq_len(length(groups) - 1)) for (i in (j + 1):length(groups)) {
    d <- rows[rows$.group %in% groups[c(j, i)], , drop = FALSE]
    d$.pair <- factor(as.character(d$.group), levels = groups[c(j, i)])
    chisq <- if (!any(d$.event == 1)) 0 else if (entry)
      score_test(Surv(.entry, .time, .event) ~ .pair, d)$statistic else
      survdiff(Surv(.time, .event) ~ .pair, data = d)$chisq
    pairwise[[length(pairwise) + 1]] <- list(
      group1 = groups[i], group2 = groups[j], statistic = chisq,
      p_value = pchisq(chisq, 1, lower.tail = FALSE))
  }
  adjusted <- p.adjust(sapply(pairwise, function(p) p$p_value), method = spec$pairwise$adjust)
  for (k in seq_along(pairwise)) pairwise[[k]]$p_adjusted <- adjusted[k]
}
table1 <- NULL
if (!is.null(spec$table1)) {  # gtsummary add_p defaults
  table1 <- lapply(spec$table1$columns, function(col) {
    keep1 <- !is.na(data[[col$column]]) & !is.na(data[[spec$table1$by]])
    x <- data[[col$column]][keep1]
    g <- data[[spec$table1$by]][keep1]
    if (!col$numeric) {
      test <- "Fisher's exact test"
      p <- fisher.test(table(x, g), workspace = 2e7)$p.value
    } else if (length(unique(g)) == 2) {
      w <- suppressWarnings(wilcox.test(as.numeric(x) ~ factor(g)))
      test <- if (grepl("exact", w$method)) "Wilcoxon rank-sum test (exact)" else
        "Wilcoxon rank-sum test (normal approximation, continuity correction)"
      p <- w$p.value
    } else {
      test <- "Kruskal-Wallis test"
      p <- kruskal.test(as.numeric(x), factor(g))$p.value
    }
    list(column = col$column, test = test, p_value = p)
  })
}
fine_gray <- NULL
if (!is.null(spec$fine_gray)) {
  fg <- spec$fine_gray
  if (requireNamespace("cmprsk", quietly = TRUE)) {
    d <- data[complete.cases(data[, c(fg$time, fg$status, fg$by)]), , drop = FALSE]
    order <- unlist(fg$order)
    x <- model.matrix(~ factor(d[[fg$by]], levels = order))[, -1, drop = FALSE]
    fit <- cmprsk::crr(as.numeric(d[[fg$time]]), as.numeric(d[[fg$status]]), x,
                       failcode = 1, cencode = 0)
    b <- unname(fit$coef)
    se <- sqrt(diag(fit$var))
    z <- qnorm(1 - (1 - spec$conf_level) / 2)
    fine_gray <- list(
      estimable = isTRUE(fit$converged) && all(abs(b) <= 10),
      terms = lapply(seq_along(b), function(i) list(
        group = order[i + 1], hr = exp(b[i]), hr_lower = exp(b[i] - z * se[i]),
        hr_upper = exp(b[i] + z * se[i]), p_value = 2 * pnorm(-abs(b[i] / se[i])))))
  } else {
    cat("fine_gray: R's cmprsk package is not installed (install.packages(\"cmprsk\")); the",
        "Fine-Gray hazard ratios are not recomputed\n")
  }
}
'''

PY_TESTS = r'''def survdiff_parts(rows, rho=0.0, groups=None):
    """survdiff's weighted observed - expected per group, their covariance and the weighted
    expected counts; the weight at an event time is the pooled Kaplan-Meier just before it,
    to the power rho."""
    groups = SPEC["groups"] if groups is None else groups
    time = rows[SPEC["time"]].to_numpy(float)
    event = rows[SPEC["event"]].to_numpy(float)
    label = rows[SPEC["by"]].to_numpy()
    k = len(groups)
    ome, expected, variance, km = np.zeros(k), np.zeros(k), np.zeros((k, k)), 1.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n_g = np.array([(at_risk & (label == g)).sum() for g in groups], float)
        d_g = np.array([((time == t) & (event == 1) & (label == g)).sum() for g in groups],
                       float)
        n, d = n_g.sum(), d_g.sum()
        w = km ** rho
        ome += w * (d_g - d * n_g / n)
        expected += w * d * n_g / n
        if n > 1:
            variance += w ** 2 * d * (n - d) / (n - 1) * (np.diag(n_g / n)
                                                          - np.outer(n_g, n_g) / n ** 2)
        km *= 1 - d / n
    return ome, variance, expected


def chi_square(ome, variance, expected):
    """survdiff's chi-square over the groups with expected events (its df: their number - 1)."""
    keep = expected > 0
    diff, v = ome[keep][:-1], variance[np.ix_(keep, keep)][:-1, :-1]
    statistic = float(diff @ np.linalg.solve(v, diff)) if keep.sum() > 1 else 0.0  # as R
    dof = int(keep.sum() - 1)
    return {"statistic": statistic, "dof": dof, "p_value": float(chi2.sf(statistic, dof))}


def entry_score(rows, groups):
    """With delayed entry: the score and information at 0 of the Breslow Cox model on the
    indicators of groups[1:] (R coxph(Surv(entry, time, event) ~ group)$sctest's parts)."""
    time, event = rows[SPEC["time"]].to_numpy(float), rows[SPEC["event"]].to_numpy(float)
    entry, label = entry_of(rows), rows[SPEC["by"]].to_numpy()
    score, information = np.zeros(len(groups) - 1), np.zeros((len(groups) - 1,) * 2)
    for t in np.unique(time[event == 1]):
        risk = (entry < t) & (time >= t)
        x = np.array([(risk & (label == g)).sum() for g in groups[1:]], float)
        d_x = np.array([((time == t) & (event == 1) & (label == g)).sum() for g in groups[1:]],
                       float)
        n, d = risk.sum(), ((time == t) & (event == 1)).sum()
        score += d_x - d * x / n
        information += d * (np.diag(x / n) - np.outer(x, x) / n ** 2)
    return score, information


def score_chi_square(score, information):
    dof = int(np.linalg.matrix_rank(information))
    statistic = float(score @ np.linalg.pinv(information) @ score)
    return {"statistic": statistic, "dof": dof, "p_value": float(chi2.sf(statistic, dof))}


def weighted(rows):
    return chi_square(*survdiff_parts(rows, SPEC["weighted"]["rho"])) \
        if SPEC["weighted"] else None


def stratified(rows):
    """survdiff(... + strata(s)): observed - expected and variance summed over the strata."""
    if not SPEC["stratified"]:
        return None
    column = SPEC["stratified"]["strata"]
    strata = [part for _, part in rows[rows[column].notna()].groupby(column)]
    if SPEC["entry"]:  # the stratified Cox score test: score and information summed
        parts = [entry_score(part, SPEC["groups"]) for part in strata]
        return score_chi_square(sum(p[0] for p in parts), sum(p[1] for p in parts))
    parts = [survdiff_parts(part) for part in strata]
    return chi_square(*(sum(p[i] for p in parts) for i in range(3)))


def adjust(p, method):
    """R p.adjust for holm, BH and none."""
    p = np.asarray(p, float)
    n, order = len(p), np.argsort(p, kind="stable")
    if method == "none" or n == 0:
        return p
    if method == "holm":
        adjusted = np.maximum.accumulate((n - np.arange(n)) * p[order])
    else:
        order = order[::-1]
        adjusted = np.minimum.accumulate(n / np.arange(n, 0, -1) * p[order])
    out = np.empty(n)
    out[order] = np.minimum(1.0, adjusted)
    return out


def pairwise(rows):
    if not SPEC["pairwise"]:
        return None
    groups, out = SPEC["groups"], []
    for j in range(len(groups) - 1):
        for i in range(j + 1, len(groups)):
            pair = [groups[j], groups[i]]
            part = rows[rows[SPEC["by"]].isin(pair)]
            if not (part[SPEC["event"]] == 1).any():
                statistic = 0.0  # no event in the pair: 0, p 1 (as R)
            elif SPEC["entry"]:
                statistic = score_chi_square(*entry_score(part, pair))["statistic"]
            else:
                statistic = chi_square(*survdiff_parts(part, 0.0, pair))["statistic"]
            out.append({"group1": groups[i], "group2": groups[j],  # 1 df, as survminer
                        "statistic": statistic, "p_value": float(chi2.sf(statistic, 1))})
    for row, p in zip(out, adjust([r["p_value"] for r in out], SPEC["pairwise"]["adjust"])):
        row["p_adjusted"] = float(p)
    return out


def table1(data):
    """Table 1's p per characteristic (R fisher.test on 2 x 2 tables, wilcox.test,
    kruskal.test defaults); an r x c Fisher test is left to reproduce.R."""
    from scipy.stats import fisher_exact, kruskal, mannwhitneyu

    if not SPEC["table1"]:
        return None
    out, by = {}, SPEC["table1"]["by"]
    for column in SPEC["table1"]["columns"]:
        name = column["column"]
        part = data[data[name].notna() & data[by].notna()]
        groups = sorted(part[by].unique())
        if not column["numeric"]:
            table = pd.crosstab(part[name], part[by]).to_numpy()
            if table.shape != (2, 2):
                print(f"table1: {name}: Fisher's exact test on a {table.shape[0]} x "
                      f"{table.shape[1]} table is recomputed by reproduce.R (R fisher.test)")
                continue
            out[name] = {"column": name, "test": "Fisher's exact test",
                         "p_value": float(fisher_exact(table).pvalue)}
            continue
        values = [pd.to_numeric(part[name][part[by] == g]).to_numpy(float) for g in groups]
        if len(groups) == 2:
            pooled = np.concatenate(values)
            exact = len(np.unique(pooled)) == len(pooled) and max(map(len, values)) < 50
            result = mannwhitneyu(*values, alternative="two-sided", use_continuity=True,
                                  method="exact" if exact else "asymptotic")
            test = "Wilcoxon rank-sum test " + ("(exact)" if exact else
                                                "(normal approximation, continuity correction)")
            out[name] = {"column": name, "test": test, "p_value": float(result.pvalue)}
        else:
            out[name] = {"column": name, "test": "Kruskal-Wallis test",
                         "p_value": float(kruskal(*values).pvalue)}
    return out


'''
