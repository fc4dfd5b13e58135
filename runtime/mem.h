/* SPDX-License-Identifier: MIT */
/*
 * mem.h - memory objects (buffers and sub-buffers).
 *
 * A buffer's storage is process memory that the context's device VM
 * mirrors, so its CPU address is also its device address: kernels reach
 * it through the device MMU, host commands with memcpy(). See mem.c.
 */
#ifndef SVMCL_MEM_H
#define SVMCL_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CL/cl.h>

#include "object.h"

struct svmcl_mem_destructor {
	void (CL_CALLBACK *fn)(cl_mem memobj, void *user_data);
	void *user_data;
	struct svmcl_mem_destructor *next;
};

/* One clEnqueueMapBuffer not yet unmapped. */
struct svmcl_mem_mapping {
	void *ptr;			/* what clEnqueueMapBuffer returned */
	size_t offset, size;		/* within the buffer */
	cl_map_flags flags;
	struct svmcl_mem_mapping *next;
};

struct _cl_mem {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_context context;		/* reference */
	cl_mem parent;			/* pin; sub-buffers only, else NULL */
	cl_mem_flags flags;		/* CL_MEM_FLAGS (inherited ones included) */
	size_t size;
	size_t offset;			/* origin in @parent; 0 for buffers */
	char *addr;			/* first byte: CPU and device address */
	void *host_ptr;			/* CL_MEM_HOST_PTR, or NULL */
	void *map_base;			/* storage mmap()ed by svmcl, or NULL */
	size_t map_len;			/* its page-rounded length */
	bool uses_svm;			/* USE_HOST_PTR inside an SVM allocation */
	cl_mem_properties *props;	/* CL_MEM_PROPERTIES copy, or NULL */
	size_t props_size;		/* bytes, terminator included */

	/*
	 * API references (clRetain/ReleaseMemObject): what
	 * CL_MEM_REFERENCE_COUNT reports. obj.refcount counts them plus the
	 * pins of commands and sub-buffers; the object is destroyed when
	 * that drops to zero.
	 */
	atomic_uint api_refs;

	/* Protected by obj.lock. */
	struct svmcl_mem_destructor *destructors;	/* newest first */
	struct svmcl_mem_mapping *maps;
	cl_uint map_count;
};

/* A live memory object the application still holds a reference to. */
static inline bool svmcl_mem_is_live(const void *handle)
{
	const struct _cl_mem *m = handle;

	return SVMCL_IS_MEM(handle) &&
	       atomic_load_explicit(&m->api_refs, memory_order_relaxed) > 0;
}

/* The address a kernel argument gets for @m (sub-buffers: + origin). */
static inline uint64_t svmcl_mem_device_addr(cl_mem m)
{
	return (uint64_t)(uintptr_t)m->addr;
}

/*
 * Pins: internal references that keep the object (and its storage)
 * alive without counting as API references. The last unpin of a
 * released object destroys it (destructor callbacks first), on the
 * calling thread, with no lock held.
 */
void svmcl_mem_pin(cl_mem m);
void svmcl_mem_unpin(cl_mem m);
/* Unpin each of @n objects (NULL entries skipped), then free @mems. */
void svmcl_mem_unpin_array(cl_mem *mems, cl_uint n);

#endif /* SVMCL_MEM_H */
