/* SPDX-License-Identifier: MIT */
/*
 * trace.c - per-thread trace buffers and the exit-time Trace Event writer.
 *
 * DOC: Overview
 *
 * See trace.h for the interface. Each recording thread owns a chain of
 * fixed-size chunks; the newest is cached in a thread-local pointer
 * together with the trace generation it belongs to, so a thread that
 * outlives one trace (tests start several) never writes into the
 * previous one's chunks. Chunks are never freed: a thread that passed the
 * enabled check just before the writer started may still store into its
 * chunk, and the process is about to exit anyway. The total number of
 * records is capped (SVMCL_TRACE_MAX, default 4 Mi records, about
 * 200 MiB); records beyond it are counted as dropped.
 *
 * The file is the JSON object form of the Trace Event Format: complete
 * events ("ph":"X") for spans, instant events ("ph":"i") for device faults
 * and metadata events naming the process and threads. Timestamps are
 * microseconds since the trace started, on CLOCK_MONOTONIC.
 *
 * DOC: Locking
 *
 * trace_lock protects trace_chunks, trace_retired, trace_records_reserved,
 * the interned strings and trace_path. The enabled flag and the
 * generation are atomics; a chunk's records are published by its count
 * (release store by the owner, acquire load by the writer).
 */
#include "trace/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TRACE_CHUNK_RECORDS 4096
#define TRACE_MAX_DEFAULT (4u << 20)

struct trace_record {
	uint64_t t0, t1;
	const char *label;
	uint64_t a[3];
	enum svmcl_trace_kind kind;
};

struct trace_chunk {
	struct trace_chunk *next;	/* trace_chunks list, trace_lock */
	unsigned int generation;
	pid_t tid;
	char thread_name[16];
	atomic_uint count;		/* records published */
	struct trace_record rec[TRACE_CHUNK_RECORDS];
};

struct trace_string {
	struct trace_string *next;
	char s[];
};

atomic_bool svmcl_trace_enabled_flag;

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_chunk *trace_chunks;	/* current trace */
static struct trace_chunk *trace_retired;	/* earlier traces, kept */
static struct trace_string *trace_strings;
static char *trace_path;
static uint64_t trace_records_reserved, trace_records_max;
static atomic_uint_fast64_t trace_dropped;
static atomic_uint trace_generation;
static uint64_t trace_t0;

static _Thread_local struct trace_chunk *tl_chunk;

static const char *const trace_kind_name[SVMCL_TRACE_NR_KINDS] = {
	[SVMCL_TRACE_KERNEL] = "kernel",
	[SVMCL_TRACE_UNIT_GROUPS] = "work-groups",
	[SVMCL_TRACE_FAULT_BATCH] = "fault batch",
	[SVMCL_TRACE_MIGRATE] = "migrate",
	[SVMCL_TRACE_EVICT] = "evict",
	[SVMCL_TRACE_INVALIDATE] = "invalidate",
	[SVMCL_TRACE_SHOOTDOWN] = "TLB shootdown",
	[SVMCL_TRACE_DEVICE_FAULT] = "device fault",
};

static const char *const trace_kind_cat[SVMCL_TRACE_NR_KINDS] = {
	[SVMCL_TRACE_KERNEL] = "kernel",
	[SVMCL_TRACE_UNIT_GROUPS] = "unit",
	[SVMCL_TRACE_FAULT_BATCH] = "fault",
	[SVMCL_TRACE_MIGRATE] = "migrate",
	[SVMCL_TRACE_EVICT] = "migrate",
	[SVMCL_TRACE_INVALIDATE] = "mmu",
	[SVMCL_TRACE_SHOOTDOWN] = "tlb",
	[SVMCL_TRACE_DEVICE_FAULT] = "fault",
};

uint64_t svmcl_trace_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A new chunk for the calling thread, or NULL (cap reached, no memory). */
static struct trace_chunk *trace_chunk_new(unsigned int generation)
{
	struct trace_chunk *c;

	pthread_mutex_lock(&trace_lock);
	if (generation != atomic_load(&trace_generation) ||
	    !atomic_load(&svmcl_trace_enabled_flag) ||
	    trace_records_reserved + TRACE_CHUNK_RECORDS > trace_records_max) {
		pthread_mutex_unlock(&trace_lock);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->generation = generation;
		c->tid = (pid_t)syscall(SYS_gettid);
		if (pthread_getname_np(pthread_self(), c->thread_name,
				       sizeof(c->thread_name)))
			c->thread_name[0] = '\0';
		atomic_init(&c->count, 0);
		c->next = trace_chunks;
		trace_chunks = c;
		trace_records_reserved += TRACE_CHUNK_RECORDS;
	}
	pthread_mutex_unlock(&trace_lock);
	return c;
}

