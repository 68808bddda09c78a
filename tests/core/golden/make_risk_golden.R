# Golden values for tests/core/risk/: relapse-risk validation against R.
#
# Run from the repository root:  Rscript tests/core/golden/make_risk_golden.R
# Writes tests/core/golden/risk_r_golden.json (committed; CI does not need R).
# R 4.2 with riskRegression 2022.11.28, prodlim, survival 3.5.3.
#
# Section "score": seeded cohorts this script generates itself (written into the JSON too), each
# with columns time (months), status (0 censored, 1, 2, ... causes) and risk (a predicted risk of
# `cause` by `horizon`), and
#   Score(list(model = risk), formula = Hist(time, status) ~ 1   (competing risks)
#                                     = Surv(time, status) ~ 1   (status 0/1 only),
#         data, times = horizon, cause, cens.model = "km", metrics = c("auc", "brier"),
#         summary = "ipa", conservative = FALSE, se.fit = TRUE)
#   -> $AUC$score (AUC, se, lower, upper) and $Brier$score (Brier, se, lower, upper, IPA; the
#      "Null model" row is the Kaplan-Meier / Aalen-Johansen risk at the horizon).
# The cohorts cover continuous times, whole-month times with events and censorings tied
# (also at the horizon), no censoring, heavy censoring, competing risks (2 and 3 causes, cause
# 1 and cause 2), predicted risks with ties, a constant prediction, the horizon at the last
# follow-up time and before the first time, 8 to 2000 patients, the seed cohort.
# With cause = 2 or a third cause, riskRegression's standard error of the AUC reads status 1
# as the case and 2 as the competing control: the "_relabelled" / "_merged" cases hold the same
# patients recoded so that its reading is right (cause -> 1, other causes -> 2).
suppressMessages({library(riskRegression); library(survival); library(prodlim)
                  library(jsonlite)})

set.seed(20261126)

# time, status, risk: a latent linear predictor drives cause 1; risk is a noisy monotone
# transform of it (so AUC is informative), optionally rounded (ties)
cohort <- function(n, cens_rate, p_cause2 = 0, p_cause3 = 0, months = FALSE, risk_digits = NA,
                   no_censoring = FALSE) {
  lp <- rnorm(n)
  t1 <- rexp(n, 0.05 * exp(0.8 * lp))
  t2 <- if (p_cause2 > 0) rexp(n, p_cause2) else rep(Inf, n)
  t3 <- if (p_cause3 > 0) rexp(n, p_cause3) else rep(Inf, n)
  c <- if (no_censoring) rep(Inf, n) else rexp(n, cens_rate)
  time <- pmin(t1, t2, t3, c)
  status <- ifelse(time == t1, 1, ifelse(time == t2, 2, ifelse(time == t3, 3, 0)))
  if (months) time <- pmax(1, ceiling(time))
  risk <- plogis(-1 + 0.8 * lp + rnorm(n, 0, 0.7))
  if (!is.na(risk_digits)) risk <- round(risk, risk_digits)
  data.frame(time = time, status = status, risk = risk)
}

score <- function(d, horizon, cause = 1) {
  competing <- any(d$status > 1)
  f <- if (competing) Hist(time, status) ~ 1 else Surv(time, status) ~ 1
  s <- Score(list(model = d$risk), formula = f, data = d, times = horizon, cause = cause,
             cens.model = "km", metrics = c("auc", "brier"), summary = "ipa",
             conservative = FALSE, se.fit = TRUE)
  a <- as.data.frame(s$AUC$score)
  b <- as.data.frame(s$Brier$score)
  m <- b[b$model == "model", ]
  z <- b[b$model == "Null model", ]
  list(data = d, horizon = horizon, cause = cause, competing = competing,
       auc = a$AUC, auc_se = a$se, auc_lower = a$lower, auc_upper = a$upper,
       brier = m$Brier, brier_se = m$se, brier_lower = m$lower, brier_upper = m$upper,
       ipa = m$IPA, null_brier = z$Brier, null_brier_se = z$se)
}

