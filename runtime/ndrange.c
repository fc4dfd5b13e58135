/* SPDX-License-Identifier: MIT */
/*
 * ndrange.c - clEnqueueNDRangeKernel and the kernel-dispatch command.
 *
 * DOC: Overview
 *
 * Enqueue validates the launch against OpenCL 3.0 rules for a device
 * without non-uniform work-groups (the local size must divide the global
 * size), picks a local size when none is given, copies the argument block
 * and queues a command. A global size of 0 in any dimension (or a NULL
 * global size) is, as in OpenCL >= 2.1, a command that completes without
 * running anything.
 *
 * Running the command is one synchronous KMD_IOCTL_DISPATCH on the
 * context's VM with entry = the compiled work-group function. When the
 * software GPU reports a device fault (kmd_dispatch.status < 0) the
 * command fails with CL_OUT_OF_RESOURCES, and the fault is reported
 * twice: on stderr, because a person has to see it (unless
 * SVMCL_FAULT_REPORT=0), and to the context's pfn_notify:
 *
 *	svmcl: device fault in kernel 'NAME': write at 0x7f..., (no CPU
 *	mapping), work-group (x,y,z), compute unit N
 *	svmcl:   0x7f... is inside SVM allocation 0x7f...+64 freed by
 *	clSVMFree (size 4096, coarse-grained)
 *	svmcl:   by one of the work-items with global ids (256..511)
 *
 * DOC: Locking
 *
 * None of its own. The command runs with no runtime lock held, so the
 * notify callback does too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svmcl/kmd.h"
#include "svmcl/sgpu_abi.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "event.h"
#include "mem.h"
#include "platform.h"
#include "printf.h"
#include "program.h"
#include "queue.h"

struct ndrange_cmd {
	struct svmcl_command base;
	cl_kernel kernel;		/* reference */
	void *args;			/* argument block copy */
	cl_mem *mems;			/* buffer arguments, pinned */
	cl_uint num_mems;
	bool empty;			/* zero work-items: nothing to run */
	struct kmd_dispatch dispatch;	/* filled at enqueue */
};

static const char *access_name(uint32_t access)
{
	switch (access) {
	case SGPU_ACCESS_PREFETCH:
		return "prefetch";
	case SGPU_ACCESS_READ:
		return "read";
	case SGPU_ACCESS_WRITE:
		return "write";
	case SGPU_ACCESS_ATOMIC:
		return "atomic";
	default:
		return "access";
	}
}

static const char *fault_reason(int status)
{
	switch (status) {
	case -EFAULT:
		return "no CPU mapping";
	case -EPERM:
		return "write to read-only mapping";
	case -EBUSY:
		return "fault not serviced in time";
	case -ENOMEM:
		return "device memory exhausted";
	default:
		return strerror(-status);
	}
}

/*
 * Three lines: the fault as the kmd reports it, what the address is
 * (svm_explain.c), and the work-items of the faulting work-group (the
 * kmd does not say which of them faulted). On stderr unless
 * SVMCL_FAULT_REPORT=0, and always to the context's pfn_notify.
 */
static void report_device_fault(cl_context ctx, const char *kernel_name,
				const struct kmd_dispatch *d)
{
	char msg[1024], what[512], items[160];
	bool write = d->fault_access == SGPU_ACCESS_WRITE ||
		     d->fault_access == SGPU_ACCESS_ATOMIC;
	size_t n = 0;

	svmcl_svm_explain(ctx, d->fault_addr, d->status, write, what,
			  sizeof(what));
	for (uint32_t i = 0; i < d->work_dim && i < 3; i++) {
		unsigned long long first = d->global_offset[i] +
					   d->fault_group[i] *
					   d->local_size[i];

		n += snprintf(items + n, sizeof(items) - n, "%s%llu..%llu",
			      i ? ", " : "", first,
			      first + d->local_size[i] - 1);
		if (n >= sizeof(items))
			break;
	}
	snprintf(msg, sizeof(msg),
		 "svmcl: device fault in kernel '%s': %s at 0x%llx (%s), "
		 "work-group (%llu,%llu,%llu), compute unit %u\n"
		 "svmcl:   %s\n"
		 "svmcl:   by one of the work-items with global ids (%s)",
		 kernel_name, access_name(d->fault_access),
		 (unsigned long long)d->fault_addr, fault_reason(d->status),
		 (unsigned long long)d->fault_group[0],
		 (unsigned long long)d->fault_group[1],
		 (unsigned long long)d->fault_group[2], d->fault_unit,
		 what, items);
	if (svmcl_fault_report_on())
		fprintf(stderr, "%s\n", msg);
	svmcl_context_notify(ctx, msg);
}

