/* SPDX-License-Identifier: MIT */
/*
 * shootdown.c - TLB shootdown and the quiescent-point wait.
 *
 * DOC: Overview
 *
 * Clearing TLB lines is not enough to stop a compute unit from using a
 * translation: JIT code loads the tag and addend, then performs the
 * access a few instructions later, and a unit may have loaded a line
 * just before another thread cleared it. The guarantee the interval
 * notifier needs ("when the invalidate callback returns, no compute unit
 * uses a translation of the range") and the VRAM rule ("a device page is
 * reused only after every unit has passed a quiescent point") both come
 * from a per-unit quiescent-state counter, in the manner of RCU:
 *
 *  - cu->qs is odd while the unit runs device code and may hold a
 *    translation, even while it is outside device code (between
 *    dispatches, or waiting in the fault path, where it holds none).
 *  - The unit moves it at points where it holds no translation: +1
 *    when its run of work-groups of a dispatch starts, +1 when the run
 *    ends (not per group: two locked operations per group cost a fifth
 *    of a streaming kernel; between groups the first-level clear below
 *    makes the next probe miss), -/+1 around a fault
 *    wait (sequentially consistent read-modify-writes, a full barrier on
 *    x86, so the unit's later probes see every line cleared before), and
 *    +2 when the miss path is entered, stored inside the unit's l2.lock
 *    (__sgpu_qs_pass_locked(): the lock orders it against the clears,
 *    which take the same lock, without another atomic on the miss path).
 *  - A shootdown clears the lines of every unit (sgpu_gpu_shootdown,
 *    under the VM's update lock), and then, after the lock is dropped,
 *    sgpu_quiesce_wait() samples every unit that runs a dispatch of the
 *    VM with an odd counter and waits until that counter moves. A unit
 *    whose counter was even, or moves, holds no translation loaded before
 *    the clear: its next probe misses and its next walk sees the cleared
 *    page table.
 *
 * The wait is a bounded spin, never a sleep/wake handoff (a wake costs
 * about 40 us here): units pass quiescent points within nanoseconds to
 * microseconds while they access device memory. Three things can keep a
 * unit from moving its counter, and each has its answer:
 *
 *  - it keeps hitting its first level in a loop (a stream within 1 MiB, a
 *    kernel spinning on a flag) and never enters the miss path: every
 *    SGPU_QS_FLUSH_NS the waiter clears that unit's whole first level, so
 *    its next device access misses and passes a point. A strip-mined
 *    loop (runtime/compiler/clc_hoist.cpp) holds the translations of its
 *    chunk from the chunk's probes to its last iteration: at most one
 *    page's worth of iterations of an innermost, call-free loop body, so
 *    microseconds; its next chunk's first probe misses and passes the
 *    point (the chunk's later probes carry SGPU_ACCESS_HOLD and pass
 *    none, since the earlier ones are held);
 *  - it is preempted, possibly between a probe and its access (with more
 *    runnable threads than cores): after SGPU_QS_YIELD_NS the waiter
 *    yields between checks, and after SGPU_QS_NAP_NS it naps briefly, so
 *    that the unit gets a core back. The lagging unit may also be queued
 *    behind another unit on the other core, where neither helps (and the
 *    scheduler does not migrate a thread that ran a moment ago): so the
 *    waiter also raises gpu->qs_yield and clears the first level of the
 *    other running units; they reach their miss path at once, and a unit
 *    at a quiescent point yields its core while the request stands
 *    (sgpu_qs_yield_point()), which lets the preempted unit run;
 *  - it runs arithmetic only, for longer than SGPU_QS_TIMEOUT_NS (1 s, the
 *    HMM fault budget): it holds no translation in any useful sense (a
 *    translation lives from a probe to its access, or for one chunk of
 *    a strip-mined loop, never across an inner loop), and the wait gives up and counts a timeout
 *    (shootdown_timeouts), which the statistics report.

 * What this guarantees, precisely: when sgpu_quiesce_wait() returns
 * without a timeout, every access a unit makes from then on was
 * translated after the shootdown, i.e. from the page table as it is now.
 * For system memory this is stronger than what the device strictly needs
 * (a stale access would reach the CPU's own mapping, and an unmapped page
 * becomes a device fault through the SIGSEGV guard, cu.c); for VRAM it is
 * what makes reusing a page safe.
 *
 * DOC: Locking
 *
 * Line clears take each unit's l2.lock (tlb.c). The wait takes no lock
 * and must be called without the VM's update lock held: units in the miss
 * path pass their quiescent point before they take it, but a unit must
 * not be kept from returning to device code that the waiter waits for.
 */
#include "config.h"

#include <assert.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "gpu/sgpu.h"

/* Clear a lagging unit's whole first level after this long. */
#define SGPU_QS_FLUSH_NS 2000ull
/* Yield between checks after this long (the unit may be preempted). */
#define SGPU_QS_YIELD_NS 20000ull
/* Nap between checks after this long (it is preempted for a while). */
#define SGPU_QS_NAP_NS 100000ull
#define SGPU_QS_NAP_STEP_NS 20000
/* Give up after this long (a unit doing arithmetic only). */
#define SGPU_QS_TIMEOUT_NS 1000000000ull

