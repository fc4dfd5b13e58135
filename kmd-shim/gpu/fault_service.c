/* SPDX-License-Identifier: MIT */
/*
 * fault_service.c - service one batch of the fault buffer.
 *
 * DOC: Overview
 *
 * One batch, as NVIDIA UVM's service_fault_batch() and nouveau's
 * nouveau_svm_fault() do it, on top of the HMM core:
 *
 * 1. Group the records by VM. A VM that mirrors nothing (no mm, or the
 *    process is exiting) cancels its records with -EFAULT.
 * 2. hmm_coalesce_init(): sort by page, strongest access first, keep one
 *    record per page (PREFETCH < READ < WRITE < ATOMIC), set aside pages
 *    outside the mirrored range (cancelled, -EFAULT).
 * 3. hmm_coalesce_next(): one 64 KiB window at a time (SGPU_FAULT_WINDOW,
 *    the "big page" of UVM and xe). A window whose faulting pages an
 *    earlier window of the batch already made resident (a prefetch) is
 *    done without calling the HMM core.
 * 4. Phase 1: the prefetch policy (prefetch.c) may widen the window to a
 *    region of its 2 MiB block. The faulting pages are requested with
 *    their access (REQ_FAULT, plus REQ_WRITE for writes and atomics); all
 *    other pages of the window and region are only snapshotted, and those
 *    the CPU already maps are committed too (populated memory needs no
 *    second pass). This is Linux's driver loop (vm.c), committed under
 *    the VM's update lock only when mmu_interval_read_retry() allows.
 *    If it fails and the window holds several faults, each faulting page
 *    is tried alone, so that one bad page cancels only its own records.
 * 5. Phase 2 (prefetch only): pages of the region that the snapshot shows
 *    absent, but inside a VMA (not a hole), are faulted in with the
 *    window's strongest access (a write stream wants writable pages); a
 *    write prefetch refused with -EPERM is retried read-only. Prefetch
 *    errors never cancel a fault; they are counted. Under the density
 *    policy, a phase 1 that found every page already mapped by the CPU
 *    (populated memory) instead snapshots the rest of the 2 MiB block and
 *    maps what is present (extend_populated()).
 *    Streams (density policy): a window in a block with nothing resident
 *    yet, next to a block resident end to end in 4 KiB pages, is a stream
 *    arriving (stream_into()); the whole block is extended first, and
 *    phase 1 then usually finds its faults resident: one HMM call and one
 *    commit per block of a populated stream instead of two.
 *
 * Servicers of different slots run this at the same time on different
 * batches, but never in the same 2 MiB block (block_claim()).
 * 6. Replay: the replay sequence is bumped once for the batch, then every
 *    record gets its reply. A record weaker than its page's strongest
 *    access, on a page that failed, is answered -EAGAIN (walk and fault
 *    again): only the strongest access is known to be impossible.
 *
 * The whole batch shares one budget of HMM_RANGE_DEFAULT_TIMEOUT (1 s);
 * windows not serviced by then are cancelled with -EBUSY.
 *
 * DOC: Locking
 *
 * Called by a servicer of the fault buffer (fault.c) with the scratch
 * arrays of the service slot it holds. Takes each VM's update lock
 * (through vm.c and prefetch.c) and nothing else of its own; servicers
 * of other slots may run the same code at the same time, on other
 * batches.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"
#include "hmm/coalesce.h"

#define SERVICE_BUDGET_NS (HMM_RANGE_DEFAULT_TIMEOUT * 1000000ull)

/* Per VM, by id (stable VMs, no pointer order in the output). */
static int record_cmp(const void *a, const void *b)
{
	const struct sgpu_fault_record *x = a, *y = b;

	if (x->vm->id != y->vm->id)
		return x->vm->id < y->vm->id ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/* Index of @page among the sorted distinct records, or @n. */
static size_t record_find(const struct hmm_fault_record *recs, size_t n,
			  uint64_t page)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (recs[mid].addr < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && recs[lo].addr == page ? lo : n;
}

/* Do the pages of these records already have what they need? */
static bool records_resident(struct sgpu_vm *vm,
			     const struct hmm_fault_record *recs, size_t n)
{
	bool ok = true;

	pthread_rwlock_rdlock(&vm->lock);
	for (size_t k = 0; ok && k < n; k++) {
		uint64_t pte = sgpu_pt_lookup(&vm->pt, recs[k].addr);

		ok = (pte & SGPU_PTE_VALID) && sgpu_vm_pte_host(vm, pte) &&
		     (recs[k].access < HMM_FAULT_WRITE ||
		      (pte & SGPU_PTE_WRITE));
	}
	pthread_rwlock_unlock(&vm->lock);
	return ok;
}

/* Phase 2: fault in the absent pages of the prefetch region. */
static void prefetch_absent(struct sgpu *gpu, struct sgpu_fault_scratch *fb,
			    struct sgpu_vm *vm, uint64_t span_start,
			    const struct sgpu_prefetch *pf,
			    const struct hmm_fault_window *win,
			    uint64_t deadline)
{
	bool write = win->strongest >= HMM_FAULT_WRITE;
	uint64_t base = (pf->start - span_start) >> SGPU_PAGE_SHIFT;
	uint64_t npages = (pf->end - pf->start) >> SGPU_PAGE_SHIFT;
	uint64_t first = npages, last = 0;
	unsigned int committed = 0;
	int ret;

	for (uint64_t i = 0; i < npages; i++) {
		uint64_t res = fb->pfns[base + i];
		uint64_t req = 0;

		if (res & HMM_PFN_ERROR)
			req = 0;	/* a hole or PROT_NONE: not ours */
		else if (!(res & HMM_PFN_VALID))
			req = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0);
		else if (write && !(res & HMM_PFN_WRITE))
			req = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
		fb->reqs[i] = req;
		if (req) {
			if (first == npages)
				first = i;
			last = i;
		}
	}
	if (first == npages)
		return;

	sgpu_stat_add(gpu, prefetch_regions, 1);
	ret = sgpu_vm_fault_range(vm, pf->start + (first << SGPU_PAGE_SHIFT),
				  pf->start + ((last + 1) << SGPU_PAGE_SHIFT),
				  fb->reqs + first, fb->pfns, deadline,
				  &committed);
	if (ret == -EPERM && write) {
		/* Some page is read-only: prefetch for reading only. */
		for (uint64_t i = first; i <= last; i++)
			fb->reqs[i] &= ~HMM_PFN_REQ_WRITE;
		ret = sgpu_vm_fault_range(vm,
					  pf->start + (first << SGPU_PAGE_SHIFT),
					  pf->start + ((last + 1) << SGPU_PAGE_SHIFT),
					  fb->reqs + first, fb->pfns, deadline,
					  &committed);
	}
	if (ret) {
		sgpu_stat_add(gpu, prefetch_failed, 1);
		return;
	}
	/* What the prefetch added: requested pages now valid. */
	committed = 0;
	for (uint64_t i = first; i <= last; i++)
		committed += fb->reqs[i] && (fb->pfns[i - first] & HMM_PFN_VALID);
	sgpu_stat_add(gpu, prefetch_pages, committed);
	fb->batch_prefetched += committed;
}

