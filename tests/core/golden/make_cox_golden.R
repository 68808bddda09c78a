# Golden values for tests/core/test_cox.py.
#
# Run from the repository root:
#   Rscript tests/core/golden/make_cox_golden.R
# writes tests/core/golden/cox_r_golden.json. Produced with R 4.2.2 and survival 3.5.3
# (Debian packages r-base-core, r-cran-survival, r-cran-jsonlite).
#
# Contents, for the 19-patient seed cohort (data/seed_cohort.csv):
#   cox.<endpoint>.<model>.<ties>  coxph(Surv(time, event) ~ ..., ties = ties): coef, se,
#                                  hr, Wald 95% CI, Wald p, loglik, LR test, concordance
#   zph.<endpoint>.<model>.<ties>  cox.zph(fit, transform = "km"): table (chisq, df, p per
#                                  term and GLOBAL), time, x (transformed time), y (scaled
#                                  Schoenfeld residuals, one column per term)
#   surv.<model>.<ties>.<profile>.<conf.type>
#                                  summary(survfit(fit, newdata = profile, conf.type =),
#                                  times = c(6, 12, 24)): surv, std.err (of S), lower, upper,
#                                  cumhaz

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

d <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)
d$mrd_pos <- as.integer(d$mrd_pre_status == "positive")
d$adverse <- as.integer(d$eln2022_risk == "adverse")
d$consolidation <- as.integer(d$sorafenib_timing == "consolidation")
d$eln2022_risk <- factor(d$eln2022_risk, levels = c("favorable", "intermediate", "adverse"))

models <- list(
  mrd_pos = "mrd_pos",
  adverse = "adverse",
  age = "age",
  consolidation = "consolidation",
  mrd_pos_adverse = "mrd_pos + adverse",
  age_mrd_pos_adverse = "age + mrd_pos + adverse",
  eln = "eln2022_risk"
)
endpoints <- list(rfs = c("rfs_months", "rfs_event"), os = c("os_months", "os_event"))

num <- function(x) {
  # JSON has no Inf: write it as the string "Inf" (and -Inf as "-Inf")
  lapply(as.numeric(x), function(v) if (is.infinite(v)) (if (v > 0) "Inf" else "-Inf") else v)
}

out <- list(
  source = paste0(R.version.string, "; survival ", packageVersion("survival"),
                  "; script tests/core/golden/make_cox_golden.R")
)

fits <- list()
for (ep in names(endpoints)) {
  tv <- endpoints[[ep]]
  for (m in names(models)) {
    for (ties in c("efron", "breslow")) {
      f <- as.formula(sprintf("Surv(%s, %s) ~ %s", tv[1], tv[2], models[[m]]))
      warn <- character(0)
      fit <- withCallingHandlers(
        coxph(f, data = d, ties = ties),
        warning = function(w) {
          warn <<- c(warn, conditionMessage(w))
          invokeRestart("muffleWarning")
        }
      )
      fit$call$formula <- f
      s <- summary(fit)
      co <- s$coefficients
      ci <- s$conf.int
      key <- paste("cox", ep, m, ties, sep = ".")
      out[[key]] <- list(
        call = sprintf("coxph(%s, data = d, ties = '%s')", deparse(f), ties),
        term = rownames(co),
        coef = num(co[, "coef"]),
        se = num(co[, "se(coef)"]),
        hr = num(co[, "exp(coef)"]),
        hr_lower = num(ci[, "lower .95"]),
        hr_upper = num(ci[, "upper .95"]),
        p_value = num(co[, "Pr(>|z|)"]),
        loglik = num(fit$loglik),
        lr_statistic = unname(s$logtest["test"]),
        lr_df = unname(s$logtest["df"]),
        lr_p_value = unname(s$logtest["pvalue"]),
        concordance = unname(fit$concordance["concordance"]),
        n = fit$n,
        events = fit$nevent,
        warnings = warn
      )
      fits[[paste(ep, m, ties, sep = ".")]] <- fit
      if (length(warn) == 0) {
        z <- cox.zph(fit, transform = "km")
        out[[paste("zph", ep, m, ties, sep = ".")]] <- list(
          call = sprintf("cox.zph(coxph(%s, data = d, ties = '%s'), transform = 'km')",
                         deparse(f), ties),
          term = rownames(z$table),
          chisq = num(z$table[, "chisq"]),
          df = num(z$table[, "df"]),
          p = num(z$table[, "p"]),
          time = num(z$time),
          x = num(z$x),
          y = lapply(seq_len(ncol(z$y)), function(j) num(z$y[, j])),
          y_terms = colnames(z$y)
        )
      }
    }
  }
}

profiles <- list(
  mrd_pos_only = data.frame(mrd_pos = 1L, adverse = 0L),
  adverse_only = data.frame(mrd_pos = 0L, adverse = 1L),
  neither = data.frame(mrd_pos = 0L, adverse = 0L)
)
times <- c(6, 12, 24)
for (ties in c("efron", "breslow")) {
  fit <- fits[[paste("rfs", "mrd_pos_adverse", ties, sep = ".")]]
  for (p in names(profiles)) {
    for (ct in c("log", "log-log")) {
      sf <- survfit(fit, newdata = profiles[[p]], conf.type = ct)
      ss <- summary(sf, times = times)
      out[[paste("surv", "rfs.mrd_pos_adverse", ties, p, ct, sep = ".")]] <- list(
        call = sprintf(paste0("summary(survfit(coxph(Surv(rfs_months, rfs_event) ~ mrd_pos + ",
                              "adverse, data = d, ties = '%s'), newdata = %s, conf.type = '%s'),",
                              " times = c(6, 12, 24))"),
                       ties, paste0("data.frame(", paste(names(profiles[[p]]), unlist(profiles[[p]]),
                                               sep = " = ", collapse = ", "), ")"), ct),
        profile = as.list(profiles[[p]]),
        time = num(ss$time),
        surv = num(ss$surv),
        std_err = num(ss$std.err),
        lower = num(ss$lower),
        upper = num(ss$upper),
        cumhaz = num(ss$cumhaz)
      )
    }
  }
}

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/core/golden/cox_r_golden.json")
