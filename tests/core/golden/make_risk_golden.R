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

# Section "models": risk by the horizon of every patient from each kind of model, and the
# 95% log-log interval of a Cox profile. Covariates x (numeric) and k (text, levels a < b < c).
#   cox:            fit <- coxph(Surv(time, status) ~ x + k, ties = "efron")
#                   1 - summary(survfit(fit, newdata = d), times = h)$surv
#                   summary(survfit(fit, newdata = profile, conf.type = "log-log"), times = h)
#   fine_gray:      fit <- crr(time, status, model.matrix(~ x + k)[, -1], failcode = cause)
#                   predict(fit, cov1 = model.matrix(~ x + k)[, -1]) at the last time <= h
#   cause_specific: predictRisk(CSC(Hist(time, status) ~ x + k, data = d), newdata = d,
#                               times = h, cause = cause)     (product.limit = TRUE)
suppressMessages(library(cmprsk))
model_cohort <- function(n, competing, months) {
  x <- round(rnorm(n, 50, 10), 1); k <- sample(c("a", "b", "c"), n, replace = TRUE)
  lp <- 0.04 * (x - 50) + 0.6 * (k == "b") + 1.0 * (k == "c")
  t1 <- rexp(n, 0.04 * exp(lp)); t2 <- if (competing) rexp(n, 0.02 * exp(-0.3 * (k == "c")))
  else rep(Inf, n)
  c <- rexp(n, 0.02); time <- pmin(t1, t2, c)
  status <- ifelse(time == t1, 1, ifelse(time == t2, 2, 0))
  if (months) time <- pmax(1, ceiling(time))
  data.frame(time = time, status = status, x = x, k = k, stringsAsFactors = FALSE)
}
models <- list()
for (spec in list(list("cox_months", FALSE, TRUE), list("cox_continuous", FALSE, FALSE),
                  list("cr_months", TRUE, TRUE), list("cr_continuous", TRUE, FALSE))) {
  d <- model_cohort(120, spec[[2]], spec[[3]])
  h <- 12
  profile <- data.frame(x = 62.5, k = "c", stringsAsFactors = FALSE)
  entry <- list(data = d, horizon = h, profile = profile)
  if (!spec[[2]]) {
    fit <- coxph(Surv(time, status) ~ x + k, data = d, ties = "efron")
    entry$cox <- 1 - summary(survfit(fit, newdata = d), times = h)$surv[1, ]
    sp <- summary(survfit(fit, newdata = profile, conf.type = "log-log"), times = h)
    entry$cox_profile <- list(risk = 1 - sp$surv, lower = 1 - sp$upper, upper = 1 - sp$lower)
  } else {
    mm <- model.matrix(~ x + k, d)[, -1]
    for (cause in 1:2) {
      fg <- crr(d$time, d$status, mm, failcode = cause)
      pr <- predict(fg, cov1 = mm)
      row <- max(which(pr[, 1] <= h))
      csc <- CSC(Hist(time, status) ~ x + k, data = d, cause = cause)
      entry[[paste0("fine_gray_", cause)]] <- unname(pr[row, -1])
      entry[[paste0("cause_specific_", cause)]] <-
        c(predictRisk(csc, newdata = d, times = h, cause = cause))
    }
  }
  models[[spec[[1]]]] <- entry
}

# Section "concordance": Harrell's and Uno's C of the risk column of every single-cause
# cohort of section "score", events counted up to the horizon for Uno's:
#   concordance(Surv(time, status) ~ risk, reverse = TRUE)                    -> harrell
#   concordance(Surv(time, status) ~ risk, reverse = TRUE, timewt = "n/G2",
#               ymax = horizon)                                               -> uno
# (concordance and var; the counts concordant, discordant, tied.x)
conc <- list()
for (name in names(cases)) {
  if (cases[[name]]$competing) next
  d <- cases[[name]]$data
  entry <- list()
  for (kind in c("harrell", "uno")) {
    a <- if (kind == "harrell") concordance(Surv(time, status) ~ risk, data = d, reverse = TRUE)
         else concordance(Surv(time, status) ~ risk, data = d, reverse = TRUE,
                          timewt = "n/G2", ymax = cases[[name]]$horizon)
    entry[[kind]] <- list(c = a$concordance, var = a$var, counts = unname(a$count[1:3]))
  }
  conc[[name]] <- entry
}

