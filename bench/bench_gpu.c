/* SPDX-License-Identifier: MIT */
/*
 * bench_gpu.c - what the software GPU's memory system costs, next to what
 * the CPU does itself.
 *
 * A benchmark, never a test: it asserts no timing. Every figure is the
 * median of REPS runs (best in brackets), measured in one process:
 *
 *  1. TLB hit cost: a kernel compiled by the real compiler (clc_build:
 *     OpenCL C -> MMU-instrumented IR -> JIT) run directly on a compute-
 *     unit descriptor whose first level maps the buffer, next to the same
 *     loop compiled natively: a sum (throughput) and a pointer chase
 *     (latency), per access.
 *  2. Miss costs, through the GPU (device code in C with the inline
 *     probe, on the inline unit): first-level miss answered by the second
 *     level; miss + page walk (+ fill-ahead) over 64 MiB in random page
 *     order, next to a native random load of the same pages.
 *  3. Fault service: a streaming device first touch (one word per 4 KiB
 *     page) of populated memory, of populated THP memory and of absent
 *     memory, per prefetch policy, through a mirroring VM, with one unit
 *     and with all units; per page, with the batches it took. References:
 *     the CPU's own first touch and MADV_POPULATE_WRITE.
 *  4. Shootdown latency: remapping one page with idle units and with
 *     units running a kernel; invalidating a mirrored 64 KiB range.
 *  5. Launch latency: an empty dispatch through the kmd (one group: the
 *     inline unit; many groups: worker units awake or asleep), and, if
 *     an OpenCL loader is linked, the empty-kernel round trip
 *     (clEnqueueNDRangeKernel + clFinish) of every platform it finds.
 *  6. VRAM (a pool of MiB): migration to VRAM and back in GiB/s next to a
 *     memcpy of the same size; a streaming device first touch of pages
 *     that are in VRAM (one unit, all units); migration under pressure
 *     (every page moved in evicts one), with the eviction rate.
 *
 * Usage: bench-gpu [MiB [SECTIONS [ROWS]]]
 *	MiB: buffers of sections 2 and 3 (default 64)
 *	SECTIONS: the sections to run, e.g. "13" (default all)
 *	ROWS: only the rows of section 3 whose label contains this string,
 *	e.g. "populated, density" (for perf)
 * Environment: BENCH_REPEAT, BENCH_PERF_CTL/ACK and BENCH_UNITS (below).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "compiler/clc.h"
#include "gpu/sgpu.h"
#include "mm/mm.h"

#if BENCH_HAVE_OPENCL
#include <CL/cl.h>
#endif

#include "bench_util.h"

#define PG 4096ull
#define REPS 9

/* Section 3 runs only rows whose label contains this (NULL: all). */
static const char *row_filter;

/*
 * perf control (perf record -D -1 --control fifo:CTL,ACK): with
 * BENCH_PERF_CTL and BENCH_PERF_ACK set to those FIFOs, section 3 enables
 * sampling only around its timed dispatches, so that a profile shows the
 * fault service and not the buffer set-up.
 */
static FILE *perf_ctl, *perf_ack;
/* BENCH_REPEAT=N: section 3 rows run N times over (longer profiles). */
static int touch_repeat = 1;

static void perf_toggle(const char *cmd)
{
	char ack[16];

	if (!perf_ctl)
		return;
	fprintf(perf_ctl, "%s\n", cmd);
	fflush(perf_ctl);
	if (perf_ack && !fgets(ack, sizeof(ack), perf_ack))
		perf_ack = NULL;
}

static void perf_open(void)
{
	const char *ctl = getenv("BENCH_PERF_CTL");
	const char *ack = getenv("BENCH_PERF_ACK");

	if (ctl)
		perf_ctl = fopen(ctl, "w");
	if (perf_ctl && ack)
		perf_ack = fopen(ack, "r");
	if (getenv("BENCH_REPEAT") && atoi(getenv("BENCH_REPEAT")) > 1)
		touch_repeat = atoi(getenv("BENCH_REPEAT"));
}


static void row(const char *what, struct result r, const char *unit,
		const char *note)
{
	printf("| %-58s | %9.2f | %9.2f | %-7s | %s |\n", what, r.median, r.best,
	       unit, note ? note : "");
}

static void header(const char *title)
{
	printf("\n**%s**\n\n", title);
	printf("| %-58s | %9s | %9s | %-7s | %s |\n", "case", "median", "best",
	       "unit", "note");
	printf("|%s|%s|%s|%s|%s|\n", "------------------------------------------------------------",
	       "----------:", "----------:", "---------", "------");
}

static char *map_fresh(size_t bytes, int advice)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, bytes, advice);
	return p;
}

