/* SPDX-License-Identifier: MIT */
/*
 * event.c - event objects, user events, callbacks, waiting, event queries
 * and the clock.
 *
 * DOC: Overview
 *
 * Every command has an event, whether or not the application asked for
 * one; the command owns a reference until it has finished. An event holds
 * a reference on its context and pins its queue's memory (queue.c), so
 * CL_EVENT_COMMAND_QUEUE and waiting stay safe for as long as the event
 * lives, even after the queue itself was released. A user event has no
 * queue and starts in CL_SUBMITTED.
 *
 * Status goes CL_QUEUED (enqueued, waiting for its dependencies) ->
 * CL_SUBMITTED (dependencies met, handed to the queue's runners) ->
 * CL_RUNNING -> CL_COMPLETE, or to a negative error: the command's own
 * (CL_OUT_OF_RESOURCES for a device fault) or
 * CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST when an event of its wait
 * list failed (then it goes there straight from CL_QUEUED). Each change
 * stamps the matching profiling time (CLOCK_MONOTONIC).
 *
 * Dependencies are edges (struct svmcl_dep) on the waited-for event's
 * @waiters list. The change to a final status takes the whole list and,
 * after dropping the lock, tells each waiting command (queue.c), which
 * starts once its last edge is resolved. Nobody blocks a thread on a
 * dependency.
 *
 * Callbacks (clSetEventCallback) are kept in registration order and
 * called once each, when the status reaches or passes their trigger
 * (CL_SUBMITTED > CL_RUNNING > CL_COMPLETE > errors), with the trigger
 * as the status, or the negative status when the command failed. They
 * run on the thread that made the change (a queue runner, the thread in
 * clSetUserEventStatus) or, when the trigger was already passed at
 * registration, in clSetEventCallback itself. One thread at a time
 * delivers an event's callbacks (@delivering), so they never run
 * concurrently and keep their order; a change made while another thread
 * delivers is picked up by that thread. No lock is held while a callback
 * runs, and the delivering thread holds a reference on the event, so a
 * callback may release it, enqueue, or release its queue.
 *
 * DOC: Locking
 *
 * obj.lock protects @status, the time stamps, @changed, @waiters,
 * @callbacks and @delivering. It is taken after a queue's lock, never
 * before it, and never held while calling out (callbacks, queue.c).
 * @q_prev and @q_next belong to the queue's lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "event.h"
#include "info.h"
#include "queue.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_event);

cl_ulong svmcl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cl_ulong)ts.tv_sec * 1000000000ull + (cl_ulong)ts.tv_nsec;
}

cl_ulong svmcl_timer_resolution_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC, &res) || res.tv_sec)
		return 1;
	return res.tv_nsec > 0 ? (cl_ulong)res.tv_nsec : 1;
}

static cl_event event_alloc(const struct svmcl_handle *parent,
			    cl_context ctx, cl_command_type type,
			    cl_int status)
{
	cl_event ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	svmcl_object_init(SVMCL_HANDLE(ev), parent, SVMCL_MAGIC_EVENT);
	pthread_cond_init(&ev->changed, NULL);
	svmcl_context_get(ctx);
	ev->context = ctx;
	ev->type = type;
	ev->status = status;
	ev->waiters_tail = &ev->waiters;
	ev->callbacks_tail = &ev->callbacks;
	return ev;
}

cl_event svmcl_event_create(cl_command_queue q, cl_command_type type)
{
	cl_event ev = event_alloc(SVMCL_HANDLE(q), q->context, type,
				  CL_QUEUED);

	if (!ev)
		return NULL;
	svmcl_queue_event_attach(q);
	ev->queue = q;
	ev->ts_queued = svmcl_now_ns();
	return ev;
}

void svmcl_event_get(cl_event ev)
{
	svmcl_object_get(SVMCL_HANDLE(ev));
}

void svmcl_event_put(cl_event ev)
{
	struct svmcl_event_callback *cb, *next;
	cl_command_queue q;
	cl_context ctx;

	if (!svmcl_object_put(SVMCL_HANDLE(ev)))
		return;

	/* Callbacks whose trigger never came (a user event never set). */
	for (cb = ev->callbacks; cb; cb = next) {
		next = cb->next;
		free(cb);
	}
	q = ev->queue;
	ctx = ev->context;
	pthread_cond_destroy(&ev->changed);
	svmcl_object_fini(SVMCL_HANDLE(ev));
	free(ev);
	if (q)
		svmcl_queue_event_detach(q);
	svmcl_context_put(ctx);
}

