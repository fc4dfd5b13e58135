/* SPDX-License-Identifier: MIT */
/*
 * queue.c - command queues, command scheduling, markers and barriers.
 *
 * DOC: Overview
 *
 * A command starts when every event it depends on is final. Its
 * dependencies are edges on those events (event.c):
 *
 *  - explicit: its event wait list. A failed one fails the command with
 *    CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, without running it;
 *  - in-order queue: the command submitted just before it (ordering
 *    only: its failure does not propagate, the queue stays usable);
 *  - out-of-order queue: the newest barrier not yet retired (ordering
 *    only). A marker or barrier with an empty wait list also "drains":
 *    it waits until every older command of the queue has retired.
 *
 * A command whose last edge resolves moves to the queue's ready list
 * (status CL_SUBMITTED) and the queue's runners are woken. Nothing ever
 * blocks a thread on a dependency, so user events and waits across
 * queues cannot stall a runner.
 *
 * Who runs ready commands:
 *
 *  - the queue's submit thread (worker), started by the first enqueue.
 *    Every enqueue wakes it, so an enqueue is an implicit clFlush and
 *    commands make progress while the host does something else (spins on
 *    an SVM flag, polls an event) - fine-grained SVM needs exactly that;
 *  - a thread blocked in clFinish, clWaitForEvents or a blocking enqueue
 *    of the queue runs ready commands itself, up to what it waits for
 *    ("direct dispatch"). On an idle in-order queue, enqueue + clFinish
 *    thus runs the kernel on the application's thread, which saves the
 *    wake-up of a sleeping thread (tens of microseconds) on the launch
 *    path; the compute units of the software GPU count that thread as
 *    their inline unit.
 *
 * The in-order edge keeps at most one command of an in-order queue ready
 * or running. On an out-of-order queue independent commands run in any
 * order and, when a waiter and the worker both run, concurrently.
 *
 * Execution of a command: CL_RUNNING, ops->run(), final status (which
 * releases its dependants and calls the callbacks), ops->destroy(), then
 * retirement: the command leaves the queue's list of unretired commands
 * (@oldest..@newest). clFinish waits for retirement, so once it returns
 * nothing of the finished commands is left to release. A failure of
 * run() is also remembered in @error, which the next clFinish returns
 * once; the queue stays usable.
 *
 * Lifetime. The reference count is the application's (clRetain/Release);
 * events do not count, they only pin the memory (@events). The release
 * that drops the count to zero finishes the queue: it runs and waits for
 * every command that can make progress, then stops the worker and drops
 * the context, all on the caller's thread, so objects the application
 * released are torn down by its own calls, never behind its back while
 * it exits. Two cases hand the teardown to the worker instead, which
 * does it once the last command retired: the release comes from a
 * command or callback of the queue itself, or the remaining commands
 * wait for something outside the queue (a user event not yet set).
 *
 * On-device queues are not supported: CL_DEVICE_QUEUE_ON_HOST_PROPERTIES
 * reports out-of-order execution and profiling.
 *
 * DOC: Locking
 *
 * obj.lock protects the ready list, the unretired list (and the events'
 * @q_prev/@q_next), @barrier, @drainers, @enqueued, @running, @error,
 * @events and the worker state. Two conditions go with it: @work wakes
 * the worker only (a command became ready, shutdown), so that
 * retirements do not wake it for nothing; @cond wakes the threads
 * waiting in clFinish and friends, and @gen counts its broadcasts so
 * that a waiter may spin briefly without the lock before it sleeps. The lock is never held while a command runs, while
 * an event changes status (callbacks, dependants), or while dropping a
 * reference (which can destroy objects). Lock order: queue, then event.
 * A command's @pending and @dep_failed are atomics: edges resolve from
 * any thread.
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

/* How long a waiter polls before it sleeps on the condition. */
#define SVMCL_WAIT_SPIN_NS 20000

/*
 * The commands this thread is executing right now (nested when a
 * callback waits on another queue): a release of their queue from here
 * must not wait for itself.
 */