/* 2 MiB aligned, for THP. */
static char *map_aligned(size_t bytes, void **raw, size_t *raw_len)
{
	*raw_len = bytes + (2u << 20);
	*raw = mmap(NULL, *raw_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		die("mmap");
	return (char *)(((uintptr_t)*raw + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
}

/* The inline probe of sgpu_abi.h, as JIT code does it. */
static inline uint64_t dev_xlate(struct sgpu_cu_state *cu, uint64_t va,
				 uint64_t size, enum sgpu_access kind)
{
	struct sgpu_tlb_entry *e =
		&cu->tlb[sgpu_tlb_index(va)];
	uint64_t tag = kind >= SGPU_ACCESS_WRITE ? e->tag_write : e->tag_read;

	if (tag == (va & (SGPU_PAGE_MASK | (size - 1))))
		return va + (uint64_t)e->addend;
	return cu->tlb_miss(cu, va, SGPU_ACCESS(size, kind));
}

/* ---------------------------------------------------------------------- */
/* 1. TLB hit cost with JIT code */

static const char *hit_source =
	"kernel void sum(global const uint *a, global uint *out, uint n,\n"
	"                uint reps)\n"
	"{\n"
	"	uint s = 0;\n"
	"	for (uint r = 0; r < reps; r++)\n"
	"		for (uint i = 0; i < n; i++)\n"
	"			s += a[i];\n"
	"	out[get_global_id(0)] = s;\n"
	"}\n"
	"kernel void chase(global const uint *a, global uint *out, uint steps)\n"
	"{\n"
	"	uint i = 0;\n"
	"	for (uint k = 0; k < steps; k++)\n"
	"		i = a[i];\n"
	"	out[get_global_id(0)] = i;\n"
	"}\n";

/* Miss handler of the bench's descriptor: identity, fill the line. */
static uint64_t identity_miss(struct sgpu_cu_state *cu, uint64_t va,
			      uint64_t access)
{
	struct sgpu_tlb_entry *e =
		&cu->tlb[sgpu_tlb_index(va)];

	(void)access;
	e->addend = 0;
	e->tag_read = va & SGPU_PAGE_MASK;
	e->tag_write = va & SGPU_PAGE_MASK;
	return va;
}

static struct sgpu_cu_state *bench_cu_state(void)
{
	struct sgpu_cu_state *cu = aligned_alloc(64, sizeof(*cu));

	if (!cu)
		die("aligned_alloc");
	memset(cu, 0, sizeof(*cu));
	for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++)
		cu->tlb[i].tag_read = cu->tlb[i].tag_write = SGPU_TLB_INVALID_TAG;
	cu->tlb_miss = identity_miss;
	cu->work_dim = 1;
	for (int i = 0; i < 3; i++) {
		cu->local_size[i] = cu->enqueued_local_size[i] = 1;
		cu->global_size[i] = cu->num_groups[i] = 1;
	}
	return cu;
}

static void pack_arg(uint8_t *block, const struct clc_kernel *k,
		     unsigned int i, const void *v)
{
	memcpy(block + k->args[i].offset, v, k->args[i].size);
}

/* The same loops, compiled here; the empty asm keeps them scalar. */
static __attribute__((noinline)) uint32_t native_sum(const uint32_t *a,
						     uint32_t n, uint32_t reps)
{
	uint32_t s = 0;

	for (uint32_t r = 0; r < reps; r++)
		for (uint32_t i = 0; i < n; i++) {
			s += a[i];
			__asm__ volatile("" : "+r"(s));
		}
	return s;
}

static __attribute__((noinline)) uint32_t
native_sum_vectorized(const uint32_t *a, uint32_t n, uint32_t reps)
{
	uint32_t s = 0;

	for (uint32_t r = 0; r < reps; r++) {
		for (uint32_t i = 0; i < n; i++)
			s += a[i];
		__asm__ volatile("" : "+r"(s));
	}
	return s;
}

static __attribute__((noinline)) uint32_t native_chase(const uint32_t *a,
						       uint32_t steps)
{
	uint32_t i = 0;

	for (uint32_t k = 0; k < steps; k++) {
		i = a[i];
		__asm__ volatile("" : "+r"(i) : : "memory");
	}
	return i;
}

static void bench_hit_cost(void)
{
	enum { N = 16384, REPEAT = 64, STEPS = 1 << 20 };
	struct clc_program *prog;
	const struct clc_kernel *ksum, *kchase;
	struct sgpu_cu_state *cu = bench_cu_state();
	uint32_t *a = aligned_alloc(PG, N * sizeof(uint32_t)), out = 0;
	uint32_t *ring = aligned_alloc(PG, N * sizeof(uint32_t));
	uint8_t args[64];
	double jit[REPS], nat[REPS], vec[REPS], jc[REPS], nc[REPS];
	uint32_t n = N, reps = REPEAT, steps = STEPS, sink = 0;
	char *log = NULL;
	void *pa = a, *pout = &out, *pring = ring;
	unsigned int seed = 1;
	int ret;

	if (!a || !ring)
		die("aligned_alloc");
	for (uint32_t i = 0; i < N; i++)
		a[i] = i;
	/* A random cycle over the 64 KiB: the chase visits every word. */
	for (uint32_t i = 0; i < N; i++)
		ring[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rand_r(&seed) % i, t = ring[i];

		ring[i] = ring[j];
		ring[j] = t;
	}
	{
		uint32_t *next = malloc(N * sizeof(uint32_t));

		if (!next)
			die("malloc");
		for (uint32_t i = 0; i < N; i++)
			next[ring[i]] = ring[(i + 1) % N];
		memcpy(ring, next, N * sizeof(uint32_t));
		free(next);
	}

	ret = clc_build(hit_source, NULL, &prog, &log);
	if (ret) {
		printf("\n(section 1 skipped: clc_build failed, %d)\n%s\n", ret,
		       log ? log : "");
		free(log);
		return;
	}
	free(log);
	ksum = clc_program_find_kernel(prog, "sum");
	kchase = clc_program_find_kernel(prog, "chase");

	for (int r = 0; r < REPS; r++) {
		uint64_t t0, t1;

		memset(args, 0, sizeof(args));
		pack_arg(args, ksum, 0, &pa);
		pack_arg(args, ksum, 1, &pout);
		pack_arg(args, ksum, 2, &n);
		pack_arg(args, ksum, 3, &reps);
		ksum->wg_fn(args, cu);	/* warm: fills the 16 lines */
		t0 = now_ns();
		ksum->wg_fn(args, cu);
		t1 = now_ns();
		jit[r] = (double)(t1 - t0) / ((double)N * REPEAT);

		t0 = now_ns();
		sink += native_sum(a, n, reps);
		t1 = now_ns();
		nat[r] = (double)(t1 - t0) / ((double)N * REPEAT);
		t0 = now_ns();
		sink += native_sum_vectorized(a, n, reps);
		t1 = now_ns();
		vec[r] = (double)(t1 - t0) / ((double)N * REPEAT);

		memset(args, 0, sizeof(args));
		pack_arg(args, kchase, 0, &pring);
		pack_arg(args, kchase, 1, &pout);
		pack_arg(args, kchase, 2, &steps);
		t0 = now_ns();
		kchase->wg_fn(args, cu);
		t1 = now_ns();
		jc[r] = (double)(t1 - t0) / STEPS;
		t0 = now_ns();
		sink += native_chase(ring, steps);
		t1 = now_ns();
		nc[r] = (double)(t1 - t0) / STEPS;
	}
	if (out != native_chase(ring, steps))
		printf("(chase results differ: %u)\n", out);

	{
		struct result rj = summarize(jit, REPS), rn = summarize(nat, REPS);
		struct result rv = summarize(vec, REPS);
		struct result cj = summarize(jc, REPS), cn = summarize(nc, REPS);
		struct result d1 = { rj.median - rn.median, rj.best - rn.best };
		struct result d2 = { cj.median - cn.median, cj.best - cn.best };
		char note[96];

		header("1. First-level TLB hit, JIT code (64 KiB buffer, 16 pages)");
		row("native scalar sum, per load", rn, "ns", "reference");
		row("native sum, vectorized by the C compiler", rv, "ns", "for scale");
		row("JIT kernel `sum`, per load (probe + load)", rj, "ns", NULL);
		snprintf(note, sizeof(note), "target <= 1 ns: %s",
			 d1.median <= 1.0 ? "**met**" : "missed");
		row("hit cost over a native load (throughput)", d1, "ns", note);
		row("native pointer chase, per step", cn, "ns", "reference");
		row("JIT kernel `chase`, per step", cj, "ns", NULL);
		row("hit cost over a native load (latency)", d2, "ns", NULL);
	}
	(void)sink;
	clc_program_destroy(prog);
	free(a);
	free(ring);
	free(cu);
}

/* ---------------------------------------------------------------------- */
/* Shared GPU plumbing for sections 2 to 5 */

static struct sgpu *gpu;

static struct kmd_gpu_stats gstats(void)
{
	struct kmd_gpu_stats s;

	sgpu_stats_fill(gpu, &s);
	return s;
}

static void dispatch(struct sgpu_vm *vm, sgpu_wg_fn fn, const void *args,
		     uint64_t groups)
{
	struct kmd_dispatch d = {
		.vm_id = vm->id,
		.work_dim = 1,
		.entry = (uintptr_t)fn,
		.args = (uintptr_t)args,
		.global_size = { groups, 1, 1 },
		.local_size = { 1, 1, 1 },
	};

	if (sgpu_dispatch(gpu, vm, &d) || d.status) {
		fprintf(stderr, "dispatch failed: status %d at %#llx\n", d.status,
			(unsigned long long)d.fault_addr);
		exit(1);
	}
}

/* ---------------------------------------------------------------------- */
/* 2. Miss costs */

struct walk_args {
	const uint64_t *order;	/* device addresses, in access order */
	uint64_t n;
	uint64_t rounds;
	uint64_t sink;
};

static void wg_walk(const void *p, struct sgpu_cu_state *cu)
{
	struct walk_args *a = *(struct walk_args *const *)p;
	uint64_t s = 0;

	for (uint64_t r = 0; r < a->rounds; r++)
		for (uint64_t i = 0; i < a->n; i++)
			s += *(volatile uint32_t *)(uintptr_t)dev_xlate(
				cu, a->order[i], 4, SGPU_ACCESS_READ);
	a->sink = s;
}

static uint64_t native_walk(const uint64_t *order, uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s += *(volatile uint32_t *)(uintptr_t)order[i];
	return s;
}

static void shuffle(uint64_t *v, uint64_t n, unsigned int seed)
{
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = (uint64_t)rand_r(&seed) % i, t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static void bench_miss_cost(size_t mib)
{
	uint64_t npages = (uint64_t)mib << 8, sink = 0;
	char *buf = map_fresh(npages * PG, MADV_NOHUGEPAGE);
	uint64_t *order = malloc(npages * sizeof(*order));
	double l2[REPS], walk[REPS], nat[REPS];
	struct walk_args wa, *wap = &wa;
	struct kmd_gpu_stats s1 = { 0 };
	struct sgpu_vm *vm;
	uint64_t alias[4];

	if (!order)
		die("malloc");
	memset(buf, 1, npages * PG);
	if (sgpu_vm_create(gpu, 0, -1, &vm))
		die("vm");
	/* An explicit VM with identity mappings: no faults, only walks. */
	for (uint64_t i = 0; i < npages; i++)
		if (sgpu_vm_map_page(vm, (uintptr_t)buf + i * PG,
				     (uintptr_t)buf + i * PG, 0))
			die("map");
	for (int k = 0; k < 4; k++)	/* one first-level line, four pages */
		alias[k] = (uintptr_t)buf + (uint64_t)k * SGPU_TLB_L1_ENTRIES * PG;
	for (uint64_t i = 0; i < npages; i++)
		order[i] = (uintptr_t)buf + i * PG + (i * 64) % PG;
	shuffle(order, npages, 7);

	for (int r = 0; r < REPS; r++) {
		struct kmd_gpu_stats a0, a1;
		uint64_t t0;

		wa = (struct walk_args){ .order = alias, .n = 4, .rounds = 250000 };
		dispatch(vm, wg_walk, &wap, 1);	/* warm */
		t0 = now_ns();
		dispatch(vm, wg_walk, &wap, 1);
		l2[r] = (double)(now_ns() - t0) / 1e6;

		wa = (struct walk_args){ .order = order, .n = npages, .rounds = 1 };
		a0 = gstats();
		t0 = now_ns();
		dispatch(vm, wg_walk, &wap, 1);
		walk[r] = (double)(now_ns() - t0) / (double)npages;
		a1 = gstats();
		s1.walks += a1.walks - a0.walks;
		s1.tlb_l1_misses += a1.tlb_l1_misses - a0.tlb_l1_misses;

		t0 = now_ns();
		sink += native_walk(order, npages);
		nat[r] = (double)(now_ns() - t0) / (double)npages;
	}
	{
		struct result rl = summarize(l2, REPS), rw = summarize(walk, REPS);
		struct result rn = summarize(nat, REPS);
		struct result dw = { rw.median - rn.median, rw.best - rn.best };
		char note[128];

		header("2. TLB misses (inline unit, explicit identity VM)");
		row("L1 miss, L2 hit (4 pages on one L1 line), per access", rl,
		    "ns", NULL);
		snprintf(note, sizeof(note), "%.0f%% of accesses missed L1, "
			 "%.0f%% walked", 100.0 * (double)s1.tlb_l1_misses /
						 (double)(REPS * npages),
			 100.0 * (double)s1.walks / (double)(REPS * npages));
		row("native load, random page order, per page", rn, "ns",
		    "reference");
		row("device load, random page order, per page", rw, "ns", note);
		row("miss + walk + fill over a native load", dw, "ns", NULL);
	}
	(void)sink;
	sgpu_vm_destroy(vm);
	munmap(buf, npages * PG);
	free(order);
}

/* ---------------------------------------------------------------------- */
/* 3. Fault service: streaming first touch */

struct touch_args {
	char *base;
	uint64_t pages_per_group;
	int write;
};

static void wg_touch(const void *p, struct sgpu_cu_state *cu)
{
	const struct touch_args *a = *(const struct touch_args *const *)p;
	char *first = a->base + cu->group_id[0] * a->pages_per_group * PG;

	for (uint64_t i = 0; i < a->pages_per_group; i++) {
		uint64_t va = (uintptr_t)(first + i * PG);

		if (a->write)
			*(volatile uint32_t *)(uintptr_t)dev_xlate(
				cu, va, 4, SGPU_ACCESS_WRITE) = 1;
		else
			(void)*(volatile uint32_t *)(uintptr_t)dev_xlate(
				cu, va, 4, SGPU_ACCESS_READ);
	}
}

enum touch_mem { MEM_POPULATED, MEM_POPULATED_THP, MEM_ABSENT };

struct touch_case {
	const char *policy;
	enum sgpu_prefetch_policy prefetch;
	uint64_t window;
};

static const struct touch_case touch_cases[] = {
	{ "none", SGPU_PREFETCH_NONE, 0 },
	{ "window:64K", SGPU_PREFETCH_WINDOW, 64 << 10 },
	{ "window:2M", SGPU_PREFETCH_WINDOW, 2 << 20 },
	{ "density (default)", SGPU_PREFETCH_DENSITY, 0 },
};

/*
 * BENCH_UNITS=1: after every run of section 3, one line on stderr per run
 * with each unit's work-groups, faults and time waited for its faults, and
 * the fault service time: shows whether units serviced or waited.
 */
static struct sgpu_cu_counters *units_before;

static void units_snapshot(void)
{
	if (!getenv("BENCH_UNITS"))
		return;
	if (!units_before)
		units_before = calloc(gpu->nr_units, sizeof(*units_before));
	if (!units_before)
		die("calloc");
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		units_before[i] = gpu->cus[i].cnt;
}

static void units_report(double ns_per_page, const struct kmd_gpu_stats *s0,
			 const struct kmd_gpu_stats *s1)
{
	if (!units_before)
		return;
	fprintf(stderr, "%.1f ns/page:", ns_per_page);
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		const struct sgpu_cu_counters *c = &gpu->cus[i].cnt;
		const struct sgpu_cu_counters *b = &units_before[i];

		fprintf(stderr, " [unit %u: %llu groups, %llu faults, %.1f us "
			"waited, %llu walks (%llu locked)]", i,
			(unsigned long long)(c->work_groups - b->work_groups),
			(unsigned long long)(c->faults - b->faults),
			(double)(c->fault_wait_ns - b->fault_wait_ns) / 1e3,
			(unsigned long long)(c->walks - b->walks),
			(unsigned long long)(c->locked_walks - b->locked_walks));
	}
	fprintf(stderr, " service %.1f us, %llu chunks shared\n",
		(double)(s1->fault_service_ns - s0->fault_service_ns) / 1e3,
		(unsigned long long)atomic_load(&gpu->stats.prefetch_shared));
}

/* One run: fresh memory, fresh VM, one timed dispatch; ns per page. */
static double touch_once(size_t mib, enum touch_mem mem, bool all_units,
			 struct kmd_gpu_stats *delta)
{
	uint64_t npages = (uint64_t)mib << 8, t0, t1;
	size_t raw_len;
	void *raw;
	char *buf = map_aligned(npages * PG, &raw, &raw_len);
	struct touch_args ta = { .base = buf, .write = mem == MEM_ABSENT };
	const struct touch_args *tap = &ta;
	struct kmd_gpu_stats s0, s1;
	struct sgpu_vm *vm;

	madvise(buf, npages * PG,
		mem == MEM_POPULATED_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (mem != MEM_ABSENT)
		memset(buf, 1, npages * PG);
	if (sgpu_vm_create(gpu, KMD_VM_MIRROR_PROCESS, -1, &vm))
		die("vm");
	ta.pages_per_group = all_units ? 64 : npages;
	units_snapshot();
	s0 = gstats();
	perf_toggle("enable");
	t0 = now_ns();
	dispatch(vm, wg_touch, &tap, npages / ta.pages_per_group);
	t1 = now_ns();
	perf_toggle("disable");
	s1 = gstats();
	units_report((double)(t1 - t0) / (double)npages, &s0, &s1);
	sgpu_vm_destroy(vm);
	munmap(raw, raw_len);
#define D(f) delta->f = s1.f - s0.f
	D(faults);
	D(fault_batches);
	D(fault_records);
	D(fault_pages);
	D(prefetch_pages);
	D(fault_windows);
#undef D
	return (double)(t1 - t0) / (double)npages;
}

static void touch_row(size_t mib, enum touch_mem mem, bool all_units,
		      const struct touch_case *tc, const char *label,
		      double target)
{
	double v[REPS];
	struct kmd_gpu_stats d = { 0 };
	char what[96], note[160];
	struct result r;

	snprintf(what, sizeof(what), "%s, %s, %s", label, tc->policy,
		 all_units ? "all units" : "1 unit");
	if (row_filter && !strstr(what, row_filter))
		return;
	gpu->cfg.prefetch = tc->prefetch;
	if (tc->window)
		gpu->cfg.prefetch_window = tc->window;
	for (int k = 0; k < REPS * touch_repeat; k++)
		v[k % REPS] = touch_once(mib, mem, all_units, &d);
	r = summarize(v, REPS);
	snprintf(note, sizeof(note),
		 "%llu faults, %llu batches (%.2f rec/batch, %.0f pages/batch)%s%s",
		 (unsigned long long)d.faults, (unsigned long long)d.fault_batches,
		 d.fault_batches ? (double)d.fault_records / (double)d.fault_batches : 0,
		 d.fault_batches ? (double)(d.fault_pages + d.prefetch_pages) /
					   (double)d.fault_batches : 0,
		 target > 0 ? (r.median <= target ? "; target **met**"
						  : "; target missed") : "",
		 "");
	row(what, r, "ns/page", note);
}

static void bench_fault_service(size_t mib)
{
	uint64_t npages = (uint64_t)mib << 8;
	double cpu_touch[REPS], cpu_pop[REPS], cpu_read[REPS];
	struct sgpu_config saved = gpu->cfg;
	volatile uint64_t sink = 0;

	for (int r = 0; r < REPS; r++) {
		char *p = map_fresh(npages * PG, MADV_NOHUGEPAGE);
		uint64_t t0 = now_ns();

		for (uint64_t i = 0; i < npages; i++)
			p[i * PG] = 1;
		cpu_touch[r] = (double)(now_ns() - t0) / (double)npages;
		t0 = now_ns();
		for (uint64_t i = 0; i < npages; i++)
			sink += *(volatile char *)&p[i * PG + 64];
		cpu_read[r] = (double)(now_ns() - t0) / (double)npages;
		munmap(p, npages * PG);

		p = map_fresh(npages * PG, MADV_NOHUGEPAGE);
		t0 = now_ns();
		if (madvise(p, npages * PG, 23 /* MADV_POPULATE_WRITE */))
			die("MADV_POPULATE_WRITE");
		cpu_pop[r] = (double)(now_ns() - t0) / (double)npages;
		munmap(p, npages * PG);
	}

	header("3. Streaming device first touch, one word per 4 KiB page");
	row("CPU: read one word per populated page", summarize(cpu_read, REPS),
	    "ns/page", "reference");
	for (size_t k = 0; k < sizeof(touch_cases) / sizeof(touch_cases[0]); k++)
		touch_row(mib, MEM_POPULATED, false, &touch_cases[k],
			  "populated", 50);
	for (size_t k = 0; k < sizeof(touch_cases) / sizeof(touch_cases[0]); k++)
		touch_row(mib, MEM_POPULATED, true, &touch_cases[k],
			  "populated", 50);
	touch_row(mib, MEM_POPULATED_THP, false, &touch_cases[3],
		  "populated THP", 50);
	touch_row(mib, MEM_POPULATED_THP, true, &touch_cases[3],
		  "populated THP", 50);
	row("CPU: first-touch write loop, absent", summarize(cpu_touch, REPS),
	    "ns/page", "reference");
	row("CPU: MADV_POPULATE_WRITE, absent", summarize(cpu_pop, REPS),
	    "ns/page", "reference");
	for (size_t k = 0; k < sizeof(touch_cases) / sizeof(touch_cases[0]); k++)
		touch_row(mib, MEM_ABSENT, false, &touch_cases[k], "absent (write)",
			  0);
	for (size_t k = 0; k < sizeof(touch_cases) / sizeof(touch_cases[0]); k++)
		touch_row(mib, MEM_ABSENT, true, &touch_cases[k], "absent (write)",
			  0);
	gpu->cfg = saved;
	(void)sink;
}

/* ---------------------------------------------------------------------- */
/* 4. Shootdown latency */

struct spin_args {
	const uint32_t *p;	/* device address read in a loop */
	atomic_bool *stop;
};

static void wg_spin_reader(const void *a, struct sgpu_cu_state *cu)
{
	const struct spin_args *s = *(const struct spin_args *const *)a;
	uint64_t x = cu->group_id[0] * 977;

	while (!atomic_load_explicit(s->stop, memory_order_relaxed)) {
		x = x * 6364136223846793005ull + 1;
		(void)*(volatile uint32_t *)(uintptr_t)dev_xlate(
			cu, (uintptr_t)(s->p + ((x >> 33) % 8) * (PG / 4)), 4,
			SGPU_ACCESS_READ);
	}
}

struct busy_job {
	struct sgpu_vm *vm;
	const struct spin_args *args;
	uint64_t groups;
};

static void *busy_thread(void *p)
{
	struct busy_job *j = p;

	dispatch(j->vm, wg_spin_reader, &j->args, j->groups);
	return NULL;
}

static struct result remap_latency(struct sgpu_vm *vm, char *buf, int n)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < n; i++)
			sgpu_vm_map_page(vm, (uintptr_t)buf + (uint64_t)(i % 8) * PG,
					 (uintptr_t)buf + (uint64_t)(i % 8) * PG, 0);
		v[r] = (double)(now_ns() - t0) / 1e3 / n;
	}
	return summarize(v, REPS);
}