/* Is the callback's trigger reached by @status? */
static bool callback_due(const struct svmcl_event_callback *cb, cl_int status)
{
	return status <= cb->trigger;
}

/*
 * Call the callbacks that are due, in registration order, unless another
 * thread is already at it (it will see them). Caller holds a reference.
 */
static void event_deliver(cl_event ev)
{
	pthread_mutex_lock(&ev->obj.lock);
	if (ev->delivering) {
		pthread_mutex_unlock(&ev->obj.lock);
		return;
	}
	ev->delivering = true;
	for (;;) {
		struct svmcl_event_callback **pp, *cb;
		cl_int status;

		for (pp = &ev->callbacks; *pp; pp = &(*pp)->next) {
			if (callback_due(*pp, ev->status))
				break;
		}
		cb = *pp;
		if (!cb)
			break;
		*pp = cb->next;
		if (!*pp)
			ev->callbacks_tail = pp;
		status = ev->status < 0 ? ev->status : cb->trigger;
		pthread_mutex_unlock(&ev->obj.lock);

		cb->fn(ev, status, cb->user_data);
		free(cb);

		pthread_mutex_lock(&ev->obj.lock);
	}
	ev->delivering = false;
	pthread_mutex_unlock(&ev->obj.lock);
}

/*
 * Change the status; with @once, only if it is not final yet. The caller
 * holds a reference that no callback can drop (a command's own, or a
 * temporary one).
 * Return: false if @once and the status was already final.
 */
static bool event_change(cl_event ev, cl_int status, bool once)
{
	struct svmcl_dep *waiters = NULL, *d, *next;
	cl_ulong now = svmcl_now_ns();
	bool callbacks;

	pthread_mutex_lock(&ev->obj.lock);
	if (once && ev->status <= CL_COMPLETE) {
		pthread_mutex_unlock(&ev->obj.lock);
		return false;
	}
	switch (status) {
	case CL_SUBMITTED:
		ev->ts_submit = now;
		break;
	case CL_RUNNING:
		ev->ts_start = now;
		break;
	default:	/* complete or failed */
		if (!ev->ts_start)
			ev->ts_start = now;
		ev->ts_end = now;
		waiters = ev->waiters;
		ev->waiters = NULL;
		ev->waiters_tail = &ev->waiters;
		break;
	}
	ev->status = status;
	callbacks = ev->callbacks != NULL;
	pthread_cond_broadcast(&ev->changed);
	pthread_mutex_unlock(&ev->obj.lock);

	/* @d may be freed as soon as its command is told: read next first. */
	for (d = waiters; d; d = next) {
		next = d->next;
		svmcl_command_dep_resolved(d->cmd, status, d->explicit);
	}
	if (callbacks)
		event_deliver(ev);
	return true;
}

void svmcl_event_set_status(cl_event ev, cl_int status)
{
	event_change(ev, status, false);
}

cl_int svmcl_event_status(cl_event ev)
{
	cl_int status;

	pthread_mutex_lock(&ev->obj.lock);
	status = ev->status;
	pthread_mutex_unlock(&ev->obj.lock);
	return status;
}

bool svmcl_event_add_waiter(cl_event ev, struct svmcl_dep *dep,
			    cl_int *status)
{
	pthread_mutex_lock(&ev->obj.lock);
	if (ev->status <= CL_COMPLETE) {
		*status = ev->status;
		pthread_mutex_unlock(&ev->obj.lock);
		return false;
	}
	dep->next = NULL;
	*ev->waiters_tail = dep;
	ev->waiters_tail = &dep->next;
	pthread_mutex_unlock(&ev->obj.lock);
	return true;
}

cl_int svmcl_event_wait(cl_event ev)
{
	cl_int status;

	if (ev->queue)
		return svmcl_queue_wait_event(ev->queue, ev);

	/* A user event: somebody else sets it. */
	pthread_mutex_lock(&ev->obj.lock);
	while (ev->status > CL_COMPLETE)
		pthread_cond_wait(&ev->changed, &ev->obj.lock);
	status = ev->status;
	pthread_mutex_unlock(&ev->obj.lock);
	return status;
}

