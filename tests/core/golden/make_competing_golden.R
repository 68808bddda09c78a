# Golden values for tests/core/survival/competing/test_competing.py, from R's cmprsk (2.2.11).
#
# Run from the repository root:  Rscript tests/core/golden/make_competing_golden.R
# Writes tests/core/golden/competing_r_golden.json (committed; CI does not need R).
#
# Each case holds its data rows (time, status 0/1/2/3, group, x numeric, k categorical) and:
#   cuminc(time, status, group)                      -> $Tests per cause, and
#   timepoints(fit, times)                           -> est and var per group and cause;
#   the log(-log) interval est^exp(-/+ z sqrt(var) / (est log est)) computed here from est/var;
#   n_risk = number in the group with time >= t;
#   crr(time, status, model.matrix(~ covariates)[, -1], failcode = cause)
#                                                    -> coef, se = sqrt(diag(var)), Wald p =
#   2 * pnorm(-|coef / se|) (not the rounded summary), converged, loglik.
suppressMessages({library(cmprsk); library(jsonlite)})

set.seed(20261125)

make <- function(n, groups, rates, cens_rate, ties = FALSE) {
  g <- sample(groups, n, replace = TRUE)
  r <- rates[match(g, groups), , drop = FALSE]
  t1 <- rexp(n, r[, 1]); t2 <- rexp(n, r[, 2]); c <- rexp(n, cens_rate)
  time <- pmin(t1, t2, c)
  status <- ifelse(c <= pmin(t1, t2), 0, ifelse(t1 < t2, 1, 2))
  if (ties) time <- ceiling(time)
  data.frame(time = time, status = status, group = g,
             x = round(rnorm(n, 50, 10), 1),
             k = sample(c("a", "b", "c"), n, replace = TRUE), stringsAsFactors = FALSE)
}

cases <- list()
# 1. heavy ties: integer months, two groups
cases$ties <- list(data = make(40, c("A", "B"), rbind(c(0.15, 0.08), c(0.3, 0.05)), 0.05,
                               ties = TRUE), times = c(0, 0.5, 1, 2, 3.5, 6, 12, 40))
# 2. a group with no event of cause 1 (group B: censoring and deaths only)
d <- make(30, c("A", "B"), rbind(c(0.2, 0.05), c(0.2, 0.05)), 0.05)
d$status[d$group == "B" & d$status == 1] <- 2
cases$no_events_group <- list(data = d, times = c(1, 2.5, 5, 10, 20))
# 3. three groups with ties, numeric group codes (labels "1", "2", "3" as R's factor)
d <- make(60, c(1, 2, 3), rbind(c(0.1, 0.05), c(0.2, 0.05), c(0.35, 0.1)), 0.04, ties = TRUE)
cases$three_groups <- list(data = d, times = c(1, 3, 6, 12, 24))
# 4. random ~80 patients, three causes
d <- make(80, c("x", "y"), rbind(c(0.08, 0.04), c(0.12, 0.03)), 0.03)
d$status[d$status == 2 & d$x > 55] <- 3
cases$random80 <- list(data = d, times = c(2, 5, 10, 15, 30, 60))
# 5. the 19-patient seed cohort: relapse = 1; patient 17's death without relapse placed at
#    the end of RFS follow-up (the sensitivity rule) = 2; by MRD before maintenance
seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)
seed_status <- function(rule) ifelse(seed$rfs_event == 1, 1,
                                     ifelse(seed$os_event == 1 & rule == "end_of_rfs", 2, 0))
cases$seed_end_of_rfs <- list(
  data = data.frame(time = seed$rfs_months, status = seed_status("end_of_rfs"),
                    group = seed$mrd_pre_status, x = seed$age, k = seed$eln2022_risk,
                    stringsAsFactors = FALSE),
  times = c(6, 12, 24, 36, 60), levels_k = c("favorable", "intermediate", "adverse"))
cases$seed_censor <- list(
  data = data.frame(time = seed$rfs_months, status = seed_status("censor"),
                    group = seed$mrd_pre_status, x = seed$age, k = seed$eln2022_risk,
                    stringsAsFactors = FALSE),
  times = c(6, 12, 24, 36, 60), levels_k = c("favorable", "intermediate", "adverse"))
