/* SPDX-License-Identifier: MIT */
/*
 * fault.c - the GPU's fault buffer and who services it.
 *
 * DOC: Overview
 *
 * A compute unit whose walk finds no usable entry writes a fault record
 * {VM, address, access, unit} into the GPU's fault buffer, as a GPU's MMU
 * writes into its replayable fault ring (nouveau_svm.c, NVIDIA UVM). The
 * buffer is a ring of records under a short spinlock. Nobody sleeps on it:
 * a wake-up of a sleeping thread costs about 40 us on this machine, more
 * than servicing a fault. Instead the faulting unit services the buffer
 * itself when nobody else does:
 *
 *	post the record
 *	loop:
 *		replied?			done
 *		trylock a service slot		(compare-and-swap)
 *			drain up to a batch, service it (fault_service.c),
 *			until the buffer is empty; unlock
 *		else spin briefly, then yield
 *
 * So the unit that faults first becomes a servicer; units that fault
 * while it works post their records and, if a service slot is free (one
 * per CPU core: populating absent pages is CPU work that cores share),
 * service them themselves, or else spin; a servicer drains whatever is
 * posted as its next batch (or a waiter takes over when it is done: a
 * waiter tries a slot on every turn, so no record is left behind). A batch is
 * sorted, deduplicated and coalesced, faulted through the HMM core,
 * committed, and then replayed once: the replay sequence is bumped and
 * every record of the batch gets its reply. A record that could not be
 * resolved is cancelled: its reply carries the error, and its unit raises
 * the device fault.
 *
 * Waits are bounded by the service budget: a batch gives up after
 * HMM_RANGE_DEFAULT_TIMEOUT (1 s) and cancels what is left with -EBUSY.
 *
 * DOC: Locking
 *
 * fb->lock (spinlock) protects the ring, head and count; it is held only
 * to copy records in or out. Each bit of fb->slots_busy is a service
 * lock, taken with a compare-and-swap and never waited for; its holder
 * owns that slot's scratch arrays and calls into the HMM core and the VM
 * (vm.c), holding no other lock of this file. A unit waiting for its
 * reply is quiescent (shootdown.c) and holds no lock.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"

/* Spin this long before yielding while waiting for a reply. */
#define SGPU_FAULT_SPIN_NS 20000ull

static void scratch_free(struct sgpu_fault_scratch *sc)
{
	free(sc->pfns);
	free(sc->reqs);
	free(sc->rec_error);
	free(sc->recs);
	free(sc->batch);
	memset(sc, 0, sizeof(*sc));
}

static int scratch_alloc(struct sgpu_fault_scratch *sc, unsigned int batch)
{
	sc->batch = calloc(batch, sizeof(*sc->batch));
	sc->recs = calloc(batch, sizeof(*sc->recs));
	sc->rec_error = calloc(batch, sizeof(*sc->rec_error));
	sc->reqs = calloc(SGPU_BLOCK_PAGES, sizeof(*sc->reqs));
	sc->pfns = calloc(SGPU_BLOCK_PAGES, sizeof(*sc->pfns));
	if (sc->batch && sc->recs && sc->rec_error && sc->reqs && sc->pfns)
		return 0;
	scratch_free(sc);
	return -ENOMEM;
}

int sgpu_fault_buffer_init(struct sgpu_fault_buffer *fb, unsigned int batch,
			   unsigned int capacity, unsigned int slots)
{
	unsigned int i;

	memset(fb, 0, sizeof(*fb));
	if (!batch || batch > SGPU_FAULT_BATCH_MAX || capacity < batch ||
	    !slots || slots > SGPU_FAULT_SLOTS_MAX)
		return -EINVAL;
	fb->capacity = capacity;
	fb->batch_size = batch;
	fb->ring = calloc(capacity, sizeof(*fb->ring));
	if (!fb->ring)
		return -ENOMEM;
	for (i = 0; i < slots; i++) {
		if (scratch_alloc(&fb->scratch[i], batch))
			goto err_free_scratch;
		fb->scratch[i].slot = i;
	}
	fb->nr_slots = slots;
	pthread_spin_init(&fb->lock, PTHREAD_PROCESS_PRIVATE);
	return 0;

err_free_scratch:
	while (i--)
		scratch_free(&fb->scratch[i]);
	free(fb->ring);
	memset(fb, 0, sizeof(*fb));
	return -ENOMEM;
}

