/* SPDX-License-Identifier: MIT */
/*
 * queue.c - in-order command queues and their execution.
 *
 * DOC: Overview
 *
 * A queue is a FIFO of commands executed one at a time, in order. Who
 * executes them:
 *
 *  - a per-queue submit thread, started by the first enqueue. Every
 *    enqueue wakes it, so an enqueue is an implicit clFlush and commands
 *    make progress while the host does something else (spins on an SVM
 *    flag, polls an event) - fine-grained SVM needs exactly that;
 *  - any thread blocked in clFinish or clWaitForEvents on the queue, when
 *    the submit thread is not busy with it: the waiter runs the pending
 *    commands itself up to what it waits for, which saves the wake-up of
 *    a sleeping thread (tens of microseconds) on the launch path.
 *
 * The @running flag makes sure only one thread executes a command of the
 * queue at any time, which is what keeps the queue in order.
 *
 * Execution of a command: wait for its wait list (a failed dependency
 * fails the command with CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST),
 * CL_RUNNING, ops->run(), final status. A failure is also remembered in
 * @error, which the next clFinish returns once; the queue stays usable.
 *
 * Out-of-order execution and on-device queues are not supported:
 * CL_DEVICE_QUEUE_ON_HOST_PROPERTIES reports CL_QUEUE_PROFILING_ENABLE only.
 *
 * Lifetime. The reference count is the application's (clRetain/Release);
 * events do not count, they only pin the memory (@events). The release
 * that drops the count to zero finishes the queue - every command still
 * pending runs to completion, in the caller if the submit thread is idle -
 * then joins the submit thread and drops the context, all on the caller's
 * thread; the memory goes with the last event. Objects the application
 * released are therefore torn down by the application's own calls, never
 * behind its back while it exits. (Released from the submit thread
 * itself, in a callback, the queue is finished and torn down by that
 * thread when it runs out of work.)
 *
 * A command drops its references (kernel, events) before it counts as
 * completed, so once clFinish returns nothing of the finished commands is
 * left to release.
 *
 * DOC: Locking
 *
 * obj.lock protects the command list, the sequence counters, @running,
 * @error, @events, @released and the worker state; @cond is its
 * condition. It is never held
 * while a command runs, while waiting for an event, or while dropping a
 * reference (which can destroy objects). Lock order: queue, then event.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "event.h"
#include "info.h"
#include "platform.h"
#include "queue.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_command_queue);

void svmcl_queue_get(cl_command_queue q)
{
	svmcl_object_get(SVMCL_HANDLE(q));
}

static void queue_free(cl_command_queue q)
{
	pthread_cond_destroy(&q->cond);
	free(q->props);
	svmcl_object_fini(SVMCL_HANDLE(q));
	free(q);
}

/* After the last release, once no command is left: drop the context. */
static void queue_teardown(cl_command_queue q)
{
	cl_context ctx = q->context;
	bool free_now;

	pthread_mutex_lock(&q->obj.lock);
	q->released = true;
	free_now = q->events == 0;
	pthread_mutex_unlock(&q->obj.lock);

	svmcl_context_put(ctx);
	if (free_now)
		queue_free(q);
}

void svmcl_queue_event_attach(cl_command_queue q)
{
	pthread_mutex_lock(&q->obj.lock);
	q->events++;
	pthread_mutex_unlock(&q->obj.lock);
}

void svmcl_queue_event_detach(cl_command_queue q)
{
	bool free_now;

	pthread_mutex_lock(&q->obj.lock);
	free_now = --q->events == 0 && q->released;
	pthread_mutex_unlock(&q->obj.lock);
	if (free_now)
		queue_free(q);
}

static void __queue_run_locked(cl_command_queue q, uint64_t until);

/* The last API reference is gone: finish, stop the worker, tear down. */
static void queue_release_last(cl_command_queue q)
{
	uint64_t target;
	bool started;

	pthread_mutex_lock(&q->obj.lock);
	started = q->worker_started;
	if (started && pthread_equal(pthread_self(), q->worker)) {
		/* From a callback on the worker: it finishes the job. */
		q->shutdown = true;
		q->worker_tears_down = true;
		pthread_mutex_unlock(&q->obj.lock);
		return;
	}
	target = q->enqueued;
	for (;;) {
		__queue_run_locked(q, target);
		if (q->completed >= target)
			break;
		pthread_cond_wait(&q->cond, &q->obj.lock);
	}
	q->shutdown = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->obj.lock);

	if (started)
		pthread_join(q->worker, NULL);
	queue_teardown(q);
}

