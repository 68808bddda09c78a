# Golden values for tests/core/cox/test_predict_strata_vs_r.py: predicted survival of a
# stratified Cox model, one baseline hazard per stratum (R survfit.coxph with newdata).
#
# Run from the repository root:
#   Rscript tests/core/golden/make_cox_strata_predict_golden.R
# writes tests/core/golden/cox_strata_predict_r_golden.json (committed; CI does not need R).
# R 4.2.2, survival 3.5.3, jsonlite.
#
# Cohort (written into the JSON): 240 patients, seeded; integer months (ties); x numeric,
# g a two-level factor (reference "a"), s the stratum (three levels, one with few events),
# entry a delayed-entry time for a third of the patients.
#   fit <- coxph(Surv(time, status) ~ x + g + strata(s), ties = <ties>)   (and with
#          Surv(entry, time, status) for the delayed-entry case)
#   summary(survfit(fit, newdata = data.frame(x =, g =, s = <stratum>), conf.type = <ct>),
#           times = <times within that stratum's follow-up>)
#     -> surv, cumhaz, std.err (of S), lower, upper
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

set.seed(20261206)
n <- 240
s <- sample(c("north", "south", "west"), n, replace = TRUE, prob = c(0.45, 0.4, 0.15))
x <- round(rnorm(n), 1)
g <- sample(c("a", "b"), n, replace = TRUE)
base <- c(north = 0.03, south = 0.06, west = 0.015)[s]
t_event <- rexp(n, base * exp(0.5 * x + 0.7 * (g == "b")))
t_cens <- runif(n, 6, 60)
time <- pmax(1, round(pmin(t_event, t_cens)))
status <- as.integer(t_event <= t_cens)
entry <- ifelse(runif(n) < 1 / 3, floor(runif(n, 0, 1) * time * 0.6), 0)
d <- data.frame(id = sprintf("p%03d", seq_len(n)), time = time, status = status, x = x,
                g = g, s = s, entry = entry, stringsAsFactors = FALSE)
d$g <- factor(d$g, levels = c("a", "b"))

num <- function(v) unname(as.numeric(v))
out <- list(cohort = list(id = d$id, time = num(d$time), status = as.integer(d$status),
                          x = num(d$x), g = as.character(d$g), s = d$s,
                          entry = num(d$entry)),
            cases = list())
profiles <- list(list(x = 0.5, g = "b"), list(x = -1, g = "a"))
times <- c(6, 12, 24, 36)
for (delayed in c(FALSE, TRUE)) {
  for (ties in c("efron", "breslow")) {
    formula <- if (delayed) Surv(entry, time, status) ~ x + g + strata(s) else
      Surv(time, status) ~ x + g + strata(s)
    fit <- coxph(formula, data = d, ties = ties)
    for (p in seq_along(profiles)) {
      for (stratum in c("north", "south", "west")) {
        last <- max(d$time[d$s == stratum])
        for (ct in c("log", "log-log")) {
          newdata <- data.frame(x = profiles[[p]]$x,
                                g = factor(profiles[[p]]$g, levels = c("a", "b")),
                                s = stratum)
          ss <- summary(survfit(fit, newdata = newdata, conf.type = ct),
                        times = times[times <= last])
          key <- paste(if (delayed) "entry" else "plain", ties, p, stratum, ct, sep = ".")
          out$cases[[key]] <- list(
            call = sprintf(paste0("summary(survfit(coxph(%s ~ x + g + strata(s), ties = '%s'), ",
                                  "newdata = data.frame(x = %g, g = '%s', s = '%s'), ",
                                  "conf.type = '%s'), times = ...)"),
                           if (delayed) "Surv(entry, time, status)" else "Surv(time, status)",
                           ties, profiles[[p]]$x, profiles[[p]]$g, stratum, ct),
            entry = delayed, ties = ties, profile = profiles[[p]], stratum = stratum,
            conf_type = ct, coef = num(coef(fit)), time = num(ss$time), surv = num(ss$surv),
            cumhaz = num(ss$cumhaz), std_err = num(ss$std.err), lower = num(ss$lower),
            upper = num(ss$upper))
        }
      }
    }
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/core/golden/cox_strata_predict_r_golden.json")