void sgpu_fault_buffer_fini(struct sgpu_fault_buffer *fb)
{
	if (!fb->ring)
		return;
	pthread_spin_destroy(&fb->lock);
	for (unsigned int i = 0; i < fb->nr_slots; i++)
		scratch_free(&fb->scratch[i]);
	free(fb->ring);
	memset(fb, 0, sizeof(*fb));
}

bool sgpu_fault_post(struct sgpu *gpu, const struct sgpu_fault_record *rec)
{
	struct sgpu_fault_buffer *fb = &gpu->faults;
	unsigned int count;
	bool posted = false;

	pthread_spin_lock(&fb->lock);
	count = atomic_load_explicit(&fb->count, memory_order_relaxed);
	if (count < fb->capacity) {
		fb->ring[(fb->head + count) % fb->capacity] = *rec;
		atomic_store_explicit(&fb->count, count + 1,
				      memory_order_relaxed);
		posted = true;
	}
	pthread_spin_unlock(&fb->lock);
	return posted;
}

/* Copies up to a batch out of the ring into @out; a slot held. */
static unsigned int fault_drain(struct sgpu_fault_buffer *fb,
				struct sgpu_fault_record *out)
{
	unsigned int n;

	pthread_spin_lock(&fb->lock);
	n = atomic_load_explicit(&fb->count, memory_order_relaxed);
	if (n > fb->batch_size)
		n = fb->batch_size;
	for (unsigned int i = 0; i < n; i++)
		out[i] = fb->ring[(fb->head + i) % fb->capacity];
	fb->head = (fb->head + n) % fb->capacity;
	atomic_store_explicit(&fb->count,
			      atomic_load_explicit(&fb->count,
						   memory_order_relaxed) - n,
			      memory_order_relaxed);
	pthread_spin_unlock(&fb->lock);
	return n;
}

/* Takes a free service slot; -1 when all are busy. */
static int slot_trylock(struct sgpu_fault_buffer *fb)
{
	unsigned int busy = atomic_load_explicit(&fb->slots_busy,
						 memory_order_relaxed);

	for (;;) {
		unsigned int free_slots = ~busy & ((1u << fb->nr_slots) - 1);
		int slot;

		if (!free_slots)
			return -1;
		slot = __builtin_ctz(free_slots);
		if (atomic_compare_exchange_weak_explicit(
			    &fb->slots_busy, &busy, busy | (1u << slot),
			    memory_order_acquire, memory_order_relaxed))
			return slot;
	}
}

unsigned int sgpu_fault_service(struct sgpu *gpu)
{
	struct sgpu_fault_buffer *fb = &gpu->faults;
	unsigned int batches = 0, n;
	int slot;

	if (!atomic_load_explicit(&fb->count, memory_order_relaxed))
		return 0;
	slot = slot_trylock(fb);
	if (slot < 0)
		return 0;
	while ((n = fault_drain(fb, fb->scratch[slot].batch)) != 0) {
		sgpu_fault_service_batch(gpu, &fb->scratch[slot], n);
		batches++;
	}
	atomic_fetch_and_explicit(&fb->slots_busy, ~(1u << slot),
				  memory_order_release);
	return batches;
}

int sgpu_fault_raise(struct sgpu_cu *cu, struct sgpu_vm *vm, uint64_t va,
		     enum sgpu_access access)
{
	struct sgpu *gpu = cu->gpu;
	struct sgpu_fault_reply *reply = &cu->fault_reply;
	struct sgpu_fault_record rec = {
		.vm = vm,
		.addr = va,
		.access = access,
		.unit = cu->index,
		.reply = reply,
	};
	uint64_t start = sgpu_now_ns();
	unsigned int spins = 0;
	bool yield = false;

	atomic_store_explicit(&reply->done, 0, memory_order_relaxed);
	reply->error = 0;
	/* A full buffer: help drain it (or let the servicer) and retry. */
	while (!sgpu_fault_post(gpu, &rec)) {
		if (!sgpu_fault_service(gpu))
			sched_yield();
	}
	sgpu_count(&cu->cnt.faults, 1);

	while (!atomic_load_explicit(&reply->done, memory_order_acquire)) {
		if (sgpu_fault_service(gpu))
			continue;
		/* The clock only every 64 turns: it costs ~20 ns. */
		if (!yield && !(++spins & 63))
			yield = sgpu_now_ns() - start > SGPU_FAULT_SPIN_NS;
		if (yield)
			sched_yield();
		else
			sgpu_cpu_relax();
	}
	sgpu_count(&cu->cnt.fault_wait_ns, sgpu_now_ns() - start);
	return reply->error;
}
