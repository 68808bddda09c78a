# Golden values for tests/core/test_contract_vs_r.py: every name in ../shared/CONTRACT.md
# against R on 19 seeded cohorts this script generates itself (written into the JSON too).
#
# Run from the repository root:  Rscript tests/core/golden/make_contract_golden.R
# Writes tests/core/golden/contract_r_golden.json (committed; CI does not need R).
# R 4.2 with survival 3.5.3, cmprsk 2.2, maxstat 0.7.
#
# Columns of a cohort: id (text like "000123"), time (months, NA possible), event (0/1),
# status (0 censored, 1 / 2 causes; event = status > 0), group (text or numbers, NA possible),
# x (numeric covariate), marker (numeric with ties), switch (time of an intervention, NA never).
# Per cohort, R's own handling of NA (na.omit through the model frame) decides the rows:
#   survfit(Surv(time, event) ~ 1 | group, conf.type = "log-log", conf.int = cl)
#       summary(fit, censored = TRUE)                  -> KM table
#       summary(fit, times = at)   (extend = FALSE)    -> survival_at
#   survdiff(Surv(time, event) ~ group)                -> chisq, df, p (rho = 0)
#   coxph(Surv(time, event) ~ x, ties = efron|breslow); coxph(... ~ x + factor(group))
#   cuminc(time, status, group); timepoints(fit, at); fit$Tests
#   crr(time, status, model.matrix(~ x + group)[, -1], failcode = 1); p = 2 pnorm(-|coef/se|)
#   tmerge(...event(time, event)); tmerge(..., after = tdc(switch));
#       summary(coxph(Surv(tstart, tstop, ev) ~ after))$sctest and $coefficients
#   survdiff(Surv(time - L, event) ~ I(!is.na(switch) & switch <= L), subset = time > L)
#   maxstat.test(Surv(time, event) ~ marker, smethod = "LogRank", pmethod = "Lau92",
#                minprop, maxprop)
suppressMessages({library(survival); library(cmprsk); library(maxstat); library(jsonlite)})

group_name <- function(strata, prefix) sub(paste0("^", prefix, "="), "", as.character(strata))

km_table <- function(fit) {
  s <- summary(fit, censored = TRUE)
  g <- if (is.null(s$strata)) rep("All", length(s$time)) else group_name(s$strata, "group")
  data.frame(group = g, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
             n_censor = s$n.censor, survival = s$surv, ci_lower = s$lower, ci_upper = s$upper)
}

at_table <- function(fit, at) {
  s <- summary(fit, times = at)
  g <- if (is.null(s$strata)) rep("All", length(s$time)) else group_name(s$strata, "group")
  data.frame(group = g, time = s$time, survival = s$surv, ci_lower = s$lower,
             ci_upper = s$upper, n_risk = s$n.risk)
}

# JSON has no Inf (jsonlite writes null, like NA): an infinite bound is written "Inf"
keep_inf <- function(v, box = TRUE) {
  if (!any(is.infinite(v))) return(if (box) I(v) else v)
  w <- lapply(v, function(z) if (is.infinite(z)) (if (z > 0) "Inf" else "-Inf") else z)
  if (box) w else w[[1]]
}

cox_table <- function(fit, cl) {
  s <- summary(fit, conf.int = cl)
  list(terms = I(rownames(s$coefficients)), coef = I(unname(s$coefficients[, "coef"])),
       se = I(unname(s$coefficients[, "se(coef)"])),
       hr = keep_inf(unname(s$conf.int[, "exp(coef)"])),
       hr_lower = keep_inf(unname(s$conf.int[, 3])), hr_upper = keep_inf(unname(s$conf.int[, 4])), p_value = I(unname(s$coefficients[, "Pr(>|z|)"])))
}

with_warning <- function(expr) {
  w <- NULL
  value <- withCallingHandlers(expr, warning = function(c) {
    w <<- conditionMessage(c); invokeRestart("muffleWarning")
  })
  list(value = value, warning = w)
}

