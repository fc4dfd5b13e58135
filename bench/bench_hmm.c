/* SPDX-License-Identifier: MIT */
/*
 * bench_hmm.c - what the HMM core costs next to what the CPU does itself.
 *
 * Run by bench/run.sh (a release build); never a test and it asserts no
 * timing. Every figure is the median of REPS runs (best in brackets), in
 * nanoseconds per page unless said otherwise, all measured in one run:
 *
 *  1. hmm_range_fault() on populated memory through Linux's driver loop
 *     (read_begin, fault, update lock, read_retry), with 4 KiB, 64 KiB and
 *     2 MiB windows, read and write requests;
 *  2. hmm_range_fault() on absent memory (2 MiB windows, write request)
 *     next to MADV_POPULATE_WRITE of the whole range and a first-touch
 *     loop, each on a fresh mapping;
 *  3. snapshots (no request) next to a raw PAGEMAP_SCAN and a raw pread()
 *     of /proc/self/pagemap over the same 2 MiB windows;
 *  4. invalidation latency: mm_invalidate_range() with a notifier that
 *     does a VM's work (update lock, set_seq, clear PTEs, shoot down TLB
 *     lines), and a real munmap() of a watched range until the callback
 *     runs on the userfaultfd monitor;
 *  5. the fault-coalescing helper, per record.
 *
 * Usage: bench-hmm [MiB]   (default 64 MiB of buffer, 4 KiB pages)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "hmm/coalesce.h"
#include "hmm/hmm.h"
#include "mm/mm.h"

#include "bench_util.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PG HMM_PAGE_SIZE
#define REPS 9
#define MAX_WINDOW_PAGES 512

/* PAGEMAP_SCAN (Linux 6.7); Debian's headers predate it. */
struct bench_page_region {
	uint64_t start, end, categories;
};

struct bench_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

#define BENCH_PAGEMAP_SCAN _IOWR('f', 16, struct bench_pm_scan_arg)
#define BENCH_PAGE_IS_PRESENT (1ull << 3)
#define BENCH_PAGE_IS_SWAPPED (1ull << 4)
#define BENCH_PAGE_IS_PFNZERO (1ull << 5)
#define BENCH_PAGE_IS_HUGE (1ull << 6)


static char *map_fresh(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* 4 KiB pages for every method alike (THP is off by default here). */
	madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

static void row(const char *name, struct result r, const char *unit,
		const char *ratio)
{
	printf("  %-52s %10.1f %10.1f  %-6s %s\n", name, r.median, r.best,
	       unit, ratio ? ratio : "");
}

/* ---------------------------------------------------------------------- */
/* A driver: notifier + update lock, as Linux's */

struct driver {
	struct mmu_interval_notifier notifier;
	pthread_mutex_t lock;
	unsigned long retries;
};

static bool driver_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct driver *d = (struct driver *)mni;

	(void)range;
	pthread_mutex_lock(&d->lock);
	mmu_interval_set_seq(mni, cur_seq);
	pthread_mutex_unlock(&d->lock);
	return true;
}

static const struct mmu_interval_notifier_ops driver_ops = {
	.invalidate = driver_invalidate,
};

/* Driver loop over [p, p + bytes) in windows; returns ns per page. */
static double fault_windows(struct driver *d, char *p, size_t bytes,
			    size_t window, uint64_t default_flags)
{
	static uint64_t pfns[MAX_WINDOW_PAGES];
	size_t off;
	uint64_t t0 = now_ns();

	for (off = 0; off < bytes; off += window) {
		struct hmm_range r = {
			.notifier = &d->notifier,
			.start = (unsigned long)p + off,
			.end = (unsigned long)p + off + window,
			.hmm_pfns = pfns,
			.default_flags = default_flags,
		};
		int ret;

again:
		r.notifier_seq = mmu_interval_read_begin(&d->notifier);
		ret = hmm_range_fault(&r);
		if (ret == -EBUSY) {
			d->retries++;
			goto again;
		}
		if (ret) {
			fprintf(stderr, "hmm_range_fault: %d\n", ret);
			exit(1);
		}
		pthread_mutex_lock(&d->lock);
		if (mmu_interval_read_retry(&d->notifier, r.notifier_seq)) {
			pthread_mutex_unlock(&d->lock);
			d->retries++;
			goto again;
		}
		pthread_mutex_unlock(&d->lock);
	}
	return (double)(now_ns() - t0) / (double)(bytes / PG);
}