# Section "validate": rms::validate of a Cox model (bootstrap optimism), with the bootstrap
# samples R draws written out, so that the same samples can be replayed:
#   fit <- cph(Surv(time, status) ~ x + k, data = d, x = TRUE, y = TRUE, surv = TRUE)
#   set.seed(s); v <- validate(fit, method = "boot", B = B)
#   set.seed(s); samples <- replicate(B, sample(n, replace = TRUE))   (predab.resample draws
#   exactly one sample(n, replace = TRUE) per replicate and nothing else at random)
# -> rows Dxy, R2, Slope: index.orig, training, test, optimism, index.corrected, n
# rms refits every sample with coxphFit(eps = 1e-4, iter.max = 10); "replay" repeats the same
# samples with coxph's default convergence (eps = 1e-9), Dxy = 2 concordance - 1 from
# concordance(Surv(time, status) ~ lp, reverse = TRUE), slope and R2 from coxph(Surv ~ lp):
# the means of training and test, the numbers a fully converged fit gives. The replay also
# judges each refit's risk by 12 months, 1 - summary(survfit(f, newdata), times = 12)$surv,
# on its sample (training) and on the cohort (test) by Score(..., times = 12, cens.model =
# "km", metrics = c("auc", "brier")): the AUC and Brier rows rms does not have.
score_ab <- function(risk, dd, h) {
  s <- Score(list(m = risk), formula = Surv(time, status) ~ 1, data = dd, times = h,
             cens.model = "km", metrics = c("auc", "brier"), se.fit = FALSE)
  b <- as.data.frame(s$Brier$score)
  c(as.data.frame(s$AUC$score)$AUC, b$Brier[b$model == "m"])
}
replay <- function(d, samples, h = 12) {
  X <- model.matrix(~ x + k, d)[, -1]
  r2 <- function(f, n) (1 - exp(-2 * diff(f$loglik) / n)) / (1 - exp(2 * f$loglik[1] / n))
  dxy <- function(lp, dd) 2 * concordance(Surv(time, status) ~ lp, data = dd,
                                          reverse = TRUE)$concordance - 1
  one <- sapply(seq_len(ncol(samples)), function(b) {
    s <- samples[, b]; db <- d[s, ]
    f <- coxph(Surv(time, status) ~ x + k, data = db, ties = "efron")
    lp <- drop(X %*% coef(f))
    g <- coxph(Surv(time, status) ~ lp, data = cbind(d, lp = lp), ties = "efron")
    risk <- 1 - summary(survfit(f, newdata = d), times = h)$surv[1, ]
    c(dxy(lp[s], cbind(db, lp = lp[s])), r2(f, nrow(d)), 1,
      dxy(lp, cbind(d, lp = lp)), r2(g, nrow(d)), unname(coef(g)),
      score_ab(risk[s], db, h), score_ab(risk, d, h))
  })
  m <- rowMeans(one)
  list(Dxy = list(training = m[1], test = m[4]), R2 = list(training = m[2], test = m[5]),
       Slope = list(training = m[3], test = m[6]), AUC = list(training = m[7], test = m[9]),
       Brier = list(training = m[8], test = m[10]))
}
suppressMessages(library(rms))
validations <- list()
for (spec in list(list("months", TRUE, 160, 40, 11), list("continuous", FALSE, 120, 25, 12))) {
  d <- model_cohort(spec[[3]], FALSE, spec[[2]])
  fit <- cph(Surv(time, status) ~ x + k, data = d, x = TRUE, y = TRUE, surv = TRUE)
  set.seed(spec[[5]]); v <- validate(fit, method = "boot", B = spec[[4]])
  set.seed(spec[[5]]); samples <- replicate(spec[[4]], sample(nrow(d), replace = TRUE))
  rows <- c("Dxy", "R2", "Slope")
  validations[[spec[[1]]]] <- list(
    data = d, samples = samples - 1L,  # 0-based for Python
    index = lapply(setNames(rows, rows), function(r) as.list(v[r, ])),
    replay = replay(d, samples))
}