void __svmcl_trace_record(enum svmcl_trace_kind kind, uint64_t t0,
			  uint64_t t1, const char *label, uint64_t a0,
			  uint64_t a1, uint64_t a2)
{
	unsigned int gen = atomic_load_explicit(&trace_generation,
						memory_order_acquire);
	struct trace_chunk *c = tl_chunk;
	struct trace_record *r;
	unsigned int n;

	if (!svmcl_trace_enabled() || (unsigned int)kind >= SVMCL_TRACE_NR_KINDS)
		return;
	if (!c || c->generation != gen ||
	    atomic_load_explicit(&c->count, memory_order_relaxed) ==
		    TRACE_CHUNK_RECORDS) {
		c = trace_chunk_new(gen);
		if (!c) {
			atomic_fetch_add(&trace_dropped, 1);
			return;
		}
		tl_chunk = c;
	}
	n = atomic_load_explicit(&c->count, memory_order_relaxed);
	r = &c->rec[n];
	r->kind = kind;
	r->t0 = t0;
	r->t1 = t1 >= t0 ? t1 : t0;
	r->label = label;
	r->a[0] = a0;
	r->a[1] = a1;
	r->a[2] = a2;
	atomic_store_explicit(&c->count, n + 1, memory_order_release);
}

const char *svmcl_trace_intern(const char *s)
{
	struct trace_string *ts;
	size_t len;

	if (!s || !svmcl_trace_enabled())
		return NULL;
	len = strlen(s);
	pthread_mutex_lock(&trace_lock);
	for (ts = trace_strings; ts; ts = ts->next)
		if (!strcmp(ts->s, s))
			break;
	if (!ts) {
		ts = malloc(sizeof(*ts) + len + 1);
		if (ts) {
			memcpy(ts->s, s, len + 1);
			ts->next = trace_strings;
			trace_strings = ts;
		}
	}
	pthread_mutex_unlock(&trace_lock);
	return ts ? ts->s : NULL;
}

static uint64_t trace_max_from_env(void)
{
	const char *s = getenv("SVMCL_TRACE_MAX");
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return TRACE_MAX_DEFAULT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < TRACE_CHUNK_RECORDS) {
		fprintf(stderr,
			"svmcl: SVMCL_TRACE_MAX=%s is not a number >= %u; using %u\n",
			s, TRACE_CHUNK_RECORDS, TRACE_MAX_DEFAULT);
		return TRACE_MAX_DEFAULT;
	}
	return v;
}

int svmcl_trace_start(const char *path)
{
	char *copy;

	if (!path || !*path)
		return -EINVAL;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&trace_lock);
	if (atomic_load(&svmcl_trace_enabled_flag)) {
		pthread_mutex_unlock(&trace_lock);
		free(copy);
		return -EALREADY;
	}
	free(trace_path);
	trace_path = copy;
	trace_records_reserved = 0;
	trace_records_max = trace_max_from_env();
	atomic_store(&trace_dropped, 0);
	trace_t0 = svmcl_trace_clock_ns();
	atomic_fetch_add_explicit(&trace_generation, 1, memory_order_release);
	atomic_store(&svmcl_trace_enabled_flag, true);
	pthread_mutex_unlock(&trace_lock);
	return 0;
}

/* A JSON string body: labels are identifiers, but never trust that. */
static void json_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void json_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void write_args(FILE *f, const struct trace_record *r)
{
	switch (r->kind) {
	case SVMCL_TRACE_KERNEL:
		fprintf(f, "{\"work_groups\":%" PRIu64 ",\"work_items\":%" PRIu64
			",\"vm\":%" PRIu64 "}", r->a[0], r->a[1], r->a[2]);
		break;
	case SVMCL_TRACE_UNIT_GROUPS:
		fprintf(f, "{\"work_groups\":%" PRIu64 "}", r->a[0]);
		break;
	case SVMCL_TRACE_FAULT_BATCH:
		fprintf(f, "{\"records\":%" PRIu64 ",\"pages\":%" PRIu64
			",\"prefetched\":%" PRIu64 "}", r->a[0], r->a[1], r->a[2]);
		break;
	case SVMCL_TRACE_MIGRATE:
		fprintf(f, "{\"start\":\"0x%" PRIx64 "\",\"pages\":%" PRIu64
			",\"to\":\"%s\"}", r->a[0], r->a[1],
			r->a[2] ? "system" : "vram");
		break;
	case SVMCL_TRACE_EVICT:
		fprintf(f, "{\"pages\":%" PRIu64 "}", r->a[0]);
		break;
	case SVMCL_TRACE_INVALIDATE:
		fprintf(f, "{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"event\":%" PRIu64 "}", r->a[0], r->a[1], r->a[2]);
		break;
	case SVMCL_TRACE_SHOOTDOWN:
		fprintf(f, "{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
			"\",\"all_units_quiesced\":%s}", r->a[0], r->a[1],
			r->a[2] ? "true" : "false");
		break;
	case SVMCL_TRACE_DEVICE_FAULT:
		fprintf(f, "{\"address\":\"0x%" PRIx64 "\",\"access\":%" PRIu64
			"}", r->a[0], r->a[1]);
		break;
	default:
		fputs("{}", f);
		break;
	}
}

