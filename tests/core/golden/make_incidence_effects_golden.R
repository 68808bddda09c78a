# Golden values for tests/core/survival/competing/test_incidence_effects.py: the Fine-Gray
# subdistribution hazard ratio of each group against a reference, as the annotation table
# under a cumulative-incidence figure shows it (core.survival.competing.annotation).
#
# Run from the repository root:  Rscript tests/core/golden/make_incidence_effects_golden.R
# Writes tests/core/golden/incidence_effects_r_golden.json (committed; CI does not need R).
# R 4.2 with cmprsk 2.2-11.
#
# Cohorts are generated here (and written into the JSON): time (months, rounded: ties),
# status (0 censored, 1, 2 causes), grp (3 levels, a few missing). For each cohort, cause and
# reference level:
#   x <- model.matrix(~ relevel(factor(grp), ref))[, -1]   (rows with grp recorded)
#   fit <- crr(time, status, x, failcode = cause)
#   se = sqrt(diag(fit$var)); hr = exp(coef); CI exp(coef -/+ qnorm(0.975) se);
#   p = 2 * pnorm(-abs(coef / se))  (summary.crr prints rounded p-values: computed here)
#   n and events of the cause per level: table() of the rows used.
suppressMessages({library(cmprsk); library(jsonlite)})

set.seed(20261206)

make_cohort <- function(n, na_grp = 0, no_cause2_in_c = FALSE) {
  grp <- sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
  t1 <- rexp(n, 0.03 * c(A = 1, B = 1.6, C = 2.4)[grp])
  t2 <- rexp(n, 0.015)
  if (no_cause2_in_c) t2[grp == "C"] <- Inf
  tc <- runif(n, 6, 72)
  first <- pmin(t1, t2)
  time <- pmax(1, round(pmin(first, tc)))
  status <- ifelse(tc < first, 0L, ifelse(t1 < t2, 1L, 2L))
  if (na_grp) grp[sample(n, na_grp)] <- NA
  data.frame(time = time, status = status, grp = grp, stringsAsFactors = FALSE)
}

cohorts <- list(ties_three_groups = make_cohort(150, na_grp = 4),
                small = make_cohort(40),
                no_cause2_in_c = make_cohort(80, no_cause2_in_c = TRUE))

effects <- function(d, cause, ref) {
  rows <- d[!is.na(d$grp), ]
  g <- relevel(factor(rows$grp), ref)
  x <- model.matrix(~ g)[, -1, drop = FALSE]
  converged <- TRUE
  fit <- withCallingHandlers(crr(rows$time, rows$status, x, failcode = cause),
                             warning = function(w) {
                               converged <<- FALSE; invokeRestart("muffleWarning")})
  converged <- converged && isTRUE(fit$converged)
  se <- sqrt(diag(fit$var))
  z <- qnorm(0.975)
  levels <- levels(g)
  list(call = sprintf("crr(time, status, model.matrix(~ relevel(factor(grp), \"%s\"))[, -1], failcode = %d)",
                      ref, cause),
       reference = ref, cause = cause, levels = I(levels),
       n = I(as.vector(table(g)[levels])),
       events = I(as.vector(tapply(rows$status == cause, g, sum)[levels])),
       hr = I(c(1, unname(exp(fit$coef)))),
       hr_lower = I(c(NA, unname(exp(fit$coef - z * se)))),
       hr_upper = I(c(NA, unname(exp(fit$coef + z * se)))),
       p_value = I(c(NA, unname(2 * pnorm(-abs(fit$coef / se))))),
       converged = converged)
}

cases <- list()
for (name in names(cohorts)) for (cause in 1:2) for (ref in c("A", "C")) {
  cases[[sprintf("%s_cause%d_ref%s", name, cause, ref)]] <- c(
    list(cohort = name), effects(cohorts[[name]], cause, ref))
}

out <- list(r_version = R.version.string,
            packages = list(cmprsk = as.character(packageVersion("cmprsk"))),
            cohorts = cohorts, cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns"),
           "tests/core/golden/incidence_effects_r_golden.json")