# Section "calibration": the risks of section "models" (cox_months: the Cox risk; cr_months:
# the Fine-Gray risk of cause 1) calibrated at the horizon:
#   cll <- log(-log(1 - risk)); knots <- quantile(cll, c(.1, .5, .9))
#   b <- Hmisc::rcspline.eval(cll, knots = knots)                   (norm = 2, one column)
#   one cause:  observed = 1 - survfit(coxph(Surv(time, status) ~ cll + b), newdata) at h
#   competing:  observed = predict(crr(time, status, cbind(cll, b)), cbind(cll, b)) at h
#   ici / e50 / e90 = mean / quantile(|observed - risk|, .5 / .9)
#   slope = coef(coxph(Surv(time, status) ~ cll)) or coef(crr(time, status, cll))
#   groups: g <- cut(risk, unique(quantile(risk, seq(0, 1, length = 6))), include.lowest = TRUE)
#     one cause: 1 - summary(survfit(Surv(time, status) ~ g, conf.type = "log-log"), times = h)
#     competing: timepoints(cuminc(time, status, g), h), log(-log) interval from est and var
#   overall: the same without groups
cal_observed <- function(d, g, h, competing) {
  if (!competing) {
    s <- summary(survfit(Surv(time, status) ~ g, data = d, conf.type = "log-log"), times = h)
    list(observed = 1 - s$surv, lower = 1 - s$upper, upper = 1 - s$lower)
  } else {
    tp <- timepoints(cuminc(d$time, d$status, g), h)
    rows <- grep(" 1$", rownames(tp$est))
    est <- tp$est[rows, 1]; v <- tp$var[rows, 1]
    shift <- qnorm(0.975) * sqrt(v) / (est * log(est))
    list(observed = unname(est), lower = unname(est^exp(-shift)), upper = unname(est^exp(shift)))
  }
}
calibration_r <- function(d, risk, h, competing) {
  cll <- log(-log(1 - risk)); knots <- unname(quantile(cll, c(.1, .5, .9)))
  b <- as.numeric(Hmisc::rcspline.eval(cll, knots = knots))
  if (!competing) {
    cal <- coxph(Surv(time, status) ~ cll + b, data = cbind(d, cll = cll, b = b))
    observed <- 1 - summary(survfit(cal, newdata = data.frame(cll = cll, b = b)),
                            times = h)$surv[1, ]
    slope <- unname(coef(coxph(Surv(time, status) ~ cll, data = cbind(d, cll = cll))))
  } else {
    cal <- crr(d$time, d$status, cbind(cll, b))
    pr <- predict(cal, cov1 = cbind(cll, b)); observed <- unname(pr[max(which(pr[, 1] <= h)), -1])
    slope <- unname(crr(d$time, d$status, cbind(cll))$coef)
  }
  gap <- abs(observed - risk)
  g <- cut(risk, unique(quantile(risk, seq(0, 1, length = 6))), include.lowest = TRUE)
  list(
    knots = knots, basis = b, observed = observed, ici = mean(gap),
    e50 = unname(quantile(gap, .5)), e90 = unname(quantile(gap, .9)), slope = slope,
    groups = cal_observed(d, g, h, competing), group_n = as.vector(table(g)),
    # a group whose follow-up ends before h with an event (nobody censored at its last time)
    # keeps its final value: read there
    groups_closed = lapply(levels(g), function(lev) {
      dd <- d[g == lev, ]; last <- max(dd$time)
      if (last >= h || any(dd$status[dd$time == last] == 0)) return(NULL)
      c(level = which(levels(g) == lev),
        unlist(cal_observed(dd, rep(1, nrow(dd)), last, competing)))
    }),
    overall = cal_observed(d, rep(1, nrow(d)), h, competing))
}
calib <- list()
for (spec in list(list("cox_months", "cox", FALSE), list("cr_months", "fine_gray_1", TRUE))) {
  e <- models[[spec[[1]]]]
  calib[[spec[[1]]]] <- calibration_r(e$data, e[[spec[[2]]]], e$horizon, spec[[3]])
}

