/* SPDX-License-Identifier: MIT */
/*
 * mem_enqueue.c - the buffer commands: read, write, copy (and their
 * rectangular forms), fill, map/unmap and migration.
 *
 * DOC: Overview
 *
 * A buffer's storage is process memory the device VM mirrors (mem.c), so
 * every host command is a CPU operation run by whoever executes the queue:
 *
 *  - read, write, copy and their Rect forms are one "copy" command: rows of
 *    region[0] bytes from a source address to a destination address (a
 *    linear copy is the rectangle {size, 1, 1}). Pages the device moved to
 *    VRAM come back on the CPU's first touch (the kmd's userfault path);
 *  - fill writes the pattern over the range;
 *  - map is zero copy for every buffer: the pointer is the buffer's own
 *    address + offset (host_ptr + offset for CL_MEM_USE_HOST_PTR). The
 *    mapping is recorded at enqueue (CL_MEM_MAP_COUNT, unmap validation);
 *    the command itself only orders the map in the queue. Unmap removes
 *    the record at enqueue, so a second unmap of the same pointer fails;
 *  - migrate moves each object's pages to VRAM (KMD_IOCTL_VM_MIGRATE
 *    TO_VRAM) or back (CL_MIGRATE_MEM_OBJECT_HOST: TO_SYSTEM). Migration
 *    is a placement hint: if the kmd cannot move the pages (no device
 *    memory, a shared mapping under a USE_HOST_PTR buffer) they stay in
 *    system memory, where the device reaches them as well, and the command
 *    still succeeds. CONTENT_UNDEFINED is accepted; contents are kept.
 *
 * Every command pins the memory objects it uses until it has run, so a
 * clReleaseMemObject right after the enqueue is safe. Blocking forms
 * submit with an event and wait for it (running the queue in the caller
 * when it is idle); a failed wait list then gives
 * CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST.
 *
 * DOC: Locking
 *
 * The commands run with no runtime lock held. The mapping list of a
 * buffer is under the buffer's obj.lock (mem.h), taken alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svmcl/kmd.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "event.h"
#include "mem.h"
#include "queue.h"

#define MAX_PATTERN 128

struct mem_cmd {
	struct svmcl_command base;
	cl_mem *pins;			/* pinned objects, owned */
	cl_uint num_pins;
	union {
		struct {		/* read, write, copy (Rect) */
			char *dst;
			const char *src;
			size_t region[3];
			size_t dst_row, dst_slice;
			size_t src_row, src_slice;
		} copy;
		struct {
			char *dst;
			size_t size;
			size_t pattern_size;
			unsigned char pattern[MAX_PATTERN];
		} fill;
		struct {
			cl_mem_migration_flags flags;
		} migrate;
	};
};

static struct mem_cmd *to_mem_cmd(struct svmcl_command *cmd)
{
	return svmcl_container_of(cmd, struct mem_cmd, base);
}

static void mem_cmd_destroy(struct svmcl_command *cmd)
{
	struct mem_cmd *c = to_mem_cmd(cmd);

	/* May destroy a released buffer (its destructor callbacks run). */
	svmcl_mem_unpin_array(c->pins, c->num_pins);
	svmcl_command_fini(cmd);
	free(c);
}

static cl_int copy_run(struct svmcl_command *cmd)
{
	struct mem_cmd *c = to_mem_cmd(cmd);

	/*
	 * A device-side copy: in coarse-grain checking mode, buffers over
	 * device-owned SVM memory are opened for its duration (svm_check.c).
	 */
	svmcl_svm_check_device_begin(cmd->event->context);
	for (size_t z = 0; z < c->copy.region[2]; z++) {
		for (size_t y = 0; y < c->copy.region[1]; y++) {
			/* memmove: a mapped pointer may alias the buffer. */
			memmove(c->copy.dst + z * c->copy.dst_slice +
				y * c->copy.dst_row,
				c->copy.src + z * c->copy.src_slice +
				y * c->copy.src_row,
				c->copy.region[0]);
		}
	}
	svmcl_svm_check_device_end(cmd->event->context);
	return CL_COMPLETE;
}

