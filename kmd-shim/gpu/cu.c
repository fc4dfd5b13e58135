/* SPDX-License-Identifier: MIT */
/*
 * cu.c - compute units and the dispatch engine.
 *
 * DOC: Overview
 *
 * Every compute unit is a worker thread with its own descriptor and first-
 * level TLB (sgpu_abi.h). sgpu_dispatch() publishes one NDRange, wakes the
 * units and waits; units take work-groups with an atomic counter, so a
 * dispatch spreads over all units without a central queue. Units spin for a
 * short while before they sleep, and the submitter spins before it waits,
 * because waking a sleeping thread costs about 40 us on this machine.
 *
 * A device fault ends the dispatch: the unit records it, tells the other
 * units to stop taking groups, and unwinds with siglongjmp() to its
 * dispatch loop. The same unwinding guards against a stale translation: a
 * SIGSEGV or SIGBUS raised while a unit runs device code (the CPU unmapped
 * the page after the unit loaded the translation) becomes a device fault of
 * the dispatch instead of killing the process. Signals from any other
 * thread or code go to the handler that was installed before ours.
 *
 * DOC: Locking
 *
 * gpu->dispatch_lock serialises dispatches and protects gpu->launch.
 * gpu->launch_lock with launch_cond/done_cond is only for sleeping and
 * waking; the state it guards (launch_seq, active) is atomic so that
 * spinning threads read it without the lock. The first fault of a
 * dispatch is claimed with an atomic exchange on dispatch->faulted.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
};

static _Thread_local struct sgpu_cu *current_cu;
/* Handlers the guard chains to; written under guard_lock. */
static struct sigaction prev_segv, prev_bus;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void record_fault(struct sgpu_cu *cu, uint64_t va,
			 enum sgpu_access access, int status)
{
	struct sgpu_dispatch *d = cu->gpu->launch;

	atomic_store(&d->abort, true);
	if (atomic_exchange(&d->faulted, true))
		return;
	d->status = status;
	d->fault_access = access;
	d->fault_addr = va;
	memcpy(d->fault_group, cu->state.group_id, sizeof(d->fault_group));
	d->fault_unit = cu->index;
	atomic_fetch_add_explicit(&cu->gpu->stats.device_faults, 1,
				  memory_order_relaxed);
}

void sgpu_cu_device_fault(struct sgpu_cu *cu, uint64_t va,
			  enum sgpu_access access, int status)
{
	record_fault(cu, va, access, status);
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
 * device fault), so re-checking before each dispatch costs one syscall and
 * keeps device faults from reaching a handler that cannot unwind a
 * compute unit.
 */
static void ensure_signal_guard(void)
{
	install_guard_for(SIGSEGV, &prev_segv);
	install_guard_for(SIGBUS, &prev_bus);
}

static void cu_run_groups(struct sgpu_cu *cu, struct sgpu_dispatch *d)
{
	struct sgpu_cu_state *st = &cu->state;
	const struct kmd_dispatch *desc = d->desc;

	cu->vm = d->vm;
	if (cu->last_vm_id != d->vm->id) {
		sgpu_cu_tlb_flush_all(cu);
		cu->last_vm_id = d->vm->id;
	}
	st->work_dim = desc->work_dim;
	for (int i = 0; i < 3; i++) {
		st->local_size[i] = desc->local_size[i];
		st->enqueued_local_size[i] = desc->local_size[i];
		st->global_size[i] = desc->global_size[i];
		st->global_offset[i] = desc->global_offset[i];
		st->num_groups[i] = d->num_groups[i];
	}

	if (sigsetjmp(cu->abort_env, 1)) {
		cu->in_dispatch = 0;
		return;	/* device fault: recorded, dispatch aborted */
	}
	cu->in_dispatch = 1;
	for (;;) {
		uint64_t g;

		if (atomic_load_explicit(&d->abort, memory_order_relaxed))
			break;
		g = atomic_fetch_add_explicit(&d->next_group, 1,
					      memory_order_relaxed);
		if (g >= d->total_groups)
			break;
		st->group_id[0] = g % d->num_groups[0];
		st->group_id[1] = (g / d->num_groups[0]) % d->num_groups[1];
		st->group_id[2] = g / (d->num_groups[0] * d->num_groups[1]);
		d->entry((const void *)(uintptr_t)desc->args, st);
		atomic_fetch_add_explicit(&cu->gpu->stats.work_groups, 1,
					  memory_order_relaxed);
	}
	cu->in_dispatch = 0;
}

static void cu_finish_launch(struct sgpu *gpu)
{
	if (atomic_fetch_sub(&gpu->active, 1) == 1) {
		pthread_mutex_lock(&gpu->launch_lock);
		pthread_cond_broadcast(&gpu->done_cond);
		pthread_mutex_unlock(&gpu->launch_lock);
	}
}