struct exec_frame {
	cl_command_queue q;
	struct exec_frame *up;
};
static _Thread_local struct exec_frame *tls_exec;

static bool executing_in(cl_command_queue q)
{
	for (struct exec_frame *f = tls_exec; f; f = f->up) {
		if (f->q == q)
			return true;
	}
	return false;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void svmcl_queue_get(cl_command_queue q)
{
	svmcl_object_get(SVMCL_HANDLE(q));
}

static void queue_free(cl_command_queue q)
{
	pthread_cond_destroy(&q->cond);
	pthread_cond_destroy(&q->work);
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

static void __queue_broadcast(cl_command_queue q)
{
	atomic_fetch_add_explicit(&q->gen, 1, memory_order_release);
	pthread_cond_broadcast(&q->cond);
}

/*
 * Wait for the next broadcast of q->cond: poll briefly without the lock
 * (a command finishing on another thread is then noticed without a
 * wake-up), then sleep. Called and returns with q->obj.lock held.
 */
static void __queue_sleep(cl_command_queue q)
{
	unsigned int gen = atomic_load_explicit(&q->gen, memory_order_relaxed);
	cl_ulong t0 = svmcl_now_ns();

	pthread_mutex_unlock(&q->obj.lock);
	for (unsigned int i = 1;; i++) {
		if (atomic_load_explicit(&q->gen, memory_order_acquire) != gen)
			break;
		if (!(i & 63) && svmcl_now_ns() - t0 > SVMCL_WAIT_SPIN_NS)
			break;
		cpu_relax();
	}
	pthread_mutex_lock(&q->obj.lock);
	/* Broadcasts happen under the lock: none is lost in between. */
	if (atomic_load_explicit(&q->gen, memory_order_relaxed) == gen)
		pthread_cond_wait(&q->cond, &q->obj.lock);
}

/*
 * Take the first ready command with seq <= @max_seq and count it as
 * running. Return: the command, or NULL.
 */
static struct svmcl_command *__queue_pop_ready(cl_command_queue q,
					       uint64_t max_seq)
{
	struct svmcl_command **pp, *cmd;

	for (pp = &q->ready_head; *pp; pp = &(*pp)->next) {
		if ((*pp)->event->seq <= max_seq)
			break;
	}
	cmd = *pp;
	if (!cmd)
		return NULL;
	*pp = cmd->next;
	if (q->ready_tail == cmd)
		q->ready_tail = pp == &q->ready_head ? NULL :
			svmcl_container_of(pp, struct svmcl_command, next);
	cmd->next = NULL;
	q->running++;
	return cmd;
}

/* Every dependency of @cmd is resolved: hand it to the runners. */
static void command_ready(struct svmcl_command *cmd)
{
	cl_command_queue q = cmd->event->queue;

	/* A command that will fail goes from CL_QUEUED to its error. */
	if (!atomic_load_explicit(&cmd->dep_failed, memory_order_acquire))
		svmcl_event_set_status(cmd->event, CL_SUBMITTED);

	pthread_mutex_lock(&q->obj.lock);
	cmd->next = NULL;
	if (q->ready_tail)
		q->ready_tail->next = cmd;
	else
		q->ready_head = cmd;
	q->ready_tail = cmd;
	__queue_broadcast(q);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->obj.lock);
}

void svmcl_command_dep_resolved(struct svmcl_command *cmd, cl_int status,
				bool explicit)
{
	if (explicit && status < 0)
		atomic_store_explicit(&cmd->dep_failed, true,
				      memory_order_release);
	if (atomic_fetch_sub_explicit(&cmd->pending, 1,
				      memory_order_acq_rel) == 1)
		command_ready(cmd);
}

/* Make @cmd wait for @ev. The submission hold keeps @pending above 0. */
static void command_add_edge(struct svmcl_command *cmd, cl_event ev,
			     bool explicit)
{
	struct svmcl_dep *d = &cmd->edges[cmd->num_edges++];
	cl_int status;

	d->cmd = cmd;
	d->explicit = explicit;
	/* Count first: the event may resolve the edge at once. */
	atomic_fetch_add_explicit(&cmd->pending, 1, memory_order_relaxed);
	if (svmcl_event_add_waiter(ev, d, &status))
		return;
	atomic_fetch_sub_explicit(&cmd->pending, 1, memory_order_relaxed);
	if (explicit && status < 0)
		atomic_store_explicit(&cmd->dep_failed, true,
				      memory_order_relaxed);
}

/*
 * The command of @ev has finished and been destroyed: take it off the
 * queue, release a draining marker or barrier that waited for it.
 */
static void queue_retire(cl_command_queue q, cl_event ev, cl_int status)
{
	struct svmcl_command *drained = NULL;

	pthread_mutex_lock(&q->obj.lock);
	if (ev->q_prev)
		ev->q_prev->q_next = ev->q_next;
	else
		q->oldest = ev->q_next;
	if (ev->q_next)
		ev->q_next->q_prev = ev->q_prev;
	else
		q->newest = ev->q_prev;
	ev->q_prev = ev->q_next = NULL;
	if (q->barrier == ev)
		q->barrier = NULL;
	q->running--;
	/* A failed dependency is the dependency's failure, not this one's. */
	if (status < 0 && status != CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST &&
	    q->error == CL_SUCCESS)
		q->error = status;
	/* Only the oldest drainer can have nothing older left. */
	if (q->drainers && q->oldest == q->drainers->event) {
		drained = q->drainers;
		q->drainers = drained->next;
		drained->next = NULL;
	}
	__queue_broadcast(q);
	if (q->shutdown && !q->oldest)
		pthread_cond_signal(&q->work);	/* it may exit now */
	pthread_mutex_unlock(&q->obj.lock);

	if (drained)
		svmcl_command_dep_resolved(drained, CL_COMPLETE, false);
}

/* Execute one command taken from the ready list; no lock held. */
static void command_execute(cl_command_queue q, struct svmcl_command *cmd)
{
	struct exec_frame frame = { .q = q, .up = tls_exec };
	cl_event ev = cmd->event;
	cl_int status;

	tls_exec = &frame;
	if (atomic_load_explicit(&cmd->dep_failed, memory_order_acquire)) {
		status = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
	} else {
		svmcl_event_set_status(ev, CL_RUNNING);
		status = cmd->ops->run(cmd);
	}
	/* Keep @ev for retirement: destroy() drops the command's reference. */
	svmcl_event_get(ev);
	svmcl_event_set_status(ev, status);
	cmd->ops->destroy(cmd);
	queue_retire(q, ev, status);
	tls_exec = frame.up;
	svmcl_event_put(ev);
}

cl_int svmcl_queue_wait_event(cl_command_queue q, cl_event ev)
{
	cl_int status;

	/* The caller's reference on @ev pins @q. */
	pthread_mutex_lock(&q->obj.lock);
	for (;;) {
		struct svmcl_command *cmd;

		status = svmcl_event_status(ev);
		if (status <= CL_COMPLETE)
			break;
		cmd = __queue_pop_ready(q, ev->seq);
		if (cmd) {
			pthread_mutex_unlock(&q->obj.lock);
			command_execute(q, cmd);
			pthread_mutex_lock(&q->obj.lock);
			continue;
		}
		__queue_sleep(q);
	}
	pthread_mutex_unlock(&q->obj.lock);
	return status;
}

static void *queue_worker(void *arg)
{
	cl_command_queue q = arg;
	bool tear_down;

	/* For debuggers, perf and SVMCL_TRACE's thread names. */
	pthread_setname_np(pthread_self(), "svmcl-queue");
	pthread_mutex_lock(&q->obj.lock);
	for (;;) {
		struct svmcl_command *cmd = __queue_pop_ready(q, UINT64_MAX);

		if (cmd) {
			pthread_mutex_unlock(&q->obj.lock);
			command_execute(q, cmd);
			pthread_mutex_lock(&q->obj.lock);
			continue;
		}
		if (q->shutdown && !q->oldest)
			break;	/* released and drained */
		pthread_cond_wait(&q->work, &q->obj.lock);
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
static int __queue_start_worker(cl_command_queue q)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&q->worker, NULL, queue_worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		svmcl_debug(SVMCL_DBG_QUEUE, "no submit thread: %s",
			    strerror(ret));
		return -ret;
	}
	q->worker_started = true;
	return 0;
}

/* The last API reference is gone: finish, stop the worker, tear down. */
static void queue_release_last(cl_command_queue q)
{
	bool started;

	pthread_mutex_lock(&q->obj.lock);
	started = q->worker_started;
	if (started && (pthread_equal(pthread_self(), q->worker) ||
			executing_in(q)))
		goto hand_off;
	while (q->oldest) {
		struct svmcl_command *cmd = __queue_pop_ready(q, UINT64_MAX);

		if (cmd) {
			pthread_mutex_unlock(&q->obj.lock);
			command_execute(q, cmd);
			pthread_mutex_lock(&q->obj.lock);
			continue;
		}
		/* Waiting for something outside the queue: do not block. */
		if (!q->running)
			goto hand_off;
		__queue_sleep(q);
	}
	q->shutdown = true;
	__queue_broadcast(q);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->obj.lock);

	if (started)
		pthread_join(q->worker, NULL);
	queue_teardown(q);
	return;

hand_off:
	q->shutdown = true;
	q->worker_tears_down = true;
	__queue_broadcast(q);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->obj.lock);
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
	cmd->num_edges = 0;
	atomic_init(&cmd->pending, 1);		/* the submission hold */
	atomic_init(&cmd->dep_failed, false);
	cmd->drain = (type == CL_COMMAND_MARKER ||
		      type == CL_COMMAND_BARRIER) && num_deps == 0;
	/* One edge per wait-list event, one for the queue's ordering. */
	cmd->edges = calloc(num_deps + 1, sizeof(*cmd->edges));
	if (!cmd->edges)
		goto err_nomem;
	if (num_deps) {
		cmd->deps = malloc(num_deps * sizeof(*deps));
		if (!cmd->deps)
			goto err_free_edges;
	}
	cmd->event = svmcl_event_create(q, type);
	if (!cmd->event)
		goto err_free_deps;
	for (cl_uint i = 0; i < num_deps; i++) {
		svmcl_event_get(deps[i]);
		cmd->deps[i] = deps[i];
	}
	cmd->num_deps = num_deps;
	return CL_SUCCESS;

