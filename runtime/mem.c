/* SPDX-License-Identifier: MIT */
/*
 * mem.c - buffer and sub-buffer objects: creation, queries, lifetime.
 *
 * DOC: Overview
 *
 * The context's device VM mirrors the whole process address space, so a
 * buffer needs no device-side allocation: its storage is process memory
 * and its CPU address is its device address. The device reaches it through
 * its page tables (faulting pages in on first use, or finding them in VRAM
 * after clEnqueueMigrateMemObjects); host commands (read, write, copy,
 * fill, map) are plain CPU accesses on the queue's thread.
 *
 * Where the storage comes from:
 *
 *  - CL_MEM_USE_HOST_PTR: the application's memory itself, zero copy.
 *    Kernel writes land in the user's array; map returns host_ptr +
 *    offset. A host_ptr inside an SVM allocation of the context makes
 *    CL_MEM_USES_SVM_POINTER true (and the size may not run past the
 *    allocation: CL_INVALID_BUFFER_SIZE).
 *  - otherwise (ALLOC_HOST_PTR or nothing, optionally COPY_HOST_PTR):
 *    page-aligned anonymous mmap(), like clSVMAlloc's, whose alignment
 *    covers CL_DEVICE_MEM_BASE_ADDR_ALIGN. Host-accessible memory is all
 *    the memory there is, so ALLOC_HOST_PTR changes nothing.
 *  - sub-buffers: a window [origin, origin + size) of the parent's storage;
 *    the sub-buffer pins its parent.
 *
 * Lifetime. @api_refs counts the application's references and is what
 * CL_MEM_REFERENCE_COUNT reports; obj.refcount counts those plus pins
 * (commands that use the object until they complete, sub-buffers on
 * their parent). When the last of all goes, the object is destroyed on
 * that thread: destructor callbacks newest first, with no lock held (they
 * may call the API), then svmcl's own storage is invalidated in the
 * device VM and unmapped, then the parent and the context are dropped.
 *
 * DOC: Locking
 *
 * Everything but @destructors, @maps and @map_count is immutable after
 * creation; obj.lock protects those three. It is a leaf lock, never held
 * while calling out (callbacks, kmd, munmap).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svmcl/kmd.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "info.h"
#include "mem.h"
#include "platform.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_mem);

#define MEM_ACCESS_FLAGS \
	(CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY)
#define MEM_HOST_PTR_FLAGS \
	(CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR)
#define MEM_HOST_ACCESS_FLAGS \
	(CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS)
#define MEM_BUFFER_FLAGS \
	(MEM_ACCESS_FLAGS | MEM_HOST_PTR_FLAGS | MEM_HOST_ACCESS_FLAGS)

static bool more_than_one_bit(cl_mem_flags x)
{
	return (x & (x - 1)) != 0;
}

static cl_mem mem_alloc(cl_context ctx, cl_mem_flags flags, size_t size)
{
	cl_mem m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	svmcl_object_init(SVMCL_HANDLE(m), SVMCL_HANDLE(ctx), SVMCL_MAGIC_MEM);
	atomic_init(&m->api_refs, 1);
	m->flags = flags;
	m->size = size;
	return m;
}

/* The storage and references are set up: make the object reachable. */
static void mem_publish(cl_mem m, cl_context ctx)
{
	svmcl_context_get(ctx);
	m->context = ctx;
}

/* Drop the device's view of svmcl's own storage, then the memory. */
static void mem_free_storage(cl_mem m)
{
	struct kmd_vm_range range = {
		.vm_id = m->context->vm_id,
		.start = (uintptr_t)m->map_base,
		.end = (uintptr_t)m->map_base + m->map_len,
	};
	int ret;

	ret = kmd_ioctl(m->context->kmd_fd, KMD_IOCTL_VM_INVALIDATE, &range);
	if (ret < 0)
		svmcl_debug(SVMCL_DBG_API,
			    "KMD_IOCTL_VM_INVALIDATE [%#lx, %#lx): %d",
			    (unsigned long)range.start,
			    (unsigned long)range.end, ret);
	munmap(m->map_base, m->map_len);
}