competing <- function(d, at, levels = NULL) {
  # cuminc's own NA handling is na.omit on time, status, group: do it explicitly (same rows)
  d0 <- d
  d <- d[!is.na(d$time) & !is.na(d$group), ]
  grp <- as.character(d$group)
  # cuminc orders groups as table(group): numeric order 1 < 2 < 10, a factor's levels
  fit <- cuminc(d$time, d$status, if (is.null(levels)) d$group else factor(grp, levels = levels))
  tp <- timepoints(fit, at)
  rows <- list()
  for (name in rownames(tp$est)) {
    parts <- strsplit(name, " ")[[1]]
    cause <- as.integer(parts[length(parts)])
    g <- paste(parts[-length(parts)], collapse = " ")
    rows[[length(rows) + 1]] <- data.frame(
      group = g, cause = cause, time = as.numeric(colnames(tp$est)), cif = tp$est[name, ],
      se = sqrt(tp$var[name, ]),
      n_risk = sapply(as.numeric(colnames(tp$est)), function(t) sum(d$time[grp == g] >= t)))
  }
  # no group: every row with a time; one curve per cause, row names "1 1", "1 2"
  all <- cuminc(d0$time[!is.na(d0$time)], d0$status[!is.na(d0$time)])
  tpa <- timepoints(all, at)
  overall <- data.frame(group = "All", time = as.numeric(colnames(tpa$est)),
                        cif = tpa$est["1 1", ], se = sqrt(tpa$var["1 1", ]),
                        n_risk = sapply(as.numeric(colnames(tpa$est)),
                                        function(t) sum(d0$time >= t, na.rm = TRUE)))
  tests <- data.frame(cause = as.integer(rownames(fit$Tests)), statistic = fit$Tests[, "stat"],
                      p_value = fit$Tests[, "pv"], dof = fit$Tests[, "df"])
  # numeric group columns enter as numbers (as in fit_cox), text ones as sorted-level dummies
  dd <- d
  if (!is.numeric(dd$group)) dd$group <- factor(grp, levels = levels %||% sort(unique(grp)))
  mm <- model.matrix(~ x + group, dd)[, -1, drop = FALSE]
  crr_cause <- function(cause) {
    cr <- tryCatch(suppressWarnings(crr(dd$time, dd$status, mm, failcode = cause)),
                   error = function(e) conditionMessage(e))
    if (is.character(cr)) return(list(cause = cause, error = cr))
    se <- sqrt(diag(cr$var))
    list(cause = cause, terms = I(colnames(mm)), coef = I(unname(cr$coef)),
         se = I(unname(se)), p_value = I(unname(2 * pnorm(-abs(cr$coef / se)))),
         converged = cr$converged,
         call = sprintf("crr(time, status, model.matrix(~ x + group)[, -1], failcode = %d)",
                        cause))
  }
  list(at = do.call(rbind, rows), overall = overall, tests = tests,
       crr = crr_cause(1), crr2 = crr_cause(2))
}

`%||%` <- function(a, b) if (is.null(a)) b else a

timedep <- function(d, L) {
  d <- d[!is.na(d$time), ]
  d$rid <- seq_len(nrow(d))
  rows <- tmerge(d[, c("rid", "time", "event")], d, id = rid, ev = event(time, event))
  rows <- tmerge(rows, d, id = rid, after = tdc(switch))
  r <- with_warning(coxph(Surv(tstart, tstop, ev) ~ after, data = rows))
  s <- summary(r$value)
  keep <- d$time > L
  lg <- !is.na(d$switch) & d$switch <= L
  dd <- data.frame(t = d$time[keep] - L, e = d$event[keep], g = lg[keep])
  sd <- survdiff(Surv(t, e) ~ g, data = dd)
  list(sctest = list(statistic = unname(s$sctest["test"]), p_value = unname(s$sctest["pvalue"])),
       cox = list(coef = unname(s$coefficients[1, "coef"]),
                  se = unname(s$coefficients[1, "se(coef)"]),
                  hr = keep_inf(unname(s$conf.int[1, "exp(coef)"]), FALSE),
                  hr_lower = keep_inf(unname(s$conf.int[1, 3]), FALSE),
                  hr_upper = keep_inf(unname(s$conf.int[1, 4]), FALSE),
                  p_value = unname(s$coefficients[1, "Pr(>|z|)"]), warning = r$warning),
       landmark = list(landmark = L, n_excluded = sum(!keep), statistic = sd$chisq,
                       p_value = pchisq(sd$chisq, 1, lower.tail = FALSE)))
}