static void bench_shootdown(void)
{
	char *buf = map_fresh(16 * PG, MADV_NOHUGEPAGE);
	atomic_bool stop = false;
	struct spin_args sa = { .p = (const uint32_t *)buf, .stop = &stop };
	struct busy_job job;
	struct sgpu_vm *vm, *mirror;
	struct result idle, busy1, busyall;
	double inval[REPS];
	pthread_t t;

	memset(buf, 0, 16 * PG);
	if (sgpu_vm_create(gpu, 0, -1, &vm) ||
	    sgpu_vm_create(gpu, KMD_VM_MIRROR_PROCESS, -1, &mirror))
		die("vm");
	for (int i = 0; i < 8; i++)
		sgpu_vm_map_page(vm, (uintptr_t)buf + i * PG,
				 (uintptr_t)buf + i * PG, 0);
	idle = remap_latency(vm, buf, 1000);

	job = (struct busy_job){ .vm = vm, .args = &sa, .groups = 1 };
	pthread_create(&t, NULL, busy_thread, &job);
	usleep(20000);
	busy1 = remap_latency(vm, buf, 200);
	atomic_store(&stop, true);
	pthread_join(t, NULL);

	atomic_store(&stop, false);
	job.groups = gpu->num_cus;
	pthread_create(&t, NULL, busy_thread, &job);
	usleep(20000);
	busyall = remap_latency(vm, buf, 200);
	atomic_store(&stop, true);
	pthread_join(t, NULL);

	/* A mirrored range, device-mapped, invalidated through the notifier. */
	for (int r = 0; r < REPS; r++) {
		struct touch_args ta = { .base = buf, .pages_per_group = 16 };
		const struct touch_args *tap = &ta;
		uint64_t t0;

		dispatch(mirror, wg_touch, &tap, 1);
		t0 = now_ns();
		sgpu_vm_invalidate(mirror, (uintptr_t)buf, (uintptr_t)buf + 16 * PG);
		inval[r] = (double)(now_ns() - t0) / 1e3;
	}

	header("4. Shootdown latency (until no unit can use the old translation)");
	row("remap 1 page, units idle", idle, "us", NULL);
	row("remap 1 page, 1 unit running a reader kernel", busy1, "us",
	    "quiescent-point wait");
	row("remap 1 page, every worker running it", busyall, "us",
	    "more threads than cores: preemption");
	row("invalidate mirrored 64 KiB (notifier), units idle",
	    summarize(inval, REPS), "us", "mm_invalidate_range");
	sgpu_vm_destroy(mirror);
	sgpu_vm_destroy(vm);
	munmap(buf, 16 * PG);
}

