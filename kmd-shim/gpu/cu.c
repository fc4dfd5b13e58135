/* SPDX-License-Identifier: MIT */
/*
 * cu.c - compute units and the dispatch engine.
 *
 * DOC: Overview
 *
 * Every compute unit is a worker thread with its own descriptor and TLBs
 * (sgpu_abi.h, tlb.c); one more unit, the inline unit, is run by whichever
 * thread dispatches. sgpu_dispatch() publishes one NDRange and works on it
 * itself; units take work-groups with an atomic counter, so a dispatch
 * spreads over all units without a central queue.
 *
 * Launch latency. Waking a sleeping thread costs about 40 us on this
 * machine, far more than a small kernel. So:
 *  - the dispatching thread runs work-groups itself, as the inline unit:
 *    a one-group dispatch never involves another thread, and a larger one
 *    starts at once while sleeping units wake up;
 *  - it wakes sleeping units (a futex wake, only if somebody sleeps) only
 *    when there is more than one group, and stops taking groups once every
 *    unit has joined, so that it does not compete with them for the cores;
 *  - units spin for SGPU_SPIN_NS after a dispatch before they sleep, so
 *    back-to-back dispatches find them awake;
 *  - the dispatching thread waits only for units that joined: a unit that
 *    wakes after the last group was taken finds the launch closed and goes
 *    back to sleep, without holding up the dispatch (launch_open / refs
 *    handshake below).
 *
 * A device fault ends the dispatch: the unit records it, tells the other
 * units to stop taking groups, and unwinds with siglongjmp() to its
 * dispatch loop. The same unwinding guards against a stale translation: a
 * SIGSEGV or SIGBUS raised while a unit runs device code (the CPU unmapped
 * the page after the unit loaded the translation) becomes a device fault of
 * the dispatch instead of killing the process. Signals from any other
 * thread or code go to the handler that was installed before ours.
 *
 * Every unit keeps its quiescent-state counter (shootdown.c): odd from the
 * start of a work-group to its end, even between groups and dispatches.
 *
 * Every unit owns one block of local memory (SGPU_LOCAL_MEM_SIZE bytes,
 * sgpu_abi.h) for the one work-group it runs at a time, and the work-item
 * contexts that kernels with barriers run on (fiber.c). A device fault
 * inside such a context unwinds to the thread's own stack like any other.
 *
 * DOC: Locking
 *
 * gpu->dispatch_lock serialises dispatches and protects gpu->launch and the
 * inline unit. The launch handshake is lock-free, with sequentially
 * consistent atomics: the dispatching thread sets launch_open, bumps
 * launch_seq (a futex word units sleep on, counted in sleepers), and at the
 * end clears launch_open and waits for refs to drop to zero; a unit bumps
 * refs, then checks launch_open, and only then touches gpu->launch. Either
 * the dispatching thread sees the unit's reference and waits for it, or
 * the unit sees the launch closed. refs is also a futex word the
 * dispatching thread sleeps on after spinning. The first fault of a
 * dispatch is claimed with an atomic exchange on dispatch->faulted.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "gpu/sgpu.h"

#define SGPU_SPIN_NS 50000	/* spin before sleeping: ~1 wake-up cost */
#define SGPU_ALTSTACK_SIZE (64 * 1024)

struct sgpu_dispatch {
	struct sgpu_vm *vm;
	struct kmd_dispatch *desc;
	sgpu_wg_fn entry;
	uint64_t num_groups[3];
	uint64_t total_groups;
	atomic_uint_fast64_t next_group;
	atomic_bool abort;
	atomic_bool faulted;
	/* First fault, written by the unit that set @faulted. */
	int status;
	enum sgpu_access fault_access;
	uint64_t fault_addr;
	uint64_t fault_group[3];
	unsigned int fault_unit;
	const char *label;	/* kernel name for the trace, or NULL */
};

static _Thread_local struct sgpu_cu *current_cu;
/* Handlers the guard chains to; written under guard_lock. */
static struct sigaction prev_segv, prev_bus;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

/* The alternate signal stack we gave a dispatching thread, if any. */
static pthread_key_t altstack_key;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;
static _Thread_local bool altstack_checked;

