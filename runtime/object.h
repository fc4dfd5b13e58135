/* SPDX-License-Identifier: MIT */
/*
 * object.h - the header every OpenCL handle of svmcl starts with.
 *
 * DOC: Overview
 *
 * An OpenCL handle is a pointer to one of the structs below. The ICD loader
 * reads the first word of every handle as its dispatch table, so each
 * struct starts with SVMCL_ICD_HEADER:
 *
 *	struct _cl_icd_dispatch *dispatch;	loaders dispatch through this
 *	void *dispatch_data;			reserved for cl_khr_icd 2.0 (NULL)
 *	struct svmcl_object obj;		magic, refcount, lock
 *
 * A new object copies dispatch and dispatch_data from its parent (device
 * from platform, context from device, and so on), so the table's address
 * appears in exactly one place: the static platform.
 *
 * @magic tells the object kind; an API entry point validates a handle with
 * the SVMCL_IS_*() helpers before it touches anything else, and a destroyed
 * object is poisoned with SVMCL_MAGIC_DEAD before it is freed.
 *
 * @refcount counts API references (what CL_*_REFERENCE_COUNT reports) plus
 * the references that objects hold on their parents (a queue holds its
 * context, an event its queue, a kernel its program). The release that
 * drops it to zero destroys the object. The static platform and device
 * are never destroyed.
 *
 * DOC: Locking
 *
 * @lock is a plain mutex per object; what it protects is documented with
 * each struct. Lock order, outermost first:
 *
 *	queue->obj.lock -> event->obj.lock
 *	kernel->obj.lock, program->obj.lock, context->svm.lock,
 *	device->obj.lock: leaves, never held while taking another lock
 *
 * No runtime lock is held while a user callback runs, while the compiler
 * runs or while a command executes on the device.
 */
#ifndef SVMCL_OBJECT_H
#define SVMCL_OBJECT_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CL/cl_icd.h>

#include "config.h"

#define SVMCL_FOURCC(a, b, c, d) \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | \
	 ((uint32_t)(d) << 24))

#define SVMCL_MAGIC_PLATFORM SVMCL_FOURCC('p', 'l', 'a', 't')
#define SVMCL_MAGIC_DEVICE SVMCL_FOURCC('d', 'e', 'v', 'i')
#define SVMCL_MAGIC_CONTEXT SVMCL_FOURCC('c', 't', 'x', 't')
#define SVMCL_MAGIC_QUEUE SVMCL_FOURCC('q', 'u', 'e', 'u')
#define SVMCL_MAGIC_EVENT SVMCL_FOURCC('e', 'v', 'n', 't')
#define SVMCL_MAGIC_PROGRAM SVMCL_FOURCC('p', 'r', 'o', 'g')
#define SVMCL_MAGIC_KERNEL SVMCL_FOURCC('k', 'e', 'r', 'n')
#define SVMCL_MAGIC_MEM SVMCL_FOURCC('m', 'e', 'm', 'o')
#define SVMCL_MAGIC_DEAD SVMCL_FOURCC('d', 'e', 'a', 'd')

struct svmcl_object {
	uint32_t magic;		/* SVMCL_MAGIC_*; never changes while alive */
	atomic_uint refcount;	/* see DOC: Overview */
	pthread_mutex_t lock;	/* per type: see the struct using it */
};

#define SVMCL_ICD_HEADER \
	struct _cl_icd_dispatch *dispatch; \
	void *dispatch_data; \
	struct svmcl_object obj

/* Any handle, seen through its header only. */
struct svmcl_handle {
	SVMCL_ICD_HEADER;
};

/*
 * The dispatch table handed to the loaders. struct _cl_icd_dispatch of the
 * installed headers (opencl-c-headers 2023.02) ends at slot 148; newer
 * headers add slot 149 (clGetKernelSuggestedLocalWorkSize, OpenCL 3.1).
 * @tail gives every loader 150 valid slots. Defined by icd/dispatch.c.
 */
#define SVMCL_ICD_SLOTS 150
struct svmcl_icd_table {
	struct _cl_icd_dispatch khr;
	void *tail[SVMCL_ICD_SLOTS - sizeof(struct _cl_icd_dispatch) / sizeof(void *)];
};
extern const struct svmcl_icd_table svmcl_icd_table;

static inline void svmcl_object_init(struct svmcl_handle *h,
				     const struct svmcl_handle *parent,
				     uint32_t magic)
{
	h->dispatch = parent->dispatch;
	h->dispatch_data = parent->dispatch_data;
	h->obj.magic = magic;
	atomic_init(&h->obj.refcount, 1);
	pthread_mutex_init(&h->obj.lock, NULL);
}

/* Poison before free: a stale handle then fails validation (mostly). */
static inline void svmcl_object_fini(struct svmcl_handle *h)
{
	h->obj.magic = SVMCL_MAGIC_DEAD;
	pthread_mutex_destroy(&h->obj.lock);
}

static inline bool svmcl_handle_is(const void *handle, uint32_t magic)
{
	const struct svmcl_handle *h = handle;

	return h != NULL && h->obj.magic == magic &&
	       atomic_load_explicit(&h->obj.refcount, memory_order_relaxed) > 0;
}

static inline void svmcl_object_get(struct svmcl_handle *h)
{
	unsigned int old = atomic_fetch_add_explicit(&h->obj.refcount, 1,
						     memory_order_relaxed);
	/* assert() compiles away with NDEBUG even when debug checks are on. */
	(void)old;
#if SVMCL_DEBUG_CHECKS
	assert(old > 0 && "retain of a destroyed object");
#endif
}

/* Return: true when this was the last reference (caller destroys). */
static inline bool svmcl_object_put(struct svmcl_handle *h)
{
	unsigned int old = atomic_fetch_sub_explicit(&h->obj.refcount, 1,
						     memory_order_acq_rel);
#if SVMCL_DEBUG_CHECKS
	assert(old > 0 && "release of a destroyed object");
#endif
	return old == 1;
}

static inline cl_uint svmcl_object_refcount(const struct svmcl_handle *h)
{
	return atomic_load_explicit(&h->obj.refcount, memory_order_relaxed);
}

#define SVMCL_HANDLE(x) ((struct svmcl_handle *)(x))

#define SVMCL_IS_PLATFORM(x) svmcl_handle_is((x), SVMCL_MAGIC_PLATFORM)
#define SVMCL_IS_DEVICE(x) svmcl_handle_is((x), SVMCL_MAGIC_DEVICE)
#define SVMCL_IS_CONTEXT(x) svmcl_handle_is((x), SVMCL_MAGIC_CONTEXT)
#define SVMCL_IS_QUEUE(x) svmcl_handle_is((x), SVMCL_MAGIC_QUEUE)
#define SVMCL_IS_EVENT(x) svmcl_handle_is((x), SVMCL_MAGIC_EVENT)
#define SVMCL_IS_PROGRAM(x) svmcl_handle_is((x), SVMCL_MAGIC_PROGRAM)
#define SVMCL_IS_KERNEL(x) svmcl_handle_is((x), SVMCL_MAGIC_KERNEL)
#define SVMCL_IS_MEM(x) svmcl_handle_is((x), SVMCL_MAGIC_MEM)

#define svmcl_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Check that a struct starts with the ICD header. */
#define SVMCL_ASSERT_ICD_LAYOUT(type) \
	static_assert(offsetof(type, dispatch) == 0 && \
		      offsetof(type, obj) == offsetof(struct svmcl_handle, obj), \
		      #type " must start with SVMCL_ICD_HEADER")

#endif /* SVMCL_OBJECT_H */
