/* SPDX-License-Identifier: MIT */
/*
 * coalesce.c - fault batches to hmm_range_fault() windows.
 *
 * DOC: Overview
 *
 * See coalesce.h. The sort puts the strongest access of a page first so
 * that deduplication keeps the first record of each page and drops the
 * rest in one pass (nouveau sorts by access too; we sort strongest first,
 * which is what its comments always intended). Fault buffers are drained
 * in arrival order, which is usually address order for streaming kernels:
 * a linear check skips the sort for input that is already sorted.
 *
 * DOC: Locking
 *
 * None.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hmm/coalesce.h"

/* Highest user address + 1 on any 5-level paging configuration. */
#define COALESCE_USER_VA_END (1ul << 57)

/* Below this many records insertion sort beats heapsort. */
#define COALESCE_INSERTION_MAX 24

#define COALESCE_PAGE_MASK (~(uint64_t)(HMM_PAGE_SIZE - 1))

uint64_t hmm_fault_request(enum hmm_fault_access access)
{
	switch (access) {
	case HMM_FAULT_READ:
		return HMM_PFN_REQ_FAULT;
	case HMM_FAULT_WRITE:
	case HMM_FAULT_ATOMIC:
		return HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	case HMM_FAULT_PREFETCH:
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------------- */
/* In-place sort by (page ascending, access descending) */

static bool rec_before(const struct hmm_fault_record *a,
		       const struct hmm_fault_record *b)
{
	uint64_t pa = a->addr & COALESCE_PAGE_MASK;
	uint64_t pb = b->addr & COALESCE_PAGE_MASK;

	if (pa != pb)
		return pa < pb;
	return a->access > b->access;
}

static void rec_swap(struct hmm_fault_record *a, struct hmm_fault_record *b)
{
	struct hmm_fault_record t = *a;

	*a = *b;
	*b = t;
}

static bool recs_sorted(const struct hmm_fault_record *r, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (rec_before(&r[i], &r[i - 1]))
			return false;
	return true;
}

static void recs_insertion_sort(struct hmm_fault_record *r, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct hmm_fault_record t = r[i];

		for (j = i; j > 0 && rec_before(&t, &r[j - 1]); j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

static void recs_sift_down(struct hmm_fault_record *r, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && rec_before(&r[child], &r[child + 1]))
			child++;
		if (!rec_before(&r[root], &r[child]))
			return;
		rec_swap(&r[root], &r[child]);
		root = child;
	}
}

static void recs_heapsort(struct hmm_fault_record *r, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		recs_sift_down(r, i, n);
	for (i = n; i-- > 1;) {
		rec_swap(&r[0], &r[i]);
		recs_sift_down(r, 0, i);
	}
}

static void recs_sort(struct hmm_fault_record *r, size_t n)
{
	if (recs_sorted(r, n))
		return;
	if (n <= COALESCE_INSERTION_MAX)
		recs_insertion_sort(r, n);
	else
		recs_heapsort(r, n);
}

/* Keeps the first (strongest) record of each page; returns how many. */
static size_t recs_dedup(struct hmm_fault_record *r, size_t n)
{
	size_t i, u = 0;

	for (i = 0; i < n; i++) {
		uint64_t page = r[i].addr & COALESCE_PAGE_MASK;

		if (u && r[u - 1].addr == page)
			continue;
		r[u].addr = page;
		r[u].access = r[i].access;
		r[u].pad = 0;
		u++;
	}
	return u;
}

/* ---------------------------------------------------------------------- */

int hmm_coalesce_init(struct hmm_coalesce *c, struct hmm_fault_record *recs,
		      size_t n, unsigned long window, unsigned long lo,
		      unsigned long hi)
{
	size_t i;

	if (!c || (!recs && n))
		return -EINVAL;
	if (window < HMM_COALESCE_WINDOW_MIN ||
	    window > HMM_COALESCE_WINDOW_MAX || (window & (window - 1)))
		return -EINVAL;
	if (!hi)
		hi = COALESCE_USER_VA_END;
	if (((lo | hi) & (HMM_PAGE_SIZE - 1)) || lo >= hi ||
	    hi > COALESCE_USER_VA_END)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (recs[i].access > HMM_FAULT_ATOMIC)
			return -EINVAL;

	memset(c, 0, sizeof(*c));
	c->recs = recs;
	c->window = window;
	c->lo = lo;
	c->hi = hi;
	c->stats.records_in = n;
	if (!n)
		return 0;

	recs_sort(recs, n);
	c->nr_unique = recs_dedup(recs, n);
	/* Sorted: the rejected pages sit at both ends. */
	while (c->pos < c->nr_unique && recs[c->pos].addr < lo)
		c->pos++;
	c->end = c->nr_unique;
	while (c->end > c->pos && recs[c->end - 1].addr >= hi)
		c->end--;
	c->stats.unique_pages = c->nr_unique;
	c->stats.rejected = c->nr_unique - (c->end - c->pos);
	return 0;
}

static void window_fill(const struct hmm_coalesce *c,
			struct hmm_fault_window *win)
{
	size_t k;

	/* Sticky in-out flags stay: the buffer may be a DMA map's pfn_list. */
	for (k = 0; k < win->npages; k++)
		win->hmm_pfns[k] &= HMM_PFN_INOUT_FLAGS;
	win->strongest = HMM_FAULT_PREFETCH;
	for (k = win->first; k < win->first + win->nr_faults; k++) {
		const struct hmm_fault_record *r = &c->recs[k];

		win->hmm_pfns[(r->addr - win->start) >> HMM_PAGE_SHIFT] |=
			hmm_fault_request((enum hmm_fault_access)r->access);
		if (r->access > win->strongest)
			win->strongest = (enum hmm_fault_access)r->access;
	}
}

int hmm_coalesce_peek(const struct hmm_coalesce *c, unsigned long *start,
		      unsigned long *end)
{
	unsigned long s, e;

	if (!c || !start || !end)
		return -EINVAL;
	if (c->pos >= c->end)
		return 0;
	s = c->recs[c->pos].addr & ~(uint64_t)(c->window - 1);
	e = s + c->window;	/* no overflow: addr < hi <= 2^57 */
	*start = s < c->lo ? c->lo : s;
	*end = e > c->hi ? c->hi : e;
	return 1;
}

int hmm_coalesce_next(struct hmm_coalesce *c, struct hmm_fault_window *win,
		      uint64_t *pfns, size_t max_pfns)
{
	unsigned long start, end;
	size_t k;
	int ret;

	if (!c || !win || !pfns)
		return -EINVAL;
	ret = hmm_coalesce_peek(c, &start, &end);
	if (ret <= 0)
		return ret;
	if (max_pfns < (end - start) >> HMM_PAGE_SHIFT)
		return -ENOSPC;

	for (k = c->pos; k < c->end && c->recs[k].addr < end; k++)
		;
	win->start = start;
	win->end = end;
	win->hmm_pfns = pfns;
	win->npages = (end - start) >> HMM_PAGE_SHIFT;
	win->first = c->pos;
	win->nr_faults = k - c->pos;
	window_fill(c, win);

	c->pos = k;
	c->stats.windows_out++;
	return 1;
}

void hmm_coalesce_refill(const struct hmm_coalesce *c,
			 const struct hmm_fault_window *win)
{
	struct hmm_fault_window w;

	if (!c || !win || !win->hmm_pfns)
		return;
	w = *win;
	window_fill(c, &w);
}
