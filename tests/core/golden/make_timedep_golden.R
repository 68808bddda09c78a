# Golden values for tests/core/survival/timedep/test_timedep.py, from R's survival package.
#
# Run from the repository root:  Rscript tests/core/golden/make_timedep_golden.R
# Writes tests/core/golden/timedep_r_golden.json (committed; CI does not need R).
#
# For each cohort (columns time, event, switch; switch NA = never):
#   rows     <- tmerge(d, d, id = id, ev = event(time, event));
#               tmerge(rows, d, id = id, after = tdc(switch))        counting-process split
#   fit      <- coxph(Surv(tstart, tstop, ev) ~ after, data = rows)  Efron ties (default)
#   summary(fit)$sctest                                              Mantel-Byar score test
#   summary(fit)$coefficients, $conf.int                             time-dependent Cox (Wald)
#   survfit(Surv(tstart, tstop, ev) ~ after, data = rows, conf.type = "log-log")
#                                                                     Simon-Makuch curves
#   survdiff(Surv(time - L, event) ~ I(!is.na(switch) & switch <= L), subset = time > L)
#                                                                     landmark log-rank
#   survfit(Surv(time_c, event_c) ~ 1, conf.type = "log-log") with follow-up censored at the
#   intervention (switch < time: time_c = max(switch, 0), event_c = 0)  sensitivity curve
suppressMessages({library(survival); library(jsonlite)})

split_rows <- function(d) {
  d$id <- seq_len(nrow(d))
  rows <- tmerge(d[, c("id", "time", "event")], d, id = id, ev = event(time, event))
  # tmerge stops on a tdc with no time at all ("No valid entries"): nobody is switched
  if (all(is.na(d$switch))) rows$after <- 0L else
    rows <- tmerge(rows, d, id = id, after = tdc(switch))
  rows[order(rows$id, rows$tstart), ]
}

km_rows <- function(fit) {
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("All", length(s$time)) else
    sub("^after=", "", as.character(s$strata))
  data.frame(group = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
             n_censor = s$n.censor, survival = s$surv, std_err = s$std.err,
             ci_lower = s$lower, ci_upper = s$upper)
}

landmark <- function(d, L) {
  keep <- d$time > L
  grp <- !is.na(d$switch) & d$switch <= L
  n_by <- sum(grp[keep]); n_not <- sum(!grp[keep])
  out <- list(landmark = L, n_excluded = sum(!keep), n_by = n_by, n_not = n_not)
  if (n_by > 0 && n_not > 0) {
    dd <- data.frame(t = d$time[keep] - L, e = d$event[keep], g = grp[keep])
    sd <- survdiff(Surv(t, e) ~ g, data = dd)
    out$statistic <- sd$chisq
    out$p_value <- pchisq(sd$chisq, 1, lower.tail = FALSE)
    out$call <- sprintf("survdiff(Surv(time - %g, event) ~ switch <= %g, subset = time > %g)",
                        L, L, L)
  }
  out
}

case <- function(d, landmarks = c(1, 3, 6, 12), sensitivity = FALSE) {
  rows <- split_rows(d)
  out <- list(data = list(time = d$time, event = d$event, switch = d$switch),
              rows = list(start = rows$tstart, stop = rows$tstop, event = rows$ev,
                          after = rows$after))
  fit <- tryCatch(withCallingHandlers(
    coxph(Surv(tstart, tstop, ev) ~ after, data = rows),
    warning = function(w) {
      out$warning <<- conditionMessage(w); invokeRestart("muffleWarning")
    }), error = function(e) {
      out$error <<- conditionMessage(e); NULL
    })
  if (!is.null(fit) && !is.na(coef(fit)[1])) {
    s <- summary(fit)
    out$sctest <- list(statistic = unname(s$sctest["test"]),
                       p_value = unname(s$sctest["pvalue"]),
                       call = "summary(coxph(Surv(tstart, tstop, ev) ~ after))$sctest")
    out$cox <- list(coef = unname(s$coefficients[1, "coef"]),
                    se = unname(s$coefficients[1, "se(coef)"]),
                    hr = unname(s$conf.int[1, "exp(coef)"]),
                    hr_lower = unname(s$conf.int[1, "lower .95"]),
                    hr_upper = unname(s$conf.int[1, "upper .95"]),
                    p_value = unname(s$coefficients[1, "Pr(>|z|)"]),
                    loglik = fit$loglik, iterations = fit$iter,
                    call = "coxph(Surv(tstart, tstop, ev) ~ after, data = tmerge(...))")
  } else if (!is.null(fit)) {
    out$estimable <- FALSE  # R: coefficient NA (no contrast)
  }
  if (length(unique(rows$after)) > 1) {
    sm <- survfit(Surv(tstart, tstop, ev) ~ after, data = rows, conf.type = "log-log")
    out$simon_makuch <- km_rows(sm)
  }
  out$landmarks <- lapply(landmarks, function(L) landmark(d, L))
  if (sensitivity) {
    cut <- !is.na(d$switch) & d$switch < d$time
    tc <- ifelse(cut, pmax(d$switch, 0), d$time)
    ec <- ifelse(cut, 0, d$event)
    out$censored_km <- km_rows(survfit(Surv(tc, ec) ~ 1, conf.type = "log-log"))
  }
  out
}