/* ---------------------------------------------------------------------- */
/* 1 + 2: faulting */

static struct result bench_populated(struct mm_struct *mm, char *buf,
				     size_t bytes, size_t window,
				     uint64_t flags)
{
	struct driver d = { .lock = PTHREAD_MUTEX_INITIALIZER };
	double v[REPS];
	int i;

	if (mmu_interval_notifier_insert(&d.notifier, mm, (unsigned long)buf,
					 bytes, &driver_ops))
		die("notifier");
	fault_windows(&d, buf, bytes, window, flags);	/* warm up */
	for (i = 0; i < REPS; i++)
		v[i] = fault_windows(&d, buf, bytes, window, flags);
	mmu_interval_notifier_remove(&d.notifier);
	return summarize(v, REPS);
}

enum absent_method {
	ABSENT_POPULATE_WRITE,
	ABSENT_POPULATE_WRITE_2M,
	ABSENT_FIRST_TOUCH,
	ABSENT_HMM_WRITE,
	ABSENT_POPULATE_READ,
	ABSENT_HMM_READ,
	ABSENT_METHODS
};

/* One run of @how on a fresh mapping; ns per page. */
static double absent_once(struct mm_struct *mm, size_t bytes,
			  enum absent_method how)
{
	char *p = map_fresh(bytes);
	struct driver d = { .lock = PTHREAD_MUTEX_INITIALIZER };
	double v = 0;
	size_t off;
	uint64_t t0;

	if ((how == ABSENT_HMM_WRITE || how == ABSENT_HMM_READ) &&
	    mmu_interval_notifier_insert(&d.notifier, mm, (unsigned long)p,
					 bytes, &driver_ops))
		die("notifier");
	t0 = now_ns();
	switch (how) {
	case ABSENT_HMM_WRITE:
	case ABSENT_HMM_READ:
		v = fault_windows(&d, p, bytes, 2ul << 20,
				  how == ABSENT_HMM_WRITE ?
				  HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE :
				  HMM_PFN_REQ_FAULT);
		mmu_interval_notifier_remove(&d.notifier);
		break;
	case ABSENT_POPULATE_WRITE:
		if (madvise(p, bytes, MADV_POPULATE_WRITE))
			die("MADV_POPULATE_WRITE");
		v = (double)(now_ns() - t0) / (double)(bytes / PG);
		break;
	case ABSENT_POPULATE_WRITE_2M:
		for (off = 0; off < bytes; off += 2ul << 20)
			if (madvise(p + off, 2ul << 20, MADV_POPULATE_WRITE))
				die("MADV_POPULATE_WRITE");
		v = (double)(now_ns() - t0) / (double)(bytes / PG);
		break;
	case ABSENT_POPULATE_READ:
		if (madvise(p, bytes, MADV_POPULATE_READ))
			die("MADV_POPULATE_READ");
		v = (double)(now_ns() - t0) / (double)(bytes / PG);
		break;
	case ABSENT_FIRST_TOUCH:
		for (off = 0; off < bytes; off += PG)
			((volatile char *)p)[off] = 1;
		v = (double)(now_ns() - t0) / (double)(bytes / PG);
		break;
	case ABSENT_METHODS:
		break;
	}
	munmap(p, bytes);
	return v;
}

/*
 * Every method once per round, rounds repeated: drift of the machine (page
 * allocator state, frequency) hits all methods alike. Round 0 warms up.
 */
static void bench_absent(struct mm_struct *mm, size_t bytes,
			 struct result out[ABSENT_METHODS])
{
	double v[ABSENT_METHODS][REPS];
	int i, k;

	for (i = -1; i < REPS; i++)
		for (k = 0; k < ABSENT_METHODS; k++) {
			double ns = absent_once(mm, bytes,
						(enum absent_method)k);

			if (i >= 0)
				v[k][i] = ns;
		}
	for (k = 0; k < ABSENT_METHODS; k++)
		out[k] = summarize(v[k], REPS);
}

/* ---------------------------------------------------------------------- */
/* 3: snapshots */

static struct result bench_snapshot_hmm(struct mm_struct *mm, char *buf,
					size_t bytes)
{
	return bench_populated(mm, buf, bytes, 2ul << 20, 0);
}