cl_int svmcl_check_wait_list(const char *func, cl_context ctx, cl_uint num,
			     const cl_event *list)
{
	if ((num == 0) != (list == NULL)) {
		svmcl_api_error(func, CL_INVALID_EVENT_WAIT_LIST,
				"num_events_in_wait_list %u with event_wait_list %p",
				num, (const void *)list);
		return CL_INVALID_EVENT_WAIT_LIST;
	}
	for (cl_uint i = 0; i < num; i++) {
		if (!SVMCL_IS_EVENT(list[i])) {
			svmcl_api_error(func, CL_INVALID_EVENT_WAIT_LIST,
					"event_wait_list[%u] is not a valid event",
					i);
			return CL_INVALID_EVENT_WAIT_LIST;
		}
		if (list[i]->context != ctx) {
			svmcl_api_error(func, CL_INVALID_CONTEXT,
					"event_wait_list[%u] is from another context",
					i);
			return CL_INVALID_CONTEXT;
		}
	}
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clWaitForEvents(cl_uint num_events,
					 const cl_event *event_list)
{
	cl_int err = CL_SUCCESS;

	SVMCL_RETURN_ERROR_ON(num_events == 0 || event_list == NULL,
			      CL_INVALID_VALUE, "empty event list");
	for (cl_uint i = 0; i < num_events; i++) {
		SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event_list[i]),
				      CL_INVALID_EVENT,
				      "event_list[%u] is not a valid event", i);
		SVMCL_RETURN_ERROR_ON(event_list[i]->context !=
				      event_list[0]->context,
				      CL_INVALID_CONTEXT,
				      "event_list[%u] is from another context", i);
	}

	for (cl_uint i = 0; i < num_events; i++) {
		if (svmcl_event_wait(event_list[i]) < 0)
			err = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
	}
	if (err)
		svmcl_api_error(__func__, err, "a command in the list failed");
	return err;
}

cl_int CL_API_CALL svmcl_clGetEventInfo(cl_event event,
					cl_event_info param_name,
					size_t param_value_size,
					void *param_value,
					size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event), CL_INVALID_EVENT,
			      "not a valid event");

	switch (param_name) {
	case CL_EVENT_COMMAND_QUEUE:
		return SVMCL_INFO_SCALAR(cl_command_queue, event->queue);
	case CL_EVENT_CONTEXT:
		return SVMCL_INFO_SCALAR(cl_context, event->context);
	case CL_EVENT_COMMAND_TYPE:
		return SVMCL_INFO_SCALAR(cl_command_type, event->type);
	case CL_EVENT_COMMAND_EXECUTION_STATUS:
		return SVMCL_INFO_SCALAR(cl_int, svmcl_event_status(event));
	case CL_EVENT_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			svmcl_object_refcount(SVMCL_HANDLE(event)));
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clGetEventProfilingInfo(cl_event event,
						 cl_profiling_info param_name,
						 size_t param_value_size,
						 void *param_value,
						 size_t *param_value_size_ret)
{
	cl_ulong t;
	cl_int status;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event), CL_INVALID_EVENT,
			      "not a valid event");
	SVMCL_RETURN_ERROR_ON(event->queue == NULL,
			      CL_PROFILING_INFO_NOT_AVAILABLE,
			      "a user event has no profiling information");
	SVMCL_RETURN_ERROR_ON(!(event->queue->properties &
				CL_QUEUE_PROFILING_ENABLE),
			      CL_PROFILING_INFO_NOT_AVAILABLE,
			      "queue without CL_QUEUE_PROFILING_ENABLE");

	pthread_mutex_lock(&event->obj.lock);
	status = event->status;
	switch (param_name) {
	case CL_PROFILING_COMMAND_QUEUED:
		t = event->ts_queued;
		break;
	case CL_PROFILING_COMMAND_SUBMIT:
		t = event->ts_submit;
		break;
	case CL_PROFILING_COMMAND_START:
		t = event->ts_start;
		break;
	case CL_PROFILING_COMMAND_END:
	case CL_PROFILING_COMMAND_COMPLETE:	/* no child commands */
		t = event->ts_end;
		break;
	default:
		pthread_mutex_unlock(&event->obj.lock);
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
	pthread_mutex_unlock(&event->obj.lock);

	SVMCL_RETURN_ERROR_ON(status != CL_COMPLETE,
			      CL_PROFILING_INFO_NOT_AVAILABLE,
			      "the command has not completed (status %d)",
			      status);
	return SVMCL_INFO_SCALAR(cl_ulong, t);
}