void svmcl_queue_put(cl_command_queue q)
{
	if (svmcl_object_put(SVMCL_HANDLE(q)))
		queue_release_last(q);
}

cl_int svmcl_command_init(struct svmcl_command *cmd,
			  const struct svmcl_command_ops *ops,
			  cl_command_queue q, cl_command_type type,
			  cl_uint num_deps, const cl_event *deps)
{
	cmd->next = NULL;
	cmd->ops = ops;
	cmd->num_deps = 0;
	cmd->deps = NULL;
	cmd->event = svmcl_event_create(q, type);
	if (!cmd->event)
		return CL_OUT_OF_HOST_MEMORY;
	if (num_deps) {
		cmd->deps = malloc(num_deps * sizeof(*deps));
		if (!cmd->deps) {
			svmcl_event_put(cmd->event);
			cmd->event = NULL;
			return CL_OUT_OF_HOST_MEMORY;
		}
		for (cl_uint i = 0; i < num_deps; i++) {
			svmcl_event_get(deps[i]);
			cmd->deps[i] = deps[i];
		}
		cmd->num_deps = num_deps;
	}
	return CL_SUCCESS;
}

void svmcl_command_fini(struct svmcl_command *cmd)
{
	for (cl_uint i = 0; i < cmd->num_deps; i++)
		svmcl_event_put(cmd->deps[i]);
	free(cmd->deps);
	if (cmd->event)
		svmcl_event_put(cmd->event);
}

/* Execute one command; no lock held. Return: its final status. */
static cl_int command_execute(struct svmcl_command *cmd)
{
	cl_int status = CL_COMPLETE;

	for (cl_uint i = 0; i < cmd->num_deps; i++) {
		if (svmcl_event_wait(cmd->deps[i]) < 0)
			status = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
	}
	if (status == CL_COMPLETE) {
		svmcl_event_set_status(cmd->event, CL_RUNNING);
		status = cmd->ops->run(cmd);
	}
	svmcl_event_set_status(cmd->event, status);
	return status;
}

/*
 * Run the pending commands with seq <= @until while no other thread is
 * running this queue. Called and returns with q->obj.lock held; drops it
 * around each command.
 */
static void __queue_run_locked(cl_command_queue q, uint64_t until)
{
	while (!q->running && q->head && q->head->event->seq <= until) {
		struct svmcl_command *cmd = q->head;
		uint64_t seq = cmd->event->seq;
		cl_int status;

		q->head = cmd->next;
		if (!q->head)
			q->tail = NULL;
		q->running = true;
		pthread_mutex_unlock(&q->obj.lock);

		status = command_execute(cmd);
		/* Drop the command's references before it counts as done. */
		cmd->ops->destroy(cmd);

		pthread_mutex_lock(&q->obj.lock);
		q->running = false;
		q->completed = seq;
		if (status < 0 && q->error == CL_SUCCESS)
			q->error = status;
		pthread_cond_broadcast(&q->cond);
	}
}

void svmcl_queue_run_until(cl_command_queue q, uint64_t seq)
{
	/* The caller's event pins @q; a released queue has nothing left. */
	pthread_mutex_lock(&q->obj.lock);
	__queue_run_locked(q, seq);
	pthread_mutex_unlock(&q->obj.lock);
}

static void *queue_worker(void *arg)
{
	cl_command_queue q = arg;
	bool tear_down;

	pthread_mutex_lock(&q->obj.lock);
	for (;;) {
		while (q->running || (!q->head && !q->shutdown))
			pthread_cond_wait(&q->cond, &q->obj.lock);
		if (!q->head)
			break;	/* released and drained */
		__queue_run_locked(q, UINT64_MAX);
	}
	tear_down = q->worker_tears_down;
	pthread_mutex_unlock(&q->obj.lock);

	if (tear_down) {
		pthread_detach(pthread_self());
		queue_teardown(q);
	}
	return NULL;
}