simulate <- function(n, seed, step, effect = log(0.5), p_switch = 0.5, zero = 0, late = 0) {
  set.seed(seed)
  base <- rexp(n, 1 / 20)
  sw <- ifelse(runif(n) < p_switch, rexp(n, 1 / 8), NA)
  # events after the switch come at exp(effect) times the hazard: stretch the remaining time
  t_event <- ifelse(!is.na(sw) & base > sw, sw + (base - sw) / exp(effect), base)
  cens <- runif(n, 6, 60)
  time <- pmax(round(pmin(t_event, cens) / step) * step, step)
  event <- as.integer(t_event <= cens)
  sw <- round(sw / step) * step
  if (zero > 0) sw[seq_len(zero)] <- 0
  if (late > 0) sw[zero + seq_len(late)] <- time[zero + seq_len(late)] + c(0, step)
  data.frame(time = time, event = event, switch = sw)
}

cases <- list()
# Hand-made ties: switches at other patients' event times, a switch equal to the patient's
# own end (not switched, the event counts before it), a switch at 0 (after from the start),
# switches after the end, never switched.
cases$ties <- case(data.frame(
  time   = c(2, 3, 3, 4, 5, 5, 6, 6, 7, 8, 9, 10, 12, 12),
  event  = c(1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1),
  switch = c(NA, 2, 3, 3, 2, 0, NA, 4, 12, 5, 5, NA, 7, 3)), landmarks = c(2, 3, 5))
# Switch at 0 for several patients.
cases$zero <- case(data.frame(
  time   = c(1.5, 2, 4, 4, 6, 7.5, 9, 11, 13, 15),
  event  = c(1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
  switch = c(0, 0, NA, 1, 0, 3, NA, 0, 6, NA)), landmarks = c(0, 2, 5))
# After the end only: nobody switches during follow-up (R: coefficient NA).
cases$after_end <- case(data.frame(
  time = c(3, 5, 7, 9, 11), event = c(1, 0, 1, 1, 0), switch = c(3, 8, NA, 12, NA)),
  landmarks = c(2))
# ~100 and ~300 random patients (seeded), times rounded to 0.5 and 1 month (ties).
cases$random100 <- case(simulate(100, 20261125, 0.5), landmarks = c(1, 3, 6, 12),
                        sensitivity = TRUE)
cases$random300 <- case(simulate(300, 7, 1, effect = log(1.8), zero = 4, late = 2),
                        landmarks = c(3, 6, 12, 24), sensitivity = TRUE)
# Two strata: nobody switched in stratum "b" (R: coefficient NA there).
strat <- simulate(60, 99, 0.5)
strat$g <- rep(c("a", "b"), each = 30)
strat$switch[strat$g == "b"] <- NA
cases$stratum_a <- case(strat[strat$g == "a", c("time", "event", "switch")], landmarks = c(3))
cases$stratum_b <- case(strat[strat$g == "b", c("time", "event", "switch")], landmarks = c(3))
cases$stratum_all <- case(strat[, c("time", "event", "switch")], landmarks = c(3, 6))
# Monotone likelihood: no event after the intervention.
cases$monotone <- case(data.frame(
  time = c(2, 3, 4, 5, 6, 7, 8, 9, 10, 11), event = c(1, 1, 0, 1, 0, 1, 0, 0, 1, 0),
  switch = c(NA, NA, 1, NA, 2, NA, 3, 4, NA, 5)), landmarks = c(1))

out <- list(
  generated_by = "tests/core/golden/make_timedep_golden.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  results = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE),
           "tests/core/golden/timedep_r_golden.json")