cl_int CL_API_CALL svmcl_clRetainEvent(cl_event event)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event), CL_INVALID_EVENT,
			      "not a valid event");
	svmcl_event_get(event);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseEvent(cl_event event)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event), CL_INVALID_EVENT,
			      "not a valid event");
	svmcl_event_put(event);
	return CL_SUCCESS;
}

cl_event CL_API_CALL svmcl_clCreateUserEvent(cl_context context,
					     cl_int *errcode_ret)
{
	cl_event ev = NULL;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	ev = event_alloc(SVMCL_HANDLE(context), context, CL_COMMAND_USER,
			 CL_SUBMITTED);
	SVMCL_GOTO_ERROR_ON(!ev, CL_OUT_OF_HOST_MEMORY, "calloc");

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return ev;
}

cl_int CL_API_CALL svmcl_clSetUserEventStatus(cl_event event,
					      cl_int execution_status)
{
	bool set;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event) || event->queue != NULL,
			      CL_INVALID_EVENT, "not a valid user event");
	SVMCL_RETURN_ERROR_ON(execution_status > CL_COMPLETE,
			      CL_INVALID_VALUE,
			      "execution_status %d is neither CL_COMPLETE nor an error",
			      execution_status);
	/* A callback may drop the application's reference. */
	svmcl_event_get(event);
	set = event_change(event, execution_status, true);
	svmcl_event_put(event);
	SVMCL_RETURN_ERROR_ON(!set, CL_INVALID_OPERATION,
			      "the status of this user event was already set");
	return CL_SUCCESS;
}

cl_int CL_API_CALL
svmcl_clSetEventCallback(cl_event event, cl_int command_exec_callback_type,
			 void (CL_CALLBACK *pfn_notify)(cl_event, cl_int,
							void *),
			 void *user_data)
{
	struct svmcl_event_callback *cb;
	bool due;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event), CL_INVALID_EVENT,
			      "not a valid event");
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL, CL_INVALID_VALUE,
			      "pfn_notify is NULL");
	SVMCL_RETURN_ERROR_ON(command_exec_callback_type != CL_SUBMITTED &&
			      command_exec_callback_type != CL_RUNNING &&
			      command_exec_callback_type != CL_COMPLETE,
			      CL_INVALID_VALUE,
			      "command_exec_callback_type %d",
			      command_exec_callback_type);
	cb = malloc(sizeof(*cb));
	SVMCL_RETURN_ERROR_ON(!cb, CL_OUT_OF_HOST_MEMORY, "malloc");
	cb->fn = pfn_notify;
	cb->user_data = user_data;
	cb->trigger = command_exec_callback_type;
	cb->next = NULL;

	svmcl_event_get(event);
	pthread_mutex_lock(&event->obj.lock);
	*event->callbacks_tail = cb;
	event->callbacks_tail = &cb->next;
	due = callback_due(cb, event->status);
	pthread_mutex_unlock(&event->obj.lock);

	/* Already reached: call it now, outside every lock. */
	if (due)
		event_deliver(event);
	svmcl_event_put(event);
	return CL_SUCCESS;
}

/*
 * The device clock is the host clock (CLOCK_MONOTONIC, ns): both
 * timestamps come from one reading.
 */
cl_int CL_API_CALL svmcl_clGetDeviceAndHostTimer(cl_device_id device,
						 cl_ulong *device_timestamp,
						 cl_ulong *host_timestamp)
{
	cl_ulong now;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device), CL_INVALID_DEVICE,
			      "not a valid device");
	SVMCL_RETURN_ERROR_ON(!device_timestamp || !host_timestamp,
			      CL_INVALID_VALUE, "NULL timestamp pointer");
	now = svmcl_now_ns();
	*device_timestamp = now;
	*host_timestamp = now;
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetHostTimer(cl_device_id device,
					cl_ulong *host_timestamp)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device), CL_INVALID_DEVICE,
			      "not a valid device");
	SVMCL_RETURN_ERROR_ON(!host_timestamp, CL_INVALID_VALUE,
			      "host_timestamp is NULL");
	*host_timestamp = svmcl_now_ns();
	return CL_SUCCESS;
}