# Section "samplesize": Riley et al.'s minimum sample size for a survival outcome, the formulas
# of pmsampsize 1.1 (R/pmsampsize_surv.R; the package is not in Debian) written out here:
#   criterion 1: n1 = ceiling(p / ((S - 1) log(1 - R2 / S))), S = 0.9
#   max R2 = round(1 - exp(2 lnL0 / n), 2), n = 10000, E = ceiling(rate meanfup n),
#            lnL0 = E log(E / n) - E
#   criterion 2: S2 = round(R2 / (R2 + 0.05 max R2), 3); n2 as n1 with S2
#   criterion 3: n3 = max(n1, n2); overall risk 1 - exp(-rate t), its 95% interval with
#                person-time round(meanfup n3, 1): 1 - exp(-(rate +/- 1.96 sqrt(rate / pt)) t)
#   final: max(n1, n2, n3); events = final rate meanfup; EPP = round(events / p, 2)
# "package" holds the expectations of pmsampsize's own tests (tests/testthat/test_surv.R);
# "cohorts" applies the formulas to the event rate and follow-up of cohorts of section
# "models" and of the seed cohort (RFS; relapse with death competing), R2 = 0.15 max R2.
riley <- function(r2, p, rate, t, meanfup, S = 0.9) {
  n <- 10000; E <- ceiling(rate * meanfup * n); lnl0 <- E * log(E / n) - E
  max_r2 <- round(1 - exp(2 * lnl0 / n), 2)
  size <- function(s) ceiling(p / ((s - 1) * log(1 - r2 / s)))
  n1 <- size(S); s2 <- round(r2 / (r2 + 0.05 * max_r2), 3); n2 <- size(s2); n3 <- max(n1, n2)
  pt <- round(meanfup * n3, 1); spread <- 1.96 * sqrt(rate / pt)
  final <- max(n1, n2, n3)
  list(sizes = c(n1, n2, n3, final), shrinkage = max(S, s2), max_r2 = max_r2,
       events = final * rate * meanfup, epp = round(final * rate * meanfup / p, 2),
       risk = 1 - exp(-rate * t), lower = 1 - exp(-(rate - spread) * t),
       upper = 1 - exp(-(rate + spread) * t))
}
package <- list(
  list(args = c(0.051, 25, 0.065, 2, 2.07), sizes = c(4286, 875, 4286, 4286), epp = 23.07),
  list(args = c(0.065, 25, 0.065, 2, 2.07), sizes = c(3335, 868, 3335, 3335), epp = 17.95),
  list(args = c(0.051, 50, 0.065, 2, 2.07), sizes = c(8572, 1749, 8572, 8572), epp = 23.07),
  list(args = c(0.051, 25, 0.1, 2, 2.07), sizes = c(4286, 725, 4286, 4286), epp = 35.49),
  list(args = c(0.051, 25, 0.065, 4, 2.07), sizes = c(4286, 875, 4286, 4286), epp = 23.07),
  list(args = c(0.051, 25, 0.065, 2, 4), sizes = c(4286, 684, 4286, 4286), epp = 44.57),
  list(args = c(0.06, 40, 0.08, 3, 5), sizes = c(5798, 974, 5798, 5798), epp = 57.98),
  list(args = c(0.03, 10, 0.09, 3, 3), sizes = c(2950, 273, 2950, 2950), epp = 79.65),
  list(args = c(0.3, 80, 0.03, 1, 5), sizes = c(1974, 2279, 2279, 2279), epp = 4.27))
