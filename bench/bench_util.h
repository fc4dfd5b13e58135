/* SPDX-License-Identifier: MIT */
/*
 * bench_util.h - what every benchmark needs: a monotonic clock, median and
 * best of repeated samples, and a fatal-error exit. Header-only: each
 * benchmark is one executable.
 */
#ifndef SVMCL_BENCH_UTIL_H
#define SVMCL_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct result {
	double median;
	double best;
};

/* Sorts @v in place. */
static inline struct result summarize(double *v, int n)
{
	struct result r;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	r.median = v[n / 2];
	r.best = v[0];
	return r;
}

/* For rates (higher is better): the median and the highest. */
static inline struct result summarize_rate(double *v, int n)
{
	struct result r = summarize(v, n);

	r.best = v[n - 1];
	return r;
}

static inline void die(const char *what)
{
	perror(what);
	exit(1);
}

#endif /* SVMCL_BENCH_UTIL_H */