/* Was every page of [start, end) mapped by the CPU (phase 1 results)? */
static bool span_populated(const struct sgpu_fault_scratch *fb, uint64_t start,
			   uint64_t end)
{
	for (uint64_t i = 0; i < (end - start) >> SGPU_PAGE_SHIFT; i++)
		if ((fb->pfns[i] & (HMM_PFN_VALID | HMM_PFN_ERROR)) !=
		    HMM_PFN_VALID)
			return false;
	return true;
}

/*
 * Servicers of different slots work in parallel, but not on the same
 * pages of a 2 MiB block: two units streaming through one block would
 * fault it in twice over (the prefetch region is the block) and contend
 * for its page table lock in the kernel. A servicer publishes its block
 * (slot_work[slot].key) and, if a servicer of a lower slot has published
 * the same one, waits for it to move on (the lower slot wins, so two never
 * wait for each other); its own faults are then usually resident already.
 *
 * Waiting is not idle: the largest piece of work in a block, the
 * populated-block extension (extend_populated(): a snapshot and commit of
 * up to 512 pages, ~10 us), is offered in chunks, and a servicer that
 * waits for the block takes chunks and services them with its own scratch
 * (sgpu_fault_block_help()). The holder cuts the rest of the extension into one
 * chunk per servicer waiting (at least 64 pages: each chunk costs one HMM
 * call, ~0.8 us), so one servicer alone makes one call, as before, and two
 * split the block. Each chunk goes through Linux's driver loop with its own
 * read_begin/read_retry; chunks are disjoint, so every page is committed
 * once. The work is offered through one atomic word (slot_work.cursor):
 *
 *	holder					helper
 *	key = K					helpers++ on the holder's slot
 *	wait until inflight == 0		inflight++
 *	resident = bitmap; cursor = [lo, end)	key == K?  take chunks (CAS
 *	take chunks (CAS on cursor)		  on cursor), service them
 *	wait until inflight == 0		inflight--
 *	key = next block or 0			wait while key == K
 *
 * A helper that raised inflight after the holder moved on sees another key,
 * or a closed cursor, and takes nothing; the holder never offers new work
 * (or reuses resident[]) while a helper may still read the old one.
 */