static cl_int fill_run(struct svmcl_command *cmd)
{
	struct mem_cmd *c = to_mem_cmd(cmd);
	size_t done, ps = c->fill.pattern_size;

	if (!c->fill.size)
		return CL_COMPLETE;
	svmcl_svm_check_device_begin(cmd->event->context);
	memcpy(c->fill.dst, c->fill.pattern, ps);
	/* Double what is written until the range is full. */
	for (done = ps; done < c->fill.size; done *= 2) {
		size_t n = done < c->fill.size - done ? done :
							 c->fill.size - done;

		memcpy(c->fill.dst + done, c->fill.dst, n);
	}
	svmcl_svm_check_device_end(cmd->event->context);
	return CL_COMPLETE;
}

/* Map and unmap: zero copy, the command only orders them in the queue. */
static cl_int nop_run(struct svmcl_command *cmd)
{
	(void)cmd;
	return CL_COMPLETE;
}

/*
 * The pages of @m to migrate: outward to whole pages when the storage is
 * svmcl's own mapping (every page of it belongs to the buffer or its
 * parent), inward for the application's memory (USE_HOST_PTR), so that
 * data of neighbours sharing a page with the buffer is not moved.
 */
static bool migrate_range(cl_mem m, uintptr_t page, uintptr_t *start,
			  uintptr_t *end)
{
	cl_mem root = m->parent ? m->parent : m;
	uintptr_t a = (uintptr_t)m->addr, b = a + m->size;

	if (root->map_base) {
		*start = a & ~(page - 1);
		*end = (b + page - 1) & ~(page - 1);
	} else {
		*start = (a + page - 1) & ~(page - 1);
		*end = b & ~(page - 1);
	}
	return *start < *end;
}

static cl_int migrate_run(struct svmcl_command *cmd)
{
	struct mem_cmd *c = to_mem_cmd(cmd);
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uint32_t how = (c->migrate.flags & CL_MIGRATE_MEM_OBJECT_HOST) ?
		       KMD_MIGRATE_TO_SYSTEM : KMD_MIGRATE_TO_VRAM;

	for (cl_uint i = 0; i < c->num_pins; i++) {
		cl_mem m = c->pins[i];
		struct kmd_vm_migrate mig = {
			.vm_id = m->context->vm_id,
			.flags = how,
		};
		uintptr_t start, end;
		int ret;

		if (!migrate_range(m, page, &start, &end))
			continue;	/* no whole page of its own */
		mig.start = start;
		mig.end = end;
		ret = kmd_ioctl(m->context->kmd_fd, KMD_IOCTL_VM_MIGRATE, &mig);
		/* A placement hint: unmovable pages stay in system memory. */
		if (ret < 0)
			svmcl_debug(SVMCL_DBG_QUEUE,
				    "migrate [%#lx, %#lx) %s: %s; left in place",
				    (unsigned long)start, (unsigned long)end,
				    how == KMD_MIGRATE_TO_VRAM ?
				    "to VRAM" : "to system memory",
				    strerror(-ret));
	}
	return CL_COMPLETE;
}

static const struct svmcl_command_ops copy_ops = {
	.run = copy_run,
	.destroy = mem_cmd_destroy,
};

static const struct svmcl_command_ops fill_ops = {
	.run = fill_run,
	.destroy = mem_cmd_destroy,
};

static const struct svmcl_command_ops nop_ops = {
	.run = nop_run,
	.destroy = mem_cmd_destroy,
};

static const struct svmcl_command_ops migrate_ops = {
	.run = migrate_run,
	.destroy = mem_cmd_destroy,
};

/*
 * A new command of @type pinning @num objects of @mems (validated).
 * Return: the command, or NULL with *@errp set.
 */
static struct mem_cmd *mem_cmd_new(const struct svmcl_command_ops *ops,
				   cl_command_queue q, cl_command_type type,
				   cl_uint num, const cl_mem *mems,
				   cl_uint num_deps, const cl_event *deps,
				   cl_int *errp)
{
	struct mem_cmd *c = calloc(1, sizeof(*c));

	if (!c)
		goto err_nomem;
	c->pins = calloc(num, sizeof(*c->pins));
	if (!c->pins)
		goto err_free_cmd;
	*errp = svmcl_command_init(&c->base, ops, q, type, num_deps, deps);
	if (*errp)
		goto err_free_pins;
	for (cl_uint i = 0; i < num; i++) {
		svmcl_mem_pin(mems[i]);
		c->pins[i] = mems[i];
	}
	c->num_pins = num;
	return c;

err_free_pins:
	free(c->pins);
err_free_cmd:
	free(c);
	return NULL;
err_nomem:
	*errp = CL_OUT_OF_HOST_MEMORY;
	return NULL;
}

