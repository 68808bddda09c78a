# Golden values for tests/core/survival/km/test_pairwise_entry_vs_r.py: pairwise log-rank
# tests with delayed entry (left truncation), each pair the score test of the Breslow Cox
# model on that pair's rows, as core.survival.km.pairwise.pairwise_logrank(..., entry=).
#
# Run from the repository root:  Rscript tests/core/golden/make_pairwise_entry_golden.R
# Writes tests/core/golden/pairwise_entry_r_golden.json (committed). R 4.2, survival 3.5.3.
#
#   for each pair (a, b) of levels, in R's pairwise.table order (column by column):
#     d <- cohort[cohort$group %in% c(a, b), ]
#     summary(coxph(Surv(entry, time, event) ~ group, data = d, ties = "breslow"))$sctest
#   p.adjust(p, "holm") and p.adjust(p, "BH") over the pairs
# Cohorts: the seed cohort's OS by ELN 2022 risk with entry at maintenance start
# (os_months - rfs_months), and a seeded cohort of 4 groups with tied whole-month times and
# entries (entries after some events), generated here and written into the JSON.
suppressMessages({library(survival); library(jsonlite)})

seed <- read.csv("data/seed_cohort.csv", stringsAsFactors = FALSE)
pairs_of <- function(d, levels) {
  out <- list()
  for (j in seq_len(length(levels) - 1)) for (i in (j + 1):length(levels)) {
    p <- d[d$group %in% levels[c(j, i)], ]
    p$group <- factor(p$group, levels = levels[c(j, i)])
    sc <- summary(coxph(Surv(entry, time, event) ~ group, data = p, ties = "breslow"))$sctest
    out[[length(out) + 1]] <- list(group1 = levels[i], group2 = levels[j],
                                   statistic = unname(sc["test"]), p_value = unname(sc["pvalue"]))
  }
  p <- sapply(out, function(r) r$p_value)
  list(pairs = out, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH"))
}

study <- data.frame(entry = seed$os_months - seed$rfs_months, time = seed$os_months,
                    event = seed$os_event, group = seed$eln2022_risk)
set.seed(21)
n <- 120
group <- sample(c("a", "b", "c", "d"), n, TRUE)
time <- sample(2:36, n, replace = TRUE) %/% c(a = 1, b = 1, c = 2, d = 3)[group] + 2
entry <- pmin(sample(0:6, n, replace = TRUE), time - 1)
made <- data.frame(id = seq_len(n), entry = entry, time = time,
                   event = rbinom(n, 1, 0.7), group = group)
golden <- list(
  study = c(list(levels = c("favorable", "intermediate", "adverse")),
            pairs_of(study, c("favorable", "intermediate", "adverse"))),
  made = c(list(cohort = made, levels = c("a", "b", "c", "d")),
           pairs_of(made, c("a", "b", "c", "d"))))
write_json(golden, "tests/core/golden/pairwise_entry_r_golden.json", digits = NA,
           auto_unbox = TRUE, pretty = TRUE)
