/* SPDX-License-Identifier: MIT */
/*
 * fiber.c - work-item execution contexts: barriers and group copies.
 *
 * DOC: Overview
 *
 * A kernel without barriers runs as a loop over its work-items inside one
 * call of its work-group function (runtime/compiler/clc_wg.c). A kernel
 * that contains a barrier (or a work-group copy, or wait_group_events,
 * which are barriers too) cannot: every work-item must stop at the barrier
 * until the whole group has reached it. The compiler then emits
 *
 *	wg(args, cu)   = cu->run_items(cu, item, args)
 *	item(args, cu) = the kernel, for the work-item in cu->local_id
 *
 * and this file runs item() once per work-item, each on its own stack, as
 * a fiber of the unit's thread. barrier() saves the running work-item's
 * callee-saved registers and stack pointer and resumes the next one, round
 * robin: work-items 0..n-1 run up to their first barrier in turn, the last
 * one to arrive resumes work-item 0, and so on. A work-item that returns
 * resumes the next live one; the last one to return goes back to
 * run_items(). A barrier with only one live work-item returns at once, so
 * a kernel that breaks the rule "every work-item reaches the same barrier"
 * (undefined behaviour) still ends.
 *
 * Why fibers and not region formation (pocl's loop fission in LLVM IR):
 * every compiler transformation stays an ordinary single-threaded one, so
 * barriers inside loops, conditionals, helper functions and inlined code
 * need no analysis at all, through the LLVM-C API alone; private memory is
 * simply each work-item's stack. The price is a context switch per
 * work-item per barrier (a few nanoseconds: six register pushes and pops,
 * no system call — glibc's swapcontext makes a sigprocmask system call per
 * switch) and no vectorisation across work-items of barrier kernels. A
 * kernel without barriers keeps its plain, vectorisable loop.
 *
 * Stacks. A unit reserves SGPU_ITEM_STACK_SIZE bytes per work-item (with
 * MAP_NORESERVE: only touched pages cost memory), each below a guard page,
 * the first time a group needs them; the compiler gives every function
 * inline stack probes, so a frame larger than the guard still touches it.
 * A work-item that overflows its stack raises SIGSEGV on the guard page,
 * which the unit's signal guard (cu.c) turns into a device fault of the
 * dispatch. Device faults unwind from inside a fiber with siglongjmp() to
 * the unit's dispatch loop on the thread's own stack; the abandoned
 * contexts are rebuilt by the next group.
 *
 * The switch is written for x86-64 (System V): rbx, rbp, r12-r15 and rsp.
 * The x87 control word and MXCSR are callee-saved too, but kernels never
 * change them, so they are not switched. AddressSanitizer builds tell the
 * sanitizer about every switch (its fiber annotations).
 *
 * DOC: Locking
 *
 * None. A unit's contexts (cu->fibers) are used only by the thread that
 * runs the unit: its worker thread, or for the inline unit the
 * dispatching thread under gpu->dispatch_lock.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gpu/sgpu.h"

#if defined(__SANITIZE_ADDRESS__)
#define SGPU_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SGPU_FIBER_ASAN 1
#endif
#endif
#ifdef SGPU_FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#if !defined(__x86_64__)
#error "work-item contexts: no context switch for this architecture"
#endif

/*
 * sgpu_fiber_switch(save, to): push the callee-saved registers, store the
 * stack pointer in *save, load @to and pop the next context's registers.
 * A new context's stack holds a frame that "returns" into
 * sgpu_fiber_start, which calls r12(r13) and never returns.
 */
__asm__(".text\n"
	".p2align 4\n"
	".globl sgpu_fiber_switch\n"
	".hidden sgpu_fiber_switch\n"
	".type sgpu_fiber_switch, @function\n"
	"sgpu_fiber_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size sgpu_fiber_switch, .-sgpu_fiber_switch\n"
	".p2align 4\n"
	".globl sgpu_fiber_start\n"
	".hidden sgpu_fiber_start\n"
	".type sgpu_fiber_start, @function\n"
	"sgpu_fiber_start:\n"
	"	movq %r13, %rdi\n"
	"	callq *%r12\n"
	"	ud2\n"
	".size sgpu_fiber_start, .-sgpu_fiber_start\n");

void sgpu_fiber_switch(void **save, void *to)
	__attribute__((visibility("hidden")));
