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
	unsigned int maps;	/* clEnqueueSVMMap commands run, not unmapped */
};

/* A freed allocation, remembered to explain device faults (svm_explain.c). */
struct svmcl_svm_freed {
	uintptr_t start;
	size_t size;		/* as requested */
	size_t map_size;
	cl_svm_mem_flags flags;
	const char *by;		/* "clSVMFree", "clEnqueueSVMFree", ... */
};

#define SVMCL_SVM_FREED_HISTORY 64

/*
 * The SVM allocations of a context, sorted by start and non-overlapping,
 * and the last SVMCL_SVM_FREED_HISTORY allocations it freed. Serves
 * clSVMFree, interior-pointer lookup (clEnqueueSVM*) and the device-fault
 * report.
 */
struct svmcl_svm_registry {
	pthread_mutex_t lock;	/* protects every field below but @check_active */
	struct svmcl_svm_alloc *allocs;
	size_t count;
	size_t capacity;
	struct svmcl_svm_freed freed[SVMCL_SVM_FREED_HISTORY];	/* ring */
	unsigned long freed_total;	/* freed[freed_total % N] is next */
	/* Checking mode: device commands running (svm_check.c's lock). */
	unsigned int check_active;
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
/*
 * svmcl_svm_free() - clSVMFree of @ptr in @ctx; @by names the API that
 * freed it in later fault reports. Return: 0 or -ENOENT (not an SVM
 * allocation of @ctx).
 */
int svmcl_svm_free(cl_context ctx, void *ptr, const char *by);
/*
 * svmcl_svm_map_change() - a map (@delta = +1) or an unmap (-1) command of
 * the allocation containing @ptr ran. Coarse-grained allocations change
 * owner when their map count moves between 0 and 1 (svm_check.c).
 */
void svmcl_svm_map_change(cl_context ctx, const void *ptr, int delta);
/*
 * svmcl_svm_freed_lookup() - the most recently freed allocation of @ctx
 * that contained @addr. Return: true and *@out filled, or false.
 */
bool svmcl_svm_freed_lookup(cl_context ctx, uintptr_t addr,
			    struct svmcl_svm_freed *out);

/* svm_explain.c */
/*
 * svmcl_svm_explain() - one sentence on what @addr is, for a device
 * fault of @status (-EFAULT, -EPERM, ...) by a write (@write) or not:
 * a live or freed SVM allocation, a mapping (read-only, no access), an
 * unmapped range with its nearest mappings, or never mapped. Reads
 * /proc/self/maps; no runtime lock held. Writes a NUL-terminated string.
 */
void svmcl_svm_explain(cl_context ctx, uint64_t addr, int status, bool write,
		       char *buf, size_t size);
/*
 * svmcl_fault_report_on() - print device memory error reports on stderr?
 * Yes unless SVMCL_FAULT_REPORT=0 (or off, none); pfn_notify always gets
 * them.
 */
bool svmcl_fault_report_on(void);

/* svm_check.c: coarse-grain checking mode (SVMCL_CHECK=coarse). */
bool svmcl_svm_check_enabled(void);
/* The device owns coarse allocation @a (allocated, or unmapped). */
void svmcl_svm_check_device_owns(cl_context ctx,
				 const struct svmcl_svm_alloc *a);
/* The host owns the allocation at @start (mapped), or it is freed. */
void svmcl_svm_check_host_owns(uintptr_t start);
/*
 * A command of @ctx that reaches memory as the device (kernel, SVM copy,
 * fill, migration) runs between begin and end: the device-owned
 * allocations of @ctx are accessible meanwhile. No-ops unless checking.
 */
void svmcl_svm_check_device_begin(cl_context ctx);
void svmcl_svm_check_device_end(cl_context ctx);

#endif /* SVMCL_CONTEXT_H */