cutpoints <- function(d) {
  d <- d[!is.na(d$time), c("time", "event", "marker")]
  lapply(list(c(0.1, 0.9), c(0.25, 0.75), c(0.2, 0.9)), function(p) {
    mt <- maxstat.test(Surv(time, event) ~ marker, data = d, smethod = "LogRank",
                       pmethod = "Lau92", minprop = p[1], maxprop = p[2])
    list(minprop = p[1], maxprop = p[2], estimate = unname(mt$estimate),
         statistic = unname(mt$statistic), p_value = unname(mt$p.value))
  })
}

analyse <- function(name, d, at, conf_level = 0.95, landmark = 3, levels = NULL,
                    note = "", messy_times = NULL) {
  out <- list(name = name, note = note, conf_level = conf_level, times = at,
              levels = levels, data = d)
  dg <- d
  if (!is.null(levels)) dg$group <- factor(dg$group, levels = levels)
  all <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log", conf.int = conf_level)
  by <- survfit(Surv(time, event) ~ group, data = dg, conf.type = "log-log",
                conf.int = conf_level)
  out$km_all <- km_table(all)
  out$km_by <- km_table(by)
  out$at_all <- at_table(all, at)
  out$at_by <- at_table(by, at)
  if (!is.null(messy_times)) {  # summary() sorts the times and keeps duplicates
    out$messy_times <- messy_times
    out$at_messy_all <- at_table(all, messy_times)
  }
  sdf <- survdiff(Surv(time, event) ~ group, data = dg)
  df <- sum(sdf$exp > 0) - 1
  out$logrank <- list(statistic = sdf$chisq, dof = df,
                      p_value = pchisq(sdf$chisq, df, lower.tail = FALSE),
                      survdiff_pvalue = sdf$pvalue)
  out$n_used_all <- sum(all$n)
  out$n_used_by <- sum(by$n)
  out$cox <- list()
  for (ties in c("efron", "breslow")) {
    fx <- coxph(Surv(time, event) ~ x, data = d, ties = ties)
    out$cox[[paste0("x.", ties)]] <- c(cox_table(fx, conf_level), list(ties = ties,
      covariates = I("x"), call = sprintf("coxph(Surv(time, event) ~ x, ties = '%s')", ties)))
    fg <- with_warning(coxph(Surv(time, event) ~ x + group, data = dg, ties = ties))
    out$cox[[paste0("x_group.", ties)]] <- c(cox_table(fg$value, conf_level),
      list(ties = ties, covariates = I(c("x", "group")), warning = fg$warning,
           call = sprintf("coxph(Surv(time, event) ~ x + group, ties = '%s')", ties)))
  }
  out$competing <- competing(d, at, levels)
  # tmerge refuses a follow-up time of 0 ("ending time of 0"): R has no reference there
  out$timedep <- tryCatch(timedep(d, landmark), error = function(e)
    list(error = conditionMessage(e)))
  out$maxstat <- cutpoints(d)
  out
}

make <- function(n, seed, step = 0, groups = c("a", "b"), p_switch = 0.5, rate = 1 / 15,
                 cens = c(4, 40)) {
  set.seed(seed)
  g <- sample(groups, n, replace = TRUE)
  gi <- match(g, groups)
  x <- round(rnorm(n, 50 + 5 * gi, 10), 1)
  t_ev <- rexp(n, rate * (0.6 + 0.4 * gi))
  t_c <- runif(n, cens[1], cens[2])
  time <- pmin(t_ev, t_c)
  time <- if (step > 0) pmax(round(time / step) * step, step) else round(time, 4)
  event <- as.integer(t_ev <= t_c)
  status <- ifelse(event == 1, ifelse(runif(n) < 0.65, 1L, 2L), 0L)
  sw <- ifelse(runif(n) < p_switch, round(runif(n) * time, 2), NA)
  if (step > 0) sw <- ifelse(is.na(sw), NA, round(sw))
  marker <- round(rlnorm(n, 1, 0.6), 1)
  data.frame(id = sprintf("%06d", sample(100:999999, n)), time = time, event = event,
             status = status, group = g, x = x, marker = marker, switch = sw,
             stringsAsFactors = FALSE)
}

cases <- list()
# 1. small, integer-month ties
d <- make(10, 11, step = 1)
cases$c01_small_int <- analyse("c01_small_int", d, at = c(0, 1, 2, 5, 8, 12, 40), landmark = 2,
                               messy_times = c(8, 2, 2, 0, 40, 5))
