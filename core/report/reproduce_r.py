'''The standalone R script of the "Reproduce this" zip (a template; see
:mod:`core.report.reproduce`).

Design: one string with a single placeholder, ``__SPEC__``, replaced by the analysis the app
ran as a JSON literal inside an R raw string. The script uses R's survival package (survfit
with log-log intervals, summary at landmarks, print.survfit medians, restricted means as
``print(fit, rmean = horizon)``, survdiff and the trend test from its observed - expected and
variance, coxph with the Cox page's ties) and jsonlite, writes ``r_numbers.json`` and
compares every number with ``app_numbers.json``. With delayed entry (``spec$entry``) every fit uses
``Surv(entry, time, event)`` and the log-rank test is the score test of the Breslow Cox model
(``summary(coxph(...))$sctest``), as the app computes it. R >= 4.0 (raw strings).
'''

from core.report.reproduce_tests_scripts import R_TESTS

_TEMPLATE = r'''#!/usr/bin/env Rscript
# Recompute the numbers the Relapse Risk Explorer showed, from the rows in this zip.
#
#   Rscript reproduce.R
#
# Needs R >= 4.0 with the survival and jsonlite packages. Writes r_numbers.json and compares
# every number with app_numbers.json (largest absolute difference per block).
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

spec <- fromJSON(r"---(__SPEC__)---", simplifyVector = FALSE)
args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
tol <- 1e-6

data <- read.csv(file.path(here, "cohort_filtered.csv"), colClasses = "character",
                 na.strings = "", check.names = FALSE)
data[[spec$time]] <- as.numeric(data[[spec$time]])
data[[spec$event]] <- as.numeric(data[[spec$event]])
keep <- !is.na(data[[spec$time]]) & !is.na(data[[spec$event]])
entry <- !is.null(spec$entry)  # delayed entry: at risk only when entry < t <= time
if (entry) {
  data[[spec$entry]] <- as.numeric(data[[spec$entry]])
  keep <- keep & !is.na(data[[spec$entry]]) & data[[spec$entry]] < data[[spec$time]]
}
by <- spec$by
if (!is.null(by)) keep <- keep & !is.na(data[[by]])
rows <- data[keep, , drop = FALSE]
rows$.time <- rows[[spec$time]]
rows$.event <- rows[[spec$event]]
rows$.entry <- if (entry) rows[[spec$entry]] else 0
# Surv(entry, time, event) with delayed entry, else Surv(time, event)
surv <- if (entry) "Surv(.entry, .time, .event)" else "Surv(.time, .event)"
groups <- unlist(spec$groups)
if (is.null(by)) {
  fit <- survfit(as.formula(paste(surv, "~ 1")), data = rows, conf.type = "log-log",
                 conf.int = spec$conf_level)
} else {
  rows$.group <- factor(rows[[by]], levels = groups)
  fit <- survfit(as.formula(paste(surv, "~ .group")), data = rows, conf.type = "log-log",
                 conf.int = spec$conf_level)
}
na_null <- function(x) if (is.na(x)) NULL else x

# ---- Kaplan-Meier at the landmarks: summary(fit, times) --------------------------------------
marks <- summary(fit, times = sort(unlist(spec$landmark_months)), extend = FALSE)
mark_group <- if (is.null(by)) rep("All", length(marks$time)) else
  if (is.null(marks$strata)) rep(groups[1], length(marks$time)) else  # a single group
  sub("^\\.group=", "", as.character(marks$strata))
landmarks <- lapply(seq_along(marks$time), function(i) list(
  group = mark_group[i], time = marks$time[i], survival = marks$surv[i],
  ci_lower = na_null(marks$lower[i]), ci_upper = na_null(marks$upper[i]),
  n_risk = as.integer(marks$n.risk[i])))

# ---- medians: print.survfit -------------------------------------------------------------------
table <- summary(fit)$table
if (is.null(dim(table))) table <- t(as.matrix(table))
lcl <- grep("LCL$", colnames(table))
ucl <- grep("UCL$", colnames(table))
medians <- lapply(seq_len(nrow(table)), function(i) list(
  group = if (is.null(by)) "All" else groups[i], n = as.integer(table[i, "records"]),
  events = as.integer(table[i, "events"]), median = na_null(table[i, "median"]),
  median_lower = na_null(table[i, lcl]), median_upper = na_null(table[i, ucl])))

# ---- restricted mean survival time: print(fit, rmean = horizon) ------------------------------
means <- summary(fit, rmean = spec$horizon)$table
if (is.null(dim(means))) means <- t(as.matrix(means))
z_rm <- qnorm(1 - (1 - spec$conf_level) / 2)
rmst <- lapply(seq_len(nrow(means)), function(i) list(
  group = if (is.null(by)) "All" else groups[i], rmst = unname(means[i, "rmean"]),
  se = unname(means[i, "se(rmean)"]),
  ci_lower = unname(means[i, "rmean"] - z_rm * means[i, "se(rmean)"]),
  ci_upper = unname(means[i, "rmean"] + z_rm * means[i, "se(rmean)"])))

# ---- log-rank: survdiff; trend: (w'(O - E))^2 / (w'Vw), 1 df ----------------------------------
# with delayed entry: the score test of the Breslow Cox model (no trend test)
logrank <- NULL
trend <- NULL
if (entry && !is.null(by) && length(groups) >= 2) {
  score <- summary(coxph(Surv(.entry, .time, .event) ~ .group, data = rows,
                         ties = "breslow"))$sctest
  logrank <- list(statistic = unname(score["test"]), dof = as.integer(score["df"]),
                  p_value = unname(score["pvalue"]))
} else if (!is.null(by) && length(groups) >= 2) {
  test <- survdiff(Surv(.time, .event) ~ .group, data = rows)
  dof <- sum(test$exp > 0) - 1
  logrank <- list(statistic = test$chisq, dof = as.integer(dof),
                  p_value = pchisq(test$chisq, dof, lower.tail = FALSE))
  if (!is.null(spec$trend)) {
    idx <- match(unlist(spec$trend$order), groups)
    w <- unlist(spec$trend$scores)
    oe <- (test$obs - test$exp)[idx]
    stat <- sum(w * oe)^2 / drop(t(w) %*% test$var[idx, idx] %*% w)
    trend <- list(statistic = stat, p_value = pchisq(stat, 1, lower.tail = FALSE))
  }
}

# ---- each group against the reference: milestone difference, rmst2's RMST contrasts ----------
contrasts <- NULL
if (!is.null(by) && length(groups) >= 2) {
  z <- qnorm(1 - (1 - spec$conf_level) / 2)
  two_sided <- function(est, se)
    if (is.finite(est) && is.finite(se) && se > 0) 2 * pnorm(-abs(est) / se) else NA
  ref <- spec$reference  # the page's reference group
  others <- setdiff(groups, ref)
  milestone <- NULL
  if (length(spec$landmark_months)) {  # summary(survfit, times): surv, Greenwood std.err
    t <- min(unlist(spec$landmark_months))
    at <- function(g) {
      d <- rows[rows$.group == g, , drop = FALSE]
      if (t > max(d$.time)) return(c(NA, NA))
      s <- summary(survfit(as.formula(paste(surv, "~ 1")), data = d), times = t)
      c(s$surv, s$std.err)
    }
    s0 <- at(ref)
    milestone <- lapply(others, function(g) {
      s1 <- at(g)
      diff <- s1[1] - s0[1]
      se <- sqrt(s1[2]^2 + s0[2]^2)
      list(group = g, reference = ref, time = t, survival = na_null(s1[1]),
           reference_survival = na_null(s0[1]), difference = na_null(diff), se = na_null(se),
           ci_lower = na_null(diff - z * se), ci_upper = na_null(diff + z * se),
           p_value = na_null(two_sided(diff, se)))
    })
  }
  tau <- spec$horizon
  r <- setNames(unname(means[, "rmean"]), groups)
  v <- setNames(unname(means[, "se(rmean)"])^2, groups)
  last <- function(g) {  # last observed time, and whether only events happen there
    d <- rows[rows$.group == g, , drop = FALSE]
    m <- max(d$.time)
    c(m, all(d$.event[d$.time == m] == 1))
  }
  rmst_rows <- list()
  for (g in others) {
    l0 <- last(ref)
    l1 <- last(g)
    first <- if (l0[1] >= l1[1]) l1 else l0  # rmst2's largest tau (g is its arm 1)
    limit <- if (first[2] == 1) max(l0[1], l1[1]) else min(l0[1], l1[1])
    for (name in c("RMST difference", "RMST ratio", "RMTL ratio")) {
      a <- if (name == "RMTL ratio") tau - r[[g]] else r[[g]]
      b <- if (name == "RMTL ratio") tau - r[[ref]] else r[[ref]]
      est <- NA; lo <- NA; hi <- NA; p <- NA
      if (tau <= limit && name == "RMST difference") {
        est <- a - b
        se <- sqrt(v[[g]] + v[[ref]])
        lo <- est - z * se; hi <- est + z * se; p <- two_sided(est, se)
      } else if (tau <= limit && a > 0 && b > 0) {
        lr <- log(a) - log(b)
        se <- sqrt(v[[g]] / a^2 + v[[ref]] / b^2)
        est <- exp(lr); lo <- exp(lr - z * se); hi <- exp(lr + z * se); p <- two_sided(lr, se)
      }
      rmst_rows[[length(rmst_rows) + 1]] <- list(
        group = g, reference = ref, tau = tau, contrast = name, estimate = na_null(est),
        ci_lower = na_null(lo), ci_upper = na_null(hi), p_value = na_null(p))
    }
  }
  contrasts <- list(milestone = milestone, rmst = rmst_rows)
}

# ---- Cox: coxph with the Cox page's ties and reference levels, Wald intervals -------------
cox <- NULL
table2 <- NULL
if (!is.null(spec$cox)) {
  cs <- spec$cox
  cox_frame <- function(encs) {  # the rows complete in encs (and the stratum), coded
    columns <- c(cs$time, cs$event, cs$entry, sapply(encs, function(e) e$column), cs$strata)
    cd <- data[complete.cases(data[, columns, drop = FALSE]), , drop = FALSE]
    cd$.time <- as.numeric(cd[[cs$time]])
    cd$.event <- as.numeric(cd[[cs$event]])
    if (!is.null(cs$entry)) {  # delayed entry: rows entering at or after their end left out
      cd$.entry <- as.numeric(cd[[cs$entry]])
      cd <- cd[cd$.entry < cd$.time, , drop = FALSE]
    }
    terms <- character(0)
    for (k in seq_along(encs)) {
      e <- encs[[k]]
      name <- paste0(".x", k)
      cd[[name]] <- if (e$kind == "numeric") as.numeric(cd[[e$column]]) / e$scale else
        factor(cd[[e$column]], levels = unlist(e$levels))
      terms <- c(terms, name)
    }
    if (!is.null(cs$strata)) cd$.stratum <- factor(cd[[cs$strata]])  # one baseline per level
    list(cd = cd, terms = terms)
  }
  cox_fit <- function(frame) coxph(
    as.formula(paste(if (is.null(cs$entry)) "Surv(.time, .event) ~" else
                       "Surv(.entry, .time, .event) ~", paste(frame$terms, collapse = " + "),
                     if (is.null(cs$strata)) "" else "+ strata(.stratum)")),
    data = frame$cd, ties = cs$ties)  # the Cox page's "efron" or "breslow"
  converged <- TRUE
  quiet <- function(expr) withCallingHandlers(
    expr, warning = function(w) { converged <<- FALSE; invokeRestart("muffleWarning") })
  full <- cox_frame(cs$encodings)
  model <- quiet(cox_fit(full))
  z <- qnorm(1 - (1 - spec$conf_level) / 2)
  b <- unname(coef(model))
  se <- unname(sqrt(diag(vcov(model))))
  names_out <- unlist(lapply(cs$encodings, function(e) unlist(e$terms)))
  cox <- list(n = as.integer(model$n), events = as.integer(model$nevent),
              converged = converged,
              terms = lapply(seq_along(b), function(i) list(
                term = names_out[i], coef = b[i], se = se[i], hr = exp(b[i]),
                hr_lower = exp(b[i] - z * se[i]), hr_upper = exp(b[i] + z * se[i]),
                p_value = 2 * pnorm(-abs(b[i] / se[i])))))
  # Table 2's likelihood-ratio tests: alone vs null (own rows); drop1 on the full model
  dropped <- quiet(drop1(model, test = "Chisq"))
  table2 <- list(converged = converged, covariates = lapply(seq_along(cs$encodings), function(k) {
    alone <- quiet(cox_fit(cox_frame(cs$encodings[k])))
    list(covariate = cs$encodings[[k]]$column,
         uni_lr_statistic = 2 * (alone$loglik[2] - alone$loglik[1]),
         uni_lr_df = length(coef(alone)),
         multi_lr_statistic = dropped[full$terms[k], "LRT"],
         multi_lr_df = dropped[full$terms[k], "Df"])
  }))
  table2$converged <- converged
}

# __TESTS__
numbers <- list(n = nrow(rows), landmarks = landmarks, medians = medians, rmst = rmst,
                logrank = logrank, trend = trend, cox = cox, table2 = table2,
                contrasts = contrasts, weighted = weighted, stratified = stratified,
                pairwise = pairwise, table1 = table1, fine_gray = fine_gray)
write_json(numbers, file.path(here, "r_numbers.json"), auto_unbox = TRUE, digits = NA,
           null = "null", pretty = TRUE)

# ---- compare with the numbers the app showed --------------------------------------------------
compare <- function(mine, theirs) {
  if (is.null(mine) && is.null(theirs)) return(0)
  if (is.null(mine) || is.null(theirs)) return(Inf)
  if (is.list(mine)) {
    keys <- if (is.null(names(mine))) seq_along(mine) else intersect(names(mine), names(theirs))
    if (is.null(names(mine)) && length(mine) != length(theirs)) return(Inf)
    return(max(c(0, sapply(keys, function(k) compare(mine[[k]], theirs[[k]])))))
  }
  if (is.numeric(mine) && is.numeric(theirs)) return(abs(mine - theirs))
  if (identical(as.character(mine), as.character(theirs))) 0 else Inf
}
app_file <- file.path(here, "app_numbers.json")
if (file.exists(app_file)) {
  shown <- fromJSON(app_file, simplifyVector = FALSE)
  worst <- 0
  for (block in c("n", "landmarks", "medians", "rmst", "logrank", "trend", "cox", "table2",
                  "contrasts", "weighted", "stratified", "pairwise", "table1", "fine_gray")) {
    if (block == "fine_gray" && !is.null(numbers$fine_gray) &&
        !(isTRUE(numbers$fine_gray$estimable) && isTRUE(shown$fine_gray$estimable))) {
      cat("fine_gray: a hazard ratio is not estimable (no event in a group, or no ",
          "convergence); not compared\n", sep = "")
      next
    }
    if (block == "fine_gray" && is.null(numbers$fine_gray) && !is.null(spec$fine_gray)) next
    if (is.list(numbers[[block]]) && isFALSE(numbers[[block]]$converged)) {
      cat(block, ": a model does not converge (a coefficient runs to infinity); its numbers ",
          "depend on where the iterations stop and are not compared\n", sep = "")
      next
    }
    diff <- compare(numbers[[block]], shown[[block]])
    worst <- max(worst, diff)
    cat(sprintf("%s: largest absolute difference %.3g\n", block, diff))
  }
  cat(if (worst <= tol) "REPRODUCED\n" else "DIFFERENT\n")
  quit(status = if (worst <= tol) 0 else 1)
}
'''
SCRIPT = _TEMPLATE.replace("# __TESTS__\n", R_TESTS)
"""The script (the further tests from :mod:`core.report.reproduce_tests_scripts`)."""