cases <- list()
d <- cohort(60, 0.03); cases$surv_continuous <- score(d, median(d$time))
d <- cohort(80, 0.04, months = TRUE)
# a horizon at a whole month where events and censorings are tied
tab <- table(d$time[d$status == 1]); tc <- table(d$time[d$status == 0])
both <- intersect(names(tab), names(tc))
cases$surv_months_tied_horizon <- score(d, as.numeric(both[ceiling(length(both) / 2)]))
cases$surv_months_12 <- score(d, 12)
d <- cohort(50, 0, no_censoring = TRUE, months = TRUE); cases$surv_no_censoring <- score(d, 10)
d <- cohort(70, 0.25); cases$surv_heavy_censoring <- score(d, unname(quantile(d$time, 0.6)))
d <- cohort(90, 0.03, months = TRUE, risk_digits = 1); cases$surv_risk_ties <- score(d, 15)
d <- cohort(40, 0.03, months = TRUE); d$risk <- 0.3; cases$surv_constant_risk <- score(d, 12)
d <- cohort(45, 0.05, months = TRUE); cases$surv_horizon_at_last <- score(d, max(d$time))
d <- cohort(8, 0.05, months = TRUE); cases$surv_tiny <- score(d, sort(d$time)[5])
d <- cohort(2000, 0.03, months = TRUE, risk_digits = 2); cases$surv_large <- score(d, 18)
d <- cohort(60, 0.03, p_cause2 = 0.02); cases$cr_continuous <- score(d, median(d$time))
d <- cohort(100, 0.04, p_cause2 = 0.03, months = TRUE); cases$cr_months <- score(d, 12)
cases$cr_months_cause2 <- score(d, 12, cause = 2)
# riskRegression's standard error reads status 1 as the case and 2 as the competing control
# whatever `cause` is: the same patients relabelled so that this reading is right
d2 <- d; d2$status <- c(0, 2, 1)[d$status + 1]
cases$cr_months_cause2_relabelled <- score(d2, 12, cause = 1)
d <- cohort(60, 0, p_cause2 = 0.03, months = TRUE, no_censoring = TRUE)
cases$cr_no_censoring <- score(d, 8)
d <- cohort(80, 0.2, p_cause2 = 0.03, months = TRUE, risk_digits = 1)
cases$cr_heavy_censoring_risk_ties <- score(d, 6)
d <- cohort(90, 0.03, p_cause2 = 0.02, p_cause3 = 0.02, months = TRUE)
cases$cr_three_causes <- score(d, 12)
d$status[d$status == 3] <- 2; cases$cr_three_causes_merged <- score(d, 12)
d <- cohort(1500, 0.03, p_cause2 = 0.03, months = TRUE, risk_digits = 2)
cases$cr_large <- score(d, 24)
d <- cohort(40, 0.03, p_cause2 = 0.02, months = TRUE); cases$cr_horizon_at_last <-
  score(d, max(d$time))

d <- cohort(30, 0.03, months = TRUE); d$time <- d$time + 2
cases$surv_horizon_before_first_time <- score(d, 1.5)

# the 19-patient seed cohort, RFS with death without relapse as cause 2 (patient 17 at the end
# of RFS follow-up), risk = a fixed transform of age and MRD (not fitted: a score to validate)
seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)
d <- data.frame(time = seed$rfs_months,
                status = ifelse(seed$rfs_event == 1, 1, ifelse(seed$os_event == 1, 2, 0)),
                risk = round(plogis(-2 + 0.03 * (seed$age - 40) +
                                    1.2 * (seed$mrd_pre_status == "positive")), 3))
cases$seed_cir_24 <- score(d, 24)
d$status[d$status == 2] <- 0
cases$seed_rfs_12 <- score(d, 12)

out <- list(source = paste0(R.version.string, ", riskRegression ",
                            packageVersion("riskRegression"), ", prodlim ",
                            packageVersion("prodlim"), ", survival ",
                            packageVersion("survival")),
            score = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE,
                  dataframe = "columns"),
           "tests/core/golden/risk_r_golden.json")
