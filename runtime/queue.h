/* SPDX-License-Identifier: MIT */
/*
 * queue.h - in-order command queues and the commands they execute.
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
	 * (required) Execute the command. Called by the thread that runs the
	 * queue, with no runtime lock held, after the wait list completed.
	 * Return: CL_COMPLETE, or a negative CL error that becomes the
	 * event's status.
	 */
	cl_int (*run)(struct svmcl_command *cmd);
	/*
	 * (required) Free the command and what it holds; must end with
	 * svmcl_command_fini(). Called with no lock held, once, after
	 * run() or when the enqueue fails after svmcl_command_init().
	 */
	void (*destroy)(struct svmcl_command *cmd);
};

struct svmcl_command {
	struct svmcl_command *next;	/* queue list, under queue->obj.lock */
	const struct svmcl_command_ops *ops;
	cl_event event;			/* reference owned by the command */
	cl_uint num_deps;
	cl_event *deps;			/* references owned by the command */
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
	struct svmcl_command *head, *tail;	/* not yet started, in order */
	uint64_t enqueued;		/* seq of the newest command */
	uint64_t completed;		/* seq of the newest finished command */
	bool running;			/* a thread is executing a command */
	bool shutdown;			/* released: the worker exits when idle */
	bool worker_started;
	bool worker_tears_down;		/* released from the worker itself */
	bool released;			/* torn down; memory kept for events */
	unsigned int events;		/* live events pointing at the queue */
	cl_int error;			/* first failure since the last clFinish */
	pthread_t worker;
	pthread_cond_t cond;		/* command queued or finished, shutdown */
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
 */
cl_int svmcl_command_init(struct svmcl_command *cmd,
			  const struct svmcl_command_ops *ops,
			  cl_command_queue q, cl_command_type type,
			  cl_uint num_deps, const cl_event *deps);
void svmcl_command_fini(struct svmcl_command *cmd);

/*
 * svmcl_queue_submit() - append @cmd to its queue and start it (every
 * enqueue is an implicit flush). On success the queue owns @cmd; when
 * @event_ret is not NULL it receives a new reference to the event.
 */
cl_int svmcl_queue_submit(cl_command_queue q, struct svmcl_command *cmd,
			  cl_event *event_ret);

/* Run commands of @q up to @seq in the caller while no other thread does. */
void svmcl_queue_run_until(cl_command_queue q, uint64_t seq);

#endif /* SVMCL_QUEUE_H */