static void mem_destroy(cl_mem m)
{
	struct svmcl_mem_destructor *d, *next_d;
	struct svmcl_mem_mapping *map, *next_map;
	cl_context ctx = m->context;
	cl_mem parent = m->parent;

	/* Nobody else holds a reference: no lock needed, none held. */
	for (d = m->destructors; d; d = next_d) {
		next_d = d->next;
		d->fn(m, d->user_data);
		free(d);
	}
	for (map = m->maps; map; map = next_map) {
		next_map = map->next;
		free(map);
	}
	if (m->map_base)
		mem_free_storage(m);
	free(m->props);
	svmcl_object_fini(SVMCL_HANDLE(m));
	free(m);

	if (parent)
		svmcl_mem_unpin(parent);
	svmcl_context_put(ctx);
}

void svmcl_mem_pin(cl_mem m)
{
	svmcl_object_get(SVMCL_HANDLE(m));
}

void svmcl_mem_unpin(cl_mem m)
{
	if (svmcl_object_put(SVMCL_HANDLE(m)))
		mem_destroy(m);
}

void svmcl_mem_unpin_array(cl_mem *mems, cl_uint n)
{
	for (cl_uint i = 0; i < n; i++) {
		if (mems[i])
			svmcl_mem_unpin(mems[i]);
	}
	free(mems);
}

/* Validate buffer @flags and @host_ptr (clCreateBuffer*). */
static cl_int buffer_check_flags(const char *func, cl_mem_flags flags,
				 const void *host_ptr)
{
	cl_int err = CL_INVALID_VALUE;

	if (flags & ~MEM_BUFFER_FLAGS) {
		svmcl_api_error(func, err, "unknown or non-buffer flags 0x%llx",
				(unsigned long long)(flags & ~MEM_BUFFER_FLAGS));
		return err;
	}
	if (more_than_one_bit(flags & MEM_ACCESS_FLAGS)) {
		svmcl_api_error(func, err,
				"more than one of READ_WRITE, WRITE_ONLY, READ_ONLY");
		return err;
	}
	if (more_than_one_bit(flags & MEM_HOST_ACCESS_FLAGS)) {
		svmcl_api_error(func, err,
				"more than one of HOST_WRITE_ONLY, HOST_READ_ONLY, HOST_NO_ACCESS");
		return err;
	}
	if ((flags & CL_MEM_USE_HOST_PTR) &&
	    (flags & (CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR))) {
		svmcl_api_error(func, err,
				"USE_HOST_PTR with ALLOC_HOST_PTR or COPY_HOST_PTR");
		return err;
	}

	err = CL_INVALID_HOST_PTR;
	if ((flags & (CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR)) &&
	    host_ptr == NULL) {
		svmcl_api_error(func, err,
				"USE_HOST_PTR or COPY_HOST_PTR with a NULL host_ptr");
		return err;
	}
	if (!(flags & (CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR)) &&
	    host_ptr != NULL) {
		svmcl_api_error(func, err,
				"host_ptr without USE_HOST_PTR or COPY_HOST_PTR");
		return err;
	}
	return CL_SUCCESS;
}

/* No buffer property is defined in core OpenCL 3.0: only an empty list. */
static cl_int buffer_check_props(const char *func,
				 const cl_mem_properties *props, size_t *size)
{
	*size = 0;
	if (!props)
		return CL_SUCCESS;
	if (props[0] != 0) {
		svmcl_api_error(func, CL_INVALID_PROPERTY,
				"unsupported buffer property 0x%llx",
				(unsigned long long)props[0]);
		return CL_INVALID_PROPERTY;
	}
	*size = sizeof(*props);
	return CL_SUCCESS;
}