err_free_deps:
	free(cmd->deps);
	cmd->deps = NULL;
err_free_edges:
	free(cmd->edges);
	cmd->edges = NULL;
err_nomem:
	cmd->event = NULL;
	return CL_OUT_OF_HOST_MEMORY;
}

void svmcl_command_fini(struct svmcl_command *cmd)
{
	for (cl_uint i = 0; i < cmd->num_deps; i++)
		svmcl_event_put(cmd->deps[i]);
	free(cmd->deps);
	free(cmd->edges);
	if (cmd->event)
		svmcl_event_put(cmd->event);
}

cl_int svmcl_queue_submit(cl_command_queue q, struct svmcl_command *cmd,
			  cl_event *event_ret)
{
	cl_event ev = cmd->event;
	bool ooo = q->properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE;

	pthread_mutex_lock(&q->obj.lock);
	if (!q->worker_started && __queue_start_worker(q) < 0) {
		pthread_mutex_unlock(&q->obj.lock);
		cmd->ops->destroy(cmd);
		return SVMCL_ERROR(CL_OUT_OF_RESOURCES,
				   "cannot start the queue's submit thread");
	}
	ev->seq = ++q->enqueued;

	/* Edges, in the queue's order (lock order: queue, then event). */
	for (cl_uint i = 0; i < cmd->num_deps; i++)
		command_add_edge(cmd, cmd->deps[i], true);
	if (!ooo) {
		if (q->newest)
			command_add_edge(cmd, q->newest, false);
	} else if (!cmd->drain && q->barrier) {
		command_add_edge(cmd, q->barrier, false);
	}

	/* Join the unretired commands, newest last. */
	ev->q_next = NULL;
	ev->q_prev = q->newest;
	if (q->newest)
		q->newest->q_next = ev;
	else
		q->oldest = ev;
	q->newest = ev;

	if (ooo && cmd->drain && q->oldest != ev) {
		struct svmcl_command **pp = &q->drainers;

		while (*pp)
			pp = &(*pp)->next;
		cmd->next = NULL;
		*pp = cmd;
		atomic_fetch_add_explicit(&cmd->pending, 1,
					  memory_order_relaxed);
	}
	if (ooo && ev->type == CL_COMMAND_BARRIER)
		q->barrier = ev;

	if (event_ret) {
		svmcl_event_get(ev);
		*event_ret = ev;
	}

	/*
	 * Fast path: nothing to wait for (only the submission hold is left,
	 * and no edge can resolve any more). Nobody else knows the event
	 * yet, so it has no waiters and no callbacks: make it ready here,
	 * without a second round on the queue lock.
	 */
	if (atomic_load_explicit(&cmd->pending, memory_order_acquire) == 1) {
		atomic_store_explicit(&cmd->pending, 0, memory_order_relaxed);
		if (!atomic_load_explicit(&cmd->dep_failed,
					  memory_order_relaxed)) {
			pthread_mutex_lock(&ev->obj.lock);
			ev->status = CL_SUBMITTED;
			ev->ts_submit = svmcl_now_ns();
			pthread_mutex_unlock(&ev->obj.lock);
		}
		cmd->next = NULL;
		if (q->ready_tail)
			q->ready_tail->next = cmd;
		else
			q->ready_head = cmd;
		q->ready_tail = cmd;
		__queue_broadcast(q);
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->obj.lock);
		return CL_SUCCESS;
	}
	pthread_mutex_unlock(&q->obj.lock);

	/* Drop the submission hold; @cmd may run and vanish from here on. */
	if (atomic_fetch_sub_explicit(&cmd->pending, 1,
				      memory_order_acq_rel) == 1)
		command_ready(cmd);
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
	pthread_cond_init(&q->work, NULL);
	atomic_init(&q->gen, 0);
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

