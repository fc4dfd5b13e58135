/* SPDX-License-Identifier: MIT */
/*
 * svm_check.c - the coarse-grain checking mode (SVMCL_CHECK=coarse).
 *
 * DOC: Overview
 *
 * A coarse-grained SVM allocation belongs to the device from clSVMAlloc
 * (or clEnqueueSVMUnmap) until clEnqueueSVMMap: on a discrete GPU its data
 * may then live in VRAM, and a host access reads stale data or loses its
 * writes. svmcl shares memory, so such a program works here and breaks
 * elsewhere. With SVMCL_CHECK=coarse the host's view of every device-owned
 * coarse allocation is mprotect(PROT_NONE); the first host access faults,
 * the SIGSEGV handler below prints
 *
 *	svmcl: check: host write to coarse-grained SVM allocation
 *	0x7f...(4096 bytes) while the device owns it (not mapped with
 *	clEnqueueSVMMap), at 0x7f...+16, pc 0x55...
 *
 * and gives the access back, so the program continues (one report per
 * allocation and ownership period). Off by default.
 *
 * The device reaches system memory through the same CPU virtual addresses
 * (identity IOMMU: a device PTE points at the CPU's page, docs/gpu.md), so
 * a PROT_NONE view would stop the device as well: a compute unit that
 * touched it would take the GPU's SIGSEGV guard (kmd-shim/gpu/cu.c) and
 * end its dispatch with a device fault. Commands of a context that reach
 * memory as the device (kernels, SVM copies, fills, migrations) therefore
 * run between svmcl_svm_check_device_begin() and _end(): the device-owned
 * allocations of that context are accessible while any of them runs and
 * protected again when the last one ends. A host access during that time
 * is not caught (docs/svm.md).
 *
 * Signal handlers. The handler is installed once, when the library is
 * loaded, before the GPU exists; the GPU installs its guard on top and
 * chains every signal that is not a device fault to it, and this handler
 * chains every signal that is not a checked access to the handler that
 * was installed before it. Installing it later would make a cycle (the
 * guard re-installs itself over any newer handler and would chain back to
 * it). An application that installs its own SIGSEGV handler after loading
 * the ICD must chain to the previous one for the checks to work.
 *
 * DOC: Locking
 *
 * check_lock protects the runtime's transitions of the slot table and
 * every context's svm.check_active; it is a leaf lock, held across
 * mprotect() only. The signal handler takes no lock: it reads a slot's
 * state (acquire) and claims a report with a compare-and-swap from
 * SLOT_PROTECTED to SLOT_REPORTED. A slot's fields are written while it
 * is SLOT_BUSY, before its state is published.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "api_error.h"
#include "context.h"

#define CHECK_SLOTS 4096

enum {
	SLOT_FREE,		/* unused */
	SLOT_BUSY,		/* being filled under check_lock */
	SLOT_PROTECTED,		/* device owns it; host view PROT_NONE */
	SLOT_OPEN,		/* device owns it; device commands running */
	SLOT_REPORTED,		/* device owns it; host access reported */
};

struct check_slot {
	atomic_int state;
	uintptr_t start;	/* page aligned */
	size_t len;		/* the mapping, page rounded */
	size_t size;		/* as allocated */
	cl_context ctx;
};

static struct check_slot slots[CHECK_SLOTS];
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static bool check_on;		/* set once by the constructor */
static bool warned_full;	/* under check_lock */
static struct sigaction prev_segv;	/* written once, before use */

bool svmcl_svm_check_enabled(void)
{
	return check_on;
}

/* The slot of the allocation at @start, or NULL. check_lock held. */
static struct check_slot *__check_find(uintptr_t start)
{
	for (size_t i = 0; i < CHECK_SLOTS; i++) {
		int st = atomic_load(&slots[i].state);

		if (st != SLOT_FREE && slots[i].start == start)
			return &slots[i];
	}
	return NULL;
}

static struct check_slot *__check_claim(void)
{
	for (size_t i = 0; i < CHECK_SLOTS; i++) {
		int st = SLOT_FREE;

		if (atomic_compare_exchange_strong(&slots[i].state, &st,
						   SLOT_BUSY))
			return &slots[i];
	}
	return NULL;
}

void svmcl_svm_check_device_owns(cl_context ctx,
				 const struct svmcl_svm_alloc *a)
{
	struct check_slot *s;

	if (!check_on)
		return;
	pthread_mutex_lock(&check_lock);
	s = __check_find(a->start);
	if (!s) {
		s = __check_claim();
		if (!s) {
			if (!warned_full)
				svmcl_debug(SVMCL_DBG_ALL,
					    "check: more than %d coarse-grained allocations; new ones are not checked",
					    CHECK_SLOTS);
			warned_full = true;
			goto unlock;
		}
		s->start = a->start;
		s->len = a->map_size;
		s->size = a->size;
		s->ctx = ctx;
	}
	if (ctx->svm.check_active) {
		atomic_store(&s->state, SLOT_OPEN);
	} else {
		/* State first: a fault after mprotect() must find it. */
		atomic_store(&s->state, SLOT_PROTECTED);
		mprotect((void *)s->start, s->len, PROT_NONE);
	}
unlock:
	pthread_mutex_unlock(&check_lock);
}

void svmcl_svm_check_host_owns(uintptr_t start)
{
	struct check_slot *s;
	int st = SLOT_PROTECTED;

	if (!check_on)
		return;
	pthread_mutex_lock(&check_lock);
	s = __check_find(start);
	if (s) {
		/* OPEN while the access comes back: faults retry, not report. */
		atomic_compare_exchange_strong(&s->state, &st, SLOT_OPEN);
		mprotect((void *)s->start, s->len, PROT_READ | PROT_WRITE);
		atomic_store(&s->state, SLOT_FREE);
	}
	pthread_mutex_unlock(&check_lock);
}