uint64_t sgpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void futex_wait(atomic_uint *word, unsigned int expected)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static void record_fault(struct sgpu_cu *cu, uint64_t va,
			 enum sgpu_access access, int status)
{
	struct sgpu_dispatch *d = cu->launch;

	atomic_store(&d->abort, true);
	if (atomic_exchange(&d->faulted, true))
		return;
	d->status = status;
	d->fault_access = access;
	d->fault_addr = va;
	memcpy(d->fault_group, cu->state.group_id, sizeof(d->fault_group));
	d->fault_unit = cu->index;
	sgpu_stat_add(cu->gpu, device_faults, 1);
	svmcl_trace_instant(SVMCL_TRACE_DEVICE_FAULT, d->label, va, access, 0);
}

void sgpu_cu_device_fault(struct sgpu_cu *cu, uint64_t va,
			  enum sgpu_access access, int status)
{
	record_fault(cu, va, access, status);
	sgpu_fibers_unwind(cu);
	siglongjmp(cu->abort_env, 1);
}

static void chain_signal(int sig, siginfo_t *info, void *uctx,
			 const struct sigaction *prev)
{
	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, info, uctx);
		return;
	}
	if (prev->sa_handler == SIG_IGN)
		return;
	if (prev->sa_handler != SIG_DFL) {
		prev->sa_handler(sig);
		return;
	}
	/* Default action: reinstall it; the faulting access repeats. */
	signal(sig, SIG_DFL);
}

static void cu_signal_guard(int sig, siginfo_t *info, void *uctx)
{
	struct sgpu_cu *cu = current_cu;
	enum sgpu_access access = SGPU_ACCESS_READ;

	if (!cu || !cu->in_dispatch) {
		chain_signal(sig, info, uctx,
			     sig == SIGSEGV ? &prev_segv : &prev_bus);
		return;
	}
#if defined(__x86_64__)
	/* Page-fault error code bit 1: the access was a write. */
	if (((ucontext_t *)uctx)->uc_mcontext.gregs[REG_ERR] & 2)
		access = SGPU_ACCESS_WRITE;
#endif
	record_fault(cu, (uint64_t)(uintptr_t)info->si_addr, access, -EFAULT);
	sgpu_fibers_unwind(cu);
	siglongjmp(cu->abort_env, 1);
}

static void install_guard_for(int sig, struct sigaction *prev)
{
	struct sigaction sa, cur;

	if (sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == cu_signal_guard)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = cu_signal_guard;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&guard_lock);
	sigaction(sig, &sa, prev);
	pthread_mutex_unlock(&guard_lock);
}

/*
 * Makes sure the guard is the installed handler. Applications and test
 * harnesses may install their own SIGSEGV handler after the GPU started;
 * the guard then wraps it (it is called for every signal that is not a
 * device fault), so re-checking before each dispatch costs two system
 * calls and keeps device faults from reaching a handler that cannot
 * unwind a compute unit.
 */
static void ensure_signal_guard(void)
{
	install_guard_for(SIGSEGV, &prev_segv);
	install_guard_for(SIGBUS, &prev_bus);
}

static void altstack_release(void *stack)
{
	stack_t off = { .ss_flags = SS_DISABLE };

	sigaltstack(&off, NULL);
	free(stack);
}

static void altstack_key_create(void)
{
	pthread_key_create(&altstack_key, altstack_release);
}

/* After a siglongjmp() out of the guard, which ran with them blocked. */
static void cu_unblock_guarded_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGBUS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * The guard runs on an alternate stack so that device code that overflows
 * its stack still reports a device fault. Worker threads get theirs at
 * start; a thread that dispatches (and so runs the inline unit) gets one
 * the first time, freed when it exits. A stack that is already there is
 * kept (sanitizer runtimes install their own).
 */