static cl_mem buffer_create(const char *func, cl_context ctx,
			    const cl_mem_properties *props, cl_mem_flags flags,
			    size_t size, void *host_ptr, cl_int *errp)
{
	const struct svmcl_device_limits *l;
	struct svmcl_svm_alloc svm;
	size_t props_size = 0, page;
	bool in_svm = false;
	cl_mem m;
	cl_int err;

	if (!SVMCL_IS_CONTEXT(ctx)) {
		*errp = CL_INVALID_CONTEXT;
		svmcl_api_error(func, *errp, "not a valid context");
		return NULL;
	}
	err = buffer_check_props(func, props, &props_size);
	if (!err)
		err = buffer_check_flags(func, flags, host_ptr);
	if (err) {
		*errp = err;
		return NULL;
	}
	l = svmcl_device_limits(ctx->device);
	if (size == 0 || size > l->max_alloc) {
		*errp = CL_INVALID_BUFFER_SIZE;
		svmcl_api_error(func, *errp,
				"size %zu is 0 or above CL_DEVICE_MAX_MEM_ALLOC_SIZE",
				size);
		return NULL;
	}
	if (host_ptr)
		in_svm = svmcl_svm_lookup(ctx, host_ptr, &svm);
	if (in_svm && (uintptr_t)host_ptr - svm.start + size > svm.size) {
		*errp = CL_INVALID_BUFFER_SIZE;
		svmcl_api_error(func, *errp,
				"size %zu runs past the SVM allocation of host_ptr",
				size);
		return NULL;
	}

	*errp = CL_OUT_OF_HOST_MEMORY;
	m = mem_alloc(ctx, flags, size);
	if (!m)
		goto err_nomem;
	if (props_size) {
		m->props = calloc(1, props_size);
		if (!m->props)
			goto err_free_mem;
		m->props_size = props_size;
	}

	if (flags & CL_MEM_USE_HOST_PTR) {
		/* Zero copy: the device reaches the user's pages directly. */
		m->addr = host_ptr;
		m->host_ptr = host_ptr;
		m->uses_svm = in_svm;
	} else {
		page = (size_t)sysconf(_SC_PAGESIZE);
		m->map_len = (size + page - 1) & ~(page - 1);
		m->map_base = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->map_base == MAP_FAILED) {
			*errp = CL_MEM_OBJECT_ALLOCATION_FAILURE;
			svmcl_api_error(func, *errp, "mmap of %zu bytes: %s",
					m->map_len, strerror(errno));
			goto err_free_props;
		}
		m->addr = m->map_base;
		if (flags & CL_MEM_COPY_HOST_PTR)
			memcpy(m->addr, host_ptr, size);
	}

	mem_publish(m, ctx);
	*errp = CL_SUCCESS;
	return m;

err_free_props:
	free(m->props);
err_free_mem:
	svmcl_object_fini(SVMCL_HANDLE(m));
	free(m);
err_nomem:
	if (*errp == CL_OUT_OF_HOST_MEMORY)
		svmcl_api_error(func, *errp, "out of host memory");
	return NULL;
}

cl_mem CL_API_CALL svmcl_clCreateBuffer(cl_context context, cl_mem_flags flags,
					size_t size, void *host_ptr,
					cl_int *errcode_ret)
{
	cl_int err;
	cl_mem m = buffer_create(__func__, context, NULL, flags, size, host_ptr,
				 &err);

	if (errcode_ret)
		*errcode_ret = err;
	return m;
}

cl_mem CL_API_CALL
svmcl_clCreateBufferWithProperties(cl_context context,
				   const cl_mem_properties *properties,
				   cl_mem_flags flags, size_t size,
				   void *host_ptr, cl_int *errcode_ret)
{
	cl_int err;
	cl_mem m = buffer_create(__func__, context, properties, flags, size,
				 host_ptr, &err);

	if (errcode_ret)
		*errcode_ret = err;
	return m;
}

/*
 * The flags of a sub-buffer of @parent asked for with @flags: validated
 * against the parent's, with what @flags leaves out inherited.
 * Return: CL_SUCCESS or CL_INVALID_VALUE.
 */