void sgpu_fiber_start(void) __attribute__((visibility("hidden")));

/* Words of a new context's first frame: r15 r14 r13 r12 rbx rbp, return. */
#define FRAME_R13 2
#define FRAME_R12 3
#define FRAME_RBP 5
#define FRAME_RET 6
#define FRAME_WORDS 7

struct sgpu_fiber {
	void *sp;		/* saved stack pointer while switched out */
	void *fake_stack;	/* AddressSanitizer's, while switched out */
	uint64_t id[3];		/* local id */
	bool done;
};

/**
 * struct sgpu_fibers - one unit's work-item contexts.
 * @region: @cap stacks, each SGPU_ITEM_STACK_SIZE bytes above a guard page
 * @running: a group is being run (between run_items' first switch and
 *	its return, or a device fault's unwinding)
 * @n: work-items of the group; @cur: the one running; @live: not returned
 * @main_sp: run_items' context while the group runs
 */
struct sgpu_fibers {
	uint8_t *region;
	size_t region_size;
	unsigned int cap;
	struct sgpu_fiber *f;

	bool running;
	bool unwinding;		/* a device fault left a context */
	bool from_main;		/* the next context to start comes from main */
	unsigned int n, cur, live;
	void (*item)(const void *args, struct sgpu_cu_state *cu);
	const void *args;
	void *main_sp;
	/* The thread's own stack, as the sanitizer reported it. */
	const void *main_bottom;
	size_t main_size;
	void *main_fake_stack;
};

static size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static size_t stack_stride(void)
{
	return SGPU_ITEM_STACK_SIZE + page_size();
}

static uint8_t *stack_bottom(const struct sgpu_fibers *fb, unsigned int i)
{
	return fb->region + (size_t)i * stack_stride() + page_size();
}

static inline void asan_start(void **fake_save, const void *bottom,
			      size_t size)
{
#ifdef SGPU_FIBER_ASAN
	__sanitizer_start_switch_fiber(fake_save, bottom, size);
#else
	(void)fake_save;
	(void)bottom;
	(void)size;
#endif
}

static inline void asan_finish(void *fake, const void **bottom_old,
			       size_t *size_old)
{
#ifdef SGPU_FIBER_ASAN
	__sanitizer_finish_switch_fiber(fake, bottom_old, size_old);
#else
	(void)fake;
	(void)bottom_old;
	(void)size_old;
#endif
}

static void fibers_unmap(struct sgpu_fibers *fb)
{
	if (fb->region)
		munmap(fb->region, fb->region_size);
	free(fb->f);
	fb->region = NULL;
	fb->f = NULL;
	fb->cap = 0;
}

/*
 * Reserves stacks for @n work-items (rounded up to 64, at most the
 * device's maximum), replacing smaller ones: only between groups.
 */
static int fibers_reserve(struct sgpu_fibers *fb, unsigned int n)
{
	unsigned int cap = (n + 63) & ~63u;
	size_t size;
	uint8_t *region;
	struct sgpu_fiber *f;

	if (cap > SGPU_MAX_GROUP_ITEMS)
		cap = SGPU_MAX_GROUP_ITEMS;
	size = (size_t)cap * stack_stride();
	f = calloc(cap, sizeof(*f));
	if (!f)
		return -ENOMEM;
	region = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
		      -1, 0);
	if (region == MAP_FAILED)
		goto err_free;
	for (unsigned int i = 0; i < cap; i++)
		if (mprotect(region + (size_t)i * stack_stride(), page_size(),
			     PROT_NONE))
			goto err_unmap;
	fibers_unmap(fb);
	fb->region = region;
	fb->region_size = size;
	fb->f = f;
	fb->cap = cap;
	return 0;

err_unmap:
	munmap(region, size);
err_free:
	free(f);
	return -ENOMEM;
}

/* Next work-item after the running one that has not returned. */
static unsigned int next_live(const struct sgpu_fibers *fb)
{
	unsigned int j = fb->cur;

	if (fb->live == fb->n)	/* none has returned: the next one */
		return j + 1 == fb->n ? 0 : j + 1;

	for (unsigned int k = 0; k < fb->n; k++) {
		if (++j == fb->n)
			j = 0;
		if (!fb->f[j].done)
			return j;
	}
	return fb->cur;
}

/*
 * Leaves the running work-item for work-item @next. @exiting: the running
 * one has returned and is never resumed (the sanitizer drops its frames).
 */