/* Start the submit thread; q->obj.lock held. Signals stay with the app. */
static void __queue_start_worker(cl_command_queue q)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&q->worker, NULL, queue_worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		/* Commands then run in clFlush/clFinish/clWaitForEvents. */
		svmcl_debug(SVMCL_DBG_QUEUE,
			    "no submit thread (%s): running commands at flush",
			    strerror(ret));
		return;
	}
	q->worker_started = true;
}

cl_int svmcl_queue_submit(cl_command_queue q, struct svmcl_command *cmd,
			  cl_event *event_ret)
{
	if (event_ret) {
		svmcl_event_get(cmd->event);
		*event_ret = cmd->event;
	}
	/* Before it is visible to a runner; @cmd may be gone after unlock. */
	svmcl_event_set_status(cmd->event, CL_SUBMITTED);

	pthread_mutex_lock(&q->obj.lock);
	cmd->event->seq = ++q->enqueued;
	cmd->next = NULL;
	if (q->tail)
		q->tail->next = cmd;
	else
		q->head = cmd;
	q->tail = cmd;
	if (!q->worker_started)
		__queue_start_worker(q);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->obj.lock);
	return CL_SUCCESS;
}

/* clCreateCommandQueue*: @props is the list to keep for PROPERTIES_ARRAY. */
static cl_command_queue queue_create(cl_context ctx, cl_device_id dev,
				     cl_command_queue_properties properties,
				     const cl_queue_properties *props,
				     size_t props_size, cl_int *errp)
{
	cl_command_queue q = calloc(1, sizeof(*q));

	if (!q)
		goto err_nomem;
	if (props_size) {
		q->props = malloc(props_size);
		if (!q->props)
			goto err_free_queue;
		memcpy(q->props, props, props_size);
		q->props_size = props_size;
	}
	svmcl_object_init(SVMCL_HANDLE(q), SVMCL_HANDLE(ctx), SVMCL_MAGIC_QUEUE);
	pthread_cond_init(&q->cond, NULL);
	svmcl_context_get(ctx);
	q->context = ctx;
	q->device = dev;
	q->properties = properties;
	q->error = CL_SUCCESS;
	*errp = CL_SUCCESS;
	return q;

err_free_queue:
	free(q);
err_nomem:
	*errp = CL_OUT_OF_HOST_MEMORY;
	return NULL;
}

static cl_int queue_check_properties(const char *func,
				     cl_command_queue_properties properties)
{
	const cl_command_queue_properties known =
		CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE |
		CL_QUEUE_PROFILING_ENABLE | CL_QUEUE_ON_DEVICE |
		CL_QUEUE_ON_DEVICE_DEFAULT;

	if (properties & ~known) {
		svmcl_api_error(func, CL_INVALID_VALUE,
				"unknown queue properties 0x%llx",
				(unsigned long long)(properties & ~known));
		return CL_INVALID_VALUE;
	}
	if (properties & (CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE |
			  CL_QUEUE_ON_DEVICE | CL_QUEUE_ON_DEVICE_DEFAULT)) {
		svmcl_api_error(func, CL_INVALID_QUEUE_PROPERTIES,
				"only CL_QUEUE_PROFILING_ENABLE is supported");
		return CL_INVALID_QUEUE_PROPERTIES;
	}
	return CL_SUCCESS;
}

static cl_int queue_check_handles(const char *func, cl_context context,
				  cl_device_id device)
{
	if (!SVMCL_IS_CONTEXT(context)) {
		svmcl_api_error(func, CL_INVALID_CONTEXT, "not a valid context");
		return CL_INVALID_CONTEXT;
	}
	if (!SVMCL_IS_DEVICE(device) || device != context->device) {
		svmcl_api_error(func, CL_INVALID_DEVICE,
				"not a device of the context");
		return CL_INVALID_DEVICE;
	}
	return CL_SUCCESS;
}