static cl_int subbuffer_flags(const char *func, cl_mem_flags parent,
			      cl_mem_flags flags, cl_mem_flags *out)
{
	cl_mem_flags acc = flags & MEM_ACCESS_FLAGS;
	cl_mem_flags host = flags & MEM_HOST_ACCESS_FLAGS;
	const char *why = NULL;

	if (flags & ~MEM_BUFFER_FLAGS)
		why = "unknown or non-buffer flags";
	else if (flags & MEM_HOST_PTR_FLAGS)
		why = "USE/ALLOC/COPY_HOST_PTR cannot be given for a sub-buffer";
	else if (more_than_one_bit(acc))
		why = "more than one of READ_WRITE, WRITE_ONLY, READ_ONLY";
	else if (more_than_one_bit(host))
		why = "more than one of the HOST_* access flags";
	else if ((parent & CL_MEM_WRITE_ONLY) &&
		 (acc & (CL_MEM_READ_WRITE | CL_MEM_READ_ONLY)))
		why = "the buffer is WRITE_ONLY";
	else if ((parent & CL_MEM_READ_ONLY) &&
		 (acc & (CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY)))
		why = "the buffer is READ_ONLY";
	else if ((parent & CL_MEM_HOST_WRITE_ONLY) &&
		 (host & CL_MEM_HOST_READ_ONLY))
		why = "the buffer is HOST_WRITE_ONLY";
	else if ((parent & CL_MEM_HOST_READ_ONLY) &&
		 (host & CL_MEM_HOST_WRITE_ONLY))
		why = "the buffer is HOST_READ_ONLY";
	else if ((parent & CL_MEM_HOST_NO_ACCESS) &&
		 (host & (CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_WRITE_ONLY)))
		why = "the buffer is HOST_NO_ACCESS";
	if (why) {
		svmcl_api_error(func, CL_INVALID_VALUE, "%s", why);
		return CL_INVALID_VALUE;
	}

	if (!acc)
		acc = parent & MEM_ACCESS_FLAGS;
	if (!host)
		host = parent & MEM_HOST_ACCESS_FLAGS;
	*out = acc | host | (parent & MEM_HOST_PTR_FLAGS);
	return CL_SUCCESS;
}

cl_mem CL_API_CALL svmcl_clCreateSubBuffer(cl_mem buffer, cl_mem_flags flags,
					   cl_buffer_create_type type,
					   const void *info, cl_int *errcode_ret)
{
	const cl_buffer_region *r = info;
	size_t align = SVMCL_SVM_ALIGNMENT;	/* MEM_BASE_ADDR_ALIGN, bytes */
	cl_mem_flags sub_flags = 0;
	cl_mem m = NULL;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!svmcl_mem_is_live(buffer), CL_INVALID_MEM_OBJECT,
			    "not a valid buffer");
	SVMCL_GOTO_ERROR_ON(buffer->parent != NULL, CL_INVALID_MEM_OBJECT,
			    "the buffer is itself a sub-buffer");
	err = subbuffer_flags(__func__, buffer->flags, flags, &sub_flags);
	if (err)
		goto ERROR;
	SVMCL_GOTO_ERROR_ON(type != CL_BUFFER_CREATE_TYPE_REGION,
			    CL_INVALID_VALUE,
			    "buffer_create_type 0x%x is not REGION", type);
	SVMCL_GOTO_ERROR_ON(r == NULL, CL_INVALID_VALUE,
			    "buffer_create_info is NULL");
	SVMCL_GOTO_ERROR_ON(r->size == 0, CL_INVALID_BUFFER_SIZE,
			    "region size is 0");
	SVMCL_GOTO_ERROR_ON(r->origin > buffer->size ||
			    r->size > buffer->size - r->origin,
			    CL_INVALID_VALUE,
			    "region [%zu, +%zu) is out of the buffer's %zu bytes",
			    r->origin, r->size, buffer->size);
	SVMCL_GOTO_ERROR_ON(r->origin % align, CL_MISALIGNED_SUB_BUFFER_OFFSET,
			    "origin %zu is not a multiple of %zu bytes",
			    r->origin, align);

	m = mem_alloc(buffer->context, sub_flags, r->size);
	SVMCL_GOTO_ERROR_ON(m == NULL, CL_OUT_OF_HOST_MEMORY, "calloc");
	svmcl_mem_pin(buffer);
	m->parent = buffer;
	m->offset = r->origin;
	m->addr = buffer->addr + r->origin;
	if (buffer->host_ptr)
		m->host_ptr = (char *)buffer->host_ptr + r->origin;
	m->uses_svm = buffer->uses_svm;
	mem_publish(m, buffer->context);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return m;
}