/*
 * Submit @c; for a blocking command wait for it. On success *@event (if
 * not NULL) receives the event.
 */
static cl_int mem_cmd_submit(const char *func, cl_command_queue q,
			     struct mem_cmd *c, bool blocking, cl_event *event)
{
	cl_event ev = NULL;
	cl_int status;

	if (!blocking)
		return svmcl_queue_submit(q, &c->base, event);

	/* A failed submission destroyed @c and made no event. */
	status = svmcl_queue_submit(q, &c->base, &ev);
	if (status != CL_SUCCESS)
		return status;
	status = svmcl_event_wait(ev);
	if (event)
		*event = ev;
	else
		svmcl_event_put(ev);
	if (status < 0) {
		svmcl_api_error(func, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST,
				"the command failed (%d)", status);
		return CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
	}
	return CL_SUCCESS;
}

/* Queue, buffer(s) of the queue's context, wait list. */
static cl_int check_enqueue(const char *func, cl_command_queue q,
			    cl_uint num, const cl_mem *mems, cl_uint num_deps,
			    const cl_event *deps)
{
	if (!SVMCL_IS_QUEUE(q)) {
		svmcl_api_error(func, CL_INVALID_COMMAND_QUEUE,
				"not a valid command queue");
		return CL_INVALID_COMMAND_QUEUE;
	}
	for (cl_uint i = 0; i < num; i++) {
		if (!svmcl_mem_is_live(mems[i])) {
			svmcl_api_error(func, CL_INVALID_MEM_OBJECT,
					"memory object %u is not valid", i);
			return CL_INVALID_MEM_OBJECT;
		}
		if (mems[i]->context != q->context) {
			svmcl_api_error(func, CL_INVALID_CONTEXT,
					"memory object %u is from another context",
					i);
			return CL_INVALID_CONTEXT;
		}
	}
	return svmcl_check_wait_list(func, q->context, num_deps, deps);
}

/* [offset, offset + size) inside @m? */
static bool range_ok(cl_mem m, size_t offset, size_t size)
{
	return offset <= m->size && size <= m->size - offset;
}

/* Host access rules of CL_MEM_HOST_*: CL_INVALID_OPERATION on violation. */
static cl_int check_host_access(const char *func, cl_mem m, bool read,
				bool write)
{
	if (read && (m->flags & (CL_MEM_HOST_WRITE_ONLY |
				 CL_MEM_HOST_NO_ACCESS))) {
		svmcl_api_error(func, CL_INVALID_OPERATION,
				"host read of a HOST_WRITE_ONLY or HOST_NO_ACCESS buffer");
		return CL_INVALID_OPERATION;
	}
	if (write && (m->flags & (CL_MEM_HOST_READ_ONLY |
				  CL_MEM_HOST_NO_ACCESS))) {
		svmcl_api_error(func, CL_INVALID_OPERATION,
				"host write of a HOST_READ_ONLY or HOST_NO_ACCESS buffer");
		return CL_INVALID_OPERATION;
	}
	return CL_SUCCESS;
}