cl_command_queue CL_API_CALL
svmcl_clCreateCommandQueueWithProperties(cl_context context,
					 cl_device_id device,
					 const cl_queue_properties *properties,
					 cl_int *errcode_ret)
{
	cl_command_queue q = NULL;
	cl_command_queue_properties flags = 0;
	bool have_flags = false;
	size_t i = 0;
	cl_int err;

	err = queue_check_handles(__func__, context, device);
	if (err)
		goto ERROR;

	for (i = 0; properties && properties[i] != 0; i += 2) {
		switch (properties[i]) {
		case CL_QUEUE_PROPERTIES:
			SVMCL_GOTO_ERROR_ON(have_flags, CL_INVALID_VALUE,
					    "CL_QUEUE_PROPERTIES given twice");
			have_flags = true;
			flags = (cl_command_queue_properties)properties[i + 1];
			break;
		case CL_QUEUE_SIZE:
			/* Only meaningful for on-device queues. */
			SVMCL_GOTO_ERROR_ON(true, CL_INVALID_QUEUE_PROPERTIES,
					    "CL_QUEUE_SIZE without on-device queues");
			break;
		default:
			SVMCL_GOTO_ERROR_ON(true, CL_INVALID_VALUE,
					    "unknown queue property 0x%llx",
					    (unsigned long long)properties[i]);
		}
	}
	err = queue_check_properties(__func__, flags);
	if (err)
		goto ERROR;

	q = queue_create(context, device, flags, properties,
			 properties ? (i + 1) * sizeof(*properties) : 0, &err);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return q;
}

cl_command_queue CL_API_CALL
svmcl_clCreateCommandQueue(cl_context context, cl_device_id device,
			   cl_command_queue_properties properties,
			   cl_int *errcode_ret)
{
	cl_command_queue q = NULL;
	cl_int err;

	err = queue_check_handles(__func__, context, device);
	if (!err)
		err = queue_check_properties(__func__, properties);
	if (!err)
		q = queue_create(context, device, properties, NULL, 0, &err);
	if (errcode_ret)
		*errcode_ret = err;
	return q;
}

cl_int CL_API_CALL svmcl_clRetainCommandQueue(cl_command_queue command_queue)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(command_queue),
			      CL_INVALID_COMMAND_QUEUE, "not a valid queue");
	svmcl_queue_get(command_queue);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseCommandQueue(cl_command_queue command_queue)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(command_queue),
			      CL_INVALID_COMMAND_QUEUE, "not a valid queue");
	/* The last release finishes the queue first (see DOC: Overview). */
	svmcl_queue_put(command_queue);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetCommandQueueInfo(cl_command_queue command_queue,
					       cl_command_queue_info param_name,
					       size_t param_value_size,
					       void *param_value,
					       size_t *param_value_size_ret)
{
	cl_command_queue q = command_queue;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");

	switch (param_name) {
	case CL_QUEUE_CONTEXT:
		return SVMCL_INFO_SCALAR(cl_context, q->context);
	case CL_QUEUE_DEVICE:
		return SVMCL_INFO_SCALAR(cl_device_id, q->device);
	case CL_QUEUE_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			svmcl_object_refcount(SVMCL_HANDLE(q)));
	case CL_QUEUE_PROPERTIES:
		return SVMCL_INFO_SCALAR(cl_command_queue_properties,
					 q->properties);
	case CL_QUEUE_PROPERTIES_ARRAY:
		return SVMCL_INFO_ARRAY(q->props, q->props_size);
	case CL_QUEUE_DEVICE_DEFAULT:
		return SVMCL_INFO_SCALAR(cl_command_queue, NULL);
	case CL_QUEUE_SIZE:
		/* Not an on-device queue (digest 5.2). */
		return SVMCL_ERROR(CL_INVALID_COMMAND_QUEUE,
				   "CL_QUEUE_SIZE of a host queue");
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clFlush(cl_command_queue command_queue)
{
	cl_command_queue q = command_queue;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");

	pthread_mutex_lock(&q->obj.lock);
	if (q->worker_started) {
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->obj.lock);
		return CL_SUCCESS;
	}
	pthread_mutex_unlock(&q->obj.lock);

	/* No submit thread: the flush itself executes the commands. */
	svmcl_queue_run_until(q, UINT64_MAX);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clFinish(cl_command_queue command_queue)
{
	cl_command_queue q = command_queue;
	uint64_t target;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");

	pthread_mutex_lock(&q->obj.lock);
	target = q->enqueued;
	for (;;) {
		__queue_run_locked(q, target);
		if (q->completed >= target)
			break;
		pthread_cond_wait(&q->cond, &q->obj.lock);
	}
	err = q->error;
	q->error = CL_SUCCESS;
	pthread_mutex_unlock(&q->obj.lock);

	if (err)
		svmcl_api_error(__func__, err, "a command of the queue failed");
	return err;
}