static cl_int ndrange_run(struct svmcl_command *cmd)
{
	struct ndrange_cmd *nd = svmcl_container_of(cmd, struct ndrange_cmd,
						    base);
	cl_context ctx = nd->kernel->context;
	struct kmd_dispatch d = nd->dispatch;
	int ret;

	if (nd->empty)
		return CL_COMPLETE;

	/* printf output reaches stdout when the command completes */
	d.printf_buf = (uintptr_t)svmcl_printf_buffer();
	d.label = (uintptr_t)nd->kernel->ck->name;	/* for SVMCL_TRACE */
	/* Checking mode: coarse allocations accessible to the device. */
	svmcl_svm_check_device_begin(ctx);
	ret = kmd_ioctl(ctx->kmd_fd, KMD_IOCTL_DISPATCH, &d);
	svmcl_svm_check_device_end(ctx);
	svmcl_printf_flush((struct sgpu_printf_buf *)(uintptr_t)d.printf_buf);
	if (ret < 0) {
		/* Not a fault of the kernel: the dispatch itself failed. */
		fprintf(stderr, "svmcl: dispatch of kernel '%s' failed: %s\n",
			nd->kernel->ck->name, strerror(-ret));
		return ret == -ENOMEM ? CL_OUT_OF_HOST_MEMORY :
					CL_OUT_OF_RESOURCES;
	}
	if (d.status < 0) {
		report_device_fault(ctx, nd->kernel->ck->name, &d);
		return CL_OUT_OF_RESOURCES;
	}
	return CL_COMPLETE;
}

static void ndrange_destroy(struct svmcl_command *cmd)
{
	struct ndrange_cmd *nd = svmcl_container_of(cmd, struct ndrange_cmd,
						    base);

	free(nd->args);
	/* The buffers may go now (destructor callbacks run here). */
	svmcl_mem_unpin_array(nd->mems, nd->num_mems);
	if (nd->kernel)
		svmcl_kernel_put(nd->kernel);
	svmcl_command_fini(cmd);
	free(nd);
}

static const struct svmcl_command_ops ndrange_ops = {
	.run = ndrange_run,
	.destroy = ndrange_destroy,
};

/* Largest divisor of @n that is <= @cap (n >= 1, cap >= 1). */
static size_t largest_divisor(size_t n, size_t cap)
{
	for (size_t d = cap < n ? cap : n; d > 1; d--) {
		if (n % d == 0)
			return d;
	}
	return 1;
}

/*
 * Local sizes for a NULL local_work_size: uniform work-groups, widest in
 * dimension 0, of at most SVMCL_DEFAULT_LOCAL_SIZE work-items for kernels
 * with barriers (each work-item is a fiber with its own stack) and of at
 * most the device maximum for the others, whose work-group is a plain
 * loop: clc_hoist.cpp strip-mines it into page-sized chunks, and a group
 * of 256 floats ends every chunk at a quarter page (four probes and four
 * loop set-ups per page of a stream instead of one).
 */
static void choose_local_size(const struct clc_kernel *ck, cl_uint dim,
			      const size_t *global, size_t *local)
{
	size_t budget = ck->uses_barriers ? SVMCL_DEFAULT_LOCAL_SIZE :
					    SVMCL_MAX_WORK_GROUP_SIZE;

	for (cl_uint i = 0; i < dim; i++) {
		local[i] = largest_divisor(global[i], budget);
		budget /= local[i];
		if (!budget)
			budget = 1;
	}
}

