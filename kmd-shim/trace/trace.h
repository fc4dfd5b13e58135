/* SPDX-License-Identifier: MIT */
/*
 * trace.h - a timeline of the memory system, as Chrome/Perfetto trace events.
 *
 * DOC: Overview
 *
 * With SVMCL_TRACE=<file> in the environment, the layers record what the
 * software GPU's memory system does - kernels, the work-groups each compute
 * unit ran, device fault batches, migrations and evictions, CPU address-space
 * invalidations, TLB shootdowns, device faults - and at process exit the
 * records are written to <file> in the Trace Event Format that
 * ui.perfetto.dev and chrome://tracing open, and a summary goes to stderr.
 *
 * Recording is cheap enough to leave in every build: when tracing is off a
 * probe is one predictable branch on a read-mostly flag; when it is on, a
 * record is a clock read and a store into a buffer of the calling thread,
 * with no lock (a thread takes the global lock only to add a buffer chunk).
 *
 * Usage, for a span:
 *
 *	uint64_t t0 = svmcl_trace_begin();
 *	...
 *	svmcl_trace_end(SVMCL_TRACE_FAULT_BATCH, t0, NULL, records, pages, 0);
 *
 * svmcl_trace_begin() returns 0 when tracing is off and svmcl_trace_end()
 * then does nothing. The meaning of a0..a2 per kind is listed with
 * enum svmcl_trace_kind; labels must outlive the process's exit (string
 * literals, or svmcl_trace_intern()).
 *
 * DOC: Locking
 *
 * trace_lock (trace.c) protects the list of chunks and the interned strings.
 * A chunk is written only by the thread that owns it; its count is
 * published with release semantics, so the exit-time writer reads only
 * complete records. Records made after the writer started are dropped.
 */
#ifndef SVMCL_TRACE_H
#define SVMCL_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum svmcl_trace_kind {
	/* label = kernel name; a0 = work-groups, a1 = work-items, a2 = VM */
	SVMCL_TRACE_KERNEL,
	/* a compute unit's share of a dispatch; a0 = work-groups it ran */
	SVMCL_TRACE_UNIT_GROUPS,
	/* a0 = fault records, a1 = pages committed, a2 = pages prefetched */
	SVMCL_TRACE_FAULT_BATCH,
	/* a0 = start address, a1 = pages, a2 = 0 to VRAM, 1 to system */
	SVMCL_TRACE_MIGRATE,
	/* a0 = pages evicted from VRAM to make room */
	SVMCL_TRACE_EVICT,
	/* a0 = start, a1 = end, a2 = enum mmu_notifier_event value */
	SVMCL_TRACE_INVALIDATE,
	/* a0 = start, a1 = end, a2 = 1 when every unit quiesced in time */
	SVMCL_TRACE_SHOOTDOWN,
	/* instant; label = kernel name; a0 = address, a1 = access kind */
	SVMCL_TRACE_DEVICE_FAULT,
	SVMCL_TRACE_NR_KINDS
};

/* Set once, before main() or at the first open; read on every probe. */
extern atomic_bool svmcl_trace_enabled_flag;

static inline bool svmcl_trace_enabled(void)
{
	return __builtin_expect(atomic_load_explicit(&svmcl_trace_enabled_flag,
						     memory_order_relaxed), 0);
}

uint64_t svmcl_trace_clock_ns(void);

/* The start of a span: its timestamp, or 0 when tracing is off. */
static inline uint64_t svmcl_trace_begin(void)
{
	return svmcl_trace_enabled() ? svmcl_trace_clock_ns() : 0;
}

void __svmcl_trace_record(enum svmcl_trace_kind kind, uint64_t t0,
			  uint64_t t1, const char *label, uint64_t a0,
			  uint64_t a1, uint64_t a2);

/* End the span that svmcl_trace_begin() started at @t0 (0: not traced). */
static inline void svmcl_trace_end(enum svmcl_trace_kind kind, uint64_t t0,
				   const char *label, uint64_t a0, uint64_t a1,
				   uint64_t a2)
{
	if (t0)
		__svmcl_trace_record(kind, t0, svmcl_trace_clock_ns(), label,
				     a0, a1, a2);
}

/* An event without duration. */
static inline void svmcl_trace_instant(enum svmcl_trace_kind kind,
				       const char *label, uint64_t a0,
				       uint64_t a1, uint64_t a2)
{
	if (svmcl_trace_enabled()) {
		uint64_t t = svmcl_trace_clock_ns();

		__svmcl_trace_record(kind, t, t, label, a0, a1, a2);
	}
}

/*
 * A copy of @s that lives until exit, shared by equal strings; NULL when
 * tracing is off or memory is short (records then carry no label).
 */
const char *svmcl_trace_intern(const char *s);

/*
 * svmcl_trace_start() - start recording to @path (the SVMCL_TRACE
 * variable does this before main()); for tests. -EALREADY when a trace is
 * being recorded, -EINVAL for an empty path.
 */
int svmcl_trace_start(const char *path);

/*
 * svmcl_trace_finish() - stop recording, write the file and print the
 * summary to @summary (may be NULL). Runs at exit by itself; calling it
 * earlier is for tests. Return: 0, or -errno when the file cannot be
 * written (reported on stderr as well).
 */
int svmcl_trace_finish(void *summary /* FILE * */);

#endif /* SVMCL_TRACE_H */