for (k in seq_along(package)) {
  a <- package[[k]]$args
  stopifnot(all(riley(a[1], a[2], a[3], a[4], a[5])$sizes == package[[k]]$sizes))
}
size_cohorts <- list()
add_cohort <- function(name, time, event, p, h) {
  rate <- sum(event) / sum(time); meanfup <- mean(time)
  max_r2 <- suppressWarnings(riley(1e-9, p, rate, h, meanfup))$max_r2
  size_cohorts[[name]] <<- c(list(time = time, event = event, parameters = p, horizon = h,
                                  r2 = 0.15 * max_r2),
                             riley(0.15 * max_r2, p, rate, h, meanfup))
}
add_cohort("cox_months", models$cox_months$data$time, models$cox_months$data$status, 3, 12)
add_cohort("cr_months_relapse", models$cr_months$data$time,
           as.integer(models$cr_months$data$status == 1), 3, 12)
add_cohort("seed_relapse_mrd_age", seed$rfs_months, seed$rfs_event, 2, 24)
add_cohort("seed_os_three_terms", seed$os_months, seed$os_event, 3, 24)

# Section "nomogram": rms::nomogram of the Cox model of cohort cox_months (section "models"),
# the axis of x at 5 equally spaced values from its minimum to its maximum (as the app draws
# it), risk by 12 months on the bottom axis:
#   fit <- cph(Surv(time, status) ~ x + k, x = TRUE, y = TRUE, surv = TRUE, eps = 1e-12)
#   nom <- nomogram(fit, x = ticks, fun = function(lp) 1 - Survival(fit)(12, lp),
#                   fun.at = c(.01, .02, .05, .1, ..., .95, .99), lp = FALSE)
# -> points of each value; sc (points per unit of the linear predictor) and Intercept (its
# value at 0 points); the total points of each risk tick (rms inverts the risk by linear
# interpolation on a grid of 1000 linear-predictor values); and the exact risk
# 1 - Survival(fit)(12, Intercept + T / sc) at totals T = 0, 20, ..., 140.
nomo_data <- models$cox_months$data
dd <- datadist(nomo_data); options(datadist = "dd")
nomo_fit <- suppressWarnings(cph(Surv(time, status) ~ x + k, data = nomo_data, x = TRUE,
                                 y = TRUE, surv = TRUE, eps = 1e-12, iter.max = 50))
nomo_surv <- Survival(nomo_fit)
nomo_ticks <- seq(min(nomo_data$x), max(nomo_data$x), length = 5)
nomo <- nomogram(nomo_fit, x = nomo_ticks, fun = function(lp) 1 - nomo_surv(12, lp),
                 fun.at = c(.01, .02, .05, .1, .2, .3, .4, .5, .6, .7, .8, .9, .95, .99),
                 funlabel = "risk", lp = FALSE)
nomo_info <- attr(nomo, "info")
nomo_totals <- seq(0, 140, by = 20)
nomogram_golden <- list(
  x = nomo_ticks, x_points = unname(nomo$x$points), k = nomo$k$k,
  k_points = unname(nomo$k$points), sc = nomo_info$sc, intercept = nomo_info$Intercept,
  risk_ticks = nomo$risk$x.real, risk_points = nomo$risk$x, totals = nomo_totals,
  totals_risk = 1 - nomo_surv(12, nomo_info$Intercept + nomo_totals / nomo_info$sc))
options(datadist = NULL)