cl_int CL_API_CALL
svmcl_clEnqueueNDRangeKernel(cl_command_queue command_queue, cl_kernel kernel,
			     cl_uint work_dim, const size_t *global_work_offset,
			     const size_t *global_work_size,
			     const size_t *local_work_size,
			     cl_uint num_events_in_wait_list,
			     const cl_event *event_wait_list, cl_event *event)
{
	cl_command_queue q = command_queue;
	struct ndrange_cmd *nd;
	size_t global[3] = { 1, 1, 1 }, local[3] = { 1, 1, 1 };
	size_t offset[3] = { 0, 0, 0 };
	const uint64_t *reqd;
	size_t wg_items = 1;
	bool empty = global_work_size == NULL;
	void *args = NULL;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid command queue");
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	SVMCL_RETURN_ERROR_ON(kernel->context != q->context, CL_INVALID_CONTEXT,
			      "kernel and queue are from different contexts");
	SVMCL_RETURN_ERROR_ON(work_dim < 1 || work_dim > 3,
			      CL_INVALID_WORK_DIMENSION,
			      "work_dim %u is not 1..3", work_dim);
	err = svmcl_check_wait_list(__func__, q->context,
				    num_events_in_wait_list, event_wait_list);
	if (err)
		return err;

	reqd = kernel->ck->reqd_wg_size;
	for (cl_uint i = 0; i < work_dim; i++) {
		if (global_work_size) {
			global[i] = global_work_size[i];
			if (global[i] == 0)
				empty = true;
		}
		if (global_work_offset)
			offset[i] = global_work_offset[i];
		SVMCL_RETURN_ERROR_ON(global[i] > SIZE_MAX - offset[i],
				      CL_INVALID_GLOBAL_OFFSET,
				      "offset + size overflows in dimension %u",
				      i);
	}

	if (local_work_size) {
		for (cl_uint i = 0; i < work_dim; i++) {
			local[i] = local_work_size[i];
			SVMCL_RETURN_ERROR_ON(local[i] == 0,
					      CL_INVALID_WORK_GROUP_SIZE,
					      "local_work_size[%u] is 0", i);
			SVMCL_RETURN_ERROR_ON(local[i] > SVMCL_MAX_WORK_GROUP_SIZE,
					      CL_INVALID_WORK_ITEM_SIZE,
					      "local_work_size[%u] = %zu > %d",
					      i, local[i],
					      SVMCL_MAX_WORK_GROUP_SIZE);
			SVMCL_RETURN_ERROR_ON(!empty && global[i] % local[i],
					      CL_INVALID_WORK_GROUP_SIZE,
					      "global size %zu not a multiple of local size %zu in dimension %u (no non-uniform work-groups)",
					      global[i], local[i], i);
			SVMCL_RETURN_ERROR_ON(reqd[0] &&
					      local[i] != (reqd[i] ? reqd[i] : 1),
					      CL_INVALID_WORK_GROUP_SIZE,
					      "local size differs from reqd_work_group_size");
			wg_items *= local[i];
		}
		SVMCL_RETURN_ERROR_ON(wg_items > SVMCL_MAX_WORK_GROUP_SIZE,
				      CL_INVALID_WORK_GROUP_SIZE,
				      "%zu work-items in a work-group > %d",
				      wg_items, SVMCL_MAX_WORK_GROUP_SIZE);
	} else if (reqd[0]) {
		for (cl_uint i = 0; i < work_dim; i++) {
			local[i] = reqd[i] ? reqd[i] : 1;
			SVMCL_RETURN_ERROR_ON(!empty && global[i] % local[i],
					      CL_INVALID_WORK_GROUP_SIZE,
					      "global size %zu not a multiple of reqd_work_group_size %zu",
					      global[i], local[i]);
		}
	} else if (!empty) {
		choose_local_size(kernel->ck, work_dim, global, local);
	}

	err = svmcl_kernel_snapshot_args(kernel, &args);
	SVMCL_RETURN_ERROR_ON(err == CL_INVALID_KERNEL_ARGS, err,
			      "not every argument of '%s' is set",
			      kernel->ck->name);
	SVMCL_RETURN_ERROR_ON(err, err, "argument copy");
	/* __local argument sizes become offsets; all must fit the unit. */
	if (clc_kernel_place_local_args(kernel->ck, args) >
	    SGPU_LOCAL_MEM_SIZE) {
		free(args);
		return SVMCL_ERROR(CL_OUT_OF_RESOURCES,
				   "kernel '%s' needs more local memory than the device's %u bytes",
				   kernel->ck->name, SGPU_LOCAL_MEM_SIZE);
	}

	nd = calloc(1, sizeof(*nd));
	if (!nd) {
		free(args);
		return SVMCL_ERROR(CL_OUT_OF_HOST_MEMORY, "calloc");
	}
	/* Buffer arguments stay alive until the command has run. */
	err = svmcl_kernel_pin_mems(kernel, &nd->mems, &nd->num_mems);
	if (err) {
		free(args);
		free(nd);
		return SVMCL_ERROR(err, "buffer arguments");
	}
	err = svmcl_command_init(&nd->base, &ndrange_ops, q,
				 CL_COMMAND_NDRANGE_KERNEL,
				 num_events_in_wait_list, event_wait_list);
	if (err) {
		svmcl_mem_unpin_array(nd->mems, nd->num_mems);
		free(args);
		free(nd);
		return SVMCL_ERROR(err, "command setup");
	}
	svmcl_kernel_get(kernel);
	nd->kernel = kernel;
	nd->args = args;
	nd->empty = empty;
	nd->dispatch.vm_id = q->context->vm_id;
	nd->dispatch.work_dim = work_dim;
	nd->dispatch.entry = (uintptr_t)kernel->ck->wg_fn;
	nd->dispatch.args = (uintptr_t)args;
	for (int i = 0; i < 3; i++) {
		nd->dispatch.global_offset[i] = offset[i];
		nd->dispatch.global_size[i] = global[i];
		nd->dispatch.local_size[i] = local[i];
	}

	return svmcl_queue_submit(q, &nd->base, event);
}

cl_int CL_API_CALL svmcl_clEnqueueTask(cl_command_queue command_queue,
				       cl_kernel kernel,
				       cl_uint num_events_in_wait_list,
				       const cl_event *event_wait_list,
				       cl_event *event)
{
	static const size_t one = 1;

	return svmcl_clEnqueueNDRangeKernel(command_queue, kernel, 1, NULL,
					    &one, &one,
					    num_events_in_wait_list,
					    event_wait_list, event);
}