static void write_record(FILE *f, const struct trace_record *r, pid_t pid,
			 pid_t tid, bool *first)
{
	uint64_t ts = r->t0 > trace_t0 ? r->t0 - trace_t0 : 0;

	fputs(*first ? "\n" : ",\n", f);
	*first = false;
	fputs("{\"name\":\"", f);
	json_string(f, trace_kind_name[r->kind]);
	if (r->label) {
		fputc(' ', f);
		json_string(f, r->label);
	}
	fprintf(f, "\",\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":",
		trace_kind_cat[r->kind], (int)pid, (int)tid);
	json_us(f, ts);
	if (r->kind == SVMCL_TRACE_DEVICE_FAULT) {
		fputs(",\"ph\":\"i\",\"s\":\"t\"", f);
	} else {
		fputs(",\"ph\":\"X\",\"dur\":", f);
		json_us(f, r->t1 - r->t0);
	}
	fputs(",\"args\":", f);
	write_args(f, r);
	fputc('}', f);
}

struct trace_totals {
	uint64_t count, ns, a0, a1;
};

static void print_summary(FILE *out, const char *path, uint64_t written,
			  const struct trace_totals *t)
{
	fprintf(out, "svmcl trace: %" PRIu64 " events written to %s (%" PRIu64
		" dropped)\n", written, path,
		(uint64_t)atomic_load(&trace_dropped));
	for (int k = 0; k < SVMCL_TRACE_NR_KINDS; k++) {
		if (!t[k].count)
			continue;
		fprintf(out, "  %-14s %8" PRIu64 "  %10.3f ms", trace_kind_name[k],
			t[k].count, (double)t[k].ns / 1e6);
		switch (k) {
		case SVMCL_TRACE_KERNEL:
			fprintf(out, "  %" PRIu64 " work-groups", t[k].a0);
			break;
		case SVMCL_TRACE_FAULT_BATCH:
			fprintf(out, "  %" PRIu64 " records, %" PRIu64 " pages",
				t[k].a0, t[k].a1);
			break;
		case SVMCL_TRACE_MIGRATE:
			fprintf(out, "  %" PRIu64 " pages", t[k].a1);
			break;
		case SVMCL_TRACE_EVICT:
			fprintf(out, "  %" PRIu64 " pages", t[k].a0);
			break;
		case SVMCL_TRACE_SHOOTDOWN:
			fprintf(out, "  mean %.1f us",
				(double)t[k].ns / 1e3 / (double)t[k].count);
			break;
		default:
			break;
		}
		fputc('\n', out);
	}
}

int svmcl_trace_finish(void *summary)
{
	struct trace_totals totals[SVMCL_TRACE_NR_KINDS] = { 0 };
	struct trace_chunk *chunks, *c;
	pid_t pid = getpid();
	uint64_t written = 0;
	bool first = true;
	char *path;
	FILE *f;
	int ret = 0;

	pthread_mutex_lock(&trace_lock);
	if (!atomic_load(&svmcl_trace_enabled_flag)) {
		pthread_mutex_unlock(&trace_lock);
		return 0;
	}
	atomic_store(&svmcl_trace_enabled_flag, false);
	chunks = trace_chunks;
	trace_chunks = NULL;
	path = trace_path;
	trace_path = NULL;
	pthread_mutex_unlock(&trace_lock);

	f = fopen(path, "w");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "svmcl: cannot write the trace to %s: %s\n",
			path, strerror(errno));
		goto out_retire;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
	fprintf(f, "\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,"
		"\"tid\":%d,\"args\":{\"name\":\"svmcl\"}}", (int)pid, (int)pid);
	first = false;
	for (c = chunks; c; c = c->next) {
		unsigned int n = atomic_load_explicit(&c->count,
						      memory_order_acquire);

		fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,"
			"\"tid\":%d,\"args\":{\"name\":\"", (int)pid, (int)c->tid);
		json_string(f, c->thread_name[0] ? c->thread_name : "thread");
		fputs("\"}}", f);
		for (unsigned int i = 0; i < n; i++) {
			const struct trace_record *r = &c->rec[i];
			struct trace_totals *t = &totals[r->kind];

			write_record(f, r, pid, c->tid, &first);
			t->count++;
			t->ns += r->t1 - r->t0;
			t->a0 += r->a[0];
			t->a1 += r->a[1];
			written++;
		}
	}
	fputs("\n]}\n", f);
	if (fclose(f)) {
		ret = -errno;
		fprintf(stderr, "svmcl: writing the trace to %s failed: %s\n",
			path, strerror(errno));
	}
	if (!ret && summary)
		print_summary(summary, path, written, totals);

out_retire:
	/* Keep the chunks: a late recorder may still hold one (DOC). */
	pthread_mutex_lock(&trace_lock);
	if (chunks) {
		for (c = chunks; c->next; c = c->next)
			;
		c->next = trace_retired;
		trace_retired = chunks;
	}
	pthread_mutex_unlock(&trace_lock);
	free(path);
	return ret;
}

__attribute__((constructor)) static void trace_init_from_env(void)
{
	const char *path = getenv("SVMCL_TRACE");

	if (path && *path)
		svmcl_trace_start(path);
}

__attribute__((destructor)) static void trace_exit(void)
{
	svmcl_trace_finish(stderr);
}