/* What the device supports on host queues (CL_DEVICE_QUEUE_ON_HOST_...). */
#define SVMCL_QUEUE_HOST_PROPERTIES \
	(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_PROFILING_ENABLE)

/*
 * @on_device_valid: the bits of on-device queues are valid values (the
 * 2.0 entry point), merely unsupported; for clCreateCommandQueue they are
 * not valid at all.
 */
static cl_int queue_check_properties(const char *func,
				     cl_command_queue_properties properties,
				     bool on_device_valid)
{
	cl_command_queue_properties known = SVMCL_QUEUE_HOST_PROPERTIES;

	if (on_device_valid)
		known |= CL_QUEUE_ON_DEVICE | CL_QUEUE_ON_DEVICE_DEFAULT;
	if (properties & ~known) {
		svmcl_api_error(func, CL_INVALID_VALUE,
				"unknown queue properties 0x%llx",
				(unsigned long long)(properties & ~known));
		return CL_INVALID_VALUE;
	}
	/* An on-device queue must be out of order; a default one on device. */
	if (((properties & CL_QUEUE_ON_DEVICE_DEFAULT) &&
	     !(properties & CL_QUEUE_ON_DEVICE)) ||
	    ((properties & CL_QUEUE_ON_DEVICE) &&
	     !(properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE))) {
		svmcl_api_error(func, CL_INVALID_VALUE,
				"inconsistent on-device queue properties 0x%llx",
				(unsigned long long)properties);
		return CL_INVALID_VALUE;
	}
	if (properties & CL_QUEUE_ON_DEVICE) {
		svmcl_api_error(func, CL_INVALID_QUEUE_PROPERTIES,
				"on-device queues are not supported");
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
	bool have_flags = false, have_size = false;
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
			SVMCL_GOTO_ERROR_ON(have_size, CL_INVALID_VALUE,
					    "CL_QUEUE_SIZE given twice");
			have_size = true;
			break;
		default:
			SVMCL_GOTO_ERROR_ON(true, CL_INVALID_VALUE,
					    "unknown queue property 0x%llx",
					    (unsigned long long)properties[i]);
		}
	}
	err = queue_check_properties(__func__, flags, true);
	if (err)
		goto ERROR;
	/* Only an on-device queue has a size, and those were refused. */
	SVMCL_GOTO_ERROR_ON(have_size, CL_INVALID_VALUE,
			    "CL_QUEUE_SIZE without CL_QUEUE_ON_DEVICE");

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
		err = queue_check_properties(__func__, properties, false);
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

