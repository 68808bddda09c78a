# Golden values for tests/core/survival/km/test_group_comparisons_vs_r.py (and
# tests/core/cox/test_group_effects_vs_r.py): the weighted and
# stratified log-rank tests, pairwise log-rank tests, milestone survival differences and RMST
# contrasts, on seeded cohorts this script generates itself (written into the JSON too).
#
# Run from the repository root:  Rscript tests/core/golden/make_group_comparisons_golden.R
# Writes tests/core/golden/group_comparisons_r_golden.json (committed; CI does not need R).
# R 4.2 with survival 3.5.3 and survminer 0.4.9.
#
# Cohort columns: id (text), time (months, NA possible), event (0/1), group (text or numbers,
# NA possible), centre (the stratum, NA possible). R's own NA handling decides the rows.
#   survdiff(Surv(time, event) ~ group, rho = r)                      -> logrank rho
#   survdiff(Surv(time, event) ~ group + strata(centre), rho = r)     -> logrank strata
#   survminer::pairwise_survdiff(Surv(time, event) ~ group, data, p.adjust.method, rho)
#       (its chi-squares: survdiff on each pair's rows, as pairwise_survdiff computes them)
#   summary(survfit(Surv(time, event) ~ group), times = t)  -> milestone difference, as tern
#       s_surv_timepoint_diff: S_g - S_ref, se = sqrt(se_g^2 + se_ref^2), z test
#   rmst2_unadjusted(): survRM2 1.0-4 rmst1/rmst2 (unadjusted) reproduced below, because
#       survRM2 is not in Debian; its per-group RMST and se are checked here against survival's
#       own print(survfit, rmean = tau) (summary(fit, rmean = tau)$table) before writing.
#   coxph(Surv(time, event) ~ group) (Efron, first level reference) and
#       summary(survfit(..., conf.type = "log-log"))$table medians -> the KM figures' annotation
suppressMessages({library(survival); library(survminer); library(jsonlite)})

set.seed(20261206)

make_cohort <- function(n, groups, hazards, integer_months, centres = c("north", "south"),
                        na_group = 0, na_centre = 0, na_time = 0, crossing = FALSE) {
  g <- sample(groups, n, replace = TRUE)
  rate <- hazards[match(g, groups)]
  t_event <- rexp(n, rate)
  if (crossing) {  # first group: early events, then a plateau; others: steady
    early <- g == groups[1]
    t_event[early] <- ifelse(runif(sum(early)) < 0.5, runif(sum(early), 0, 6), 200)
  }
  t_cens <- runif(n, 5, 60)
  time <- pmin(t_event, t_cens)
  if (integer_months) time <- pmax(1, round(time))
  event <- as.integer(t_event <= t_cens)
  centre <- sample(centres, n, replace = TRUE)
  if (na_group) g[sample(n, na_group)] <- NA
  if (na_centre) centre[sample(n, na_centre)] <- NA
  if (na_time) time[sample(n, na_time)] <- NA
  data.frame(id = sprintf("%04d", seq_len(n)), time = time, event = event, group = g,
             centre = centre, stringsAsFactors = FALSE)
}

cohorts <- list(
  ties_three_groups = make_cohort(90, c("A", "B", "C"), c(0.02, 0.05, 0.09), TRUE,
                                  centres = c("north", "south", "west"),
                                  na_group = 3, na_centre = 4, na_time = 2),
  continuous_four_numeric = make_cohort(120, c(1, 2, 10, 20), c(0.03, 0.04, 0.06, 0.1), FALSE),
  small_two_groups = make_cohort(19, c("negative", "positive"), c(0.02, 0.08), TRUE),
  crossing_curves = make_cohort(70, c("early", "late"), c(0.05, 0.05), FALSE, crossing = TRUE),
  sparse_strata = make_cohort(40, c("x", "y", "z"), c(0.03, 0.06, 0.1), TRUE,
                              centres = c("c1", "c2", "c3", "c4"))
)
# a group with no events and a group missing from one stratum
cohorts$sparse_strata$event[cohorts$sparse_strata$group == "x"] <- 0
cohorts$sparse_strata$centre[cohorts$sparse_strata$group == "z" &
                             cohorts$sparse_strata$centre == "c1"] <- "c2"

survdiff_p <- function(fit) {
  etmp <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  df <- sum(etmp > 0) - 1
  list(statistic = fit$chisq, dof = df,
       p_value = if (df > 0) pchisq(fit$chisq, df, lower.tail = FALSE) else 1)
}