static void switch_to(struct sgpu_fibers *fb, struct sgpu_cu_state *state,
		      unsigned int next, bool exiting)
{
	struct sgpu_fiber *from = &fb->f[fb->cur], *to = &fb->f[next];

	fb->cur = next;
	state->local_id[0] = to->id[0];
	state->local_id[1] = to->id[1];
	state->local_id[2] = to->id[2];
	asan_start(exiting ? NULL : &from->fake_stack, stack_bottom(fb, next),
		   SGPU_ITEM_STACK_SIZE);
	sgpu_fiber_switch(&from->sp, to->sp);
	asan_finish(from->fake_stack, NULL, NULL);
}

/* First code of every work-item context (called by sgpu_fiber_start). */
static __attribute__((noreturn)) void fiber_main(struct sgpu_cu_state *state)
{
	struct sgpu_fibers *fb = state->owner->fibers;
	const void *bottom = NULL;
	size_t size = 0;
	void *scratch;

	asan_finish(NULL, &bottom, &size);
	if (fb->from_main) {
		fb->from_main = false;
		fb->main_bottom = bottom;
		fb->main_size = size;
	}
	fb->item(fb->args, state);

	fb->f[fb->cur].done = true;
	if (--fb->live)
		switch_to(fb, state, next_live(fb), true);
	/* The group is done: back to run_items(), for good. */
	asan_start(NULL, fb->main_bottom, fb->main_size);
	sgpu_fiber_switch(&scratch, fb->main_sp);
	__builtin_unreachable();
}

/*
 * A new context for work-item @i with local id @id. Stack tops are
 * SGPU_ITEM_STACK_SIZE plus a page apart, so the hot frames of all
 * work-items would fall into the same cache sets: each top is moved down
 * by a different multiple of five cache lines ("colouring").
 */
static void fiber_init(struct sgpu_fibers *fb, struct sgpu_cu_state *state,
		       unsigned int i, const uint64_t id[3])
{
	uint8_t *top = stack_bottom(fb, i) + SGPU_ITEM_STACK_SIZE -
		       (size_t)(i * 5 % 64) * 64;
	/* After the switch's ret, rsp = top - 16: aligned for the call. */
	uint64_t *frame = (uint64_t *)(void *)top - 2 - FRAME_WORDS;
	struct sgpu_fiber *f = &fb->f[i];

	memset(frame, 0, FRAME_WORDS * sizeof(*frame));
	frame[FRAME_R12] = (uint64_t)(uintptr_t)fiber_main;
	frame[FRAME_R13] = (uint64_t)(uintptr_t)state;
	frame[FRAME_RBP] = 0;	/* ends frame-pointer unwinding */
	frame[FRAME_RET] = (uint64_t)(uintptr_t)sgpu_fiber_start;
	f->sp = frame;
	f->fake_stack = NULL;
	f->done = false;
	memcpy(f->id, id, sizeof(f->id));
}

/* cu->run_items: every work-item of the group, each in its own context. */
static void fiber_run_items(struct sgpu_cu_state *state,
			    void (*item)(const void *args,
					 struct sgpu_cu_state *cu),
			    const void *args)
{
	struct sgpu_cu *cu = state->owner;
	struct sgpu_fibers *fb = cu->fibers;
	uint64_t n = state->local_size[0] * state->local_size[1] *
		     state->local_size[2];
	uint64_t id[3] = { 0, 0, 0 };

	if (!n || n > SGPU_MAX_GROUP_ITEMS)
		sgpu_cu_device_fault(cu, 0, SGPU_ACCESS_READ, -E2BIG);
	if (fb->cap < n && fibers_reserve(fb, (unsigned int)n))
		sgpu_cu_device_fault(cu, 0, SGPU_ACCESS_READ, -ENOMEM);
	/* Work-item i has the linear local id i: x fastest. */
	for (unsigned int i = 0; i < n; i++) {
		fiber_init(fb, state, i, id);
		if (++id[0] < state->local_size[0])
			continue;
		id[0] = 0;
		if (++id[1] < state->local_size[1])
			continue;
		id[1] = 0;
		id[2]++;
	}
	fb->n = (unsigned int)n;
	fb->live = (unsigned int)n;
	fb->cur = 0;
	fb->item = item;
	fb->args = args;
	fb->from_main = true;
	fb->running = true;
	memcpy(state->local_id, fb->f[0].id, sizeof(state->local_id));
	asan_start(&fb->main_fake_stack, stack_bottom(fb, 0),
		   SGPU_ITEM_STACK_SIZE);
	sgpu_fiber_switch(&fb->main_sp, fb->f[0].sp);
	asan_finish(fb->main_fake_stack, NULL, NULL);
	fb->running = false;
}