/*
 * Deprecated by OpenCL 1.1. OpenCL 3.0 requires modifying the properties
 * of a queue only of 1.0 devices and lets the others "unconditionally
 * return an error": CL_INVALID_OPERATION ("no devices ... support
 * modifying the properties of a command-queue"). The properties are still
 * validated first, so that a wrong value is CL_INVALID_VALUE, and
 * old_properties is left untouched: nothing changed.
 */
cl_int CL_API_CALL
svmcl_clSetCommandQueueProperty(cl_command_queue command_queue,
				cl_command_queue_properties properties,
				cl_bool enable,
				cl_command_queue_properties *old_properties)
{
	cl_command_queue q = command_queue;

	(void)enable;
	(void)old_properties;
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");
	/* Only the bits of the clCreateCommandQueue table are valid. */
	SVMCL_RETURN_ERROR_ON(properties & ~SVMCL_QUEUE_HOST_PROPERTIES,
			      CL_INVALID_VALUE, "unknown queue properties 0x%llx",
			      (unsigned long long)properties);
	return SVMCL_ERROR(CL_INVALID_OPERATION,
			   "the device cannot modify the properties of a queue");
}

/*
 * Without device-side enqueue (CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES 0)
 * there is no replaceable default on-device queue: CL_INVALID_OPERATION
 * for a valid context and device, whatever command_queue is (the CTS
 * passes NULL).
 */
