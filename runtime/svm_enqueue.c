/* SPDX-License-Identifier: MIT */
/*
 * svm_enqueue.c - the SVM commands: clEnqueueSVMFree, SVMMemcpy,
 * SVMMemFill, SVMMap, SVMUnmap and SVMMigrateMem.
 *
 * DOC: Overview
 *
 * Each entry point validates its arguments as OpenCL 3.0 lists them, then
 * queues a command that runs in queue order on the queue's thread
 * (queue.c). Blocking variants submit with an event and wait for it.
 *
 *  - Free: calls pfn_free_func with the command's copy of the pointer
 *    list, or frees each pointer as clSVMFree does (the fault report then
 *    says "freed by clEnqueueSVMFree"). No runtime lock is held during the
 *    callback, which may call any OpenCL function (but clFinish of its own
 *    queue, which would wait for itself).
 *  - Memcpy and fill: svmcl reports fine-grain system SVM, so any host
 *    pointer is valid. The copy goes through process_vm_writev() on our
 *    own process, the kernel's checked copy: a pointer the process cannot
 *    access fails the command (CL_OUT_OF_RESOURCES, reported like a device
 *    fault) instead of killing the process. Pages in VRAM come back
 *    through the HMM core's CPU fault handler as for any CPU access.
 *  - Map and unmap: memory is shared, so they move no data; they order
 *    host access and count the mappings of coarse-grained allocations,
 *    whose ownership the checking mode enforces (svm_check.c).
 *  - Migrate: KMD_IOCTL_VM_MIGRATE of the page-rounded ranges, to VRAM
 *    (device memory) or with CL_MIGRATE_MEM_OBJECT_HOST back to system
 *    memory. A GPU without VRAM (no kernel-mode userfaultfd) and shared
 *    mappings keep the pages in system memory, which the device reaches
 *    directly: the command still completes (docs/svm.md).
 *
 * DOC: Locking
 *
 * None of its own. Commands run with no runtime lock held; the registry
 * (svm.c) and the checking mode (svm_check.c) lock inside their calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "svmcl/kmd.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "event.h"
#include "queue.h"

#define SVM_FILL_CHUNK (64 * 1024)	/* a multiple of every pattern size */

struct svm_range {
	uint64_t start, end;	/* page aligned */
};

struct svm_cmd {
	struct svmcl_command base;
	union {
		struct {
			void **ptrs;
			cl_uint num;
			void (CL_CALLBACK *fn)(cl_command_queue, cl_uint,
					       void *[], void *);
			void *user_data;
		} free;
		struct {
			void *dst;
			const void *src;
			size_t size;
		} copy;
		struct {
			void *dst;
			size_t size;
			size_t pattern_size;
			unsigned char pattern[128];
		} fill;
		struct {
			void *ptr;
		} map;
		struct {
			struct svm_range *ranges;
			cl_uint num;
			uint32_t kmd_flags;
		} migrate;
	};
};

static struct svm_cmd *to_svm_cmd(struct svmcl_command *cmd)
{
	return svmcl_container_of(cmd, struct svm_cmd, base);
}

static cl_context cmd_context(struct svmcl_command *cmd)
{
	return cmd->event->context;
}

static void svm_cmd_destroy(struct svmcl_command *cmd)
{
	svmcl_command_fini(cmd);
	free(to_svm_cmd(cmd));
}

/*
 * Report a host-side copy that hit memory the process cannot access: on
 * stderr unless silenced, and to the context's pfn_notify.
 */
