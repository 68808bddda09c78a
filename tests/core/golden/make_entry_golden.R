# Golden values for tests/core/survival/km/test_entry_vs_r.py and
# tests/core/survival/competing/test_entry_vs_r.py: delayed entry (left truncation)
# in Kaplan-Meier and Aalen-Johansen, on seeded cohorts this script generates itself (written
# into the JSON too).
#
# Run from the repository root:  Rscript tests/core/golden/make_entry_golden.R
# Writes tests/core/golden/entry_r_golden.json (committed; CI does not need R).
# R 4.2 with survival 3.5.3.
#
# Columns of a cohort: id, entry and time (months on one clock, entry <= time), event (0/1),
# status (0 censored, 1 / 2 causes; event = status > 0), group (text).
# The cohorts hold ties between entries and event times (whole months), entries after some
# events, a group that starts late, a group whose risk set empties and then refills, rows whose
# entry equals their time (R's Surv makes them NA and survfit drops them), three groups, strata,
# and one cohort whose every entry is 0 (the ordinary estimate).
#   fit <- survfit(Surv(entry, time, event) ~ group, conf.type = "log-log")
#       summary(fit, censored = TRUE)           -> Kaplan-Meier table (std.err of S)
#       summary(fit, times = at)                -> survival_at (extend = FALSE)
#       summary(fit, rmean = 24)$table          -> median, 0.95LCL, 0.95UCL, rmean, se(rmean)
#   ms <- survfit(Surv(entry, time, factor(status, 0:2)) ~ group, id = id)
#       summary(ms, times = at)                 -> pstate, std.err (infinitesimal jackknife),
#                                                  n.risk of the starting state
#   cox <- coxph(Surv(entry, time, event) ~ factor(group) [+ strata(stratum)], ties = "breslow")
#       summary(cox)$sctest                     -> logrank(..., entry=) (the score test);
#   survdiff(Surv(time, event) ~ group)$chisq   -> beside it where every entry is 0 (with tied
#                                                  event times the two differ slightly)
suppressMessages({library(survival); library(jsonlite)})

group_name <- function(strata, d, n) {
  if (is.null(strata)) return(rep(unique(d$group), n))  # one group: survfit has no strata
  sub("^group=", "", as.character(strata))
}

make_cohorts <- function() {
  set.seed(2101)
  out <- list()
  # whole months: entries tie event times; group "late" enters only after month 8
  n <- 48
  g <- rep(c("early", "late"), each = n / 2)
  entry <- ifelse(g == "early", sample(0:4, n, TRUE), 8 + sample(0:6, n, TRUE))
  time <- entry + sample(1:20, n, TRUE)
  status <- sample(0:2, n, TRUE, prob = c(0.35, 0.45, 0.2))
  d <- data.frame(id = sprintf("P%03d", seq_len(n)), entry = entry, time = time,
                  status = status, group = g)
  d <- rbind(d, data.frame(id = c("P900", "P901"), entry = c(5, 9), time = c(5, 9),
                           status = c(1, 0), group = c("early", "late")))
  out$ties_late_group <- d
  # one decimal (ties), three groups, many entries after the first events
  n <- 90
  entry <- round(rexp(n, 1 / 4), 1)
  time <- round(entry + rexp(n, 1 / 10) + 0.1, 1)
  status <- sample(0:2, n, TRUE, prob = c(0.3, 0.5, 0.2))
  out$decimal_three_groups <- data.frame(id = sprintf("Q%03d", seq_len(n)), entry = entry,
                                         time = time, status = status,
                                         group = sample(c("A", "B", "C"), n, TRUE))
  # every entry 0: the ordinary Kaplan-Meier and Aalen-Johansen
  n <- 40
  out$entry_zero <- data.frame(id = sprintf("Z%03d", seq_len(n)), entry = 0,
                               time = sample(1:30, n, TRUE),
                               status = sample(0:2, n, TRUE, prob = c(0.4, 0.4, 0.2)),
                               group = sample(c("x", "y"), n, TRUE))
  # small, worked by hand in the test too
  out$small <- data.frame(id = sprintf("S%d", 1:8), entry = c(0, 0, 1, 2, 2, 3, 5, 4),
                          time = c(2, 3, 4, 3, 6, 5, 8, 7), status = c(1, 0, 2, 1, 0, 1, 0, 1),
                          group = "one")
  # the embedded study: OS with delayed entry at maintenance start (os_months - rfs_months,
  # the rule of core/survival/endpoint/resolve.py) by MRD before maintenance
  seed <- read.csv("data/seed_cohort.csv")
  out$seed_os_by_mrd <- data.frame(id = as.character(seed$patient_id),
                                   entry = seed$os_months - seed$rfs_months,
                                   time = seed$os_months, status = seed$os_event,
                                   group = seed$mrd_pre_status)
  # strata: two groups within two centres, delayed entry, whole months (ties)
  n <- 60
  entry <- sample(0:5, n, TRUE)
  out$strata_two <- data.frame(id = sprintf("T%03d", seq_len(n)), entry = entry,
                               time = entry + sample(1:15, n, TRUE),
                               status = sample(0:2, n, TRUE, prob = c(0.4, 0.45, 0.15)),
                               group = sample(c("a", "b"), n, TRUE),
                               stratum = sample(c("s1", "s2"), n, TRUE))
  # a group whose patients all leave before the first event: its indicator is aliased
  out$aliased_group <- data.frame(id = sprintf("A%02d", 1:11),
                                  entry = c(0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0),
                                  time = c(5, 6, 7, 8, 9, 10, 6, 12, 9, 1, 2),
                                  status = c(1, 1, 0, 1, 2, 0, 1, 0, 1, 0, 0),
                                  group = c(rep("a", 4), rep("b", 5), "gone", "gone"))
  # group "a" empties then refills: its first wave has left by month 4, nobody of it is at
  # risk in (4, 6], a second wave enters at 6 and 7 (R carries S through the gap and reports,
  # at a time inside it, the n.risk of its next time); entry == time rows (G18-G20); strata
  out$gap_refill <- data.frame(
    id = sprintf("G%02d", 1:20),
    entry = c(0, 0, 0, 0, 6, 6, 7, 6, 7, 0, 0, 1, 2, 3, 0, 4, 5, 2, 5, 6),
    time = c(1, 2, 3, 4, 8, 9, 9, 12, 14, 2, 5, 5, 6, 9, 11, 13, 15, 2, 5, 6),
    status = c(1, 0, 2, 0, 1, 1, 0, 1, 0, 1, 2, 0, 1, 1, 0, 1, 0, 1, 0, 1),
    group = c(rep("a", 9), rep("b", 8), "a", "b", "a"),
    stratum = rep(c("s1", "s2"), 10))
  lapply(out, function(d) { d$event <- as.integer(d$status > 0); d })
}