static struct result bench_pagemap_scan(int fd, char *buf, size_t bytes,
					bool *ok)
{
	static struct bench_page_region regs[MAX_WINDOW_PAGES];
	double v[REPS];
	int i;

	*ok = true;
	for (i = 0; i < REPS; i++) {
		uint64_t t0 = now_ns();
		size_t off;

		for (off = 0; off < bytes; off += 2ul << 20) {
			struct bench_pm_scan_arg arg = {
				.size = sizeof(arg),
				.start = (uint64_t)(uintptr_t)(buf + off),
				.end = (uint64_t)(uintptr_t)(buf + off +
							     (2ul << 20)),
				.vec = (uint64_t)(uintptr_t)regs,
				.vec_len = MAX_WINDOW_PAGES,
				.return_mask = BENCH_PAGE_IS_PRESENT |
					       BENCH_PAGE_IS_SWAPPED |
					       BENCH_PAGE_IS_PFNZERO |
					       BENCH_PAGE_IS_HUGE,
			};

			if (ioctl(fd, BENCH_PAGEMAP_SCAN, &arg) < 0) {
				*ok = false;
				return summarize(v, 1);
			}
		}
		v[i] = (double)(now_ns() - t0) / (double)(bytes / PG);
	}
	return summarize(v, REPS);
}

static struct result bench_pagemap_pread(int fd, char *buf, size_t bytes)
{
	static uint64_t pm[MAX_WINDOW_PAGES];
	double v[REPS];
	int i;

	for (i = 0; i < REPS; i++) {
		uint64_t t0 = now_ns();
		size_t off;

		for (off = 0; off < bytes; off += 2ul << 20)
			if (pread(fd, pm, sizeof(pm),
				  (off_t)((uintptr_t)(buf + off) / PG) * 8) !=
			    (ssize_t)sizeof(pm))
				die("pread pagemap");
		v[i] = (double)(now_ns() - t0) / (double)(bytes / PG);
	}
	return summarize(v, REPS);
}

/* ---------------------------------------------------------------------- */
/* 4: invalidations */

#define VM_TLB_LINES 256

/* What sgpu_vm_invalidate_cb() does, without the GPU. */
struct vm_like {
	struct mmu_interval_notifier notifier;
	pthread_rwlock_t lock;
	unsigned long base;
	uint64_t *pte;			/* one per page of the buffer */
	_Atomic uint64_t tlb_tag[VM_TLB_LINES];
	unsigned long calls;
};

static bool vm_invalidate(struct mmu_interval_notifier *mni,
			  const struct mmu_notifier_range *range,
			  unsigned long cur_seq)
{
	struct vm_like *vm = (struct vm_like *)mni;
	unsigned long s = range->start > vm->notifier.start ?
			  range->start : vm->notifier.start;
	unsigned long e = range->end - 1 < vm->notifier.last ?
			  range->end : vm->notifier.last + 1;
	int i;

	pthread_rwlock_wrlock(&vm->lock);
	mmu_interval_set_seq(mni, cur_seq);
	if (s < e)
		memset(&vm->pte[(s - vm->base) / PG], 0,
		       (e - s) / PG * sizeof(vm->pte[0]));
	for (i = 0; i < VM_TLB_LINES; i++) {
		uint64_t tag = atomic_load_explicit(&vm->tlb_tag[i],
						    memory_order_relaxed);

		if (tag >= s && tag < e)
			atomic_store_explicit(&vm->tlb_tag[i], ~0ull,
					      memory_order_release);
	}
	vm->calls++;
	pthread_rwlock_unlock(&vm->lock);
	return true;
}

static const struct mmu_interval_notifier_ops vm_ops = {
	.invalidate = vm_invalidate,
};

/* ns per mm_invalidate_range() of @pages pages; @with_vm: a notifier. */
static struct result bench_invalidate(struct mm_struct *mm, char *buf,
				      size_t bytes, size_t pages, bool with_vm)
{
	enum { CALLS = 2000 };
	struct vm_like *vm = calloc(1, sizeof(*vm));
	double v[REPS];
	int i, k;

	if (!vm)
		die("calloc");
	vm->base = (unsigned long)buf;
	vm->pte = calloc(bytes / PG, sizeof(uint64_t));
	if (!vm->pte)
		die("calloc");
	pthread_rwlock_init(&vm->lock, NULL);
	if (with_vm && mmu_interval_notifier_insert(&vm->notifier, mm,
						    (unsigned long)buf, bytes,
						    &vm_ops))
		die("notifier");
	for (i = 0; i < REPS; i++) {
		uint64_t t0;

		for (k = 0; k < VM_TLB_LINES; k++)
			atomic_store(&vm->tlb_tag[k],
				     (unsigned long)buf + (uint64_t)k * PG);
		t0 = now_ns();
		for (k = 0; k < CALLS; k++) {
			unsigned long s = (unsigned long)buf +
					  ((size_t)k * pages * PG) % bytes;

			mm_invalidate_range(mm, s, s + pages * PG,
					    MMU_NOTIFY_CLEAR, NULL);
		}
		v[i] = (double)(now_ns() - t0) / CALLS;
	}
	if (with_vm)
		mmu_interval_notifier_remove(&vm->notifier);
	pthread_rwlock_destroy(&vm->lock);
	free(vm->pte);
	free(vm);
	return summarize(v, REPS);
}