#define SGPU_CHUNK_MIN_PAGES 64u
#define CURSOR(start, next, end) \
	((uint64_t)(start) << 32 | (uint64_t)(end) << 16 | (uint64_t)(next))

static uint64_t block_key(const struct sgpu_vm *vm, uint64_t addr)
{
	return (addr & ~(SGPU_HUGE_SIZE - 1)) | (vm->id & (SGPU_HUGE_SIZE - 1)) |
	       1;
}

/* A bounded spin that yields after 20 us (the other unit may need a core). */
struct spin {
	uint64_t start;
	unsigned int turns;
	bool yield;
};

static void spin_once(struct spin *s)
{
	/* The clock only every 64 turns: it costs ~20 ns. */
	if (!s->yield && !(s->turns++ & 63)) {
		if (!s->start)
			s->start = sgpu_now_ns();
		else
			s->yield = sgpu_now_ns() - s->start > 20000;
	}
	if (s->yield)
		sched_yield();
	else
		sgpu_cpu_relax();
}

/* Takes the next chunk of @w's offered work: pages [*lo, *hi). */
static bool chunk_take(struct sgpu_block_work *w, unsigned int *lo,
		       unsigned int *hi)
{
	uint64_t c = atomic_load(&w->cursor);
	unsigned int start, next, end, size, parts;

	do {
		next = c & 0xffff;
		end = (c >> 16) & 0xffff;
		start = (unsigned int)(c >> 32);
		if (next >= end)
			return false;
		/* One chunk per servicer of the whole offer. */
		parts = 1 + atomic_load_explicit(&w->helpers,
						 memory_order_relaxed);
		size = (end - start + parts - 1) / parts;
		size = (size + SGPU_CHUNK_MIN_PAGES - 1) &
		       ~(SGPU_CHUNK_MIN_PAGES - 1);
		if (size > end - next)
			size = end - next;
	} while (!atomic_compare_exchange_weak(&w->cursor, &c,
					       CURSOR(start, next + size, end)));
	*lo = next;
	*hi = next + size;
	return true;
}

/* Are any of bits [lo, hi) of @bits set? */
static bool bits_in(const uint64_t *bits, unsigned int lo, unsigned int hi)
{
	for (unsigned int w = lo / 64; w * 64 < hi; w++) {
		uint64_t m = ~0ull;

		if (w * 64 < lo)
			m &= ~0ull << (lo % 64);
		if (w * 64 + 64 > hi)
			m &= ~0ull >> (64 - hi % 64);
		if (bits[w] & m)
			return true;
	}
	return false;
}

/*
 * Present pages among @pfns (pages [lo, hi) of a block) whose bit in
 * @resident is clear, a 64-page word at a time: a mask of the present
 * pages, then one popcount against the resident bits.
 */
