# Golden values for tests/core/cohort/test_compare_groups_vs_r.py: the baseline tests of
# core.cohort.baseline.compare_groups and core.cohort.fisher.fisher_test, on seeded cohorts and
# tables this script generates itself (written into the JSON too).
#
# Run from the repository root:  Rscript tests/core/golden/make_compare_groups_golden.R
# Writes tests/core/golden/compare_groups_r_golden.json (committed; CI does not need R). R 4.2.
#
#   fisher.test(table(x, group))        categorical column, any r x c (R's defaults: the
#                                       network algorithm FEXACT, 2 x 2 by the hypergeometric)
#   wilcox.test(x ~ group)              numeric column, two groups (R's defaults: exact when
#                                       both groups < 50 and no ties, else normal approximation
#                                       with continuity correction)
#   kruskal.test(x ~ group)             numeric column, three or more groups
# Rows with a missing value or group are left out (R's complete cases).
suppressMessages(library(jsonlite))
set.seed(20261207)

make_cohort <- function(n, groups, na = 0) {
  g <- sample(groups, n, replace = TRUE)
  shift <- match(g, groups)
  d <- data.frame(
    id = sprintf("%05d", seq_len(n)),
    group = g,
    age = round(rnorm(n, 55 + 2 * shift, 10)),              # ties (whole years)
    marker = round(rexp(n, 1 / (3 + shift)), 4),            # continuous, no ties
    sex = sample(c("F", "M"), n, replace = TRUE),
    risk = sample(c("favorable", "intermediate", "adverse"), n, replace = TRUE,
                  prob = c(0.3, 0.4, 0.3)),
    fab = sample(c("M1", "M2", "M4", "M5", "M6"), n, replace = TRUE),
    stringsAsFactors = FALSE)
  if (na) {
    d$age[sample(n, na)] <- NA
    d$risk[sample(n, na)] <- NA
    d$group[sample(n, na)] <- NA
  }
  d
}

cohorts <- list(
  two_small = make_cohort(19, c("negative", "positive")),
  two_ties_missing = make_cohort(44, c("induction", "consolidation"), na = 4),
  two_large = make_cohort(130, c("A", "B")),               # a group with >= 50: normal approx
  three_groups = make_cohort(45, c("favorable", "intermediate", "adverse"), na = 3),
  four_numeric_groups = make_cohort(60, c(1, 2, 10, 20))
)

tests_of <- function(d) {
  d <- d[!is.na(d$group), ]
  out <- list()
  for (column in c("age", "marker", "sex", "risk", "fab")) {
    keep <- !is.na(d[[column]])
    x <- d[[column]][keep]; g <- d$group[keep]
    k <- length(unique(g))
    if (column %in% c("age", "marker")) {
      if (k == 2) {
        r <- suppressWarnings(wilcox.test(x ~ g))  # warns "cannot compute exact p with ties"
        out[[column]] <- list(test = "wilcox.test(x ~ group)", p_value = r$p.value,
                              method = r$method)
      } else {
        r <- kruskal.test(x ~ g)
        out[[column]] <- list(test = "kruskal.test(x ~ group)", p_value = r$p.value,
                              method = r$method)
      }
    } else {
      r <- fisher.test(table(x, g))
      out[[column]] <- list(test = "fisher.test(table(x, group))", p_value = r$p.value,
                            method = r$method, n = length(x))
    }
  }
  out
}

cases <- lapply(cohorts, function(d) list(data = d, tests = tests_of(d)))

# Fisher's exact test alone on tables R's default workspace handles: 2 x 2 with a zero cell
# and equal-probability ties, 2 x c, r x 2, 3 x 3, 3 x 4 and 4 x 3, a table with an empty row.
tables <- list(
  matrix(c(3, 1, 1, 3), 2), matrix(c(0, 5, 6, 2), 2), matrix(c(10, 10, 10, 10), 2),
  matrix(c(2, 3, 0, 4, 1, 5, 3, 0), 2), matrix(c(7, 1, 3, 2, 0, 6, 1, 4), 4),
  matrix(c(1, 2, 3, 3, 2, 1, 0, 4, 2), 3), matrix(c(4, 0, 2, 1, 3, 3, 0, 5, 2, 2, 1, 0), 3),
  matrix(c(3, 1, 0, 2, 2, 4, 1, 1, 0, 3, 2, 5), 4), matrix(c(5, 0, 3, 0, 0, 0, 2, 4, 1), 3)
)
for (i in 1:6) {  # random 3 x 3 to 4 x 4 tables of 20-40 patients
  r <- sample(3:4, 1); cc <- sample(3:4, 1)
  tables[[length(tables) + 1]] <- matrix(rmultinom(1, sample(20:40, 1), runif(r * cc)), r, cc)
}
fisher <- lapply(tables, function(m) list(table = m, p_value = fisher.test(m)$p.value))

out <- list(r_version = R.version.string, cases = cases, fisher = fisher)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "columns", matrix = "rowmajor"),
           "tests/core/golden/compare_groups_r_golden.json")
