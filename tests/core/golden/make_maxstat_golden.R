# Golden values for tests/core/survival/cutpoint/test_cutpoint.py, from R's maxstat package.
#
# Run from the repository root:  Rscript tests/core/golden/make_maxstat_golden.R
# Writes tests/core/golden/maxstat_r_golden.json (committed; CI does not need R).
#
# Every case is
#   maxstat.test(Surv(time, event) ~ marker, data = d, smethod = "LogRank",
#                pmethod = "Lau92", minprop = minprop, maxprop = maxprop)
# recording estimate (the cut-point: groups marker <= estimate and marker > estimate),
# statistic (the maximal standardized log-rank statistic), p.value (Lausen & Schumacher 1992),
# and the whole curve: cuts (x[m]) and stats (the standardized statistic at each cut).
# The exactGauss p-value is pexactgauss(statistic, marker, minprop, maxprop) (mvtnorm's
# pmvnorm, randomized Genz-Bretz); it is computed twice: with maxstat's defaults
# (abseps = 0.001, as maxstat.test(..., pmethod = "exactGauss") reports it) and with
# abseps = 1e-6 under a fixed seed, the value the Python recursion is compared with.
# The cohorts are made here with fixed seeds and written into the JSON next to the results.
suppressMessages({library(survival); library(maxstat); library(mvtnorm); library(jsonlite)})

seed_cohort <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)

case <- function(d, minprop = 0.1, maxprop = 0.9, note = "") {
  d <- d[, c("time", "event", "marker")]
  mt <- maxstat.test(Surv(time, event) ~ marker, data = d, smethod = "LogRank",
                     pmethod = "Lau92", minprop = minprop, maxprop = maxprop)
  out <- list(
    call = sprintf(paste0("maxstat.test(Surv(time, event) ~ marker, data, smethod = 'LogRank', ",
                          "pmethod = 'Lau92', minprop = %s, maxprop = %s)"), minprop, maxprop),
    note = note, minprop = minprop, maxprop = maxprop, data = d,
    estimate = unname(mt$estimate), statistic = unname(mt$statistic),
    p_value = unname(mt$p.value), cuts = mt$cuts, stats = mt$stats)
  if (!(minprop == 0 && maxprop == 1)) {
    set.seed(1)
    out$p_exact_gauss_default <- suppressWarnings(maxstat.test(
      Surv(time, event) ~ marker, data = d, smethod = "LogRank", pmethod = "exactGauss",
      minprop = minprop, maxprop = maxprop)$p.value)
    set.seed(1)
    p <- suppressWarnings(maxstat:::pexactgauss(
      unname(mt$statistic), d$marker, minprop, maxprop,
      algorithm = GenzBretz(maxpts = 2e6, abseps = 1e-6, releps = 0)))
    out$p_exact_gauss <- as.numeric(p)
    out$p_exact_gauss_error <- attr(p, "error")
  }
  out
}

simulate <- function(n, seed, marker, time_round, cut, effect = 0.8) {
  set.seed(seed)
  x <- marker(n)
  rate <- 0.04 * exp(effect * (x > quantile(x, cut)))
  t_event <- rexp(n, rate)
  t_cens <- runif(n, 6, 90)
  time <- pmin(t_event, t_cens)
  time <- round(time / time_round) * time_round
  time[time == 0] <- time_round
  data.frame(time = time, event = as.integer(t_event <= t_cens), marker = x)
}

wbc <- function(n) round(exp(rnorm(n, log(20), 1.2)), 1)          # x10^9/L, ties from rounding
age <- function(n) sample(18:80, n, replace = TRUE)                # years, many ties
blasts <- function(n) round(runif(n, 20, 95), 1)
cont <- function(n) rnorm(n, 50, 15)                               # all distinct
few <- function(n) sample(1:5, n, replace = TRUE)                  # 5 levels, heavy ties

cases <- list(
  wbc_100 = case(simulate(100, 101, wbc, 0.1, 0.6), note = "continuous WBC, time to 0.1 month"),
  age_100 = case(simulate(100, 102, age, 1, 0.5), note = "integer age, integer months"),
  age_100_20_80 = case(simulate(100, 102, age, 1, 0.5), 0.2, 0.8,
                       note = "integer age, minprop 0.2, maxprop 0.8"),
  blasts_120_05_95 = case(simulate(120, 103, blasts, 0.5, 0.3), 0.05, 0.95,
                          note = "blasts, wide range (pLausen92 above 1 is possible)"),
  cont_80_distinct = case(simulate(80, 104, cont, 1e-9, 0.5, 1.0),
                          note = "all markers and times distinct"),
  few_60_levels = case(simulate(60, 105, few, 1, 0.4), 0.15, 0.85,
                       note = "5 marker levels, heavy ties"),
  null_100 = case(simulate(100, 106, cont, 1, 0.5, 0), note = "no effect (p near 1)"),
  wbc_100_full = case(simulate(100, 101, wbc, 0.1, 0.6), 0, 1,
                      note = "minprop 0 and maxprop 1: maxstat's special cut set"),
  wbc_250 = case(simulate(250, 107, wbc, 1, 0.7), 0.1, 0.9, note = "250 patients")
)

for (endpoint in c("os", "rfs")) {
  for (marker in c("age", "wbc", "blasts_pct")) {
    d <- data.frame(time = seed_cohort[[paste0(endpoint, "_months")]],
                    event = seed_cohort[[paste0(endpoint, "_event")]],
                    marker = seed_cohort[[marker]])
    cases[[paste("seed", endpoint, marker, sep = ".")]] <- case(
      d, note = paste("seed cohort,", marker, "on", toupper(endpoint)))
  }
}

out <- list(generator = "tests/core/golden/make_maxstat_golden.R",
            r_version = R.version.string,
            maxstat_version = as.character(packageVersion("maxstat")),
            mvtnorm_version = as.character(packageVersion("mvtnorm")),
            survival_version = as.character(packageVersion("survival")),
            results = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/core/golden/maxstat_r_golden.json")
