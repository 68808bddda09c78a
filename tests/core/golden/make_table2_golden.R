# Golden values for tests/core/cox/test_table2_vs_r.py: "Table 2", univariable and
# multivariable Cox hazard ratios side by side (gtsummary tbl_uvregression + tbl_regression +
# tbl_merge with add_nevent), on seeded cohorts this script generates itself (written into the
# JSON too).
#
# Run from the repository root:  Rscript tests/core/golden/make_table2_golden.R
# Writes tests/core/golden/table2_r_golden.json (committed; CI does not need R).
# R 4.2 with survival 3.5.3.
#
# Cohort columns: id (text), time (months, ties), event (0/1), grp (3 levels, NA possible),
# sex (F/M), age (years, NA possible), centre (the stratum). R's own NA handling decides the
# rows: each univariable model uses its own complete cases, the multivariable model the rows
# complete in every covariate.
#   univariable:   coxph(Surv(time, event) ~ x [+ strata(centre)], ties = "efron") per x;
#                  summary()$coefficients / $conf.int (Wald), LR p: drop1(fit, test = "Chisq")
#                  (equal to summary()$logtest for one covariate)
#   multivariable: coxph(Surv(time, event) ~ grp + sex + I(age / 10) [+ strata(centre)]);
#                  Wald per term; LR p per covariate: drop1(fit, test = "Chisq"), i.e.
#                  2 * (loglik(full) - loglik(full without the covariate)) on the same rows
#   N and events per level: table() of the model's rows (gtsummary add_nevent(location =
#                  "level")); age enters per 10 years, the reference level first.
suppressMessages({library(survival); library(jsonlite)})

set.seed(20261207)

make_cohort <- function(n, na_grp = 0, na_age = 0, no_event_level = FALSE) {
  grp <- sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
  sex <- sample(c("F", "M"), n, replace = TRUE)
  age <- round(rnorm(n, 60, 12), 1)
  lp <- c(A = 0, B = 0.5, C = 1.1)[grp] + 0.3 * (sex == "M") + 0.02 * (age - 60)
  t_event <- rexp(n, 0.03 * exp(lp))
  t_cens <- runif(n, 6, 72)
  time <- pmax(1, round(pmin(t_event, t_cens)))
  event <- as.integer(t_event <= t_cens)
  if (no_event_level) event[grp == "C"] <- 0L
  centre <- sample(c("north", "south", "west"), n, replace = TRUE)
  if (na_grp) grp[sample(n, na_grp)] <- NA
  if (na_age) age[sample(n, na_age)] <- NA
  data.frame(id = sprintf("%04d", seq_len(n)), time = time, event = event, grp = grp,
             sex = sex, age = age, centre = centre, stringsAsFactors = FALSE)
}

cohorts <- list(
  ties_with_missing = make_cohort(120, na_grp = 5, na_age = 7),
  small = make_cohort(30),
  no_event_level = make_cohort(60, no_event_level = TRUE)
)

covariate_terms <- list(grp = c("grp[B]", "grp[C]"), sex = "sex[M]",
                        age = "age (per 10 years)")
formula_terms <- c(grp = "grp", sex = "sex", age = "I(age / 10)")

counts <- function(rows, covariate) {
  if (covariate == "age") return(list(level = "age (per 10 years)", n = nrow(rows),
                                      events = sum(rows$event)))
  levels <- levels(rows[[covariate]])
  list(level = levels, n = as.vector(table(rows[[covariate]])[levels]),
       events = as.vector(tapply(rows$event, rows[[covariate]], sum)[levels]))
}

fit_block <- function(d, covariates, strata) {
  rhs <- paste(formula_terms[covariates], collapse = " + ")
  if (strata) rhs <- paste(rhs, "+ strata(centre)")
  f <- as.formula(paste("Surv(time, event) ~", rhs))
  # the model's complete cases first: drop1 refits on the same rows (it refuses otherwise)
  rows <- d[complete.cases(d[, c("time", "event", covariates,
                                 if (strata) "centre")]), ]
  converged <- TRUE
  fit <- withCallingHandlers(coxph(f, data = rows, ties = "efron"),
                             warning = function(w) {
                               converged <<- FALSE; invokeRestart("muffleWarning")})
  s <- summary(fit)
  dropped <- withCallingHandlers(drop1(fit, test = "Chisq"),
                                 warning = function(w) invokeRestart("muffleWarning"))
  terms <- setdiff(rownames(dropped)[-1], "strata(centre)")  # the covariates, in order
  stopifnot(length(terms) == length(covariates))
  list(call = paste0("coxph(", deparse(f), ", ties = \"efron\")"),
       terms = I(unlist(covariate_terms[covariates])),
       coef = I(unname(s$coefficients[, "coef"])), se = I(unname(s$coefficients[, "se(coef)"])),
       hr = I(unname(s$conf.int[, "exp(coef)"])), hr_lower = I(unname(s$conf.int[, "lower .95"])),
       hr_upper = I(unname(s$conf.int[, "upper .95"])),
       p_value = I(unname(s$coefficients[, "Pr(>|z|)"])),
       lr_covariates = I(covariates),
       lr_statistic = I(unname(dropped[terms, "LRT"])),
       lr_df = I(unname(dropped[terms, "Df"])),
       lr_p_value = I(unname(dropped[terms, "Pr(>Chi)"])),
       loglik = unname(fit$loglik[2]), n = fit$n, events = fit$nevent,
       converged = converged,
       counts = lapply(setNames(covariates, covariates), function(x) counts(rows, x)))
}

analyse <- function(d, strata) {
  d$grp <- factor(d$grp, levels = c("A", "B", "C"))
  d$sex <- factor(d$sex, levels = c("F", "M"))
  covariates <- c("grp", "sex", "age")
  uni <- lapply(setNames(covariates, covariates), function(x) fit_block(d, x, strata))
  for (x in covariates) {  # one covariate: drop1's LR test is the model's LR test
    lt <- summary(coxph(as.formula(paste("Surv(time, event) ~", formula_terms[[x]],
                                         if (strata) "+ strata(centre)")),
                        data = d))$logtest
    stopifnot(isTRUE(all.equal(as.numeric(lt["test"]), as.numeric(uni[[x]]$lr_statistic),
                               tolerance = 1e-10)))
  }
  list(strata = strata, univariable = uni, multivariable = fit_block(d, covariates, strata))
}

cases <- list()
for (name in names(cohorts)) for (strata in c(FALSE, TRUE)) {
  key <- paste0(name, if (strata) "_stratified" else "")
  cases[[key]] <- c(list(data = cohorts[[name]]), analyse(cohorts[[name]], strata))
}

out <- list(r_version = R.version.string,
            packages = list(survival = as.character(packageVersion("survival"))),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns"),
           "tests/core/golden/table2_r_golden.json")