static void report_copy_fault(cl_context ctx, const char *what,
			      const void *dst, const void *src, size_t size)
{
	char msg[768], why_dst[320], why_src[320];

	svmcl_svm_explain(ctx, (uintptr_t)dst, -EFAULT, true, why_dst,
			  sizeof(why_dst));
	svmcl_svm_explain(ctx, (uintptr_t)src, -EFAULT, false, why_src,
			  sizeof(why_src));
	if (src)
		snprintf(msg, sizeof(msg),
			 "svmcl: %s of %zu bytes from %p to %p failed: memory not accessible\n"
			 "svmcl:   source %s\nsvmcl:   destination %s",
			 what, size, src, dst, why_src, why_dst);
	else
		snprintf(msg, sizeof(msg),
			 "svmcl: %s of %zu bytes at %p failed: memory not accessible\n"
			 "svmcl:   destination %s",
			 what, size, dst, why_dst);
	if (svmcl_fault_report_on())
		fprintf(stderr, "%s\n", msg);
	svmcl_context_notify(ctx, msg);
}

/*
 * memcpy() through the kernel's checked copy. Return: 0, or -EFAULT when
 * either side is not accessible (what was copied before stays copied).
 */
static int svm_copy(void *dst, const void *src, size_t size)
{
	pid_t self = getpid();

	while (size) {
		struct iovec local = { .iov_base = (void *)src,
				       .iov_len = size };
		struct iovec remote = { .iov_base = dst, .iov_len = size };
		ssize_t n = process_vm_writev(self, &local, 1, &remote, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT;
		dst = (char *)dst + n;
		src = (const char *)src + n;
		size -= (size_t)n;
	}
	return 0;
}

static cl_int svm_free_run(struct svmcl_command *cmd)
{
	struct svm_cmd *c = to_svm_cmd(cmd);
	cl_context ctx = cmd_context(cmd);

	if (c->free.fn) {
		c->free.fn(cmd->event->queue, c->free.num, c->free.ptrs,
			   c->free.user_data);
		return CL_COMPLETE;
	}
	for (cl_uint i = 0; i < c->free.num; i++) {
		if (c->free.ptrs[i] &&
		    svmcl_svm_free(ctx, c->free.ptrs[i],
				   "clEnqueueSVMFree") < 0)
			svmcl_debug(SVMCL_DBG_API,
				    "clEnqueueSVMFree: %p is not an SVM allocation of the context; ignored",
				    c->free.ptrs[i]);
	}
	return CL_COMPLETE;
}

static void svm_free_destroy(struct svmcl_command *cmd)
{
	free(to_svm_cmd(cmd)->free.ptrs);
	svm_cmd_destroy(cmd);
}

static cl_int svm_memcpy_run(struct svmcl_command *cmd)
{
	struct svm_cmd *c = to_svm_cmd(cmd);
	cl_context ctx = cmd_context(cmd);
	int ret;

	svmcl_svm_check_device_begin(ctx);
	ret = svm_copy(c->copy.dst, c->copy.src, c->copy.size);
	svmcl_svm_check_device_end(ctx);
	if (ret < 0) {
		report_copy_fault(ctx, "clEnqueueSVMMemcpy", c->copy.dst,
				  c->copy.src, c->copy.size);
		return CL_OUT_OF_RESOURCES;
	}
	return CL_COMPLETE;
}

static cl_int svm_fill_run(struct svmcl_command *cmd)
{
	struct svm_cmd *c = to_svm_cmd(cmd);
	cl_context ctx = cmd_context(cmd);
	size_t chunk = c->fill.size < SVM_FILL_CHUNK ? c->fill.size :
						       SVM_FILL_CHUNK;
	char *dst = c->fill.dst;
	size_t left = c->fill.size;
	unsigned char *buf;
	int ret = 0;

	if (!left)
		return CL_COMPLETE;
	buf = malloc(chunk);
	if (!buf)
		return CL_OUT_OF_HOST_MEMORY;
	/* chunk is a multiple of the pattern size (both powers of two). */
	for (size_t off = 0; off < chunk; off += c->fill.pattern_size)
		memcpy(buf + off, c->fill.pattern, c->fill.pattern_size);

	svmcl_svm_check_device_begin(ctx);
	while (left && !ret) {
		size_t n = left < chunk ? left : chunk;

		ret = svm_copy(dst, buf, n);
		dst += n;
		left -= n;
	}
	svmcl_svm_check_device_end(ctx);
	free(buf);
	if (ret < 0) {
		report_copy_fault(ctx, "clEnqueueSVMMemFill", c->fill.dst,
				  NULL, c->fill.size);
		return CL_OUT_OF_RESOURCES;
	}
	return CL_COMPLETE;
}

static cl_int svm_map_run(struct svmcl_command *cmd)
{
	svmcl_svm_map_change(cmd_context(cmd), to_svm_cmd(cmd)->map.ptr, +1);
	return CL_COMPLETE;
}

static cl_int svm_unmap_run(struct svmcl_command *cmd)
{
	svmcl_svm_map_change(cmd_context(cmd), to_svm_cmd(cmd)->map.ptr, -1);
	return CL_COMPLETE;
}

static cl_int svm_migrate_run(struct svmcl_command *cmd)
{
	struct svm_cmd *c = to_svm_cmd(cmd);
	cl_context ctx = cmd_context(cmd);
	cl_int status = CL_COMPLETE;

	svmcl_svm_check_device_begin(ctx);
	for (cl_uint i = 0; i < c->migrate.num; i++) {
		struct kmd_vm_migrate m = {
			.vm_id = ctx->vm_id,
			.flags = c->migrate.kmd_flags,
			.start = c->migrate.ranges[i].start,
			.end = c->migrate.ranges[i].end,
		};
		int ret = kmd_ioctl(ctx->kmd_fd, KMD_IOCTL_VM_MIGRATE, &m);

		if (ret == -EOPNOTSUPP || ret == -ENOENT) {
			/* No VRAM, or a shared mapping: stays in system memory. */
			svmcl_debug(SVMCL_DBG_API,
				    "clEnqueueSVMMigrateMem [%#llx, %#llx): %s; the pages stay in system memory",
				    (unsigned long long)m.start,
				    (unsigned long long)m.end,
				    ret == -ENOENT ? "shared mapping" :
						     "no device memory");
		} else if (ret < 0) {
			svmcl_debug(SVMCL_DBG_API,
				    "clEnqueueSVMMigrateMem [%#llx, %#llx): %s",
				    (unsigned long long)m.start,
				    (unsigned long long)m.end, strerror(-ret));
			status = CL_OUT_OF_RESOURCES;
		}
	}
	svmcl_svm_check_device_end(ctx);
	return status;
}

static void svm_migrate_destroy(struct svmcl_command *cmd)
{
	free(to_svm_cmd(cmd)->migrate.ranges);
	svm_cmd_destroy(cmd);
}

static const struct svmcl_command_ops svm_free_ops = {
	.run = svm_free_run,
	.destroy = svm_free_destroy,
};

static const struct svmcl_command_ops svm_memcpy_ops = {
	.run = svm_memcpy_run,
	.destroy = svm_cmd_destroy,
};

static const struct svmcl_command_ops svm_fill_ops = {
	.run = svm_fill_run,
	.destroy = svm_cmd_destroy,
};

static const struct svmcl_command_ops svm_map_ops = {
	.run = svm_map_run,
	.destroy = svm_cmd_destroy,
};

static const struct svmcl_command_ops svm_unmap_ops = {
	.run = svm_unmap_run,
	.destroy = svm_cmd_destroy,
};

static const struct svmcl_command_ops svm_migrate_ops = {
	.run = svm_migrate_run,
	.destroy = svm_migrate_destroy,
};

/* A zeroed command of @type for @q with its wait list. */
static struct svm_cmd *svm_cmd_new(const char *func, cl_command_queue q,
				   const struct svmcl_command_ops *ops,
				   cl_command_type type, cl_uint num_events,
				   const cl_event *wait_list, cl_int *errp)
{
	struct svm_cmd *c = calloc(1, sizeof(*c));

	if (!c) {
		*errp = CL_OUT_OF_HOST_MEMORY;
		svmcl_api_error(func, *errp, "calloc");
		return NULL;
	}
	*errp = svmcl_command_init(&c->base, ops, q, type, num_events,
				   wait_list);
	if (*errp) {
		svmcl_api_error(func, *errp, "command setup");
		free(c);
		return NULL;
	}
	return c;
}

/*
 * Queue @c; with @blocking wait for it. Return: CL_SUCCESS, or for a
 * blocking command that failed its status (which is
 * CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST when a dependency failed).
 */
static cl_int svm_cmd_submit(const char *func, cl_command_queue q,
			     struct svm_cmd *c, bool blocking,
			     cl_event *event)
{
	cl_event ev = NULL;
	cl_int err, status = CL_COMPLETE;

	err = svmcl_queue_submit(q, &c->base, (blocking || event) ? &ev : NULL);
	if (err) {
		svmcl_api_error(func, err, "submit");
		return err;
	}
	if (blocking)
		status = svmcl_event_wait(ev);
	if (event)
		*event = ev;
	else if (ev)
		svmcl_event_put(ev);
	if (status < 0) {
		svmcl_api_error(func, status, "the blocking command failed");
		return status;
	}
	return CL_SUCCESS;
}

static cl_int svm_check_queue(const char *func, cl_command_queue q,
			      cl_uint num_events, const cl_event *wait_list)
{
	if (!SVMCL_IS_QUEUE(q)) {
		svmcl_api_error(func, CL_INVALID_COMMAND_QUEUE,
				"not a valid command queue");
		return CL_INVALID_COMMAND_QUEUE;
	}
	return svmcl_check_wait_list(func, q->context, num_events, wait_list);
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMFree(cl_command_queue command_queue,
		       cl_uint num_svm_pointers, void *svm_pointers[],
		       void (CL_CALLBACK *pfn_free_func)(cl_command_queue,
							 cl_uint, void *[],
							 void *),
		       void *user_data, cl_uint num_events,
		       const cl_event *wait_list, cl_event *event)
{
	struct svm_cmd *c;
	void **ptrs = NULL;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON((num_svm_pointers == 0) !=
			      (svm_pointers == NULL), CL_INVALID_VALUE,
			      "num_svm_pointers %u with svm_pointers %p",
			      num_svm_pointers, (void *)svm_pointers);

	if (num_svm_pointers) {
		/* The application may reuse its array once we return. */
		ptrs = malloc(num_svm_pointers * sizeof(*ptrs));
		SVMCL_RETURN_ERROR_ON(!ptrs, CL_OUT_OF_HOST_MEMORY, "malloc");
		memcpy(ptrs, svm_pointers, num_svm_pointers * sizeof(*ptrs));
	}
	c = svm_cmd_new(__func__, command_queue, &svm_free_ops,
			CL_COMMAND_SVM_FREE, num_events, wait_list, &err);
	if (!c) {
		free(ptrs);
		return err;
	}
	c->free.ptrs = ptrs;
	c->free.num = num_svm_pointers;
	c->free.fn = pfn_free_func;
	c->free.user_data = user_data;
	return svm_cmd_submit(__func__, command_queue, c, false, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMemcpy(cl_command_queue command_queue, cl_bool blocking,
			 void *dst_ptr, const void *src_ptr, size_t size,
			 cl_uint num_events, const cl_event *wait_list,
			 cl_event *event)
{
	uintptr_t d = (uintptr_t)dst_ptr, s = (uintptr_t)src_ptr;
	struct svm_cmd *c;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!dst_ptr || !src_ptr, CL_INVALID_VALUE,
			      "dst_ptr %p or src_ptr %p is NULL", dst_ptr,
			      src_ptr);
	SVMCL_RETURN_ERROR_ON(size > UINTPTR_MAX - d || size > UINTPTR_MAX - s,
			      CL_INVALID_VALUE,
			      "%zu bytes wrap around the address space", size);
	SVMCL_RETURN_ERROR_ON(size && d < s + size && s < d + size,
			      CL_MEM_COPY_OVERLAP,
			      "[%p, +%zu) and [%p, +%zu) overlap", dst_ptr,
			      size, src_ptr, size);

	c = svm_cmd_new(__func__, command_queue, &svm_memcpy_ops,
			CL_COMMAND_SVM_MEMCPY, num_events, wait_list, &err);
	if (!c)
		return err;
	c->copy.dst = dst_ptr;
	c->copy.src = src_ptr;
	c->copy.size = size;
	return svm_cmd_submit(__func__, command_queue, c, blocking, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMemFill(cl_command_queue command_queue, void *svm_ptr,
			  const void *pattern, size_t pattern_size,
			  size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	struct svm_cmd *c;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!svm_ptr, CL_INVALID_VALUE, "svm_ptr is NULL");
	SVMCL_RETURN_ERROR_ON(!pattern, CL_INVALID_VALUE, "pattern is NULL");
	SVMCL_RETURN_ERROR_ON(pattern_size == 0 || pattern_size > 128 ||
			      (pattern_size & (pattern_size - 1)),
			      CL_INVALID_VALUE,
			      "pattern_size %zu is not a power of two <= 128",
			      pattern_size);
	SVMCL_RETURN_ERROR_ON((uintptr_t)svm_ptr % pattern_size,
			      CL_INVALID_VALUE,
			      "svm_ptr %p is not aligned to pattern_size %zu",
			      svm_ptr, pattern_size);
	SVMCL_RETURN_ERROR_ON(size % pattern_size, CL_INVALID_VALUE,
			      "size %zu is not a multiple of pattern_size %zu",
			      size, pattern_size);
	SVMCL_RETURN_ERROR_ON(size > UINTPTR_MAX - (uintptr_t)svm_ptr,
			      CL_INVALID_VALUE,
			      "%zu bytes wrap around the address space", size);

	c = svm_cmd_new(__func__, command_queue, &svm_fill_ops,
			CL_COMMAND_SVM_MEMFILL, num_events, wait_list, &err);
	if (!c)
		return err;
	c->fill.dst = svm_ptr;
	c->fill.size = size;
	c->fill.pattern_size = pattern_size;
	memcpy(c->fill.pattern, pattern, pattern_size);
	return svm_cmd_submit(__func__, command_queue, c, false, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMap(cl_command_queue command_queue, cl_bool blocking,
		      cl_map_flags flags, void *svm_ptr, size_t size,
		      cl_uint num_events, const cl_event *wait_list,
		      cl_event *event)
{
	const cl_map_flags known = CL_MAP_READ | CL_MAP_WRITE |
				   CL_MAP_WRITE_INVALIDATE_REGION;
	struct svm_cmd *c;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!svm_ptr, CL_INVALID_VALUE, "svm_ptr is NULL");
	SVMCL_RETURN_ERROR_ON(size == 0, CL_INVALID_VALUE, "size is 0");
	SVMCL_RETURN_ERROR_ON(flags & ~known, CL_INVALID_VALUE,
			      "unknown map flags 0x%llx",
			      (unsigned long long)(flags & ~known));
	SVMCL_RETURN_ERROR_ON((flags & CL_MAP_WRITE_INVALIDATE_REGION) &&
			      (flags & (CL_MAP_READ | CL_MAP_WRITE)),
			      CL_INVALID_VALUE,
			      "CL_MAP_WRITE_INVALIDATE_REGION with CL_MAP_READ or CL_MAP_WRITE");

	c = svm_cmd_new(__func__, command_queue, &svm_map_ops,
			CL_COMMAND_SVM_MAP, num_events, wait_list, &err);
	if (!c)
		return err;
	c->map.ptr = svm_ptr;
	return svm_cmd_submit(__func__, command_queue, c, blocking, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMUnmap(cl_command_queue command_queue, void *svm_ptr,
			cl_uint num_events, const cl_event *wait_list,
			cl_event *event)
{
	struct svm_cmd *c;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!svm_ptr, CL_INVALID_VALUE, "svm_ptr is NULL");

	c = svm_cmd_new(__func__, command_queue, &svm_unmap_ops,
			CL_COMMAND_SVM_UNMAP, num_events, wait_list, &err);
	if (!c)
		return err;
	c->map.ptr = svm_ptr;
	return svm_cmd_submit(__func__, command_queue, c, false, event);
}

/*
 * The page-rounded range of @ptr/@size: inside an SVM allocation of @ctx
 * (size 0: all of it), or for fine-grain system memory any accessible
 * range of non-zero size. Return: CL_SUCCESS or CL_INVALID_VALUE.
 */
static cl_int migrate_range(const char *func, cl_context ctx,
			    const void *ptr, size_t size,
			    struct svm_range *r)
{
	uintptr_t p = (uintptr_t)ptr, page = (uintptr_t)getpagesize();
	struct svmcl_svm_alloc a;
	uintptr_t start, end;

	SVMCL_RETURN_ERROR_ON(!ptr, CL_INVALID_VALUE, "a pointer is NULL");
	if (svmcl_svm_lookup(ctx, ptr, &a)) {
		SVMCL_RETURN_ERROR_ON(size > a.size - (p - a.start),
				      CL_INVALID_VALUE,
				      "[%p, +%zu) is not inside the SVM allocation %p (%zu bytes)",
				      ptr, size, (void *)a.start, a.size);
		start = size ? p : a.start;
		end = size ? p + size : a.start + a.size;
	} else {
		/* Fine-grain system SVM: a range of any memory. */
		SVMCL_RETURN_ERROR_ON(size == 0, CL_INVALID_VALUE,
				      "%p is not in an SVM allocation: its size must be given",
				      ptr);
		SVMCL_RETURN_ERROR_ON(size > UINTPTR_MAX - page - p,
				      CL_INVALID_VALUE,
				      "[%p, +%zu) wraps around", ptr, size);
		start = p;
		end = p + size;
	}
	r->start = start & ~(page - 1);
	r->end = (end + page - 1) & ~(page - 1);
	return CL_SUCCESS;
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMigrateMem(cl_command_queue command_queue,
			     cl_uint num_svm_pointers,
			     const void **svm_pointers, const size_t *sizes,
			     cl_mem_migration_flags flags, cl_uint num_events,
			     const cl_event *wait_list, cl_event *event)
{
	const cl_mem_migration_flags known = CL_MIGRATE_MEM_OBJECT_HOST |
		CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED;
	struct svm_range *ranges;
	struct svm_cmd *c;
	cl_int err;

	err = svm_check_queue(__func__, command_queue, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(num_svm_pointers == 0 || !svm_pointers,
			      CL_INVALID_VALUE,
			      "num_svm_pointers %u, svm_pointers %p",
			      num_svm_pointers, (void *)svm_pointers);
	SVMCL_RETURN_ERROR_ON(flags & ~known, CL_INVALID_VALUE,
			      "unknown migration flags 0x%llx",
			      (unsigned long long)(flags & ~known));

	ranges = malloc(num_svm_pointers * sizeof(*ranges));
	SVMCL_RETURN_ERROR_ON(!ranges, CL_OUT_OF_HOST_MEMORY, "malloc");
	for (cl_uint i = 0; i < num_svm_pointers; i++) {
		err = migrate_range(__func__, command_queue->context,
				    svm_pointers[i], sizes ? sizes[i] : 0,
				    &ranges[i]);
		if (err) {
			free(ranges);
			return err;
		}
	}
	c = svm_cmd_new(__func__, command_queue, &svm_migrate_ops,
			CL_COMMAND_SVM_MIGRATE_MEM, num_events, wait_list,
			&err);
	if (!c) {
		free(ranges);
		return err;
	}
	c->migrate.ranges = ranges;
	c->migrate.num = num_svm_pointers;
	c->migrate.kmd_flags = (flags & CL_MIGRATE_MEM_OBJECT_HOST) ?
				       KMD_MIGRATE_TO_SYSTEM :
				       KMD_MIGRATE_TO_VRAM;
	return svm_cmd_submit(__func__, command_queue, c, false, event);
}
