/* SPDX-License-Identifier: MIT */
/*
 * queue.h - command queues (in-order and out-of-order) and the commands
 * they execute.
 */
#ifndef SVMCL_QUEUE_H
#define SVMCL_QUEUE_H

#include <stdint.h>

#include <CL/cl.h>

#include "object.h"

struct svmcl_command;

/*
 * What a kind of command does. New commands (copies, fills, markers, SVM
 * operations) are a new ops table plus an enqueue entry point.
 */
struct svmcl_command_ops {
	/*
	 * (required) Execute the command. Called by a thread that runs the
	 * queue, with no runtime lock held, after every event the command
	 * depends on has completed successfully.
	 * Return: CL_COMPLETE, or a negative CL error that becomes the
	 * event's status.
	 */
	cl_int (*run)(struct svmcl_command *cmd);
	/*
	 * (required) Free the command and what it holds; must end with
	 * svmcl_command_fini(). Called with no lock held, once: after run()
	 * (or instead of it when a dependency failed), or by
	 * svmcl_queue_submit() when the submission itself fails.
	 */
	void (*destroy)(struct svmcl_command *cmd);
};

/*
 * One edge of the dependency graph: @cmd waits for the event whose waiter
 * list holds this node. Only queue.c and event.c look inside.
 */
struct svmcl_dep {
	struct svmcl_command *cmd;
	struct svmcl_dep *next;		/* the event's waiters, under its lock */
	bool explicit;			/* from the wait list: a failure of
					 * the event fails @cmd */
};

struct svmcl_command {
	struct svmcl_command *next;	/* ready list, under queue->obj.lock */
	const struct svmcl_command_ops *ops;
	cl_event event;			/* reference owned by the command */
	cl_uint num_deps;
	cl_event *deps;			/* references owned by the command */

	/* Scheduling state, private to queue.c. */
	struct svmcl_dep *edges;	/* num_deps + 1 (in-order or barrier) */
	cl_uint num_edges;
	atomic_uint pending;		/* unresolved edges, +1 while submitting */
	atomic_bool dep_failed;		/* an explicit dependency failed */
	bool drain;			/* waits for every older command */
};

struct _cl_command_queue {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_context context;		/* reference */
	cl_device_id device;
	cl_command_queue_properties properties;
	cl_queue_properties *props;	/* clCreateCommandQueueWithProperties list */
	size_t props_size;		/* bytes, terminator included; 0 if none */

	/* Protected by obj.lock. */
	struct svmcl_command *ready_head, *ready_tail;	/* may start now */
	cl_event oldest, newest;	/* submitted, not retired; seq order */
	cl_event barrier;		/* out-of-order: newest unretired barrier */
	struct svmcl_command *drainers;	/* waiting for all older commands,
					 * seq order */
	uint64_t enqueued;		/* seq of the newest command */
	unsigned int running;		/* commands executing right now */
	bool shutdown;			/* released: the worker exits when idle */
	bool worker_started;
	bool worker_tears_down;		/* the worker frees the queue at exit */
	bool released;			/* torn down; memory kept for events */
	unsigned int events;		/* live events pointing at the queue */
	cl_int error;			/* first failure since the last clFinish */
	pthread_t worker;
	pthread_cond_t cond;		/* waiters: ready, retired */
	pthread_cond_t work;		/* the worker: ready, shutdown */
	atomic_uint gen;		/* bumped with every broadcast of @cond */
};

/* API references (clRetain/ReleaseCommandQueue). */
void svmcl_queue_get(cl_command_queue q);
void svmcl_queue_put(cl_command_queue q);

/*
 * An event pins the queue's memory (not its API reference count), so
 * CL_EVENT_COMMAND_QUEUE and waiting stay safe after the queue's release.
 */
void svmcl_queue_event_attach(cl_command_queue q);
void svmcl_queue_event_detach(cl_command_queue q);

/*
 * svmcl_command_init() - create the event and take the wait list of a new
 * command for @q. The wait list must have been validated.
 * @type decides the ordering of markers and barriers: CL_COMMAND_MARKER
 * and CL_COMMAND_BARRIER with an empty wait list wait for every command
 * enqueued before them; on an out-of-order queue, every command enqueued
 * after a CL_COMMAND_BARRIER waits for it.
 */
cl_int svmcl_command_init(struct svmcl_command *cmd,
			  const struct svmcl_command_ops *ops,
			  cl_command_queue q, cl_command_type type,
			  cl_uint num_deps, const cl_event *deps);
void svmcl_command_fini(struct svmcl_command *cmd);

/*
 * svmcl_queue_submit() - append @cmd to its queue; it starts as soon as
 * its dependencies are met (every enqueue is an implicit flush). On
 * success the queue owns @cmd and, when @event_ret is not NULL, it
 * receives a new reference to the event. On failure @cmd is destroyed.
 */
cl_int svmcl_queue_submit(cl_command_queue q, struct svmcl_command *cmd,
			  cl_event *event_ret);

/*
 * svmcl_queue_wait_event() - wait until @ev (a command of @q) has a final
 * status, running ready commands of @q up to it in the calling thread.
 * Return: the final status.
 */
cl_int svmcl_queue_wait_event(cl_command_queue q, cl_event ev);

/* event.c calls this when an event a command waits for becomes final. */
void svmcl_command_dep_resolved(struct svmcl_command *cmd, cl_int status,
				bool explicit);

#endif /* SVMCL_QUEUE_H */