static void ensure_altstack(void)
{
	stack_t old, ss = { .ss_size = SGPU_ALTSTACK_SIZE };

	if (altstack_checked)
		return;
	altstack_checked = true;
	/*
	 * A synchronous SIGSEGV in a thread that blocks it kills the process
	 * instead of reaching the guard, and a dispatching thread may have
	 * been created with every signal blocked (the runtime's queue thread
	 * is): device code must run with the guarded signals open.
	 */
	cu_unblock_guarded_signals();
	if (sigaltstack(NULL, &old) || !(old.ss_flags & SS_DISABLE))
		return;
	pthread_once(&altstack_once, altstack_key_create);
	ss.ss_sp = malloc(SGPU_ALTSTACK_SIZE);
	if (!ss.ss_sp)
		return;
	if (sigaltstack(&ss, NULL) || pthread_setspecific(altstack_key, ss.ss_sp)) {
		stack_t off = { .ss_flags = SS_DISABLE };

		sigaltstack(&off, NULL);
		free(ss.ss_sp);
	}
}

/* Binds @cu to @d: VM switch, geometry. */
static void cu_bind(struct sgpu_cu *cu, struct sgpu_dispatch *d)
{
	struct sgpu_cu_state *st = &cu->state;
	const struct kmd_dispatch *desc = d->desc;

	cu->launch = d;
	cu->vm = d->vm;
	if (cu->last_vm_id != d->vm->id) {
		sgpu_cu_tlb_flush_all(cu);
		cu->last_vm_id = d->vm->id;
	}
	/* Before the counter turns odd: shootdowns read it after qs. */
	atomic_store(&cu->active_vm, d->vm);
	st->work_dim = desc->work_dim;
	st->printf_buf = (struct sgpu_printf_buf *)(uintptr_t)desc->printf_buf;
	for (int i = 0; i < 3; i++) {
		st->local_size[i] = desc->local_size[i];
		st->enqueued_local_size[i] = desc->local_size[i];
		st->global_size[i] = desc->global_size[i];
		st->global_offset[i] = desc->global_offset[i];
		st->num_groups[i] = d->num_groups[i];
	}
}

/*
 * Runs groups of @d until none are left, the dispatch aborts, or (for the
 * inline unit) every worker has joined.
 */
static void cu_run_groups(struct sgpu_cu *cu, struct sgpu_dispatch *d)
{
	struct sgpu_cu_state *st = &cu->state;
	struct sgpu *gpu = cu->gpu;
	volatile uint64_t groups = 0;	/* survives the siglongjmp */
	volatile uint64_t trace_t0;

	cu_bind(cu, d);
	trace_t0 = svmcl_trace_begin();
	/*
	 * No signal mask saved (that is a system call per dispatch): the
	 * unwinding from the guard leaves SIGSEGV/SIGBUS blocked, and the
	 * abort path unblocks them itself.
	 */
	if (sigsetjmp(cu->abort_env, 0)) {
		/* Device fault: recorded, dispatch aborted. */
		sgpu_fibers_landed(cu);
		cu_unblock_guarded_signals();
		cu->in_dispatch = 0;
		if (atomic_load(&cu->qs) & 1)
			sgpu_qs_exit(cu);
		sgpu_count(&cu->cnt.work_groups, groups);
		svmcl_trace_end(SVMCL_TRACE_UNIT_GROUPS, trace_t0, NULL,
				groups, 0, 0);
		return;
	}
	cu->in_dispatch = 1;
	/*
	 * One quiescent-state span for the unit's whole run of work-groups,
	 * not one per group: the two locked read-modify-writes per group
	 * waited for the group's streaming stores to drain and cost a fifth
	 * of a STREAM kernel's time. Between groups the unit holds no
	 * translation; a waiter that needs it to move clears its first level
	 * and the next probe's miss passes a quiescent point (shootdown.c).
	 */
	sgpu_qs_enter(cu);
	for (uint64_t g = 0, claimed = 0;; g++) {
		if (atomic_load_explicit(&d->abort, memory_order_relaxed))
			break;
		if (g >= claimed && cu->is_inline &&
		    atomic_load_explicit(&gpu->joined, memory_order_relaxed) >=
			    gpu->num_cus)
			break;	/* never with claimed groups left to run */
		if (g >= claimed) {
			/*
			 * Groups are claimed a batch at a time, guided: an
			 * eighth of the remainder per unit, 1 to 64 groups
			 * (one contended locked add per group, behind the
			 * group's stores, cost as much as the group itself).
			 */
			uint64_t left = d->total_groups -
					atomic_load_explicit(&d->next_group,
							     memory_order_relaxed);
			uint64_t k = left / (8 * ((uint64_t)gpu->num_cus + 1));

			k = k < 1 ? 1 : k > 64 ? 64 : k;
			if (left > d->total_groups)	/* all claimed */
				k = 1;
			g = atomic_fetch_add_explicit(&d->next_group, k,
						      memory_order_relaxed);
			claimed = g + k;
		}
		if (g >= d->total_groups)
			break;
		st->group_id[0] = g % d->num_groups[0];
		st->group_id[1] = (g / d->num_groups[0]) % d->num_groups[1];
		st->group_id[2] = g / (d->num_groups[0] * d->num_groups[1]);
		d->entry((const void *)(uintptr_t)d->desc->args, st);
		sgpu_qs_yield_point(cu);
		groups++;
	}
	sgpu_qs_exit(cu);
	cu->in_dispatch = 0;
	sgpu_count(&cu->cnt.work_groups, groups);
	if (groups)
		svmcl_trace_end(SVMCL_TRACE_UNIT_GROUPS, trace_t0, NULL,
				groups, 0, 0);
}