rmst1 <- function(time, status, tau, alpha) {
  # survRM2 1.0-4 R/rmst1.R: area under the KM to tau, Greenwood plug-in variance
  ft <- survfit(Surv(time, status) ~ 1)
  idx <- ft$time <= tau
  wk_time <- sort(c(ft$time[idx], tau))
  wk_surv <- ft$surv[idx]
  wk_n_risk <- ft$n.risk[idx]
  wk_n_event <- ft$n.event[idx]
  areas <- diff(c(0, wk_time)) * c(1, wk_surv)
  rmst <- sum(areas)
  wk_var <- c(ifelse(wk_n_risk - wk_n_event == 0, 0,
                     wk_n_event / (wk_n_risk * (wk_n_risk - wk_n_event))), 0)
  var <- sum(cumsum(rev(areas[-1]))^2 * rev(wk_var)[-1])
  z <- qnorm(1 - alpha / 2)
  list(rmst = rmst, se = sqrt(var), var = var, rmst_lower = rmst - z * sqrt(var),
       rmst_upper = rmst + z * sqrt(var), rmtl = tau - rmst,
       rmtl_lower = tau - (rmst + z * sqrt(var)), rmtl_upper = tau - (rmst - z * sqrt(var)))
}

tau_limit <- function(time, status, arm) {
  # survRM2 1.0-4 R/rmst2.R, cases 1-4: the largest tau rmst2 accepts
  t0 <- max(time[arm == 0]); s0 <- min(status[arm == 0][time[arm == 0] == t0])
  t1 <- max(time[arm == 1]); s1 <- min(status[arm == 1][time[arm == 1] == t1])
  if (s0 == 1 & s1 == 1) return(max(t0, t1))
  if ((s0 == 0 & s1 == 1 & t0 >= t1) | (s0 == 1 & s1 == 0 & t1 > t0)) return(max(t0, t1))
  min(t0, t1)
}

rmst2_unadjusted <- function(time, status, arm, tau, alpha) {
  # survRM2 1.0-4 R/rmst2.R, unadjusted branch: arm 1 against arm 0
  a1 <- rmst1(time[arm == 1], status[arm == 1], tau, alpha)
  a0 <- rmst1(time[arm == 0], status[arm == 0], tau, alpha)
  z <- qnorm(1 - alpha / 2)
  diff <- a1$rmst - a0$rmst; se <- sqrt(a1$var + a0$var)
  lr <- log(a1$rmst) - log(a0$rmst)
  se_r <- sqrt(a1$var / a1$rmst^2 + a0$var / a0$rmst^2)
  ll <- log(a1$rmtl) - log(a0$rmtl)
  se_l <- sqrt(a1$var / a1$rmtl^2 + a0$var / a0$rmtl^2)
  data.frame(contrast = c("RMST difference", "RMST ratio", "RMTL ratio"),
             estimate = c(diff, exp(lr), exp(ll)),
             ci_lower = c(diff - z * se, exp(lr - z * se_r), exp(ll - z * se_l)),
             ci_upper = c(diff + z * se, exp(lr + z * se_r), exp(ll + z * se_l)),
             p_value = c(2 * pnorm(-abs(diff) / se), 2 * pnorm(-abs(lr) / se_r),
                         2 * pnorm(-abs(ll) / se_l)))
}

