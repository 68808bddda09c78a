# Golden values for tests/core/likelihood/test_engine_vs_r.py (the one Cox likelihood engine).
#
# Run from the repository root:
#   Rscript tests/core/golden/make_likelihood_golden.R
# writes tests/core/golden/likelihood_r_golden.json. Produced with R 4.2.2 and survival 3.5.3
# (Debian packages r-base-core, r-cran-survival, r-cran-jsonlite).
#
# Seeded cohorts (set.seed per case, stored row by row in the JSON so the test fits exactly
# these rows) exercise what the engine must get right: tied event times (times rounded to
# whole months), delayed entry (entry = a fraction of the time, some entries tied with event
# times, some rows entering after the first events), strata, case weights (non-integer), two
# to three numeric or indicator covariates, and Efron and Breslow ties. Each case is
#   fit <- coxph(Surv([entry,] time, event) ~ x1 + x2 [+ x3] [+ strata(s)],
#                ties = ties, [weights = w], data = d)
# and stores fit$coefficients, the model-based variance (fit$var, or fit$naive.var where
# non-integer weights make R report the robust variance in fit$var, stored as robust_var),
# fit$loglik (at 0 and at the estimate), fit$score (the score test at 0, R's sctest) and fit$iter. A case with `iter_max = 0` stores the
# score test only (coxph.control(iter.max = 0)). Where the fit warns, the warning is stored.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

make <- function(seed, n, entry = FALSE, strata = 0, weights = FALSE, p = 2,
                 continuous = FALSE) {
  set.seed(seed)
  x1 <- rnorm(n)
  x2 <- rbinom(n, 1, 0.4)
  x3 <- round(runif(n, 20, 80))
  lp <- 0.5 * x1 + 0.7 * x2 + 0.01 * x3
  t <- rexp(n, 0.05 * exp(lp))
  c <- runif(n, 5, 60)
  time <- pmin(t, c)
  time <- if (continuous) time + 0.001 else pmax(1, round(time))
  event <- as.integer(t <= c)
  d <- data.frame(time = time, event = event, x1 = x1, x2 = x2, x3 = x3)
  if (entry) {
    # a third enter late: at a fraction of their time, some exactly at an event time
    late <- runif(n) < 0.35
    e <- ifelse(late, floor(time * runif(n, 0, 0.9)), 0)
    e[late & (seq_len(n) %% 5 == 0)] <- pmax(0, time[late & (seq_len(n) %% 5 == 0)] - 1)
    d$entry <- pmin(e, time - 0.5)
    d$entry[d$entry < 0] <- 0
  }
  if (strata > 0) d$s <- sample(seq_len(strata), n, replace = TRUE) - 1
  if (weights) d$w <- round(runif(n, 0.5, 3), 2)
  d
}

cases <- list(
  list(name = "ties_efron", seed = 1, n = 150, ties = "efron"),
  list(name = "ties_breslow", seed = 2, n = 150, ties = "breslow"),
  list(name = "continuous_efron", seed = 3, n = 120, ties = "efron", continuous = TRUE),
  list(name = "entry_efron", seed = 4, n = 200, ties = "efron", entry = TRUE),
  list(name = "entry_breslow", seed = 5, n = 200, ties = "breslow", entry = TRUE),
  list(name = "strata_efron", seed = 6, n = 200, ties = "efron", strata = 3),
  list(name = "strata_entry_efron", seed = 7, n = 250, ties = "efron", strata = 2,
       entry = TRUE, p = 3),
  list(name = "weights_efron", seed = 8, n = 150, ties = "efron", weights = TRUE),
  list(name = "weights_breslow", seed = 9, n = 150, ties = "breslow", weights = TRUE),
  list(name = "everything_efron", seed = 10, n = 300, ties = "efron", strata = 3,
       entry = TRUE, weights = TRUE, p = 3),
  list(name = "everything_breslow", seed = 11, n = 300, ties = "breslow", strata = 2,
       entry = TRUE, weights = TRUE, p = 3),
  list(name = "score_only_entry", seed = 12, n = 100, ties = "breslow", entry = TRUE,
       iter_max = 0),
  list(name = "small_ties_efron", seed = 13, n = 25, ties = "efron", p = 1)
)

out <- list()
for (cs in cases) {
  d <- make(cs$seed, cs$n, entry = isTRUE(cs$entry), strata = if (is.null(cs$strata)) 0 else
    cs$strata, weights = isTRUE(cs$weights), p = if (is.null(cs$p)) 2 else cs$p,
    continuous = isTRUE(cs$continuous))
  p <- if (is.null(cs$p)) 2 else cs$p
  rhs <- paste(c("x1", "x2", "x3")[seq_len(p)], collapse = " + ")
  if (!is.null(cs$strata)) rhs <- paste(rhs, "+ strata(s)")
  lhs <- if (isTRUE(cs$entry)) "Surv(entry, time, event)" else "Surv(time, event)"
  form <- as.formula(paste(lhs, "~", rhs))
  ctrl <- coxph.control(iter.max = if (is.null(cs$iter_max)) 20 else cs$iter_max)
  warn <- character(0)
  fit <- withCallingHandlers(
    if (isTRUE(cs$weights)) coxph(form, data = d, ties = cs$ties, weights = w, control = ctrl)
    else coxph(form, data = d, ties = cs$ties, control = ctrl),
    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  out[[cs$name]] <- list(
    ties = cs$ties, covariates = c("x1", "x2", "x3")[seq_len(p)],
    entry = isTRUE(cs$entry), strata = !is.null(cs$strata), weights = isTRUE(cs$weights),
    iter_max = if (is.null(cs$iter_max)) 20 else cs$iter_max,
    rows = d, coef = unname(coef(fit)),
    var = unname(if (is.null(fit$naive.var)) fit$var else fit$naive.var),
    robust_var = if (is.null(fit$naive.var)) NULL else unname(fit$var), loglik = fit$loglik,
    score = fit$score, iter = fit$iter, warnings = warn)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/core/golden/likelihood_r_golden.json")