/* Waits for a launch newer than @seen; false when the GPU stops. */
static bool cu_wait_launch(struct sgpu *gpu, uint32_t seen)
{
	uint64_t deadline = sgpu_now_ns() + SGPU_SPIN_NS;

	while (atomic_load(&gpu->launch_seq) == seen) {
		if (atomic_load(&gpu->stopping))
			return false;
		if (sgpu_now_ns() < deadline) {
			sgpu_cpu_relax();
			continue;
		}
		atomic_fetch_add(&gpu->sleepers, 1);
		if (atomic_load(&gpu->launch_seq) == seen &&
		    !atomic_load(&gpu->stopping))
			futex_wait(&gpu->launch_seq, seen);
		atomic_fetch_sub(&gpu->sleepers, 1);
	}
	return !atomic_load(&gpu->stopping);
}

/* A worker is done with the launch it joined. */
static void cu_put_launch(struct sgpu *gpu)
{
	if (atomic_fetch_sub(&gpu->refs, 1) == 1 &&
	    atomic_load(&gpu->submitter_sleeps))
		futex_wake(&gpu->refs, 1);
}

static void *cu_main(void *arg)
{
	struct sgpu_cu *cu = arg;
	struct sgpu *gpu = cu->gpu;
	stack_t ss = {
		.ss_sp = cu->altstack,
		.ss_size = SGPU_ALTSTACK_SIZE,
	};
	stack_t old;

	current_cu = cu;
	{
		/* For debuggers, perf and the trace's thread names. */
		char name[16];

		snprintf(name, sizeof(name), "svmcl-cu%u", cu->index);
		pthread_setname_np(pthread_self(), name);
	}
	/* Workers inherit their creator's mask: see ensure_altstack(). */
	cu_unblock_guarded_signals();
	/*
	 * The guard runs on an alternate stack so that a unit that overflows
	 * its own stack still reports a device fault. Keep one that is already
	 * there (sanitizer runtimes install theirs and free it themselves).
	 */
	if (sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE))
		sigaltstack(&ss, NULL);
	while (cu_wait_launch(gpu, cu->seen_launch)) {
		cu->seen_launch = atomic_load(&gpu->launch_seq);
		atomic_fetch_add(&gpu->refs, 1);
		if (!atomic_load(&gpu->launch_open)) {
			cu_put_launch(gpu);	/* too late: all groups taken */
			continue;
		}
		atomic_fetch_add(&gpu->joined, 1);
		cu_run_groups(cu, gpu->launch);
		cu_put_launch(gpu);
	}
	return NULL;
}