static unsigned int added_pages(const uint64_t *pfns, unsigned int lo,
				unsigned int hi, const uint64_t *resident)
{
	unsigned int added = 0;

	for (unsigned int w = lo / 64; w * 64 < hi; w++) {
		unsigned int a = w * 64 > lo ? w * 64 : lo;
		unsigned int b = w * 64 + 64 < hi ? w * 64 + 64 : hi;
		uint64_t present = 0;

		for (unsigned int i = a; i < b; i++)
			present |= (uint64_t)((pfns[i - lo] &
					       (HMM_PFN_VALID | HMM_PFN_ERROR)) ==
					      HMM_PFN_VALID) << (i % 64);
		added += (unsigned int)__builtin_popcountll(present &
							    ~resident[w]);
	}
	return added;
}

/*
 * Snapshots pages [lo, hi) of @block and commits what the CPU maps; counts
 * the pages that were not resident when the work was offered (@resident).
 */
static void extend_chunk(struct sgpu *gpu, struct sgpu_fault_scratch *fb,
			 struct sgpu_vm *vm, uint64_t block, unsigned int lo,
			 unsigned int hi, const uint64_t *resident,
			 uint64_t deadline)
{
	unsigned int committed = 0, after;

	memset(fb->reqs, 0, (hi - lo) * sizeof(*fb->reqs));
	if (sgpu_vm_fault_range(vm, block + ((uint64_t)lo << SGPU_PAGE_SHIFT),
				block + ((uint64_t)hi << SGPU_PAGE_SHIFT),
				fb->reqs, fb->pfns, deadline, &committed)) {
		sgpu_stat_add(gpu, prefetch_failed, 1);
		return;
	}
	/*
	 * What the prefetch added: present pages that were not resident.
	 * When nothing in the chunk was (a stream's fresh block), that is
	 * every page committed.
	 */
	if (!bits_in(resident, lo, hi))
		after = committed;
	else
		after = added_pages(fb->pfns, lo, hi, resident);
	sgpu_stat_add(gpu, prefetch_pages, after);
	fb->batch_prefetched += after;
}

/*
 * Density policy, populated memory: the whole span of phase 1 was already
 * mapped by the CPU, so the rest of its 2 MiB block most likely is too.
 * Mapping a present page costs a snapshot (~16 ns) and a PTE; a fault
 * costs a few microseconds. So snapshot the rest of the block and commit
 * what the CPU maps (nothing is faulted in: absent pages stay absent),
 * sharing the work with servicers waiting for the block (see above).
 */
static void extend_populated(struct sgpu *gpu, struct sgpu_fault_scratch *fb,
			     struct sgpu_vm *vm, uint64_t start, uint64_t end,
			     uint64_t deadline)
{
	struct sgpu_block_work *w = &gpu->faults.slot_work[fb->slot];
	uint64_t block = start & ~(SGPU_HUGE_SIZE - 1);
	unsigned int first = 0, last = SGPU_BLOCK_PAGES - 1, lo, hi;
	struct spin sp = { 0 };

	(void)end;
	/* Helpers of the work offered before may still read resident[]. */
	while (atomic_load(&w->inflight))
		spin_once(&sp);
	pthread_rwlock_rdlock(&vm->lock);
	sgpu_pt_block_bitmap(&vm->pt, block, w->resident);
	pthread_rwlock_unlock(&vm->lock);
	while (first < last && (w->resident[first / 64] >> (first % 64) & 1))
		first++;
	while (last > first && (w->resident[last / 64] >> (last % 64) & 1))
		last--;
	if (first == last)
		return;
	(void)mm_watch_range(vm->mm, block, block + SGPU_HUGE_SIZE);
	sgpu_stat_add(gpu, prefetch_regions, 1);
	atomic_store(&w->cursor, CURSOR(first, first, last + 1));
	while (chunk_take(w, &lo, &hi))
		extend_chunk(gpu, fb, vm, block, lo, hi, w->resident, deadline);
	/* Chunks that helpers took are committed before the replay. */
	sp = (struct spin){ 0 };
	while (atomic_load(&w->inflight))
		spin_once(&sp);
}

uint64_t sgpu_fault_block_key(const struct sgpu_vm *vm, uint64_t addr)
{
	return block_key(vm, addr);
}

