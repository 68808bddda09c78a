# Golden values for tests/pages/test_cox_endpoint.py: the Cox page on "OS with delayed entry at
# maintenance start" (core.survival.endpoint.OS_ENTRY) for the 19-patient seed cohort.
#
# Run from the repository root:
#   Rscript tests/core/golden/make_cox_entry_golden.R
# writes tests/core/golden/cox_entry_r_golden.json. Produced with R 4.2 and survival 3.5.3.
#
# The entry is the app's rule for the seed cohort (core.survival.endpoint.maintenance_entry):
# maintenance start = os_months - rfs_months (negative values left empty).
#   fit <- coxph(Surv(entry, os_months, os_event) ~ <model>, data = seed, ties = ties)
#   per term: coef, se, hr, Wald 95% CI, Wald p; the likelihood-ratio p; n, events;
#   concordance(fit) (Harrell's C on the same Surv, counting-process risk sets);
#   drop1(fit, test = "Chisq"): likelihood-ratio statistic and p of each covariate
#   (Table 2's LR p of the multivariable model).
# Models: mrd_pre_status (reference negative), with Efron and Breslow ties; age per 10 years
# alone and mrd_pre_status + age per 10 years (Efron): Table 2 of the Cox page.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)
seed$entry <- seed$os_months - seed$rfs_months
seed$entry[seed$entry < 0] <- NA
seed$mrd_pre_status <- factor(seed$mrd_pre_status, levels = c("negative", "positive"))
seed$age10 <- seed$age / 10

one <- function(formula, ties) {
  fit <- eval(bquote(coxph(.(formula), data = seed, ties = .(ties))))  # drop1 refits it
  s <- summary(fit)
  list(
    call = paste(deparse(formula), "ties =", ties),
    terms = rownames(s$coefficients),
    coef = unname(s$coefficients[, "coef"]),
    se = unname(s$coefficients[, "se(coef)"]),
    hr = unname(s$coefficients[, "exp(coef)"]),
    lower = unname(s$conf.int[, "lower .95"]),
    upper = unname(s$conf.int[, "upper .95"]),
    p = unname(s$coefficients[, "Pr(>|z|)"]),
    lr_p = unname(s$logtest["pvalue"]),
    n = fit$n, events = fit$nevent,
    concordance = unname(concordance(fit)$concordance),
    drop1_lrt = unname(drop1(fit, test = "Chisq")[-1, "LRT"]),
    drop1_p = unname(drop1(fit, test = "Chisq")[-1, "Pr(>Chi)"])
  )
}

out <- list(
  entry = seed$entry,
  mrd.efron = one(Surv(entry, os_months, os_event) ~ mrd_pre_status, "efron"),
  mrd.breslow = one(Surv(entry, os_months, os_event) ~ mrd_pre_status, "breslow"),
  age.efron = one(Surv(entry, os_months, os_event) ~ age10, "efron"),
  mrd_age.efron = one(Surv(entry, os_months, os_event) ~ mrd_pre_status + age10, "efron")
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/core/golden/cox_entry_r_golden.json")