static int cu_init(struct sgpu *gpu, struct sgpu_cu *cu, unsigned int index)
{
	int ret;

	cu->gpu = gpu;
	cu->index = index;
	cu->is_inline = index == gpu->num_cus;
	cu->state.owner = cu;
	cu->state.unit = index;
	cu->state.tlb_miss = sgpu_tlb_miss;
	cu->state.mem_copy = sgpu_mem_copy;
	cu->state.mem_set = sgpu_mem_set;
	cu->l1 = cu->state.tlb;
	sgpu_tlb_flush_all(cu->state.tlb);
	atomic_init(&cu->qs, 0);
	atomic_init(&cu->active_vm, NULL);
	ret = sgpu_tlb_l2_init(&cu->l2, gpu->cfg.l2_sets, gpu->cfg.l2_ways);
	if (ret)
		return ret;
	if (gpu->cfg.tlb_count) {
		cu->shadow = aligned_alloc(64, sizeof(cu->state.tlb));
		if (!cu->shadow)
			goto err_l2;
		sgpu_tlb_flush_all(cu->shadow);
		cu->l1 = cu->shadow;
	}
	if (!cu->is_inline) {
		cu->altstack = malloc(SGPU_ALTSTACK_SIZE);
		if (!cu->altstack)
			goto err_shadow;
	}
	/* One group at a time per unit: one block of local memory. */
	cu->state.local_mem = aligned_alloc(SGPU_PAGE_SIZE, SGPU_LOCAL_MEM_SIZE);
	if (!cu->state.local_mem)
		goto err_altstack;
	/* Generic pointers into this block are local: no MMU (sgpu_abi.h). */
	cu->state.local_lo = (uintptr_t)cu->state.local_mem;
	cu->state.local_hi = cu->state.local_lo + SGPU_LOCAL_MEM_SIZE;
	if (sgpu_fibers_init(cu))
		goto err_local_mem;
	return 0;

err_local_mem:
	free(cu->state.local_mem);
err_altstack:
	free(cu->altstack);
err_shadow:
	free(cu->shadow);
err_l2:
	sgpu_tlb_l2_fini(&cu->l2);
	return -ENOMEM;
}

static void cu_fini(struct sgpu_cu *cu)
{
	sgpu_fibers_fini(cu);
	free(cu->state.local_mem);
	free(cu->altstack);
	free(cu->shadow);
	sgpu_tlb_l2_fini(&cu->l2);
}

static void cus_wake_all(struct sgpu *gpu)
{
	atomic_fetch_add(&gpu->launch_seq, 1);
	futex_wake(&gpu->launch_seq, INT_MAX);
}

int sgpu_cus_start(struct sgpu *gpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("SVMCL_COMPUTE_UNITS");
	unsigned int inited = 0, started = 0;
	int ret = 0;

	if (env && atoi(env) > 0)
		n = atoi(env);
	if (n < 1)
		n = 1;
	if (n > 256)
		n = 256;

	ensure_signal_guard();

	gpu->num_cus = (unsigned int)n;
	gpu->nr_units = gpu->num_cus + 1;
	gpu->cus = aligned_alloc(64, sizeof(*gpu->cus) * gpu->nr_units);
	if (!gpu->cus)
		return -ENOMEM;
	memset(gpu->cus, 0, sizeof(*gpu->cus) * gpu->nr_units);

	for (; inited < gpu->nr_units; inited++) {
		ret = cu_init(gpu, &gpu->cus[inited], inited);
		if (ret)
			goto err_fini;
	}
	for (; started < gpu->num_cus; started++) {
		ret = -pthread_create(&gpu->cus[started].thread, NULL, cu_main,
				      &gpu->cus[started]);
		if (ret)
			goto err_join;
	}
	return 0;

err_join:
	atomic_store(&gpu->stopping, true);
	cus_wake_all(gpu);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(gpu->cus[i].thread, NULL);
err_fini:
	for (unsigned int i = 0; i < inited; i++)
		cu_fini(&gpu->cus[i]);
	free(gpu->cus);
	gpu->cus = NULL;
	return ret;
}

void sgpu_cus_stop(struct sgpu *gpu)
{
	atomic_store(&gpu->stopping, true);
	cus_wake_all(gpu);
	for (unsigned int i = 0; i < gpu->num_cus; i++)
		pthread_join(gpu->cus[i].thread, NULL);
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		cu_fini(&gpu->cus[i]);
	free(gpu->cus);
	gpu->cus = NULL;
}