/* Services chunks of the work slot @owner offers for block @key. */
void sgpu_fault_block_help(struct sgpu *gpu, struct sgpu_fault_scratch *sc,
			   struct sgpu_vm *vm, unsigned int owner, uint64_t key,
			   uint64_t deadline)
{
	struct sgpu_block_work *w = &gpu->faults.slot_work[owner];
	unsigned int lo, hi;

	atomic_fetch_add(&w->inflight, 1);
	if (atomic_load(&w->key) == key) {
		while (chunk_take(w, &lo, &hi)) {
			extend_chunk(gpu, sc, vm, key & ~(SGPU_HUGE_SIZE - 1), lo,
				     hi, w->resident, deadline);
			sgpu_stat_add(gpu, prefetch_shared, 1);
		}
	}
	atomic_fetch_sub(&w->inflight, 1);
}

static bool block_offers(struct sgpu_block_work *w)
{
	uint64_t c = atomic_load_explicit(&w->cursor, memory_order_relaxed);

	return (c & 0xffff) < ((c >> 16) & 0xffff);
}

static void block_claim(struct sgpu *gpu, struct sgpu_fault_scratch *sc,
			struct sgpu_vm *vm, uint64_t key, uint64_t deadline)
{
	struct sgpu_fault_buffer *fb = &gpu->faults;
	unsigned int slot = sc->slot;

	atomic_store(&fb->slot_work[slot].key, key);
	for (unsigned int i = 0; i < fb->nr_slots; i++) {
		struct sgpu_block_work *w = &fb->slot_work[i];
		struct spin sp = { 0 };

		if (i == slot || atomic_load(&w->key) != key)
			continue;
		if (i > slot) {
			/* We go first; but help with what it offers. */
			if (block_offers(w))
				sgpu_fault_block_help(gpu, sc, vm, i, key,
						      deadline);
			continue;
		}
		atomic_fetch_add(&w->helpers, 1);
		while (atomic_load(&w->key) == key) {
			if (block_offers(w))
				sgpu_fault_block_help(gpu, sc, vm, i, key,
						      deadline);
			else
				spin_once(&sp);
		}
		atomic_fetch_sub(&w->helpers, 1);
	}
}

static void block_release(struct sgpu *gpu, unsigned int slot)
{
	atomic_store(&gpu->faults.slot_work[slot].key, 0);
}

/* Is @va mapped by a 4 KiB entry? (Caller holds vm->lock for reading.) */
static bool small_resident(struct sgpu_vm *vm, uint64_t va)
{
	uint64_t pte = sgpu_pt_lookup(&vm->pt, va);

	return (pte & (SGPU_PTE_VALID | SGPU_PTE_HUGE)) == SGPU_PTE_VALID;
}

/*
 * Is a stream of faults coming into the 2 MiB block at @block? Nothing
 * of the block is resident yet, and the block below it (or above it, for
 * a descending stream) is resident from its first page to its last, in
 * 4 KiB pages, as the density policy leaves a block of populated memory
 * that a stream went through. A hint, not a promise: if it is wrong, the
 * block costs one snapshot more, once (after that, part of it is
 * resident: a stream through absent memory, which the density policy
 * faults in over several faults per block, pays it only on the first).
 * A neighbour mapped by a 2 MiB page says nothing: a THP is found by the
 * window's snapshot of 16 pages, and a whole-block snapshot would read
 * 512.
 */
static bool stream_into(struct sgpu_vm *vm, uint64_t block)
{
	const uint64_t b = SGPU_HUGE_SIZE, p = SGPU_PAGE_SIZE;
	uint64_t resident[SGPU_BLOCK_PAGES / 64];
	bool stream;

	pthread_rwlock_rdlock(&vm->lock);
	stream = ((block >= b && small_resident(vm, block - p) &&
		   small_resident(vm, block - b)) ||
		  (block + 2 * b <= SGPU_MIRROR_END &&
		   small_resident(vm, block + b) &&
		   small_resident(vm, block + 2 * b - p))) &&
		 !sgpu_pt_block_bitmap(&vm->pt, block, resident);
	pthread_rwlock_unlock(&vm->lock);
	return stream;
}

