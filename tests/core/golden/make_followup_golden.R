# Golden values for tests/core/survival/km/test_followup.py: median follow-up by the reverse
# Kaplan-Meier method, from R's survival package.
#
# Run from the repository root:  Rscript tests/core/golden/make_followup_golden.R
# Writes tests/core/golden/followup_r_golden.json (committed; CI does not need R).
#
# Every fit is  survfit(Surv(time, 1 - event) ~ 1, conf.type = "log-log")  (the event
# indicator swapped: end of follow-up is the "event", death/relapse censors); the median and
# its 95% interval from summary(fit)$table (print.survfit rules).
suppressMessages({library(survival); library(jsonlite)})

seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)

reverse_median <- function(time, event) {
  fit <- survfit(Surv(time, 1 - event) ~ 1, conf.type = "log-log")
  tab <- summary(fit)$table
  list(n = unname(tab["records"]), median = unname(tab["median"]),
       lower = unname(tab["0.95LCL"]), upper = unname(tab["0.95UCL"]))
}

# A synthetic cohort with ties between events and censorings at the same time, a death
# before any censoring and a run of late censorings (seeded).
set.seed(20261125)
n <- 60
synthetic <- data.frame(time = round(rexp(n, 1 / 30)), event = rbinom(n, 1, 0.45))
synthetic$time[1:6] <- c(5, 5, 5, 12, 12, 12)
synthetic$event[1:6] <- c(1, 0, 0, 1, 1, 0)

out <- list(
  seed_os = reverse_median(seed$os_months, seed$os_event),
  seed_rfs = reverse_median(seed$rfs_months, seed$rfs_event),
  synthetic = c(reverse_median(synthetic$time, synthetic$event),
                list(time = synthetic$time, event = synthetic$event)),
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival"))
)
write_json(out, "tests/core/golden/followup_r_golden.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