/* munmap of a watched range until the invalidate callback runs. */
struct unmap_probe {
	struct mmu_interval_notifier notifier;
	_Atomic unsigned long target;
	_Atomic uint64_t seen_ns;
};

static bool probe_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	struct unmap_probe *pr = (struct unmap_probe *)mni;
	unsigned long t = atomic_load(&pr->target);

	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_UNMAP && t >= range->start &&
	    t < range->end)
		atomic_store(&pr->seen_ns, now_ns());
	return true;
}

static const struct mmu_interval_notifier_ops probe_ops = {
	.invalidate = probe_invalidate,
};

static int bench_munmap(struct mm_struct *mm, struct result *cb,
			struct result *ret_watched, struct result *ret_plain)
{
	enum { ITERS = 41, PAGES = 16 };
	struct unmap_probe *pr = calloc(1, sizeof(*pr));
	double vcb[ITERS], vret[ITERS], vplain[ITERS];
	int i;

	if (!pr)
		die("calloc");
	if (mmu_interval_notifier_insert(&pr->notifier, mm, PG,
					 (1ul << 47) - PG, &probe_ops))
		die("notifier");
	for (i = 0; i < ITERS; i++) {
		char *p = map_fresh(PAGES * PG);
		uint64_t t0, t2;
		int ret;

		memset(p, 1, PAGES * PG);
		ret = mm_watch_range(mm, (unsigned long)p,
				     (unsigned long)p + PAGES * PG);
		if (ret) {
			munmap(p, PAGES * PG);
			mmu_interval_notifier_remove(&pr->notifier);
			free(pr);
			return ret;
		}
		atomic_store(&pr->seen_ns, 0);
		atomic_store(&pr->target, (unsigned long)p);
		t0 = now_ns();
		munmap(p, PAGES * PG);
		t2 = now_ns();
		mm_sync_events(mm);
		vcb[i] = atomic_load(&pr->seen_ns) ?
			 (double)(atomic_load(&pr->seen_ns) - t0) : 0;
		vret[i] = (double)(t2 - t0);

		p = map_fresh(PAGES * PG);	/* unwatched reference */
		memset(p, 1, PAGES * PG);
		t0 = now_ns();
		munmap(p, PAGES * PG);
		vplain[i] = (double)(now_ns() - t0);
	}
	mmu_interval_notifier_remove(&pr->notifier);
	free(pr);
	*cb = summarize(vcb, ITERS);
	*ret_watched = summarize(vret, ITERS);
	*ret_plain = summarize(vplain, ITERS);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* 5: coalescing */

static struct result bench_coalesce(unsigned long window)
{
	enum { N = 4096 };
	static struct hmm_fault_record recs[N];
	static uint64_t pfns[MAX_WINDOW_PAGES];
	double v[REPS];
	uint64_t x = 12345;
	int i, k;

	for (i = 0; i < REPS; i++) {
		struct hmm_coalesce c;
		struct hmm_fault_window w;
		uint64_t t0;

		for (k = 0; k < N; k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			recs[k].addr = 0x7f0000000000ull +
				       ((x >> 20) % 4096) * PG;
			recs[k].access = (uint32_t)((x >> 60) & 3);
		}
		t0 = now_ns();
		if (hmm_coalesce_init(&c, recs, N, window, 0, 0))
			die("coalesce");
		while (hmm_coalesce_next(&c, &w, pfns, MAX_WINDOW_PAGES) == 1)
			;
		v[i] = (double)(now_ns() - t0) / N;
	}
	return summarize(v, REPS);
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	size_t bytes = mib << 20;
	struct result r, ref, tmp;
	struct mm_struct *mm;
	struct utsname uts;
	char ratio[96];
	char *buf, *half;
	size_t off;
	bool scan_ok;
	int fd, ret;
	double populated_2m, absent_hmm, absent_pop;