analyse <- function(d, milestone, conf = 0.95) {
  complete <- d[!is.na(d$time) & !is.na(d$group), ]
  levels <- as.character(sort(unique(complete$group)))  # numeric groups in numeric order
  complete$g <- factor(as.character(complete$group), levels = levels)
  out <- list(levels = I(levels))
  out$logrank <- lapply(c(0, 0.5, 1, 2), function(r) {
    c(list(rho = r), survdiff_p(survdiff(Surv(time, event) ~ g, data = complete, rho = r)))
  })
  out$stratified <- lapply(c(0, 1), function(r) {
    fit <- survdiff(Surv(time, event) ~ g + strata(centre), data = complete, rho = r)
    c(list(rho = r, call = sprintf(
      "survdiff(Surv(time, event) ~ group + strata(centre), rho = %g)", r)), survdiff_p(fit))
  })
  out$pairwise <- list()
  for (r in c(0, 1)) for (method in c("holm", "BH", "none")) {
    pw <- pairwise_survdiff(Surv(time, event) ~ g, data = complete, p.adjust.method = method,
                            rho = r)
    rows <- list()
    for (j in seq_along(levels)[-length(levels)]) for (i in (j + 1):length(levels)) {
      pair <- complete[complete$g %in% levels[c(i, j)], ]
      pair$g <- droplevels(pair$g)
      chisq <- survdiff(Surv(time, event) ~ g, data = pair, rho = r)$chisq
      rows[[length(rows) + 1]] <- data.frame(
        group1 = levels[i], group2 = levels[j], statistic = chisq,
        p_value = pchisq(chisq, 1, lower.tail = FALSE),
        p_adjusted = pw$p.value[levels[i], levels[j]])
    }
    out$pairwise[[length(out$pairwise) + 1]] <- list(rho = r, p_adjust = method,
                                                     table = do.call(rbind, rows))
  }
  # a group whose follow-up ends before the milestone has no estimate there (NA)
  at <- do.call(rbind, lapply(levels, function(g) {
    k <- complete$g == g
    if (max(complete$time[k]) < milestone) return(data.frame(group = g, surv = NA, se = NA))
    s <- summary(survfit(Surv(time, event) ~ 1, data = complete[k, ]), times = milestone)
    data.frame(group = g, surv = s$surv, se = s$std.err)
  }))
  ref <- at[at$group == levels[1], ]
  z <- qnorm(0.5 + conf / 2)
  others <- at[at$group != levels[1], ]
  diff <- others$surv - ref$surv
  se <- sqrt(others$se^2 + ref$se^2)
  out$milestone <- list(time = milestone, table = data.frame(
    group = others$group, reference = levels[1], survival = others$surv,
    reference_survival = ref$surv, difference = diff, se = se, ci_lower = diff - z * se,
    ci_upper = diff + z * se, p_value = 2 * pnorm(-abs(diff / se))))
  # RMST: one tau for every pair (the smallest of rmst2's default taus)
  arms <- lapply(levels[-1], function(g) {
    keep <- complete$g %in% c(levels[1], g)
    list(g = g, time = complete$time[keep], status = complete$event[keep],
         arm = as.integer(complete$g[keep] == g))
  })
  tau <- min(sapply(arms, function(a) tau_limit(a$time, a$status, a$arm)))
  per_group <- do.call(rbind, lapply(levels, function(g) {
    k <- complete$g == g
    r1 <- rmst1(complete$time[k], complete$event[k], tau, 1 - conf)
    data.frame(group = g, rmst = r1$rmst, se = r1$se, rmst_lower = r1$rmst_lower,
               rmst_upper = r1$rmst_upper, rmtl = r1$rmtl, rmtl_lower = r1$rmtl_lower,
               rmtl_upper = r1$rmtl_upper)
  }))
  check <- summary(survfit(Surv(time, event) ~ g, data = complete), rmean = tau)$table
  stopifnot(isTRUE(all.equal(unname(check[, "rmean"]), per_group$rmst, tolerance = 1e-12)),
            isTRUE(all.equal(unname(check[, "se(rmean)"]), per_group$se, tolerance = 1e-12)))
  contrasts <- do.call(rbind, lapply(arms, function(a) {
    cbind(data.frame(group = a$g, reference = levels[1]),
          rmst2_unadjusted(a$time, a$status, a$arm, tau, 1 - conf))
  }))
  cox <- suppressWarnings(summary(coxph(Surv(time, event) ~ g, data = complete)))
  km <- summary(survfit(Surv(time, event) ~ g, data = complete, conf.type = "log-log"))$table
  out$effects <- list(
    call = "coxph(Surv(time, event) ~ group) with the first level as reference (Efron)",
    group = I(levels[-1]), hr = I(unname(cox$conf.int[, "exp(coef)"])),
    hr_lower = I(unname(cox$conf.int[, "lower .95"])),
    hr_upper = I(unname(cox$conf.int[, "upper .95"])),
    p_value = I(unname(cox$coefficients[, "Pr(>|z|)"])),
    events = I(unname(km[, "events"])), median = I(unname(km[, "median"])),
    median_lower = I(unname(km[, "0.95LCL"])), median_upper = I(unname(km[, "0.95UCL"])))
  out$rmst <- list(tau = tau, groups = per_group, table = contrasts,
                   call = "rmst2(time, status, arm = (group == g), tau) for each g vs the first")
  out
}

milestones <- c(ties_three_groups = 24, continuous_four_numeric = 18, small_two_groups = 12,
                crossing_curves = 10, sparse_strata = 20)
cases <- lapply(names(cohorts), function(name) {
  c(list(data = cohorts[[name]]), analyse(cohorts[[name]], milestones[[name]]))
})
names(cases) <- names(cohorts)

out <- list(r_version = R.version.string,
            packages = list(survival = as.character(packageVersion("survival")),
                            survminer = as.character(packageVersion("survminer"))),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns"),
           "tests/core/golden/group_comparisons_r_golden.json")