# 2. small, continuous times, three text groups
d <- make(18, 12, groups = c("b", "a", "c"))
cases$c02_small_cont <- analyse("c02_small_cont", d,
  at = c(sort(d$time[d$event == 1])[c(1, 3)], 10, max(d$time), max(d$time) + 5))
# 3. numeric group labels 1/2; the last time is an event
d <- make(20, 13, step = 1, groups = c(1, 2))
m <- which.max(d$time); d$time[m] <- max(d$time) + 2; d$event[m] <- 1; d$status[m] <- 1
cases$c03_last_event <- analyse("c03_last_event", d,
  at = c(3, 6, max(d$time), max(d$time) + 1), note = "numeric groups 1, 2; event at last time")
# 4. numeric groups 1, 2, 10 (factor order 1 < 2 < 10, not text order); censored at last time
d <- make(27, 14, groups = c(1, 2, 10))
m <- which.max(d$time); d$event[m] <- 0; d$status[m] <- 0
cases$c04_last_censor <- analyse("c04_last_censor", d,
  at = c(2, 5, 10, 20, max(d$time), 100), note = "numeric groups 1, 2, 10; censored at last time")
# 5. a group with no events
d <- make(30, 15, step = 1, groups = c("none", "some", "many"))
d$event[d$group == "none"] <- 0; d$status[d$group == "none"] <- 0
cases$c05_no_event_group <- analyse("c05_no_event_group", d, at = c(3, 6, 12, 24, 60),
                                    note = "group 'none' has no events")
# 6. medium, integer months, four text groups (R factor order: alphabetical)
d <- make(200, 16, step = 1, groups = c("low", "mid", "high", "very high"), cens = c(6, 60))
cases$c06_medium_int <- analyse("c06_medium_int", d, at = c(6, 12, 24, 36, 48, 60, 61),
                                landmark = 6)
# 7. medium, continuous
d <- make(200, 17, groups = c("A", "B", "C"), rate = 1 / 25, cens = c(2, 72))
cases$c07_medium_cont <- analyse("c07_medium_cont", d, at = c(1, 12, 24, 36, 100), landmark = 6)
# 8. missing time and group (R drops those rows); numeric groups so pandas holds floats;
#    marker NA in rows 7, 12 (maxstat.test drops them, nothing else uses the marker)
d <- make(30, 18, step = 0.5, groups = c(1, 2, 3))
d$time[c(3, 17)] <- NA
d$group[c(5, 9, 21)] <- NA
d$marker[c(7, 12)] <- NA
cases$c08_missing <- analyse("c08_missing", d, at = c(1, 5, 10, 20),
  note = "time NA in rows 3, 17; group NA in rows 5, 9, 21; marker NA in rows 7, 12")
# 9. time 0 (an event and a censoring at 0)
d <- make(14, 19, step = 1)
d$time[1:2] <- 0; d$event[1:2] <- c(1, 0); d$status[1:2] <- c(1, 0); d$switch[1:2] <- NA
cases$c09_time_zero <- analyse("c09_time_zero", d, at = c(0, 1, 4, 10), landmark = 2,
                               note = "an event and a censoring at time 0")
# 10. 90% intervals
d <- make(40, 20, step = 0.5, groups = c(0.5, 1.25))
cases$c10_conf90 <- analyse("c10_conf90", d, at = c(2, 6, 12), conf_level = 0.9,
                            note = "numeric groups 0.5, 1.25", messy_times = c(12, 6, 6, 1))
# 11. tiny
d <- make(6, 21, step = 1)
d$group <- c("a", "a", "a", "b", "b", "b"); d$event <- c(1, 0, 1, 1, 1, 0)
d$status <- c(1, 0, 2, 1, 2, 0); d$switch <- c(NA, 1, NA, 0, NA, 1)
d$time <- c(2, 3, 5, 1, 4, 6)
cases$c11_tiny <- analyse("c11_tiny", d, at = c(1, 2, 4, 6, 7), landmark = 1.5)
# 12. medium, heavy ties with events and censorings at the same months
d <- make(200, 22, step = 3, groups = c("ctrl", "trt"), cens = c(3, 36))
cases$c12_heavy_ties <- analyse("c12_heavy_ties", d, at = c(3, 9, 18, 27, 36, 39), landmark = 6)
# 13. explicit factor order (favorable < intermediate < adverse), not alphabetical
d <- make(60, 23, step = 1, groups = c("favorable", "intermediate", "adverse"))
cases$c13_factor_levels <- analyse("c13_factor_levels", d, at = c(3, 12, 24),
  levels = c("favorable", "intermediate", "adverse"),
  note = "group is factor(levels = c('favorable', 'intermediate', 'adverse'))")