	if (!mib || mib > 4096 || mib % 2) {
		fprintf(stderr, "usage: %s [MiB, even, <= 4096]\n", argv[0]);
		return 2;
	}
	mm = svm_mm_get();
	if (!mm)
		die("svm_mm_get");
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("pagemap");
	uname(&uts);
	printf("svmcl bench-hmm: %zu MiB buffer, 4 KiB pages, median of %d "
	       "runs [best]\n", mib, REPS);
	printf("kernel %s, %ld CPUs, debug checks %s\n\n", uts.release,
	       sysconf(_SC_NPROCESSORS_ONLN),
	       SVMCL_DEBUG_CHECKS ? "ON (numbers are not representative)" :
				    "off");
	printf("  %-52s %10s %10s  %-6s %s\n", "case", "median", "best",
	       "unit", "ratio");

	buf = map_fresh(bytes);
	if (madvise(buf, bytes, MADV_POPULATE_WRITE))
		die("MADV_POPULATE_WRITE");

	printf("\n1. hmm_range_fault on populated memory (driver loop)\n");
	r = bench_populated(mm, buf, bytes, PG, HMM_PFN_REQ_FAULT);
	row("read request, 4 KiB windows", r, "ns/pg", NULL);
	r = bench_populated(mm, buf, bytes, 64ul << 10, HMM_PFN_REQ_FAULT);
	row("read request, 64 KiB windows", r, "ns/pg", NULL);
	r = bench_populated(mm, buf, bytes, 2ul << 20, HMM_PFN_REQ_FAULT);
	populated_2m = r.median;
	snprintf(ratio, sizeof(ratio), "target <= 50 ns/pg: %s",
		 r.median <= 50.0 ? "met" : "MISSED");
	row("read request, 2 MiB windows", r, "ns/pg", ratio);
	r = bench_populated(mm, buf, bytes, 64ul << 10,
			    HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE);
	row("write request, 64 KiB windows", r, "ns/pg", NULL);
	r = bench_populated(mm, buf, bytes, 2ul << 20,
			    HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE);
	row("write request, 2 MiB windows", r, "ns/pg", NULL);
	{
		double v[REPS];
		int i;

		for (i = 0; i < REPS; i++) {
			uint64_t t0 = now_ns();

			if (madvise(buf, bytes, MADV_POPULATE_WRITE))
				die("MADV_POPULATE_WRITE");
			v[i] = (double)(now_ns() - t0) / (double)(bytes / PG);
		}
		row("CPU: MADV_POPULATE_WRITE, already populated",
		    summarize(v, REPS), "ns/pg", NULL);
	}

	printf("\n2. absent memory (fresh mapping each run, methods interleaved)\n");
	{
		struct result a[ABSENT_METHODS];

		bench_absent(mm, bytes, a);
		ref = a[ABSENT_POPULATE_WRITE];
		absent_pop = ref.median;
		row("CPU: MADV_POPULATE_WRITE, whole range", ref, "ns/pg",
		    "1.00 (reference)");
		tmp = a[ABSENT_POPULATE_WRITE_2M];
		snprintf(ratio, sizeof(ratio), "%.2f", tmp.median / ref.median);
		row("CPU: MADV_POPULATE_WRITE, 2 MiB at a time", tmp, "ns/pg",
		    ratio);
		tmp = a[ABSENT_FIRST_TOUCH];
		snprintf(ratio, sizeof(ratio), "%.2f", tmp.median / ref.median);
		row("CPU: first-touch write loop", tmp, "ns/pg", ratio);
		r = a[ABSENT_HMM_WRITE];
		absent_hmm = r.median;
		snprintf(ratio, sizeof(ratio), "%.2f  target <= 1.25: %s",
			 r.median / ref.median,
			 r.median / ref.median <= 1.25 ? "met" : "MISSED");
		row("hmm_range_fault write, 2 MiB windows", r, "ns/pg", ratio);
		tmp = a[ABSENT_POPULATE_READ];
		row("CPU: MADV_POPULATE_READ (zero page)", tmp, "ns/pg",
		    "1.00 (reference)");
		r = a[ABSENT_HMM_READ];
		snprintf(ratio, sizeof(ratio), "%.2f", r.median / tmp.median);
		row("hmm_range_fault read, 2 MiB windows", r, "ns/pg", ratio);
	}

