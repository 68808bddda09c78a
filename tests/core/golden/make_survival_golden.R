# Golden values for tests/core/test_survival.py, from R's survival package.
#
# Run from the repository root:  Rscript tests/core/golden/make_survival_golden.R
# Writes tests/core/golden/survival_r_golden.json (committed; CI does not need R).
#
# Every Kaplan-Meier fit is  survfit(Surv(time, event) ~ group, data, conf.type = "log-log")
# (Greenwood variance, 95% pointwise interval); medians and their CI from summary(fit)$table
# (quantile.survfit rules); restricted means from summary(fit, rmean = horizon)$table;
# landmarks from summary(fit, times = ...); log-rank from survdiff(..., rho = 0); the trend
# test from survdiff's observed, expected and variance with scores 1, 2, 3, ...
suppressMessages({library(survival); library(jsonlite)})

seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)

na_to_null <- function(x) ifelse(is.na(x), NA, x)

km_rows <- function(fit, groups) {
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("All", length(s$time)) else
    sub("^group=", "", as.character(s$strata))
  data.frame(group = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
             n_censor = s$n.censor, survival = s$surv, std_err = s$std.err,
             ci_lower = s$lower, ci_upper = s$upper)
}

table_rows <- function(fit, horizon) {
  tab <- summary(fit, rmean = horizon)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  groups <- if (nrow(tab) == 1 && is.null(fit$strata)) "All" else sub("^group=", "", rownames(tab))
  data.frame(group = groups, n = tab[, "records"], events = tab[, "events"],
             median = tab[, "median"], median_lower = tab[, paste0(fit$conf.int, "LCL")],
             median_upper = tab[, paste0(fit$conf.int, "UCL")], rmst = tab[, "rmean"],
             rmst_se = tab[, "se(rmean)"], horizon = horizon)
}

at_rows <- function(fit, times) {
  s <- summary(fit, times = times)
  strata <- if (is.null(s$strata)) rep("All", length(s$time)) else
    sub("^group=", "", as.character(s$strata))
  data.frame(group = strata, time = s$time, survival = s$surv, std_err = s$std.err,
             ci_lower = s$lower, ci_upper = s$upper, n_risk = s$n.risk)
}

case <- function(d, time, event, by, times = c(6, 12, 24, 36, 60), horizon = 24,
                 levels = NULL, conf_int = 0.95) {
  d$time <- d[[time]]; d$event <- d[[event]]
  d$group <- if (is.null(by)) "All" else as.character(d[[by]])
  if (!is.null(levels)) d$group <- factor(d$group, levels = levels)
  f <- if (is.null(by)) Surv(time, event) ~ 1 else Surv(time, event) ~ group
  fit <- survfit(f, data = d, conf.type = "log-log", conf.int = conf_int)
  out <- list(
    call = paste0("survfit(Surv(", time, ", ", event, ") ~ ",
                  if (is.null(by)) "1" else by, ", conf.type = 'log-log', conf.int = ",
                  conf_int, ")"),
    conf_level = conf_int,
    km = km_rows(fit), summary = table_rows(fit, horizon), at = at_rows(fit, times),
    times = times)
  if (!is.null(by) && length(unique(d$group)) > 1) {
    sd <- survdiff(f, data = d)
    out$logrank <- list(statistic = sd$chisq, dof = length(sd$n) - 1,
                        p_value = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
                        observed = as.numeric(sd$obs), expected = as.numeric(sd$exp),
                        groups = sub("^group=", "", names(sd$n)))
    w <- seq_along(sd$n)
    oe <- sd$obs - sd$exp
    trend <- sum(w * oe)^2 / as.numeric(t(w) %*% sd$var %*% w)
    out$trend <- list(statistic = trend, p_value = pchisq(trend, 1, lower.tail = FALSE),
                      scores = w)
  }
  out
}

res <- list()
for (ep in list(c("os", "os_months", "os_event"), c("rfs", "rfs_months", "rfs_event"))) {
  res[[paste0(ep[1], ".all")]] <- case(seed, ep[2], ep[3], NULL)
  for (by in c("mrd_pre_status", "sorafenib_timing", "sex", "fusion_gene")) {
    res[[paste0(ep[1], ".", by)]] <- case(seed, ep[2], ep[3], by)
  }
  res[[paste0(ep[1], ".eln2022_risk")]] <- case(
    seed, ep[2], ep[3], "eln2022_risk", levels = c("favorable", "intermediate", "adverse"))
}

# Another confidence level (90%).
res[["rfs.mrd_pre_status.conf90"]] <- case(seed, "rfs_months", "rfs_event", "mrd_pre_status",
                                           conf_int = 0.90)

# Hand-checkable cases ----------------------------------------------------------------------
# Ties: events and censorings at the same time (R counts the censored as at risk at that time).
ties <- data.frame(t = c(2, 2, 2, 3, 3, 5, 5, 5, 8, 9),
                   e = c(1, 1, 0, 1, 0, 1, 1, 0, 0, 1),
                   g = c("a", "b", "a", "b", "a", "a", "b", "b", "a", "b"))
res$ties <- case(ties, "t", "e", NULL, times = c(1, 2, 4, 9), horizon = 9)
res$ties_by <- case(ties, "t", "e", "g", times = c(1, 2, 4, 9), horizon = 9)
# A curve that sits exactly at 0.5 (median is the midpoint rule of quantile.survfit).
half <- data.frame(t = c(1, 2, 3, 4, 5, 6), e = c(1, 1, 1, 0, 1, 1))
res$half <- case(half, "t", "e", NULL, times = c(3, 6), horizon = 6)
# A group with no events next to one with events.
noev <- data.frame(t = c(3, 5, 7, 2, 4, 6, 8), e = c(0, 0, 0, 1, 1, 0, 1),
                   g = c("none", "none", "none", "some", "some", "some", "some"))
res$no_events <- case(noev, "t", "e", "g", times = c(1, 4, 7), horizon = 7)
# A single patient with an event.
res$single <- case(data.frame(t = 4, e = 1), "t", "e", NULL, times = c(2, 4), horizon = 4)
# Random cohort with heavy ties, three ordered groups.
set.seed(20261125)
n <- 90
rnd <- data.frame(g = sample(c("low", "mid", "high"), n, replace = TRUE))
rate <- c(low = 0.02, mid = 0.04, high = 0.08)[rnd$g]
ev <- ceiling(rexp(n, rate)); ce <- ceiling(runif(n, 6, 80))
rnd$t <- pmin(ev, ce); rnd$e <- as.integer(ev <= ce)
res$random <- case(rnd, "t", "e", "g", times = c(12, 24, 36), horizon = 36,
                   levels = c("low", "mid", "high"))
res$random$data <- rnd

write_json(list(source = paste0(R.version.string, ", survival ", packageVersion("survival")),
                script = "tests/core/golden/make_survival_golden.R", results = res),
           "tests/core/golden/survival_r_golden.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