cl_int CL_API_CALL
svmcl_clSetDefaultDeviceCommandQueue(cl_context context, cl_device_id device,
				     cl_command_queue command_queue)
{
	cl_int err = queue_check_handles(__func__, context, device);

	(void)command_queue;
	if (err)
		return err;
	return SVMCL_ERROR(CL_INVALID_OPERATION,
			   "no replaceable default on-device queue");
}

cl_int CL_API_CALL svmcl_clFlush(cl_command_queue command_queue)
{
	cl_command_queue q = command_queue;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");
	/*
	 * Every command that became ready already woke the worker; a
	 * signal costs nothing when it is awake and makes the promise
	 * explicit.
	 */
	pthread_mutex_lock(&q->obj.lock);
	if (q->ready_head)
		pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->obj.lock);
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
	while (q->oldest && q->oldest->seq <= target) {
		struct svmcl_command *cmd = __queue_pop_ready(q, target);

		if (cmd) {
			pthread_mutex_unlock(&q->obj.lock);
			command_execute(q, cmd);
			pthread_mutex_lock(&q->obj.lock);
			continue;
		}
		__queue_sleep(q);
	}
	err = q->error;
	q->error = CL_SUCCESS;
	pthread_mutex_unlock(&q->obj.lock);

	if (err)
		svmcl_api_error(__func__, err, "a command of the queue failed");
	return err;
}

/* ---- markers and barriers ---------------------------------------------- */

/* Nothing to do: ordering is all in the edges (DOC: Overview). */
static cl_int sync_run(struct svmcl_command *cmd)
{
	(void)cmd;
	return CL_COMPLETE;
}