/* Read or write of [offset, offset + size) against host memory @ptr. */
static cl_int enqueue_rw(const char *func, cl_command_queue q, cl_mem buffer,
			 bool write, bool blocking, size_t offset, size_t size,
			 void *ptr, cl_uint num_deps, const cl_event *deps,
			 cl_event *event)
{
	struct mem_cmd *c;
	cl_int err;

	err = check_enqueue(func, q, 1, &buffer, num_deps, deps);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!range_ok(buffer, offset, size),
			      CL_INVALID_VALUE,
			      "[%zu, +%zu) is out of the buffer's %zu bytes",
			      offset, size, buffer->size);
	SVMCL_RETURN_ERROR_ON(ptr == NULL, CL_INVALID_VALUE, "ptr is NULL");
	err = check_host_access(func, buffer, !write, write);
	if (err)
		return err;

	c = mem_cmd_new(&copy_ops, q,
			write ? CL_COMMAND_WRITE_BUFFER : CL_COMMAND_READ_BUFFER,
			1, &buffer, num_deps, deps, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	c->copy.region[0] = size;
	c->copy.region[1] = 1;
	c->copy.region[2] = 1;
	if (write) {
		c->copy.dst = buffer->addr + offset;
		c->copy.src = ptr;
	} else {
		c->copy.dst = ptr;
		c->copy.src = buffer->addr + offset;
	}
	return mem_cmd_submit(func, q, c, blocking, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueReadBuffer(cl_command_queue command_queue, cl_mem buffer,
			  cl_bool blocking, size_t offset, size_t size,
			  void *ptr, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	return enqueue_rw(__func__, command_queue, buffer, false, blocking,
			  offset, size, ptr, num_events, wait_list, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteBuffer(cl_command_queue command_queue, cl_mem buffer,
			   cl_bool blocking, size_t offset, size_t size,
			   const void *ptr, cl_uint num_events,
			   const cl_event *wait_list, cl_event *event)
{
	return enqueue_rw(__func__, command_queue, buffer, true, blocking,
			  offset, size, (void *)ptr, num_events, wait_list,
			  event);
}

/* The buffer a (sub-)buffer's storage belongs to. */
static cl_mem mem_root(cl_mem m)
{
	return m->parent ? m->parent : m;
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBuffer(cl_command_queue command_queue, cl_mem src,
			  cl_mem dst, size_t src_offset, size_t dst_offset,
			  size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	cl_mem mems[2] = { src, dst };
	struct mem_cmd *c;
	size_t s, d;
	cl_int err;

	err = check_enqueue(__func__, command_queue, 2, mems, num_events,
			    wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!range_ok(src, src_offset, size),
			      CL_INVALID_VALUE,
			      "source [%zu, +%zu) is out of %zu bytes",
			      src_offset, size, src->size);
	SVMCL_RETURN_ERROR_ON(!range_ok(dst, dst_offset, size),
			      CL_INVALID_VALUE,
			      "destination [%zu, +%zu) is out of %zu bytes",
			      dst_offset, size, dst->size);
	/* Same storage: compare the ranges in the root buffer. */
	s = src->offset + src_offset;
	d = dst->offset + dst_offset;
	SVMCL_RETURN_ERROR_ON(mem_root(src) == mem_root(dst) && size &&
			      s < d + size && d < s + size,
			      CL_MEM_COPY_OVERLAP,
			      "source and destination ranges overlap");

	c = mem_cmd_new(&copy_ops, command_queue, CL_COMMAND_COPY_BUFFER, 2,
			mems, num_events, wait_list, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	c->copy.region[0] = size;
	c->copy.region[1] = 1;
	c->copy.region[2] = 1;
	c->copy.dst = dst->addr + dst_offset;
	c->copy.src = src->addr + src_offset;
	return mem_cmd_submit(__func__, command_queue, c, false, event);
}

/*
 * One side of a rectangle: default the pitches, validate them, compute the
 * byte offset of @origin and check that the block ends within @limit
 * (SIZE_MAX for host memory: only overflow is checked).
 */
static cl_int rect_side(const char *func, const char *side,
			const size_t origin[3], const size_t region[3],
			size_t *row, size_t *slice, size_t limit,
			size_t *offset)
{
	size_t min_slice, off, ext, t;

	if (*row == 0)
		*row = region[0];
	else if (*row < region[0])
		goto bad_pitch;
	if (__builtin_mul_overflow(region[1], *row, &min_slice))
		goto out_of_bounds;
	if (*slice == 0)
		*slice = min_slice;
	else if (*slice < min_slice || *slice % *row)
		goto bad_pitch;

	/* off = origin . (1, row, slice); ext = last byte + 1 - off */
	if (__builtin_mul_overflow(origin[2], *slice, &off) ||
	    __builtin_mul_overflow(origin[1], *row, &t) ||
	    __builtin_add_overflow(off, t, &off) ||
	    __builtin_add_overflow(off, origin[0], &off) ||
	    __builtin_mul_overflow(region[2] - 1, *slice, &ext) ||
	    __builtin_mul_overflow(region[1] - 1, *row, &t) ||
	    __builtin_add_overflow(ext, t, &ext) ||
	    __builtin_add_overflow(ext, region[0], &ext) ||
	    __builtin_add_overflow(off, ext, &t) || t > limit)
		goto out_of_bounds;
	*offset = off;
	return CL_SUCCESS;

bad_pitch:
	svmcl_api_error(func, CL_INVALID_VALUE,
			"%s pitches (row %zu, slice %zu) do not fit region (%zu, %zu, %zu)",
			side, *row, *slice, region[0], region[1], region[2]);
	return CL_INVALID_VALUE;
out_of_bounds:
	svmcl_api_error(func, CL_INVALID_VALUE, "%s rectangle is out of bounds",
			side);
	return CL_INVALID_VALUE;
}

static cl_int check_region(const char *func, const size_t *region)
{
	if (region && region[0] && region[1] && region[2])
		return CL_SUCCESS;
	svmcl_api_error(func, CL_INVALID_VALUE,
			region ? "a region element is 0" : "region is NULL");
	return CL_INVALID_VALUE;
}

static cl_int enqueue_rw_rect(const char *func, cl_command_queue q,
			      cl_mem buffer, bool write, bool blocking,
			      const size_t *buffer_origin,
			      const size_t *host_origin, const size_t *region,
			      size_t buffer_row, size_t buffer_slice,
			      size_t host_row, size_t host_slice, void *ptr,
			      cl_uint num_deps, const cl_event *deps,
			      cl_event *event)
{
	size_t boff, hoff;
	struct mem_cmd *c;
	cl_int err;

	err = check_enqueue(func, q, 1, &buffer, num_deps, deps);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!buffer_origin || !host_origin, CL_INVALID_VALUE,
			      "buffer_origin or host_origin is NULL");
	err = check_region(func, region);
	if (!err)
		err = rect_side(func, "buffer", buffer_origin, region,
				&buffer_row, &buffer_slice, buffer->size,
				&boff);
	if (!err)
		err = rect_side(func, "host", host_origin, region, &host_row,
				&host_slice, SIZE_MAX, &hoff);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(ptr == NULL, CL_INVALID_VALUE, "ptr is NULL");
	err = check_host_access(func, buffer, !write, write);
	if (err)
		return err;

	c = mem_cmd_new(&copy_ops, q,
			write ? CL_COMMAND_WRITE_BUFFER_RECT :
				CL_COMMAND_READ_BUFFER_RECT,
			1, &buffer, num_deps, deps, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	memcpy(c->copy.region, region, sizeof(c->copy.region));
	if (write) {
		c->copy.dst = buffer->addr + boff;
		c->copy.dst_row = buffer_row;
		c->copy.dst_slice = buffer_slice;
		c->copy.src = (const char *)ptr + hoff;
		c->copy.src_row = host_row;
		c->copy.src_slice = host_slice;
	} else {
		c->copy.dst = (char *)ptr + hoff;
		c->copy.dst_row = host_row;
		c->copy.dst_slice = host_slice;
		c->copy.src = buffer->addr + boff;
		c->copy.src_row = buffer_row;
		c->copy.src_slice = buffer_slice;
	}
	return mem_cmd_submit(func, q, c, blocking, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueReadBufferRect(cl_command_queue command_queue, cl_mem buffer,
			      cl_bool blocking, const size_t *buffer_origin,
			      const size_t *host_origin, const size_t *region,
			      size_t buffer_row_pitch,
			      size_t buffer_slice_pitch, size_t host_row_pitch,
			      size_t host_slice_pitch, void *ptr,
			      cl_uint num_events, const cl_event *wait_list,
			      cl_event *event)
{
	return enqueue_rw_rect(__func__, command_queue, buffer, false,
			       blocking, buffer_origin, host_origin, region,
			       buffer_row_pitch, buffer_slice_pitch,
			       host_row_pitch, host_slice_pitch, ptr,
			       num_events, wait_list, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteBufferRect(cl_command_queue command_queue, cl_mem buffer,
			       cl_bool blocking, const size_t *buffer_origin,
			       const size_t *host_origin, const size_t *region,
			       size_t buffer_row_pitch,
			       size_t buffer_slice_pitch,
			       size_t host_row_pitch, size_t host_slice_pitch,
			       const void *ptr, cl_uint num_events,
			       const cl_event *wait_list, cl_event *event)
{
	return enqueue_rw_rect(__func__, command_queue, buffer, true, blocking,
			       buffer_origin, host_origin, region,
			       buffer_row_pitch, buffer_slice_pitch,
			       host_row_pitch, host_slice_pitch, (void *)ptr,
			       num_events, wait_list, event);
}

/*
 * Do two rectangles with the same pitches, starting at byte offsets @s
 * and @d of the same storage, share a byte? The blocks' extents are
 * compared first, then whether one's rows (or slices) fit in the gaps of
 * the other's: rows repeat every @row bytes and slices every @slice, so
 * comparing the offsets modulo those periods is enough (the method of the
 * specification's appendix "Checking for Memory Copy Overlap").
 */
static bool rects_overlap(size_t s, size_t d, const size_t region[3],
			  size_t row, size_t slice)
{
	size_t slice_size = (region[1] - 1) * row + region[0];
	size_t block = (region[2] - 1) * slice + slice_size;
	size_t sx = s % row, dx = d % row;
	size_t sy = s % slice, dy = d % slice;

	if (d + block <= s || s + block <= d)
		return false;
	if ((dx >= sx + region[0] && dx + region[0] <= sx + row) ||
	    (sx >= dx + region[0] && sx + region[0] <= dx + row))
		return false;
	if ((dy >= sy + slice_size && dy + slice_size <= sy + slice) ||
	    (sy >= dy + slice_size && sy + slice_size <= dy + slice))
		return false;
	return true;
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBufferRect(cl_command_queue command_queue, cl_mem src,
			      cl_mem dst, const size_t *src_origin,
			      const size_t *dst_origin, const size_t *region,
			      size_t src_row_pitch, size_t src_slice_pitch,
			      size_t dst_row_pitch, size_t dst_slice_pitch,
			      cl_uint num_events, const cl_event *wait_list,
			      cl_event *event)
{
	cl_mem mems[2] = { src, dst };
	size_t soff, doff, s, d;
	struct mem_cmd *c;
	bool overlap;
	cl_int err;

	err = check_enqueue(__func__, command_queue, 2, mems, num_events,
			    wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!src_origin || !dst_origin, CL_INVALID_VALUE,
			      "src_origin or dst_origin is NULL");
	err = check_region(__func__, region);
	if (!err)
		err = rect_side(__func__, "source", src_origin, region,
				&src_row_pitch, &src_slice_pitch, src->size,
				&soff);
	if (!err)
		err = rect_side(__func__, "destination", dst_origin, region,
				&dst_row_pitch, &dst_slice_pitch, dst->size,
				&doff);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(src == dst && (src_row_pitch != dst_row_pitch ||
					     src_slice_pitch != dst_slice_pitch),
			      CL_INVALID_VALUE,
			      "same buffer with different pitches");

	if (mem_root(src) == mem_root(dst)) {
		s = src->offset + soff;
		d = dst->offset + doff;
		if (src_row_pitch == dst_row_pitch &&
		    src_slice_pitch == dst_slice_pitch) {
			overlap = rects_overlap(s, d, region, src_row_pitch,
						src_slice_pitch);
		} else {
			/* Sub-buffers with different pitches: the extents. */
			size_t se = (region[2] - 1) * src_slice_pitch +
				    (region[1] - 1) * src_row_pitch + region[0];
			size_t de = (region[2] - 1) * dst_slice_pitch +
				    (region[1] - 1) * dst_row_pitch + region[0];

			overlap = s < d + de && d < s + se;
		}
		SVMCL_RETURN_ERROR_ON(overlap, CL_MEM_COPY_OVERLAP,
				      "source and destination rectangles overlap");
	}

	c = mem_cmd_new(&copy_ops, command_queue, CL_COMMAND_COPY_BUFFER_RECT,
			2, mems, num_events, wait_list, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	memcpy(c->copy.region, region, sizeof(c->copy.region));
	c->copy.dst = dst->addr + doff;
	c->copy.dst_row = dst_row_pitch;
	c->copy.dst_slice = dst_slice_pitch;
	c->copy.src = src->addr + soff;
	c->copy.src_row = src_row_pitch;
	c->copy.src_slice = src_slice_pitch;
	return mem_cmd_submit(__func__, command_queue, c, false, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueFillBuffer(cl_command_queue command_queue, cl_mem buffer,
			  const void *pattern, size_t pattern_size,
			  size_t offset, size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	struct mem_cmd *c;
	cl_int err;

	err = check_enqueue(__func__, command_queue, 1, &buffer, num_events,
			    wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(!range_ok(buffer, offset, size),
			      CL_INVALID_VALUE,
			      "[%zu, +%zu) is out of the buffer's %zu bytes",
			      offset, size, buffer->size);
	SVMCL_RETURN_ERROR_ON(pattern == NULL, CL_INVALID_VALUE,
			      "pattern is NULL");
	SVMCL_RETURN_ERROR_ON(pattern_size == 0 || pattern_size > MAX_PATTERN ||
			      (pattern_size & (pattern_size - 1)),
			      CL_INVALID_VALUE,
			      "pattern_size %zu is not a power of two <= %d",
			      pattern_size, MAX_PATTERN);
	SVMCL_RETURN_ERROR_ON(offset % pattern_size || size % pattern_size,
			      CL_INVALID_VALUE,
			      "offset %zu or size %zu is not a multiple of pattern_size %zu",
			      offset, size, pattern_size);

	c = mem_cmd_new(&fill_ops, command_queue, CL_COMMAND_FILL_BUFFER, 1,
			&buffer, num_events, wait_list, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	c->fill.dst = buffer->addr + offset;
	c->fill.size = size;
	c->fill.pattern_size = pattern_size;
	memcpy(c->fill.pattern, pattern, pattern_size);
	return mem_cmd_submit(__func__, command_queue, c, false, event);
}

/* Record a mapping; CL_INVALID_OPERATION if it overlaps one for writing. */
static cl_int mem_add_mapping(const char *func, cl_mem m,
			      struct svmcl_mem_mapping *map)
{
	const cl_map_flags writes = CL_MAP_WRITE |
				    CL_MAP_WRITE_INVALIDATE_REGION;
	struct svmcl_mem_mapping *o;

	pthread_mutex_lock(&m->obj.lock);
	for (o = m->maps; o; o = o->next) {
		if (((o->flags | map->flags) & writes) &&
		    o->offset < map->offset + map->size &&
		    map->offset < o->offset + o->size) {
			pthread_mutex_unlock(&m->obj.lock);
			svmcl_api_error(func, CL_INVALID_OPERATION,
					"overlaps a region mapped for writing");
			return CL_INVALID_OPERATION;
		}
	}
	map->next = m->maps;
	m->maps = map;
	m->map_count++;
	pthread_mutex_unlock(&m->obj.lock);
	return CL_SUCCESS;
}

/* Remove the mapping @map (if still there) or, @map NULL, one at @ptr. */
static struct svmcl_mem_mapping *mem_take_mapping(cl_mem m, void *ptr,
						  struct svmcl_mem_mapping *map)
{
	struct svmcl_mem_mapping **pp, *found = NULL;

	pthread_mutex_lock(&m->obj.lock);
	for (pp = &m->maps; *pp; pp = &(*pp)->next) {
		if (map ? *pp == map : (*pp)->ptr == ptr) {
			found = *pp;
			*pp = found->next;
			m->map_count--;
			break;
		}
	}
	pthread_mutex_unlock(&m->obj.lock);
	return found;
}

void *CL_API_CALL
svmcl_clEnqueueMapBuffer(cl_command_queue command_queue, cl_mem buffer,
			 cl_bool blocking, cl_map_flags map_flags,
			 size_t offset, size_t size, cl_uint num_events,
			 const cl_event *wait_list, cl_event *event,
			 cl_int *errcode_ret)
{
	const cl_map_flags known = CL_MAP_READ | CL_MAP_WRITE |
				   CL_MAP_WRITE_INVALIDATE_REGION;
	struct svmcl_mem_mapping *map = NULL;
	struct mem_cmd *c;
	void *ptr = NULL;
	cl_int err;

	err = check_enqueue(__func__, command_queue, 1, &buffer, num_events,
			    wait_list);
	if (err)
		goto ERROR;
	SVMCL_GOTO_ERROR_ON(size == 0 || !range_ok(buffer, offset, size),
			    CL_INVALID_VALUE,
			    "[%zu, +%zu) is empty or out of the buffer's %zu bytes",
			    offset, size, buffer->size);
	SVMCL_GOTO_ERROR_ON((map_flags & ~known) ||
			    ((map_flags & CL_MAP_WRITE_INVALIDATE_REGION) &&
			     (map_flags & (CL_MAP_READ | CL_MAP_WRITE))),
			    CL_INVALID_VALUE, "invalid map_flags 0x%llx",
			    (unsigned long long)map_flags);
	/* Flags 0 maps for reading and writing. */
	err = check_host_access(__func__, buffer,
				!map_flags || (map_flags & CL_MAP_READ),
				!map_flags || (map_flags & ~CL_MAP_READ));
	if (err)
		goto ERROR;

	map = malloc(sizeof(*map));
	SVMCL_GOTO_ERROR_ON(map == NULL, CL_OUT_OF_HOST_MEMORY, "malloc");
	map->ptr = buffer->addr + offset;
	map->offset = offset;
	map->size = size;
	map->flags = map_flags ? map_flags : CL_MAP_READ | CL_MAP_WRITE;
	err = mem_add_mapping(__func__, buffer, map);
	if (err) {
		free(map);
		goto ERROR;
	}

	c = mem_cmd_new(&nop_ops, command_queue, CL_COMMAND_MAP_BUFFER, 1,
			&buffer, num_events, wait_list, &err);
	if (!c) {
		free(mem_take_mapping(buffer, NULL, map));
		SVMCL_GOTO_ERROR_ON(true, err, "command setup");
	}
	ptr = map->ptr;
	err = mem_cmd_submit(__func__, command_queue, c, blocking, event);
	if (err) {
		/* A failed blocking map maps nothing. */
		free(mem_take_mapping(buffer, NULL, map));
		ptr = NULL;
	}

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return ptr;
}

cl_int CL_API_CALL
svmcl_clEnqueueUnmapMemObject(cl_command_queue command_queue, cl_mem memobj,
			      void *mapped_ptr, cl_uint num_events,
			      const cl_event *wait_list, cl_event *event)
{
	struct svmcl_mem_mapping *map;
	struct mem_cmd *c;
	cl_int err;

	err = check_enqueue(__func__, command_queue, 1, &memobj, num_events,
			    wait_list);
	if (err)
		return err;
	map = mem_take_mapping(memobj, mapped_ptr, NULL);
	SVMCL_RETURN_ERROR_ON(map == NULL, CL_INVALID_VALUE,
			      "%p is not mapped from this memory object",
			      mapped_ptr);

	c = mem_cmd_new(&nop_ops, command_queue, CL_COMMAND_UNMAP_MEM_OBJECT, 1,
			&memobj, num_events, wait_list, &err);
	if (!c) {
		/* Put the mapping back: the unmap did not happen. */
		pthread_mutex_lock(&memobj->obj.lock);
		map->next = memobj->maps;
		memobj->maps = map;
		memobj->map_count++;
		pthread_mutex_unlock(&memobj->obj.lock);
		return SVMCL_ERROR(err, "command setup");
	}
	free(map);
	return mem_cmd_submit(__func__, command_queue, c, false, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueMigrateMemObjects(cl_command_queue command_queue,
				 cl_uint num_mem_objects,
				 const cl_mem *mem_objects,
				 cl_mem_migration_flags flags,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	const cl_mem_migration_flags known =
		CL_MIGRATE_MEM_OBJECT_HOST |
		CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED;
	struct mem_cmd *c;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(command_queue),
			      CL_INVALID_COMMAND_QUEUE,
			      "not a valid command queue");
	SVMCL_RETURN_ERROR_ON(num_mem_objects == 0 || mem_objects == NULL,
			      CL_INVALID_VALUE, "no memory objects");
	err = check_enqueue(__func__, command_queue, num_mem_objects,
			    mem_objects, num_events, wait_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(flags & ~known, CL_INVALID_VALUE,
			      "unknown migration flags 0x%llx",
			      (unsigned long long)(flags & ~known));

	c = mem_cmd_new(&migrate_ops, command_queue,
			CL_COMMAND_MIGRATE_MEM_OBJECTS, num_mem_objects,
			mem_objects, num_events, wait_list, &err);
	SVMCL_RETURN_ERROR_ON(c == NULL, err, "command setup");
	c->migrate.flags = flags;
	return mem_cmd_submit(__func__, command_queue, c, false, event);
}
