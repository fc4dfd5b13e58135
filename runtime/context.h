/* SPDX-License-Identifier: MIT */
/*
 * context.h - contexts: a device VM plus the SVM allocations made in it.
 */
#ifndef SVMCL_CONTEXT_H
#define SVMCL_CONTEXT_H

#include <stdint.h>

#include <CL/cl.h>

#include "object.h"

/* One clSVMAlloc allocation: [start, start + size) of a mapping. */
struct svmcl_svm_alloc {
	uintptr_t start;
	size_t size;		/* as requested */
	size_t map_size;	/* page-rounded length of the mapping */
	cl_svm_mem_flags flags;
};

/*
 * The SVM allocations of a context, sorted by start and non-overlapping.
 * Serves clSVMFree now and interior-pointer lookup (kernel arguments,
 * clEnqueueSVM*) in later issues.
 */
struct svmcl_svm_registry {
	pthread_mutex_t lock;	/* protects every field below */
	struct svmcl_svm_alloc *allocs;
	size_t count;
	size_t capacity;
};

struct svmcl_context_destructor {
	void (CL_CALLBACK *fn)(cl_context context, void *user_data);
	void *user_data;
	struct svmcl_context_destructor *next;
};

typedef void (CL_CALLBACK *svmcl_context_notify_fn)(const char *errinfo,
						     const void *private_info,
						     size_t cb, void *user_data);

struct _cl_context {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_device_id device;		/* duplicates in the device list collapse */
	cl_context_properties *props;	/* copy of the list given, or NULL */
	size_t props_size;		/* bytes, terminator included; 0 if NULL */
	svmcl_context_notify_fn notify;	/* may be NULL */
	void *notify_data;
	int kmd_fd;			/* the device's kmd handle (not owned) */
	uint32_t vm_id;			/* KMD_VM_MIRROR_PROCESS VM, owned */

	struct svmcl_svm_registry svm;	/* has its own lock */

	/* Protected by obj.lock. */
	struct svmcl_context_destructor *destructors;	/* newest first */
};

void svmcl_context_get(cl_context ctx);
void svmcl_context_put(cl_context ctx);

/*
 * svmcl_context_notify() - report an error to the context's pfn_notify.
 * Called with no runtime lock held (the callback may call back into
 * OpenCL).
 */
void svmcl_context_notify(cl_context ctx, const char *errinfo);

/* svm.c */
void svmcl_svm_registry_init(struct svmcl_svm_registry *reg);
/* Frees every allocation still registered, then the registry. */
void svmcl_svm_registry_fini(cl_context ctx);
/*
 * svmcl_svm_lookup() - the allocation containing @ptr (interior pointers
 * included). Return: true and *@out filled, or false.
 */
bool svmcl_svm_lookup(cl_context ctx, const void *ptr,
		      struct svmcl_svm_alloc *out);

#endif /* SVMCL_CONTEXT_H */