static void sync_destroy(struct svmcl_command *cmd)
{
	svmcl_command_fini(cmd);
	free(cmd);
}

static const struct svmcl_command_ops sync_ops = {
	.run = sync_run,
	.destroy = sync_destroy,
};

static cl_int enqueue_sync(cl_command_queue q, cl_command_type type,
			   cl_uint num, const cl_event *list, cl_event *event)
{
	struct svmcl_command *cmd = calloc(1, sizeof(*cmd));
	cl_int err;

	if (!cmd)
		return CL_OUT_OF_HOST_MEMORY;
	err = svmcl_command_init(cmd, &sync_ops, q, type, num, list);
	if (err) {
		free(cmd);
		return err;
	}
	return svmcl_queue_submit(q, cmd, event);
}

cl_int CL_API_CALL
svmcl_clEnqueueMarkerWithWaitList(cl_command_queue command_queue,
				  cl_uint num_events,
				  const cl_event *wait_list, cl_event *event)
{
	cl_command_queue q = command_queue;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");
	err = svmcl_check_wait_list(__func__, q->context, num_events,
				    wait_list);
	if (err)
		return err;
	err = enqueue_sync(q, CL_COMMAND_MARKER, num_events, wait_list, event);
	SVMCL_RETURN_ERROR_ON(err, err, "marker");
	return CL_SUCCESS;
}

cl_int CL_API_CALL
svmcl_clEnqueueBarrierWithWaitList(cl_command_queue command_queue,
				   cl_uint num_events,
				   const cl_event *wait_list, cl_event *event)
{
	cl_command_queue q = command_queue;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");
	err = svmcl_check_wait_list(__func__, q->context, num_events,
				    wait_list);
	if (err)
		return err;
	err = enqueue_sync(q, CL_COMMAND_BARRIER, num_events, wait_list,
			   event);
	SVMCL_RETURN_ERROR_ON(err, err, "barrier");
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clEnqueueMarker(cl_command_queue command_queue,
					 cl_event *event)
{
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(command_queue),
			      CL_INVALID_COMMAND_QUEUE, "not a valid queue");
	SVMCL_RETURN_ERROR_ON(event == NULL, CL_INVALID_VALUE,
			      "event is NULL");
	err = enqueue_sync(command_queue, CL_COMMAND_MARKER, 0, NULL, event);
	SVMCL_RETURN_ERROR_ON(err, err, "marker");
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clEnqueueBarrier(cl_command_queue command_queue)
{
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(command_queue),
			      CL_INVALID_COMMAND_QUEUE, "not a valid queue");
	err = enqueue_sync(command_queue, CL_COMMAND_BARRIER, 0, NULL, NULL);
	SVMCL_RETURN_ERROR_ON(err, err, "barrier");
	return CL_SUCCESS;
}

/* 1.1: a barrier on a list of events (its own error codes). */
cl_int CL_API_CALL svmcl_clEnqueueWaitForEvents(cl_command_queue command_queue,
						cl_uint num_events,
						const cl_event *event_list)
{
	cl_command_queue q = command_queue;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid queue");
	SVMCL_RETURN_ERROR_ON(num_events == 0 || event_list == NULL,
			      CL_INVALID_VALUE, "empty event list");
	for (cl_uint i = 0; i < num_events; i++) {
		SVMCL_RETURN_ERROR_ON(!SVMCL_IS_EVENT(event_list[i]),
				      CL_INVALID_EVENT,
				      "event_list[%u] is not a valid event", i);
		SVMCL_RETURN_ERROR_ON(event_list[i]->context != q->context,
				      CL_INVALID_CONTEXT,
				      "event_list[%u] is from another context", i);
	}
	err = enqueue_sync(q, CL_COMMAND_BARRIER, num_events, event_list,
			   NULL);
	SVMCL_RETURN_ERROR_ON(err, err, "barrier");
	return CL_SUCCESS;
}