# Section "external": external validation of a frozen model. A model fitted on a development
# cohort of section "models" is applied unchanged to a new cohort drawn from another truth
# (baseline hazard 0.06 instead of 0.04, effects 0.6 times as large; whole months, so ties),
# and validated there with the figures above:
#   cox:            fit <- coxph(Surv(time, status) ~ x + k, data = development, ties = "efron")
#                   risk <- 1 - summary(survfit(fit, newdata = v), times = 12)$surv
#   fine_gray:      fit <- crr(time, status, model.matrix(~ x + k)[, -1]) on development
#                   risk <- predict(fit, cov1 = model.matrix(~ x + k, v)[, -1]) at the last
#                           time <= 12
#   cause_specific: risk <- predictRisk(CSC(Hist(time, status) ~ x + k, data = development),
#                                       newdata = v, times = 12, cause = 1)
# then on v: score(v with risk, 12) (Score: AUC, Brier, IPA), concordance (Harrell's and
# Uno's C, one cause only), calibration_r(v, risk, 12) (curve, ICI, slope, risk groups,
# the overall observed risk: calibration-in-the-large against mean(risk)).
set.seed(20261206)
external_cohort <- function(n, competing) {
  x <- round(rnorm(n, 50, 10), 1); k <- sample(c("a", "b", "c"), n, replace = TRUE)
  lp <- 0.6 * (0.04 * (x - 50) + 0.6 * (k == "b") + 1.0 * (k == "c"))
  t1 <- rexp(n, 0.06 * exp(lp)); t2 <- if (competing) rexp(n, 0.02 * exp(-0.3 * (k == "c")))
  else rep(Inf, n)
  c <- rexp(n, 0.02); time <- pmax(1, ceiling(pmin(t1, t2, c)))
  status <- ifelse(pmin(t1, t2, c) == t1, 1, ifelse(pmin(t1, t2, c) == t2, 2, 0))
  data.frame(time = time, status = status, x = x, k = k, stringsAsFactors = FALSE)
}
external <- list()
for (spec in list(list("cox", "cox_months", FALSE), list("fine_gray", "cr_months", TRUE),
                  list("cause_specific", "cr_months", TRUE))) {
  dev <- models[[spec[[2]]]]$data; h <- 12
  v <- external_cohort(150, spec[[3]])
  if (spec[[1]] == "cox") {
    fit <- coxph(Surv(time, status) ~ x + k, data = dev, ties = "efron")
    risk <- 1 - summary(survfit(fit, newdata = v), times = h)$surv[1, ]
  } else if (spec[[1]] == "fine_gray") {
    fit <- crr(dev$time, dev$status, model.matrix(~ x + k, dev)[, -1], failcode = 1)
    pr <- predict(fit, cov1 = model.matrix(~ x + k, v)[, -1])
    risk <- unname(pr[max(which(pr[, 1] <= h)), -1])
  } else {
    csc <- CSC(Hist(time, status) ~ x + k, data = dev, cause = 1)
    risk <- c(predictRisk(csc, newdata = v, times = h, cause = 1))
  }
  entry <- score(cbind(v, risk = risk), h)
  entry$development <- spec[[2]]
  entry$risk <- risk
  entry$calibration <- calibration_r(v, risk, h, spec[[3]])
  entry$expected <- mean(risk)
  if (!spec[[3]]) {
    entry$harrell <- concordance(Surv(time, status) ~ risk, data = cbind(v, risk = risk),
                                 reverse = TRUE)$concordance
    entry$uno <- concordance(Surv(time, status) ~ risk, data = cbind(v, risk = risk),
                             reverse = TRUE, timewt = "n/G2", ymax = h)$concordance
  }
  external[[spec[[1]]]] <- entry
}