static int dispatch_validate(struct kmd_dispatch *desc, uint64_t num_groups[3],
			     uint64_t *total)
{
	if (desc->work_dim < 1 || desc->work_dim > 3 || !desc->entry)
		return -EINVAL;
	*total = 1;
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t gs = desc->global_size[i], ls = desc->local_size[i];

		if (i >= desc->work_dim) {
			desc->global_size[i] = gs = 1;
			desc->local_size[i] = ls = 1;
			desc->global_offset[i] = 0;
		}
		if (!gs || !ls || gs % ls)
			return -EINVAL;
		num_groups[i] = gs / ls;
		if (__builtin_mul_overflow(*total, num_groups[i], total))
			return -EINVAL;
	}
	return 0;
}

/* Runs the inline unit on the calling thread. */
static void dispatch_run_inline(struct sgpu *gpu, struct sgpu_dispatch *d)
{
	struct sgpu_cu *cu = &gpu->cus[gpu->num_cus];
	struct sgpu_cu *saved = current_cu;

	ensure_altstack();
	current_cu = cu;
	cu_run_groups(cu, d);
	current_cu = saved;
}

/* Closes the launch and waits for the units that joined it. */
static void dispatch_close(struct sgpu *gpu)
{
	uint64_t deadline;
	unsigned int refs;

	atomic_store(&gpu->launch_open, false);
	deadline = sgpu_now_ns() + SGPU_SPIN_NS;
	while (atomic_load(&gpu->refs) && sgpu_now_ns() < deadline)
		sgpu_cpu_relax();
	while ((refs = atomic_load(&gpu->refs)) != 0) {
		atomic_store(&gpu->submitter_sleeps, 1);
		if (atomic_load(&gpu->refs) == refs)
			futex_wait(&gpu->refs, refs);
		atomic_store(&gpu->submitter_sleeps, 0);
	}
}

int sgpu_dispatch(struct sgpu *gpu, struct sgpu_vm *vm,
		  struct kmd_dispatch *desc)
{
	struct sgpu_dispatch d;
	uint64_t trace_t0;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = dispatch_validate(desc, d.num_groups, &d.total_groups);
	if (ret)
		return ret;
	trace_t0 = svmcl_trace_begin();
	if (trace_t0 && desc->label)
		d.label = svmcl_trace_intern((const char *)(uintptr_t)desc->label);
	d.vm = vm;
	d.desc = desc;
	d.entry = (sgpu_wg_fn)(uintptr_t)desc->entry;

	ensure_signal_guard();
	pthread_mutex_lock(&gpu->dispatch_lock);
	gpu->launch = &d;
	atomic_store(&gpu->joined, 0);
	if (d.total_groups > 1) {
		atomic_store(&gpu->launch_open, true);
		atomic_fetch_add(&gpu->launch_seq, 1);
		if (atomic_load(&gpu->sleepers))
			futex_wake(&gpu->launch_seq,
				   d.total_groups - 1 < INT_MAX
					   ? (int)(d.total_groups - 1)
					   : INT_MAX);
	} else {
		sgpu_stat_add(gpu, inline_dispatches, 1);
	}
	dispatch_run_inline(gpu, &d);
	if (d.total_groups > 1)
		dispatch_close(gpu);
	gpu->launch = NULL;
	pthread_mutex_unlock(&gpu->dispatch_lock);

	sgpu_stat_add(gpu, dispatches, 1);
	svmcl_trace_end(SVMCL_TRACE_KERNEL, trace_t0, d.label, d.total_groups,
			d.total_groups * desc->local_size[0] *
				desc->local_size[1] * desc->local_size[2],
			desc->vm_id);
	desc->status = 0;
	if (atomic_load(&d.faulted)) {
		desc->status = d.status;
		desc->fault_access = d.fault_access;
		desc->fault_addr = d.fault_addr;
		memcpy(desc->fault_group, d.fault_group,
		       sizeof(desc->fault_group));
		desc->fault_unit = d.fault_unit;
	}
	return 0;
}