static void qs_debug_check(const struct sgpu_cu *cu, uint64_t v, bool odd)
{
#if SVMCL_DEBUG_CHECKS
	if ((bool)(v & 1) != odd) {
		fprintf(stderr, "sgpu: unit %u quiescent state %llu, expected %s\n",
			cu->index, (unsigned long long)v, odd ? "odd" : "even");
		assert(0);
	}
#else
	(void)cu;
	(void)v;
	(void)odd;
#endif
}

/*
 * The read-modify-writes are seq_cst, a locked instruction on x86: a full
 * barrier, so that the unit's probes after the move are ordered after it.
 * Elsewhere an explicit fence gives the same.
 */
static inline uint64_t qs_add(struct sgpu_cu *cu, uint64_t n)
{
	uint64_t v = atomic_fetch_add(&cu->qs, n) + n;

#if !defined(__x86_64__) && !defined(__i386__)
	atomic_thread_fence(memory_order_seq_cst);
#endif
	return v;
}

void sgpu_qs_enter(struct sgpu_cu *cu)
{
	qs_debug_check(cu, qs_add(cu, 1), true);
}

void sgpu_qs_exit(struct sgpu_cu *cu)
{
	qs_debug_check(cu, qs_add(cu, 1), false);
}

void sgpu_gpu_shootdown(struct sgpu *gpu, uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		sgpu_cu_tlb_flush_range(&gpu->cus[i], start, end);
}

void sgpu_qs_yield_point(struct sgpu_cu *cu)
{
	if (atomic_load_explicit(&cu->gpu->qs_yield, memory_order_relaxed))
		sched_yield();
}

/* Sends every other unit in device code to its miss path (see above). */
static void qs_request_yield(struct sgpu *gpu, const struct sgpu_cu *lagging)
{
	atomic_fetch_add(&gpu->qs_yield, 1);
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		struct sgpu_cu *cu = &gpu->cus[i];

		if (cu != lagging && (atomic_load(&cu->qs) & 1))
			sgpu_cu_tlb_flush_l1(cu);
	}
}

/*
 * Waits until @cu's counter moves from @seen; false on timeout. The unit's
 * first level is cleared every SGPU_QS_FLUSH_NS, not once: a unit sampled
 * inside its miss path (after its quiescent point, before its walk) fills
 * lines again when its walk completes, possibly after a single clear.
 */
static bool qs_wait_unit(struct sgpu *gpu, struct sgpu_cu *cu, uint64_t seen)
{
	uint64_t start = sgpu_now_ns(), elapsed, next_flush = SGPU_QS_FLUSH_NS;
	bool yield_requested = false, moved = true;

	while (atomic_load(&cu->qs) == seen) {
		elapsed = sgpu_now_ns() - start;
		if (elapsed > next_flush) {
			sgpu_cu_tlb_flush_l1(cu);
			next_flush = elapsed + SGPU_QS_FLUSH_NS;
		}
		if (!yield_requested && elapsed > SGPU_QS_YIELD_NS) {
			qs_request_yield(gpu, cu);
			yield_requested = true;
		}
		if (elapsed > SGPU_QS_TIMEOUT_NS) {
			moved = false;
			break;
		}
		if (elapsed > SGPU_QS_NAP_NS) {
			struct timespec nap = { 0, SGPU_QS_NAP_STEP_NS };

			nanosleep(&nap, NULL);
		} else if (elapsed > SGPU_QS_YIELD_NS) {
			sched_yield();
		} else {
			sgpu_cpu_relax();
		}
	}
	if (yield_requested)
		atomic_fetch_sub(&gpu->qs_yield, 1);
	return moved;
}

bool sgpu_quiesce_wait(struct sgpu *gpu, const struct sgpu_vm *vm)
{
	bool all_moved = true;

	if (gpu->test_skip_quiesce)
		return false;	/* nothing was waited for */
	/* Order the line clears before the samples (pairs with qs_add). */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		struct sgpu_cu *cu = &gpu->cus[i];
		uint64_t seen = atomic_load(&cu->qs);

		if (!(seen & 1))
			continue;
		/* Units flush their TLB when they switch VMs (cu.c). */
		if (vm && atomic_load(&cu->active_vm) != vm)
			continue;
		sgpu_stat_add(gpu, shootdown_waits, 1);
		if (!qs_wait_unit(gpu, cu, seen)) {
			sgpu_stat_add(gpu, shootdown_timeouts, 1);
			all_moved = false;
		}
	}
	return all_moved;
}

void sgpu_gpu_sync_units(struct sgpu *gpu)
{
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		pthread_spin_lock(&gpu->cus[i].l2.lock);
		pthread_spin_unlock(&gpu->cus[i].l2.lock);
	}
}
