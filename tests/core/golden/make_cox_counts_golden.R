# Golden values for tests/core/cox/test_cox_counts.py (Cox regression from event counts).
#
# Run from the repository root:
#   Rscript tests/core/golden/make_cox_counts_golden.R
# writes tests/core/golden/cox_counts_r_golden.json. Produced with R 4.2.2 and survival 3.5.3
# (Debian packages r-base-core, r-cran-survival, r-cran-jsonlite).
#
# The cohorts are deterministic (no random numbers): patient i = 1..n gets
#   eln  = c("favorable", "intermediate", "adverse")[i %% 3 + 1]
#   mrd  = c("negative", "positive")[(i %/% 3) %% 2 + 1]
#   site = c("A", "B", "C", "D")[(i * 7) %% 4 + 1]  (for the 3-covariate model)
#   time: whole months ((i * 7919) %% 61) for "ties", or ((i * 7919) %% 6101) / 100 + i / 1e6
#         for "continuous" (distinct times); the hazard depends on eln and mrd through
#         time = time / (1 + (eln == "adverse") + 0.5 * (mrd == "positive")) before rounding
#   event = as.integer((i * 31) %% 5 != 0)
# (columns eln2022_risk, mrd_pre_status, site: the schema's level order makes the first
# level the reference, as in R's factor levels below), and each case stores its rows, so the test fits exactly these rows. Each case is
#   coxph(Surv(time, event) ~ <covariates as factors, first level the reference>, ties = ties)
# on the expanded rows (one per patient): coef, se, Wald 95% CI of the HR, Wald p, loglik;
# the case ties_eln_mrd_strata_site adds + strata(site) (one baseline hazard per site).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

cohort <- function(n, kind) {
  i <- seq_len(n)
  eln <- c("favorable", "intermediate", "adverse")[i %% 3 + 1]
  mrd <- c("negative", "positive")[(i %/% 3) %% 2 + 1]
  site <- c("A", "B", "C", "D")[(i * 7) %% 4 + 1]
  speed <- 1 + (eln == "adverse") + 0.5 * (mrd == "positive")
  time <- if (kind == "ties") floor(((i * 7919) %% 61) / speed) else
    ((i * 7919) %% 6101) / 100 / speed + i / 1e6
  data.frame(patient_id = i, time = time, event = as.integer((i * 31) %% 5 != 0),
             eln2022_risk = eln, mrd_pre_status = mrd, site = site, stringsAsFactors = FALSE)
}

cases <- list(
  list(name = "ties_eln_mrd", n = 400, kind = "ties", covariates = c("eln2022_risk", "mrd_pre_status")),
  list(name = "continuous_eln_mrd", n = 300, kind = "continuous", covariates = c("eln2022_risk", "mrd_pre_status")),
  list(name = "ties_eln_mrd_site", n = 500, kind = "ties",
       covariates = c("eln2022_risk", "mrd_pre_status", "site")),
  # registry mode's stratified model: one baseline hazard per site
  list(name = "ties_eln_mrd_strata_site", n = 500, kind = "ties",
       covariates = c("eln2022_risk", "mrd_pre_status"), strata = "site")
)
levels_of <- list(eln2022_risk = c("favorable", "intermediate", "adverse"),
                  mrd_pre_status = c("negative", "positive"), site = c("A", "B", "C", "D"))

out <- list()
for (case in cases) {
  d <- cohort(case$n, case$kind)
  f <- d
  for (v in case$covariates) f[[v]] <- factor(f[[v]], levels = levels_of[[v]])
  for (ties in c("efron", "breslow")) {
    rhs <- paste(c(case$covariates, if (!is.null(case$strata)) paste0("strata(", case$strata, ")")),
                 collapse = " + ")
    fit <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = f, ties = ties)
    s <- summary(fit)
    terms <- unlist(lapply(case$covariates, function(v) paste0(v, "[", levels_of[[v]][-1], "]")))
    out[[paste(case$name, ties, sep = ".")]] <- list(
      call = paste0("coxph(Surv(time, event) ~ ", rhs, ", ties = \"", ties, "\")"),
      covariates = case$covariates, strata = case$strata, terms = terms,
      coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
      hr_lower = unname(s$conf.int[, "lower .95"]), hr_upper = unname(s$conf.int[, "upper .95"]),
      p_value = unname(s$coefficients[, "Pr(>|z|)"]), loglik = fit$loglik,
      n = fit$n, events = fit$nevent)
  }
  out[[paste(case$name, "data", sep = ".")]] <- d
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/core/golden/cox_counts_r_golden.json")
