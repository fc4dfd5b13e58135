/* SPDX-License-Identifier: MIT */
/*
 * event.h - events: the completion state of one command, or a user event.
 */
#ifndef SVMCL_EVENT_H
#define SVMCL_EVENT_H

#include <stdint.h>

#include <CL/cl.h>

#include "object.h"

struct svmcl_dep;

/* One clSetEventCallback registration not yet called. */
struct svmcl_event_callback {
	void (CL_CALLBACK *fn)(cl_event event, cl_int status, void *user_data);
	void *user_data;
	cl_int trigger;			/* CL_SUBMITTED, CL_RUNNING, CL_COMPLETE */
	struct svmcl_event_callback *next;
};

struct _cl_event {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_context context;		/* reference */
	cl_command_queue queue;		/* pinned (see queue.h); NULL for
					 * user events */
	cl_command_type type;
	uint64_t seq;			/* place in the queue; set at submit,
					 * before anyone else sees the event */

	/* Protected by queue->obj.lock: the queue's list of the commands
	 * submitted and not yet retired, oldest first. */
	cl_event q_prev, q_next;

	/* Protected by obj.lock. */
	cl_int status;			/* CL_QUEUED..CL_COMPLETE or < 0 */
	cl_ulong ts_queued, ts_submit, ts_start, ts_end;	/* ns */
	pthread_cond_t changed;		/* broadcast on every status change */
	struct svmcl_dep *waiters;	/* commands waiting for a final status */
	struct svmcl_dep **waiters_tail;
	struct svmcl_event_callback *callbacks;	/* registration order */
	struct svmcl_event_callback **callbacks_tail;
	bool delivering;		/* a thread is calling @callbacks */
};

/* CLOCK_MONOTONIC in ns: the device, host and profiling clock. */
cl_ulong svmcl_now_ns(void);
/* Its resolution in ns (at least 1). */
cl_ulong svmcl_timer_resolution_ns(void);

/* A new event in state CL_QUEUED, holding references on @q and its context. */
cl_event svmcl_event_create(cl_command_queue q, cl_command_type type);
void svmcl_event_get(cl_event ev);
void svmcl_event_put(cl_event ev);

/*
 * svmcl_event_set_status() - move @ev to @status (CL_SUBMITTED,
 * CL_RUNNING, CL_COMPLETE or a negative error), stamp the time, wake
 * waiters; a final status releases the commands waiting for @ev. Then
 * calls the callbacks the change made due. Called with no lock held, by
 * a thread holding a reference on @ev that no callback can drop (the
 * command's own).
 */
void svmcl_event_set_status(cl_event ev, cl_int status);

/* The current status, read under the event's lock. */
cl_int svmcl_event_status(cl_event ev);

/*
 * svmcl_event_add_waiter() - make @dep->cmd wait for @ev.
 * Return: true if it now waits; false if @ev was already final, with its
 * status in *@status.
 */
bool svmcl_event_add_waiter(cl_event ev, struct svmcl_dep *dep,
			    cl_int *status);

/*
 * svmcl_event_wait() - block until @ev is complete or failed; runs
 * commands of its queue in the calling thread while nobody else does.
 * Return: the final status (CL_COMPLETE or negative).
 */
cl_int svmcl_event_wait(cl_event ev);

/* Validate an event wait list for a command of @ctx. */
cl_int svmcl_check_wait_list(const char *func, cl_context ctx, cl_uint num,
			     const cl_event *list);

#endif /* SVMCL_EVENT_H */