/* Waits for a launch newer than @seen; false when the GPU stops. */
static bool cu_wait_launch(struct sgpu *gpu, uint64_t seen)
{
	uint64_t deadline = now_ns() + SGPU_SPIN_NS;

	while (atomic_load(&gpu->launch_seq) == seen) {
		if (atomic_load(&gpu->stopping))
			return false;
		if (now_ns() < deadline) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&gpu->launch_lock);
		while (atomic_load(&gpu->launch_seq) == seen &&
		       !atomic_load(&gpu->stopping))
			pthread_cond_wait(&gpu->launch_cond, &gpu->launch_lock);
		pthread_mutex_unlock(&gpu->launch_lock);
	}
	return !atomic_load(&gpu->stopping);
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
	/*
	 * The guard runs on an alternate stack so that a unit that overflows
	 * its own stack still reports a device fault. Keep one that is already
	 * there (sanitizer runtimes install theirs and free it themselves).
	 */
	if (sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE))
		sigaltstack(&ss, NULL);
	while (cu_wait_launch(gpu, cu->seen_launch)) {
		cu->seen_launch = atomic_load(&gpu->launch_seq);
		cu_run_groups(cu, gpu->launch);
		cu_finish_launch(gpu);
	}
	return NULL;
}

int sgpu_cus_start(struct sgpu *gpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("SVMCL_COMPUTE_UNITS");
	unsigned int started = 0;
	int ret = 0;

	if (env && atoi(env) > 0)
		n = atoi(env);
	if (n < 1)
		n = 1;
	if (n > 256)
		n = 256;

	ensure_signal_guard();

	gpu->cus = aligned_alloc(64, sizeof(*gpu->cus) * (size_t)n);
	if (!gpu->cus)
		return -ENOMEM;
	memset(gpu->cus, 0, sizeof(*gpu->cus) * (size_t)n);
	gpu->num_cus = (unsigned int)n;

	for (unsigned int i = 0; i < gpu->num_cus; i++) {
		struct sgpu_cu *cu = &gpu->cus[i];

		cu->gpu = gpu;
		cu->index = i;
		cu->state.owner = cu;
		cu->state.unit = i;
		cu->state.tlb_miss = sgpu_tlb_miss;
		cu->state.mem_copy = sgpu_mem_copy;
		cu->state.mem_set = sgpu_mem_set;
		sgpu_tlb_flush_all(&cu->state);
		sgpu_tlb_l2_init(&cu->l2);
		cu->altstack = malloc(SGPU_ALTSTACK_SIZE);
		if (!cu->altstack) {
			ret = -ENOMEM;
			break;
		}
	}
	for (unsigned int i = 0; !ret && i < gpu->num_cus; i++) {
		ret = -pthread_create(&gpu->cus[i].thread, NULL, cu_main,
				      &gpu->cus[i]);
		if (!ret)
			started++;
	}
	if (ret) {
		atomic_store(&gpu->stopping, true);
		pthread_mutex_lock(&gpu->launch_lock);
		pthread_cond_broadcast(&gpu->launch_cond);
		pthread_mutex_unlock(&gpu->launch_lock);
		for (unsigned int i = 0; i < started; i++)
			pthread_join(gpu->cus[i].thread, NULL);
		for (unsigned int i = 0; i < gpu->num_cus; i++) {
			free(gpu->cus[i].altstack);
			sgpu_tlb_l2_fini(&gpu->cus[i].l2);
		}
		free(gpu->cus);
		gpu->cus = NULL;
	}
	return ret;
}

void sgpu_cus_stop(struct sgpu *gpu)
{
	atomic_store(&gpu->stopping, true);
	pthread_mutex_lock(&gpu->launch_lock);
	pthread_cond_broadcast(&gpu->launch_cond);
	pthread_mutex_unlock(&gpu->launch_lock);
	for (unsigned int i = 0; i < gpu->num_cus; i++) {
		pthread_join(gpu->cus[i].thread, NULL);
		free(gpu->cus[i].altstack);
		sgpu_tlb_l2_fini(&gpu->cus[i].l2);
	}
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

int sgpu_dispatch(struct sgpu *gpu, struct sgpu_vm *vm,
		  struct kmd_dispatch *desc)
{
	struct sgpu_dispatch d;
	uint64_t deadline;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = dispatch_validate(desc, d.num_groups, &d.total_groups);
	if (ret)
		return ret;
	d.vm = vm;
	d.desc = desc;
	d.entry = (sgpu_wg_fn)(uintptr_t)desc->entry;

	ensure_signal_guard();
	pthread_mutex_lock(&gpu->dispatch_lock);
	gpu->launch = &d;
	atomic_store(&gpu->active, gpu->num_cus);
	pthread_mutex_lock(&gpu->launch_lock);
	atomic_fetch_add(&gpu->launch_seq, 1);
	pthread_cond_broadcast(&gpu->launch_cond);
	pthread_mutex_unlock(&gpu->launch_lock);

	deadline = now_ns() + SGPU_SPIN_NS;
	while (atomic_load(&gpu->active) && now_ns() < deadline)
		cpu_relax();
	if (atomic_load(&gpu->active)) {
		pthread_mutex_lock(&gpu->launch_lock);
		while (atomic_load(&gpu->active))
			pthread_cond_wait(&gpu->done_cond, &gpu->launch_lock);
		pthread_mutex_unlock(&gpu->launch_lock);
	}
	gpu->launch = NULL;
	pthread_mutex_unlock(&gpu->dispatch_lock);

	atomic_fetch_add_explicit(&gpu->stats.dispatches, 1,
				  memory_order_relaxed);
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