# Section "validate_fine_gray": the bootstrap of a Fine-Gray model replayed on R's samples
# (rms::validate has no Fine-Gray fit): for each sample s of a seeded competing-risks cohort
#   fg <- crr(time, status, model.matrix(~ x + k)[, -1]) on d[s, ]
#   risk <- predict(fg, cov1 = model.matrix(~ x + k, d)[, -1]) at the last time <= 12
#   training: Score(list(m = risk[s]), Hist(time, status) ~ 1, d[s, ], times = 12, cause = 1,
#                   cens.model = "km", metrics = c("auc", "brier")), slope 1 (its own fit)
#   test:     the same on d with risk, slope = crr(time, status, log(-log(1 - risk)))$coef
# -> the means of training and test over the samples, and the apparent figures of the fit on d.
set.seed(20261207)
score_cr <- function(risk, dd, h) {
  s <- Score(list(m = risk), formula = Hist(time, status) ~ 1, data = dd, times = h,
             cause = 1, cens.model = "km", metrics = c("auc", "brier"), se.fit = FALSE)
  b <- as.data.frame(s$Brier$score)
  c(as.data.frame(s$AUC$score)$AUC, b$Brier[b$model == "m"])
}
fg_risk <- function(fit, dd, h) {
  pr <- predict(fit, cov1 = model.matrix(~ x + k, dd)[, -1])
  unname(pr[max(which(pr[, 1] <= h)), -1])
}
fg_data <- model_cohort(150, TRUE, TRUE)
fg_samples <- replicate(30, sample(nrow(fg_data), replace = TRUE))
fg_full <- crr(fg_data$time, fg_data$status, model.matrix(~ x + k, fg_data)[, -1])
fg_rows <- sapply(seq_len(ncol(fg_samples)), function(b) {
  s <- fg_samples[, b]; db <- fg_data[s, ]
  fit <- crr(db$time, db$status, model.matrix(~ x + k, db)[, -1])
  risk <- fg_risk(fit, fg_data, 12)
  slope <- unname(crr(fg_data$time, fg_data$status, cbind(log(-log(1 - risk))))$coef)
  c(score_cr(risk[s], db, 12), score_cr(risk, fg_data, 12), slope, fit$converged)
})
stopifnot(all(fg_rows[6, ] == 1))
fg_means <- rowMeans(fg_rows)
validate_fine_gray <- list(
  data = fg_data, samples = fg_samples - 1L,
  apparent = as.list(setNames(score_cr(fg_risk(fg_full, fg_data, 12), fg_data, 12),
                              c("auc", "brier"))),
  AUC = list(training = fg_means[1], test = fg_means[3]),
  Brier = list(training = fg_means[2], test = fg_means[4]),
  Slope = list(training = 1, test = fg_means[5]))

# Section "rms_calibrate": rms::calibrate's apparent calibration (its index.orig columns) of
# the Cox model of cohort cox_months by Kaplan-Meier in groups of predicted risk, the groups
# those of section "calibration" (quintiles of the risk; cut2's [a, b) on the survival scale
# is cut's (a, b] on the risk scale):
#   fit <- cph(Surv(time, status) ~ x + k, x = TRUE, y = TRUE, surv = TRUE, time.inc = 12)
#   risk <- 1 - survest(fit, times = 12)$surv; q <- quantile(risk, seq(0, 1, length = 6))
#   calibrate(fit, cmethod = "KM", u = 12, cuts = sort(1 - q)[2:5], B = 2)
#   -> mean.predicted and KM per group (lowest predicted survival first)
# (B = 2: the bootstrap columns are not used; rms::calibrate's KM.corrected is not computed
# by the app.)
set.seed(20261208)
cal_fit <- suppressWarnings(cph(Surv(time, status) ~ x + k, data = models$cox_months$data,
                                x = TRUE, y = TRUE, surv = TRUE, time.inc = 12, eps = 1e-12,
                                iter.max = 50))
cal_risk <- 1 - survest(cal_fit, times = 12, conf.int = FALSE)$surv
cal_q <- quantile(cal_risk, seq(0, 1, length = 6))
rms_cal <- suppressWarnings(calibrate(cal_fit, cmethod = "KM", u = 12,
                                      cuts = sort(1 - cal_q)[2:5], B = 2))
rms_calibrate <- list(mean_predicted = unname(rms_cal[, "mean.predicted"]),
                      km = unname(rms_cal[, "KM"]))

out <- list(source = paste0(R.version.string, ", riskRegression ",
                            packageVersion("riskRegression"), ", prodlim ",
                            packageVersion("prodlim"), ", survival ",
                            packageVersion("survival")),
            score = cases, models = models, concordance = conc,
            validate = validations, calibration = calib, external = external,
            nomogram = nomogram_golden, validate_fine_gray = validate_fine_gray,
            rms_calibrate = rms_calibrate,
            samplesize = list(package = package, cohorts = size_cohorts))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE,
                  dataframe = "columns"),
           "tests/core/golden/risk_r_golden.json")