	printf("\n3. snapshots (no request), 2 MiB windows\n");
	ref = bench_pagemap_pread(fd, buf, bytes);
	row("raw pread of /proc/self/pagemap, populated", ref, "ns/pg",
	    "1.00 (reference)");
	tmp = bench_pagemap_scan(fd, buf, bytes, &scan_ok);
	if (scan_ok) {
		snprintf(ratio, sizeof(ratio), "%.2f", tmp.median / ref.median);
		row("raw PAGEMAP_SCAN ioctl, populated", tmp, "ns/pg", ratio);
	} else {
		printf("  raw PAGEMAP_SCAN: not available on this kernel\n");
	}
	r = bench_snapshot_hmm(mm, buf, bytes);
	snprintf(ratio, sizeof(ratio), "%.2f", r.median / ref.median);
	row("hmm_range_fault snapshot, populated", r, "ns/pg", ratio);
	/* Half populated: 64 KiB present, 64 KiB absent. */
	half = map_fresh(bytes);
	for (off = 0; off < bytes; off += 128ul << 10)
		if (madvise(half + off, 64ul << 10, MADV_POPULATE_WRITE))
			die("MADV_POPULATE_WRITE");
	ref = bench_pagemap_pread(fd, half, bytes);
	row("raw pread of /proc/self/pagemap, half populated", ref, "ns/pg",
	    "1.00 (reference)");
	tmp = bench_pagemap_scan(fd, half, bytes, &scan_ok);
	if (scan_ok) {
		snprintf(ratio, sizeof(ratio), "%.2f", tmp.median / ref.median);
		row("raw PAGEMAP_SCAN ioctl, half populated", tmp, "ns/pg",
		    ratio);
	}
	r = bench_snapshot_hmm(mm, half, bytes);
	snprintf(ratio, sizeof(ratio), "%.2f", r.median / ref.median);
	row("hmm_range_fault snapshot, half populated", r, "ns/pg", ratio);
	munmap(half, bytes);

	printf("\n4. invalidation latency\n");
	r = bench_invalidate(mm, buf, bytes, 16, false);
	row("mm_invalidate_range, no notifier overlaps", r, "ns", NULL);
	r = bench_invalidate(mm, buf, bytes, 1, true);
	row("mm_invalidate_range + VM work, 4 KiB", r, "ns", NULL);
	r = bench_invalidate(mm, buf, bytes, 16, true);
	row("mm_invalidate_range + VM work, 64 KiB", r, "ns", NULL);
	r = bench_invalidate(mm, buf, bytes, 512, true);
	row("mm_invalidate_range + VM work, 2 MiB", r, "ns", NULL);
	{
		struct result cb, rw, rp;

		ret = bench_munmap(mm, &cb, &rw, &rp);
		if (ret) {
			printf("  munmap of a watched range: userfaultfd "
			       "unavailable (%d), skipped\n", ret);
		} else {
			row("CPU: munmap 64 KiB, not watched", rp, "ns",
			    "1.00 (reference)");
			snprintf(ratio, sizeof(ratio), "%.2f",
				 rw.median / rp.median);
			row("munmap 64 KiB watched: until munmap returns", rw,
			    "ns", ratio);
			row("munmap 64 KiB watched: until the callback runs",
			    cb, "ns", NULL);
		}
	}

	printf("\n5. fault coalescing, 4096 records over 4096 pages\n");
	r = bench_coalesce(PG);
	row("sort + dedup + windows, 4 KiB windows", r, "ns/rec", NULL);
	r = bench_coalesce(64ul << 10);
	row("sort + dedup + windows, 64 KiB windows", r, "ns/rec", NULL);
	r = bench_coalesce(2ul << 20);
	row("sort + dedup + windows, 2 MiB windows", r, "ns/rec", NULL);

	printf("\ntargets: populated 2 MiB windows %.1f ns/pg (<= 50: %s); "
	       "absent %.2fx MADV_POPULATE_WRITE (<= 1.25: %s)\n",
	       populated_2m, populated_2m <= 50.0 ? "met" : "MISSED",
	       absent_hmm / absent_pop,
	       absent_hmm / absent_pop <= 1.25 ? "met" : "MISSED");

	munmap(buf, bytes);
	close(fd);
	svm_mm_put(mm);
	return 0;
}