# 6. 90% intervals
cases$conf90 <- c(cases$random80[c("data", "times")], list(conf_level = 0.9))

curves <- function(d, times, conf_level) {
  fit <- cuminc(d$time, d$status, d$group)
  tp <- timepoints(fit, times)
  z <- qnorm(0.5 + conf_level / 2)
  rows <- list()
  for (name in rownames(tp$est)) {
    parts <- strsplit(name, " ")[[1]]
    grp <- parts[1]; cause <- as.integer(parts[2])
    est <- tp$est[name, ]; v <- tp$var[name, ]; se <- sqrt(v)
    ok <- !is.na(est) & est > 0 & est < 1
    shift <- ifelse(ok, z * se / (est * log(est)), NA)
    rows[[length(rows) + 1]] <- data.frame(
      group = grp, cause = cause, time = as.numeric(colnames(tp$est)), cif = est, se = se,
      ci_lower = ifelse(ok, est^exp(-shift), NA), ci_upper = ifelse(ok, est^exp(shift), NA),
      n_risk = sapply(as.numeric(colnames(tp$est)),
                      function(t) sum(d$time[as.character(d$group) == grp] >= t)))
  }
  tests <- NULL
  if (!is.null(fit$Tests)) tests <- data.frame(cause = as.integer(rownames(fit$Tests)),
                                               statistic = fit$Tests[, "stat"],
                                               p_value = fit$Tests[, "pv"],
                                               dof = fit$Tests[, "df"])
  list(at = do.call(rbind, rows), tests = tests)
}

overall <- function(d, times, conf_level) {
  d$group <- "All"
  curves(d, times, conf_level)$at
}

crr_fit <- function(d, covariates, cause, levels_k = NULL) {
  d$group <- factor(as.character(d$group), levels = sort(unique(as.character(d$group))))
  d$k <- factor(d$k, levels = if (is.null(levels_k)) sort(unique(d$k)) else levels_k)
  mm <- model.matrix(as.formula(paste("~", paste(covariates, collapse = "+"))), d)[, -1,
                                                                                 drop = FALSE]
  colnames(mm) <- sub("^group(.*)$", "group[\\1]", sub("^k(.*)$", "k[\\1]", colnames(mm)))
  fit <- suppressWarnings(crr(d$time, d$status, mm, failcode = cause))
  se <- sqrt(diag(fit$var))
  list(covariates = I(covariates), cause = cause, terms = I(colnames(mm)),
       coef = I(unname(fit$coef)), se = I(unname(se)),
       p_value = I(unname(2 * pnorm(-abs(fit$coef / se)))), converged = fit$converged,
       loglik = fit$loglik, loglik_null = fit$loglik.null,
       call = paste0("crr(time, status, model.matrix(~ ", paste(covariates, collapse = " + "),
                     ")[, -1], failcode = ", cause, ")"))
}

out <- list()
for (name in names(cases)) {
  cs <- cases[[name]]
  d <- cs$data
  conf_level <- if (is.null(cs$conf_level)) 0.95 else cs$conf_level
  cv <- curves(d, cs$times, conf_level)
  fits <- list(crr_fit(d, "group", 1, cs$levels_k), crr_fit(d, c("x", "k"), 1, cs$levels_k),
               crr_fit(d, c("group", "x", "k"), 1, cs$levels_k))
  if (any(d$status == 2)) fits[[length(fits) + 1]] <- crr_fit(d, c("group", "x"), 2,
                                                              cs$levels_k)
  out[[name]] <- list(
    data = d, times = I(cs$times), conf_level = conf_level, levels_k = cs$levels_k,
    call = "cuminc(time, status, group); timepoints(fit, times)",
    at = cv$at, tests = cv$tests, overall = overall(d, cs$times, conf_level), crr = fits)
}
write_json(out, "tests/core/golden/competing_r_golden.json", digits = NA, auto_unbox = TRUE,
           pretty = FALSE, na = "null")
cat("wrote tests/core/golden/competing_r_golden.json\n")