/* cu->barrier: work_group_barrier() and friends. */
static void fiber_barrier(struct sgpu_cu_state *state)
{
	struct sgpu_fibers *fb = state->owner->fibers;
	unsigned int next;

	if (!fb->running)
		return;		/* not a barrier kernel: nothing to wait for */
	next = next_live(fb);
	if (next != fb->cur)
		switch_to(fb, state, next, false);
}

static bool in_local_mem(const struct sgpu_cu_state *state, uint64_t addr,
			 uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)state->local_mem;

	return addr >= base && len <= SGPU_LOCAL_MEM_SIZE &&
	       addr - base <= SGPU_LOCAL_MEM_SIZE - len;
}

/*
 * cu->group_copy: async_work_group_copy() and the strided variant. All
 * work-items call it with the same arguments. The barrier first makes the
 * group's earlier writes to the source complete; work-item 0, which
 * resumes first, then copies everything, so the copy is done before any
 * work-item gets past the copy (wait_group_events() is a barrier as well).
 * The global side goes through the MMU (sgpu_mem_copy); the local side
 * must lie inside the unit's local memory, or the copy is a device fault
 * instead of a write to whatever follows it in the process.
 */
static void fiber_group_copy(struct sgpu_cu_state *state, uint64_t dst,
			     uint64_t src, uint64_t elem_size, uint64_t count,
			     uint64_t dst_stride, uint64_t src_stride,
			     uint32_t global_mask)
{
	struct sgpu_cu *cu = state->owner;
	bool dst_local = !(global_mask & SGPU_COPY_DST_GLOBAL);
	uint64_t span, local, local_stride;

	fiber_barrier(state);
	if (state->local_id[0] | state->local_id[1] | state->local_id[2])
		return;
	if (!count || !elem_size)
		return;
	local = dst_local ? dst : src;
	local_stride = dst_local ? dst_stride : src_stride;
	/* The local side spans ((count - 1) * stride + 1) elements. */
	if (__builtin_mul_overflow(count - 1, local_stride, &span) ||
	    __builtin_add_overflow(span, 1, &span) ||
	    __builtin_mul_overflow(span, elem_size, &span) ||
	    !in_local_mem(state, local, span))
		sgpu_cu_device_fault(cu, local,
				     dst_local ? SGPU_ACCESS_WRITE :
						 SGPU_ACCESS_READ,
				     -EFAULT);
	if (dst_stride == 1 && src_stride == 1) {
		sgpu_mem_copy(state, dst, src, count * elem_size, global_mask);
		return;
	}
	for (uint64_t i = 0; i < count; i++)
		sgpu_mem_copy(state, dst + i * dst_stride * elem_size,
			      src + i * src_stride * elem_size, elem_size,
			      global_mask);
}

int sgpu_fibers_init(struct sgpu_cu *cu)
{
	cu->fibers = calloc(1, sizeof(*cu->fibers));
	if (!cu->fibers)
		return -ENOMEM;
	cu->state.run_items = fiber_run_items;
	cu->state.barrier = fiber_barrier;
	cu->state.group_copy = fiber_group_copy;
	return 0;
}

void sgpu_fibers_fini(struct sgpu_cu *cu)
{
	if (!cu->fibers)
		return;
	fibers_unmap(cu->fibers);
	free(cu->fibers);
	cu->fibers = NULL;
}

void sgpu_fibers_unwind(struct sgpu_cu *cu)
{
	struct sgpu_fibers *fb = cu->fibers;

	if (!fb || !fb->running)
		return;
	/* The siglongjmp that follows lands on the thread's own stack. */
	asan_start(NULL, fb->main_bottom, fb->main_size);
	fb->running = false;
	fb->unwinding = true;
}

void sgpu_fibers_landed(struct sgpu_cu *cu)
{
	struct sgpu_fibers *fb = cu->fibers;

	if (!fb || !fb->unwinding)
		return;
	asan_finish(fb->main_fake_stack, NULL, NULL);
	fb->unwinding = false;
}