/* One coalesced window (steps 3 to 5); sets fb->rec_error of its faults. */
static void service_window(struct sgpu *gpu, struct sgpu_fault_scratch *fb,
			   struct sgpu_vm *vm, const struct hmm_fault_window *win,
			   const struct hmm_fault_record *recs, size_t nrecs,
			   uint64_t deadline)
{
	const struct hmm_fault_record *faults = &recs[win->first];
	struct sgpu_prefetch pf;
	uint64_t start = win->start, end = win->end, off;
	unsigned int committed = 0;
	bool extended = false;
	int ret;

	if (records_resident(vm, faults, win->nr_faults)) {
		for (size_t k = 0; k < win->nr_faults; k++)
			fb->rec_error[win->first + k] = 0;
		return;
	}
	/*
	 * A stream through populated memory: the block's extension first,
	 * whole (and shared with servicers waiting for the block), instead
	 * of a window and then the rest of the block, one HMM call and one
	 * commit less per block. Then the window, as ever: its faults are
	 * usually resident by now; if not (the block is not populated after
	 * all), it is serviced below, without a second extension.
	 */
	if (gpu->cfg.prefetch == SGPU_PREFETCH_DENSITY &&
	    stream_into(vm, win->start & ~(SGPU_HUGE_SIZE - 1))) {
		extended = true;
		extend_populated(gpu, fb, vm, win->start, win->end, deadline);
		if (records_resident(vm, faults, win->nr_faults)) {
			for (size_t k = 0; k < win->nr_faults; k++)
				fb->rec_error[win->first + k] = 0;
			return;
		}
	}

	sgpu_prefetch_region(gpu, vm, faults[0].addr, recs, nrecs, &pf);
	if (pf.start < pf.end) {
		/* Both lie in the same 2 MiB block: at most 512 pages. */
		if (pf.start < start)
			start = pf.start;
		if (pf.end > end)
			end = pf.end;
	}
	off = (win->start - start) >> SGPU_PAGE_SHIFT;
	memset(fb->reqs, 0, ((end - start) >> SGPU_PAGE_SHIFT) * sizeof(*fb->reqs));
	for (size_t k = 0; k < win->npages; k++)
		fb->reqs[off + k] = win->hmm_pfns[k] & ~HMM_PFN_INOUT_FLAGS;

	/* Failure only means CPU changes here go unobserved (docs). */
	(void)mm_watch_range(vm->mm, start, end);
	sgpu_stat_add(gpu, fault_windows, 1);
	ret = sgpu_vm_fault_range(vm, start, end, fb->reqs, fb->pfns, deadline,
				  &committed);
	sgpu_stat_add(gpu, fault_pages, committed);
	fb->batch_pages += committed;
	if (!ret) {
		for (size_t k = 0; k < win->nr_faults; k++)
			fb->rec_error[win->first + k] = 0;
		if (gpu->cfg.prefetch == SGPU_PREFETCH_DENSITY && !extended &&
		    end - start < SGPU_HUGE_SIZE && span_populated(fb, start, end))
			extend_populated(gpu, fb, vm, start, end, deadline);
		else if (pf.start < pf.end)
			prefetch_absent(gpu, fb, vm, start, &pf, win, deadline);
		return;
	}
	if (win->nr_faults == 1 || ret == -EBUSY) {
		for (size_t k = 0; k < win->nr_faults; k++)
			fb->rec_error[win->first + k] = ret;
		return;
	}
	/* Which page is it? Each alone, so that only it is cancelled. */
	for (size_t k = 0; k < win->nr_faults; k++) {
		uint64_t req = hmm_fault_request(faults[k].access);

		ret = sgpu_vm_fault_range(vm, faults[k].addr,
					  faults[k].addr + SGPU_PAGE_SIZE, &req,
					  fb->pfns, deadline, &committed);
		sgpu_stat_add(gpu, fault_windows, 1);
		sgpu_stat_add(gpu, fault_pages, committed);
		fb->batch_pages += committed;
		fb->rec_error[win->first + k] = ret;
	}
}