/* ---------------------------------------------------------------------- */
/* 6. VRAM */

static double gib_per_s(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / (double)ns * 1e9 / (double)(1ull << 30) : 0;
}

static int vram_move(struct sgpu_vm *vm, uint32_t flags, void *p, size_t len,
		     uint64_t *pages)
{
	return sgpu_vram_migrate(gpu, vm, flags, (uintptr_t)p,
				 (uintptr_t)p + len, pages);
}

static void bench_vram(size_t mib)
{
	size_t len = mib << 19, raw_len;	/* half the pool */
	uint64_t npages = len / PG, pages;
	double in[REPS], out[REPS], cpy[REPS], touch1[REPS], touchall[REPS];
	double press[REPS], evrate[REPS];
	struct sgpu_config saved = gpu->cfg;
	struct kmd_gpu_stats s0, s1;
	struct sgpu_vm *vm;
	void *raw;
	char *a = map_aligned(3 * len, &raw, &raw_len), *b = a + len,
	     *c = a + 2 * len;
	char *dst = map_fresh(len, MADV_NOHUGEPAGE);
	int ret;

	madvise(a, 3 * len, MADV_NOHUGEPAGE);
	memset(a, 1, 3 * len);
	memset(dst, 0, len);
	if (!gpu->vram.mem)
		gpu->cfg.vram_bytes = (uint64_t)mib << 20;	/* before the pool */
	if (sgpu_vm_create(gpu, KMD_VM_MIRROR_PROCESS, -1, &vm))
		die("vm");
	ret = vram_move(vm, KMD_MIGRATE_TO_VRAM, a, len, &pages);
	if (ret) {
		printf("\n(section 6 skipped: no VRAM, %d)\n", ret);
		goto out;
	}
	vram_move(vm, KMD_MIGRATE_TO_SYSTEM, a, len, &pages);
	s0 = gstats();
	for (int r = 0; r < REPS; r++) {
		struct touch_args ta = { .base = a };
		const struct touch_args *tap = &ta;
		uint64_t t0 = now_ns();

		memcpy(dst, a, len);
		cpy[r] = gib_per_s(len, now_ns() - t0);

		t0 = now_ns();
		if (vram_move(vm, KMD_MIGRATE_TO_VRAM, a, len, &pages) ||
		    pages != npages)
			die("migrate to VRAM");
		in[r] = gib_per_s(len, now_ns() - t0);

		/* First touch of VRAM-resident pages: faults map VRAM PTEs. */
		ta.pages_per_group = npages;
		t0 = now_ns();
		dispatch(vm, wg_touch, &tap, 1);
		touch1[r] = (double)(now_ns() - t0) / (double)npages;
		sgpu_vm_invalidate(vm, (uintptr_t)a, (uintptr_t)a + len);
		ta.pages_per_group = 64;
		t0 = now_ns();
		dispatch(vm, wg_touch, &tap, npages / 64);
		touchall[r] = (double)(now_ns() - t0) / (double)npages;

		t0 = now_ns();
		if (vram_move(vm, KMD_MIGRATE_TO_SYSTEM, a, len, &pages) ||
		    pages != npages)
			die("migrate to system");
		out[r] = gib_per_s(len, now_ns() - t0);
	}
	s1 = gstats();
	/* Pressure: a and b fill the pool; every page of c evicts one. */
	for (int r = 0; r < REPS; r++) {
		uint64_t t0, ev0, moved = 0;

		if (vram_move(vm, KMD_MIGRATE_TO_VRAM, a, len, &pages) ||
		    vram_move(vm, KMD_MIGRATE_TO_VRAM, b, len, &pages))
			die("fill");
		ev0 = gstats().evictions;
		t0 = now_ns();
		if (vram_move(vm, KMD_MIGRATE_TO_VRAM, c, len, &pages))
			die("pressure");
		t0 = now_ns() - t0;
		moved = gstats().evictions - ev0;
		press[r] = gib_per_s(len, t0);
		evrate[r] = (double)moved / ((double)t0 / 1e9) / 1e3;
		vram_move(vm, KMD_MIGRATE_TO_SYSTEM, a, 3 * len, &pages);
	}

	{
		char what[96], note[128];

		snprintf(what, sizeof(what), "6. VRAM (pool %zu MiB, %zu MiB moved "
			 "per run)", mib, mib / 2);
		header(what);
		row("CPU: memcpy of the same size (populated destination)",
		    summarize_rate(cpy, REPS), "GiB/s", "reference");
		row("migration to VRAM (hmm_migrate_to_device)",
		    summarize_rate(in, REPS), "GiB/s", NULL);
		row("migration back to system memory", summarize_rate(out, REPS),
		    "GiB/s", NULL);
		snprintf(note, sizeof(note), "%llu VRAM PTEs per run",
			 (unsigned long long)(s1.vram_ptes - s0.vram_ptes) / REPS);
		row("device first touch of VRAM pages, 1 unit",
		    summarize(touch1, REPS), "ns/page", note);
		row("device first touch of VRAM pages, all units",
		    summarize(touchall, REPS), "ns/page", NULL);
		row("migration to VRAM under pressure (each page evicts one)",
		    summarize_rate(press, REPS), "GiB/s", "in + eviction");
		row("eviction rate under pressure", summarize_rate(evrate, REPS),
		    "kpage/s", "pages evicted per second");
	}
out:
	sgpu_vm_destroy(vm);
	gpu->cfg = saved;
	munmap(raw, raw_len);
	munmap(dst, len);
}