# 14. intervention edges: at 0, exactly at the end of follow-up, after the end, never
d <- make(40, 24, step = 1)
d$switch[1:4] <- 0
d$switch[5:8] <- d$time[5:8]
d$switch[9:12] <- d$time[9:12] + 3
d$switch[13:16] <- NA
cases$c14_switch_edges <- analyse("c14_switch_edges", d, at = c(1, 6, 12), landmark = 4,
  note = "switch 0 (rows 1-4), = time (5-8), > time (9-12), never (13-16)")
# 15. five patients, everything diverges: coxph "Ran out of iterations" (x and group), the
#     time-dependent coxph too, cuminc's Gray test of cause 2 reports its singular sentinel
#     (stat -1, p 1); found by a 40-cohort random sweep of this script's functions
d <- data.frame(id = c("009557", "537256", "460211", "819385", "282718"),
                time = c(24, 11, 2, 13, 6), event = c(0, 0, 1, 1, 1), status = c(0, 0, 1, 2, 1),
                group = c("b", "b", "b", "b", "a"), x = c(78.8, 67.3, 56.6, 70.8, 67.6),
                marker = c(1.3, 4.2, 6.4, 1.8, 2.5), switch = c(7, 8, 1, 5, 3),
                stringsAsFactors = FALSE)
cases$c15_divergent <- analyse("c15_divergent", d, at = c(1, 2, 11, 25), landmark = 7,
  note = "monotone likelihood everywhere; Gray test of cause 2 singular")

# 16. a group whose patients are all censored before the first event (expected 0): survdiff's
#     df counts only groups with expected > 0 (here 1, not 2), as do its $pvalue and print
d <- make(24, 25, step = 0.5, groups = c("a", "b"))
early <- data.frame(id = c("000001", "000002", "000003"), time = c(0.1, 0.2, 0.3),
                    event = 0, status = 0L, group = "c", x = c(50, 60, 70),
                    marker = c(1.5, 2.5, 3.5), switch = NA, stringsAsFactors = FALSE)
d <- rbind(d, early)
cases$c16_censored_early <- analyse("c16_censored_early", d, at = c(0.2, 3, 10),
  note = "group c: 3 patients censored at 0.1-0.3, before the first event")

# 17. three competing causes (status 0-3), ties between causes at the same months
d <- make(80, 26, step = 1, groups = c("p", "q"))
d$status[d$event == 1] <- sample(1:3, sum(d$event), replace = TRUE)
cases$c17_three_causes <- analyse("c17_three_causes", d, at = c(2, 6, 12, 24),
                                  note = "status 0-3")

# 18. only one group at risk at any event time: group b's 3 patients are censored before the
#     first event, so survdiff has df 0 (p 1); coxph's group term diverges (warning)
d <- make(20, 27, step = 1, groups = c("a"))
early <- data.frame(id = c("000011", "000012", "000013"), time = c(0.2, 0.4, 0.6),
                    event = 0, status = 0L, group = "b", x = c(45, 55, 65),
                    marker = c(2.1, 3.1, 4.1), switch = NA, stringsAsFactors = FALSE)
d <- rbind(d, early)
cases$c18_one_group_at_risk <- analyse("c18_one_group_at_risk", d, at = c(0.5, 2, 6),
  note = "group b: 3 patients censored at 0.2-0.6, before the first event; survdiff df 0")

# 19. four groups whose factor levels run against the alphabet (d < c < b < a), continuous
#     times, 150 patients: every group-wise result in level order
d <- make(150, 28, groups = c("d", "c", "b", "a"), rate = 1 / 20, cens = c(3, 60))
cases$c19_reverse_levels <- analyse("c19_reverse_levels", d, at = c(2, 12, 24, 48),
  levels = c("d", "c", "b", "a"), landmark = 6,
  note = "group is factor(levels = c('d', 'c', 'b', 'a'))")

out <- list(generator = "tests/core/golden/make_contract_golden.R",
            r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            cmprsk_version = as.character(packageVersion("cmprsk")),
            maxstat_version = as.character(packageVersion("maxstat")),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns", pretty = FALSE),
           "tests/core/golden/contract_r_golden.json")