AT <- c(0, 0.5, 1, 2, 3, 4.5, 6, 9, 12, 15, 18, 24, 30, 100)

km_of <- function(d) {
  fit <- suppressWarnings(survfit(Surv(entry, time, event) ~ group, data = d,
                                  conf.type = "log-log"))
  s <- summary(fit, censored = TRUE)
  km <- data.frame(group = group_name(s$strata, d, length(s$time)), time = s$time, n_risk = s$n.risk,
                   n_event = s$n.event, n_censor = s$n.censor, survival = s$surv,
                   std_err = s$std.err, ci_lower = s$lower, ci_upper = s$upper)
  a <- summary(fit, times = AT)
  at <- data.frame(group = group_name(a$strata, d, length(a$time)), time = a$time, survival = a$surv,
                   std_err = a$std.err, ci_lower = a$lower, ci_upper = a$upper,
                   n_risk = a$n.risk)
  tab <- summary(fit, rmean = 24)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  rows <- if (nrow(tab) == 1 && length(unique(d$group)) == 1) NULL else rownames(tab)
  med <- data.frame(group = group_name(rows, d, nrow(tab)), n = tab[, "records"],
                    events = tab[, "events"], median = tab[, "median"],
                    median_lower = tab[, "0.95LCL"], median_upper = tab[, "0.95UCL"],
                    rmst = tab[, "rmean"], rmst_se = tab[, "se(rmean)"])
  list(km = km, at = at, medians = med)
}

ms_of <- function(d) {
  fit <- suppressWarnings(survfit(Surv(entry, time, factor(status, 0:2)) ~ group, data = d,
                                  id = id))
  s <- summary(fit, times = AT)
  states <- fit$states
  list(states = states, group = group_name(s$strata, d, length(s$time)), time = s$time,
       n_risk = s$n.risk[, 1],
       cif_1 = s$pstate[, states == "1"], se_1 = s$std.err[, states == "1"],
       cif_2 = s$pstate[, states == "2"], se_2 = s$std.err[, states == "2"])
}

score_of <- function(d, formula) {
  fit <- suppressWarnings(coxph(formula, data = d, ties = "breslow"))
  sc <- summary(fit)$sctest
  list(statistic = unname(sc["test"]), df = unname(sc["df"]), p_value = unname(sc["pvalue"]))
}

sctest_of <- function(d) {
  if (length(unique(d$group)) < 2) return(list())
  out <- list(sctest = score_of(d, Surv(entry, time, event) ~ factor(group)))
  if ("stratum" %in% names(d))
    out$sctest_strata <- score_of(d, Surv(entry, time, event) ~ factor(group) +
                                    strata(stratum))
  if (all(d$entry == 0))
    out$survdiff_chisq <- survdiff(Surv(time, event) ~ group, data = d)$chisq
  out
}

cohorts <- make_cohorts()
golden <- lapply(names(cohorts), function(name) {
  d <- cohorts[[name]]
  c(list(cohort = d), km_of(d), list(ms = ms_of(d)), sctest_of(d))
})
names(golden) <- names(cohorts)
golden$meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                    at = AT)
write_json(golden, "tests/core/golden/entry_r_golden.json", digits = NA, na = "null",
           auto_unbox = TRUE, pretty = FALSE)