/* ---------------------------------------------------------------------- */
/* 5. Launch latency */

static void wg_empty(const void *a, struct sgpu_cu_state *cu)
{
	(void)a;
	(void)cu;
}

static struct result launch_latency(struct sgpu_vm *vm, uint64_t groups,
				    unsigned int gap_us, int n)
{
	double v[REPS];

	for (int r = 0; r < REPS; r++) {
		uint64_t total = 0;

		for (int i = 0; i < n; i++) {
			uint64_t t0;

			if (gap_us)
				usleep(gap_us);
			t0 = now_ns();
			dispatch(vm, wg_empty, NULL, groups);
			total += now_ns() - t0;
		}
		v[r] = (double)total / 1e3 / n;
	}
	return summarize(v, REPS);
}

#if BENCH_HAVE_OPENCL
static void opencl_latency(void)
{
	cl_platform_id ps[8];
	cl_uint np = 0;

	if (clGetPlatformIDs(8, ps, &np) != CL_SUCCESS || !np) {
		printf("\n(no OpenCL platform: set OCL_ICD_VENDORS)\n");
		return;
	}
	for (cl_uint i = 0; i < np && i < 8; i++) {
		const char *src = "kernel void k(global int *p) { }";
		char name[64] = "", what[96];
		double rt[REPS], pipe[REPS];
		cl_command_queue q;
		cl_device_id dev;
		cl_context ctx;
		cl_program prog;
		cl_kernel k;
		cl_int err;
		cl_mem buf;
		size_t g = 1;

		clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof(name), name, NULL);
		if (clGetDeviceIDs(ps[i], CL_DEVICE_TYPE_ALL, 1, &dev, NULL))
			continue;
		ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
		q = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err);
		prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &err);
		if (clBuildProgram(prog, 1, &dev, NULL, NULL, NULL))
			continue;
		k = clCreateKernel(prog, "k", &err);
		buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 64, NULL, &err);
		clSetKernelArg(k, 0, sizeof(buf), &buf);
		for (int w = 0; w < 200; w++) {
			clEnqueueNDRangeKernel(q, k, 1, NULL, &g, NULL, 0, NULL, NULL);
			clFinish(q);
		}
		for (int r = 0; r < REPS; r++) {
			uint64_t t0 = now_ns();

			for (int it = 0; it < 1000; it++) {
				clEnqueueNDRangeKernel(q, k, 1, NULL, &g, NULL, 0,
						       NULL, NULL);
				clFinish(q);
			}
			rt[r] = (double)(now_ns() - t0) / 1e3 / 1000;
			t0 = now_ns();
			for (int it = 0; it < 1000; it++)
				clEnqueueNDRangeKernel(q, k, 1, NULL, &g, NULL, 0,
						       NULL, NULL);
			clFinish(q);
			pipe[r] = (double)(now_ns() - t0) / 1e3 / 1000;
		}
		snprintf(what, sizeof(what), "%.24s: enqueue + clFinish", name);
		row(what, summarize(rt, REPS), "us", "round trip");
		snprintf(what, sizeof(what), "%.24s: 1000 enqueues, one clFinish",
			 name);
		row(what, summarize(pipe, REPS), "us", "per kernel");
		clReleaseMemObject(buf);
		clReleaseKernel(k);
		clReleaseProgram(prog);
		clReleaseCommandQueue(q);
		clReleaseContext(ctx);
	}
}
#endif