cl_int CL_API_CALL svmcl_clRetainMemObject(cl_mem memobj)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");
	atomic_fetch_add_explicit(&memobj->api_refs, 1, memory_order_relaxed);
	svmcl_mem_pin(memobj);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseMemObject(cl_mem memobj)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");
	atomic_fetch_sub_explicit(&memobj->api_refs, 1, memory_order_relaxed);
	/* Destroys it now unless commands or sub-buffers still pin it. */
	svmcl_mem_unpin(memobj);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetMemObjectInfo(cl_mem memobj,
					    cl_mem_info param_name,
					    size_t param_value_size,
					    void *param_value,
					    size_t *param_value_size_ret)
{
	cl_uint count;

	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");

	switch (param_name) {
	case CL_MEM_TYPE:
		return SVMCL_INFO_SCALAR(cl_mem_object_type,
					 CL_MEM_OBJECT_BUFFER);
	case CL_MEM_FLAGS:
		return SVMCL_INFO_SCALAR(cl_mem_flags, memobj->flags);
	case CL_MEM_SIZE:
		return SVMCL_INFO_SCALAR(size_t, memobj->size);
	case CL_MEM_HOST_PTR:
		return SVMCL_INFO_SCALAR(void *, memobj->host_ptr);
	case CL_MEM_MAP_COUNT:
		pthread_mutex_lock(&memobj->obj.lock);
		count = memobj->map_count;
		pthread_mutex_unlock(&memobj->obj.lock);
		return SVMCL_INFO_SCALAR(cl_uint, count);
	case CL_MEM_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			atomic_load_explicit(&memobj->api_refs,
					     memory_order_relaxed));
	case CL_MEM_CONTEXT:
		return SVMCL_INFO_SCALAR(cl_context, memobj->context);
	case CL_MEM_ASSOCIATED_MEMOBJECT:
		return SVMCL_INFO_SCALAR(cl_mem, memobj->parent);
	case CL_MEM_OFFSET:
		return SVMCL_INFO_SCALAR(size_t, memobj->offset);
	case CL_MEM_USES_SVM_POINTER:
		return SVMCL_INFO_SCALAR(cl_bool,
					 memobj->uses_svm ? CL_TRUE : CL_FALSE);
	case CL_MEM_PROPERTIES:
		return SVMCL_INFO_ARRAY(memobj->props, memobj->props_size);
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL
svmcl_clSetMemObjectDestructorCallback(cl_mem memobj,
				       void (CL_CALLBACK *pfn_notify)(cl_mem,
								      void *),
				       void *user_data)
{
	struct svmcl_mem_destructor *d;

	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL, CL_INVALID_VALUE,
			      "pfn_notify is NULL");
	d = malloc(sizeof(*d));
	SVMCL_RETURN_ERROR_ON(d == NULL, CL_OUT_OF_HOST_MEMORY, "malloc");
	d->fn = pfn_notify;
	d->user_data = user_data;

	/* Pushed on a stack: called newest first (LIFO), as specified. */
	pthread_mutex_lock(&memobj->obj.lock);
	d->next = memobj->destructors;
	memobj->destructors = d;
	pthread_mutex_unlock(&memobj->obj.lock);
	return CL_SUCCESS;
}