/* Steps 2 to 5 for the records @b[0..n) of one VM; sets their ->error. */
static void service_vm(struct sgpu *gpu, struct sgpu_fault_scratch *fb,
		       struct sgpu_vm *vm, struct sgpu_fault_record *b,
		       unsigned int n, uint64_t deadline)
{
	uint64_t winreq[SGPU_FAULT_WINDOW_PAGES];
	const struct hmm_fault_record *recs;
	struct hmm_fault_window win;
	struct hmm_coalesce c;
	size_t nu;

	if (!vm->mm || !svm_mm_alive(vm->mm)) {
		for (unsigned int k = 0; k < n; k++)
			b[k].error = -EFAULT;
		return;
	}
	for (unsigned int k = 0; k < n; k++) {
		fb->recs[k].addr = b[k].addr;
		fb->recs[k].access = b[k].access;
		fb->recs[k].pad = 0;
	}
	if (hmm_coalesce_init(&c, fb->recs, n, SGPU_FAULT_WINDOW,
			      SGPU_MIRROR_START, SGPU_MIRROR_END)) {
		for (unsigned int k = 0; k < n; k++)
			b[k].error = -EINVAL;	/* an unknown access kind */
		return;
	}
	recs = hmm_coalesce_records(&c, &nu);
	sgpu_stat_add(gpu, fault_unique, nu);
	for (size_t u = 0; u < nu; u++)
		fb->rec_error[u] = -EFAULT;	/* rejected unless serviced */

	while (hmm_coalesce_next(&c, &win, winreq, SGPU_FAULT_WINDOW_PAGES) == 1) {
		if (sgpu_now_ns() > deadline) {
			for (size_t k = 0; k < win.nr_faults; k++)
				fb->rec_error[win.first + k] = -EBUSY;
			continue;
		}
		block_claim(gpu, fb, vm, block_key(vm, win.start), deadline);
		service_window(gpu, fb, vm, &win, recs, nu, deadline);
	}
	block_release(gpu, fb->slot);

	for (unsigned int k = 0; k < n; k++) {
		size_t u = record_find(recs, nu, b[k].addr & SGPU_PAGE_MASK);
		int err = u < nu ? fb->rec_error[u] : -EFAULT;

		if (err && u < nu && b[k].access < recs[u].access)
			err = -EAGAIN;
		b[k].error = err;
	}
}

void sgpu_fault_service_batch(struct sgpu *gpu, struct sgpu_fault_scratch *sc,
			      unsigned int n)
{
	struct sgpu_fault_record *b = sc->batch;
	uint64_t start = sgpu_now_ns();
	uint64_t deadline = start + SERVICE_BUDGET_NS;
	uint64_t trace_t0 = svmcl_trace_begin();
	uint64_t cancelled = 0;
	unsigned int i, j;

	sc->batch_pages = 0;
	sc->batch_prefetched = 0;

	sgpu_stat_add(gpu, fault_records, n);
	sgpu_stat_add(gpu, fault_batches, 1);
	sgpu_stat_max(&gpu->stats.fault_batch_max, n);

	if (n > 1)
		qsort(b, n, sizeof(*b), record_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && b[j].vm == b[i].vm; j++)
			;
		service_vm(gpu, sc, b[i].vm, &b[i], j - i, deadline);
	}

	/* Replay once for the whole batch. */
	atomic_fetch_add_explicit(&gpu->faults.replay_seq, 1,
				  memory_order_release);
	for (i = 0; i < n; i++) {
		if (b[i].error && b[i].error != -EAGAIN)
			cancelled++;
		if (!b[i].reply)
			continue;
		b[i].reply->error = b[i].error;
		atomic_store_explicit(&b[i].reply->done, 1,
				      memory_order_release);
	}
	sgpu_stat_add(gpu, fault_cancelled, cancelled);
	sgpu_stat_add(gpu, fault_service_ns, sgpu_now_ns() - start);
	svmcl_trace_end(SVMCL_TRACE_FAULT_BATCH, trace_t0, NULL, n,
			sc->batch_pages, sc->batch_prefetched);
}