static void bench_launch(void)
{
	struct sgpu_vm *vm;
	struct result one, hot, cold;

	if (sgpu_vm_create(gpu, 0, -1, &vm))
		die("vm");
	one = launch_latency(vm, 1, 0, 10000);
	hot = launch_latency(vm, 4 * gpu->num_cus, 0, 2000);
	cold = launch_latency(vm, 4 * gpu->num_cus, 2000, 100);
	header("5. Empty-kernel launch latency");
	row("kmd dispatch, 1 group (inline unit)", one, "us", "round trip");
	row("kmd dispatch, 4 groups per unit, units awake", hot, "us",
	    "back to back");
	row("kmd dispatch, 4 groups per unit, units asleep", cold, "us",
	    "2 ms apart: the inline unit starts alone");
	sgpu_vm_destroy(vm);
#if BENCH_HAVE_OPENCL
	opencl_latency();
#endif
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	const char *sections = argc > 2 ? argv[2] : "123456";

	row_filter = argc > 3 ? argv[3] : NULL;
	perf_open();
	if (!mib)
		mib = 64;
	printf("# bench-gpu: %zu MiB buffers, median of %d runs (best)\n", mib,
	       REPS);
	if (strchr(sections, '1'))
		bench_hit_cost();
	if (sgpu_get(&gpu))
		die("sgpu_get");
	printf("\nsgpu0: %u worker units + the inline unit, L1 %u lines, "
	       "L2 %ux%u, fault batch %u\n", gpu->num_cus, SGPU_TLB_L1_ENTRIES,
	       gpu->cfg.l2_sets, gpu->cfg.l2_ways, gpu->cfg.fault_batch);
	if (strchr(sections, '2'))
		bench_miss_cost(mib);
	if (strchr(sections, '3'))
		bench_fault_service(mib);
	if (strchr(sections, '4'))
		bench_shootdown();
	if (strchr(sections, '5'))
		bench_launch();
	if (strchr(sections, '6'))
		bench_vram(mib);
	sgpu_put(gpu);
	return 0;
}
