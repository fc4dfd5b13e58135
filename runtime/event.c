/* SPDX-License-Identifier: MIT */
/*
 * event.c - event objects, waiting and event queries.
 *
 * DOC: Overview
 *
 * Every command has an event, whether or not the application asked for
 * one; the command owns a reference until it has finished. An event holds
 * a reference on its context and pins its queue's memory (queue.c), so
 * CL_EVENT_COMMAND_QUEUE and waiting stay safe for as long as the event
 * lives, even after the queue itself was released.
 *
 * Status goes CL_QUEUED -> CL_SUBMITTED (at enqueue: every enqueue is a
 * flush) -> CL_RUNNING -> CL_COMPLETE, or to a negative error: the
 * command's own (CL_OUT_OF_RESOURCES for a device fault) or
 * CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST when a dependency failed.
 * Each change stamps the matching profiling time (CLOCK_MONOTONIC).
 *
 * Waiting first lends the waiting thread to the event's queue (see
 * queue.c) and then sleeps on @changed until the status is final.
 *
 * DOC: Locking
 *
 * obj.lock protects @status, the time stamps and @changed. It is taken
 * after a queue's lock, never before it, and never held while waiting for
 * another object.
 */
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

cl_event svmcl_event_create(cl_command_queue q, cl_command_type type)
{
	cl_event ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	svmcl_object_init(SVMCL_HANDLE(ev), SVMCL_HANDLE(q), SVMCL_MAGIC_EVENT);
	pthread_cond_init(&ev->changed, NULL);
	svmcl_queue_event_attach(q);
	svmcl_context_get(q->context);
	ev->queue = q;
	ev->context = q->context;
	ev->type = type;
	ev->status = CL_QUEUED;
	ev->ts_queued = svmcl_now_ns();
	return ev;
}

void svmcl_event_get(cl_event ev)
{
	svmcl_object_get(SVMCL_HANDLE(ev));
}

void svmcl_event_put(cl_event ev)
{
	cl_command_queue q;
	cl_context ctx;

	if (!svmcl_object_put(SVMCL_HANDLE(ev)))
		return;

	q = ev->queue;
	ctx = ev->context;
	pthread_cond_destroy(&ev->changed);
	svmcl_object_fini(SVMCL_HANDLE(ev));
	free(ev);
	if (q)
		svmcl_queue_event_detach(q);
	svmcl_context_put(ctx);
}

void svmcl_event_set_status(cl_event ev, cl_int status)
{
	cl_ulong now = svmcl_now_ns();

	pthread_mutex_lock(&ev->obj.lock);
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
		break;
	}
	ev->status = status;
	pthread_cond_broadcast(&ev->changed);
	pthread_mutex_unlock(&ev->obj.lock);
}

cl_int svmcl_event_wait(cl_event ev)
{
	cl_int status;

	if (ev->queue)
		svmcl_queue_run_until(ev->queue, ev->seq);

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
	cl_int status;

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
		pthread_mutex_lock(&event->obj.lock);
		status = event->status;
		pthread_mutex_unlock(&event->obj.lock);
		return SVMCL_INFO_SCALAR(cl_int, status);
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
	SVMCL_RETURN_ERROR_ON(event->queue == NULL ||
			      !(event->queue->properties &
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