void svmcl_svm_check_device_begin(cl_context ctx)
{
	if (!check_on)
		return;
	pthread_mutex_lock(&check_lock);
	if (ctx->svm.check_active++ == 0) {
		for (size_t i = 0; i < CHECK_SLOTS; i++) {
			struct check_slot *s = &slots[i];
			int st = SLOT_PROTECTED;

			if (s->ctx != ctx ||
			    !atomic_compare_exchange_strong(&s->state, &st,
							    SLOT_OPEN))
				continue;
			mprotect((void *)s->start, s->len,
				 PROT_READ | PROT_WRITE);
		}
	}
	pthread_mutex_unlock(&check_lock);
}

void svmcl_svm_check_device_end(cl_context ctx)
{
	if (!check_on)
		return;
	pthread_mutex_lock(&check_lock);
	if (--ctx->svm.check_active == 0) {
		for (size_t i = 0; i < CHECK_SLOTS; i++) {
			struct check_slot *s = &slots[i];

			if (s->ctx != ctx ||
			    atomic_load(&s->state) != SLOT_OPEN)
				continue;
			atomic_store(&s->state, SLOT_PROTECTED);
			mprotect((void *)s->start, s->len, PROT_NONE);
		}
	}
	pthread_mutex_unlock(&check_lock);
}

/*
 * The report, formatted without stdio: the handler may interrupt a thread
 * inside malloc() or printf().
 */
struct sbuf {
	char b[320];
	size_t n;
};

static void sb_str(struct sbuf *sb, const char *s)
{
	while (*s && sb->n < sizeof(sb->b) - 1)
		sb->b[sb->n++] = *s++;
}

static void sb_num(struct sbuf *sb, uint64_t v, unsigned int base)
{
	char tmp[24];
	int i = 0;

	if (base == 16)
		sb_str(sb, "0x");
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i > 0 && sb->n < sizeof(sb->b) - 1)
		sb->b[sb->n++] = tmp[--i];
}

static void check_report(const struct check_slot *s, uintptr_t addr,
			 bool is_write, uintptr_t pc)
{
	struct sbuf sb = { .n = 0 };
	ssize_t ret;

	sb_str(&sb, "svmcl: check: host ");
	sb_str(&sb, is_write ? "write to" : "read of");
	sb_str(&sb, " coarse-grained SVM allocation ");
	sb_num(&sb, s->start, 16);
	sb_str(&sb, "(");
	sb_num(&sb, s->size, 10);
	sb_str(&sb, " bytes) while the device owns it (not mapped with "
		    "clEnqueueSVMMap), at ");
	sb_num(&sb, s->start, 16);
	sb_str(&sb, "+");
	sb_num(&sb, addr - s->start, 10);
	if (pc) {
		sb_str(&sb, ", pc ");
		sb_num(&sb, pc, 16);
	}
	sb_str(&sb, "\n");
	ret = write(STDERR_FILENO, sb.b, sb.n);
	(void)ret;
}

static void chain_signal(int sig, siginfo_t *info, void *uctx)
{
	const struct sigaction *prev = &prev_segv;

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

static void check_signal(int sig, siginfo_t *info, void *uctx)
{
	uintptr_t addr = (uintptr_t)info->si_addr;
	bool is_write = false;
	uintptr_t pc = 0;

	if (info->si_code != SEGV_ACCERR)
		goto chain;
#if defined(__x86_64__)
	/* Page-fault error code bit 1: the access was a write. */
	is_write = ((ucontext_t *)uctx)->uc_mcontext.gregs[REG_ERR] & 2;
	pc = (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
#endif
	for (size_t i = 0; i < CHECK_SLOTS; i++) {
		struct check_slot *s = &slots[i];
		int st = atomic_load(&s->state);

		if (st == SLOT_FREE || st == SLOT_BUSY ||
		    addr - s->start >= s->len)
			continue;
		if (st == SLOT_PROTECTED &&
		    atomic_compare_exchange_strong(&s->state, &st,
						   SLOT_REPORTED)) {
			check_report(s, addr, is_write, pc);
			mprotect((void *)s->start, s->len,
				 PROT_READ | PROT_WRITE);
		} else if (st == SLOT_REPORTED) {
			/* Reported by another thread that may not be done. */
			mprotect((void *)s->start, s->len,
				 PROT_READ | PROT_WRITE);
		}
		/* SLOT_OPEN: the runtime is giving access back; retry. */
		return;
	}
chain:
	chain_signal(sig, info, uctx);
}

/* "coarse" among the comma-separated words of SVMCL_CHECK. */
static bool check_wanted(const char *env)
{
	size_t n = strlen("coarse");

	while (env && *env) {
		const char *end = strchr(env, ',');
		size_t len = end ? (size_t)(end - env) : strlen(env);

		if ((len == n && !strncmp(env, "coarse", n)) ||
		    (len == 3 && !strncmp(env, "all", 3)))
			return true;
		env = end ? end + 1 : NULL;
	}
	return false;
}

/* Before anything can start the GPU (and its guard): see DOC: Overview. */
__attribute__((constructor)) static void check_init(void)
{
	struct sigaction sa;

	if (!check_wanted(getenv("SVMCL_CHECK")))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = check_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &prev_segv) == 0)
		check_on = true;
}
