/* SPDX-License-Identifier: MIT */
/*
 * test_trace.c - the memory-system trace: recording from many threads, the
 * record cap, labels, the file's structure and the exit summary.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace/trace.h"

#define THREADS 4
#define SPANS_PER_THREAD 10000	/* more than two chunks each */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long size;
	char *buf;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	return buf;
}

/*
 * Occurrences of @needle. Not strstr() in a loop: sanitizers check the
 * whole remaining haystack on every call, which makes that quadratic.
 */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = hay; *p; p++)
		if (*p == *needle && !strncmp(p, needle, len))
			n++;
	return n;
}

static void temp_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/svmcl-trace-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void *record_spans(void *arg)
{
	const char *label = arg;

	pthread_setname_np(pthread_self(), "trace-test");
	for (int i = 0; i < SPANS_PER_THREAD; i++) {
		uint64_t t0 = svmcl_trace_begin();

		svmcl_trace_end(SVMCL_TRACE_FAULT_BATCH, t0, NULL, 3, 7, 1);
	}
	svmcl_trace_instant(SVMCL_TRACE_DEVICE_FAULT, label, 0x1000, 1, 0);
	return NULL;
}

/* Off: probes record nothing and return 0. */
static void test_off_is_inert(void **state)
{
	(void)state;
	assert_false(svmcl_trace_enabled());
	assert_int_equal(svmcl_trace_begin(), 0);
	svmcl_trace_end(SVMCL_TRACE_KERNEL, 0, "k", 1, 2, 3);
	assert_null(svmcl_trace_intern("k"));
	assert_int_equal(svmcl_trace_finish(NULL), 0);
}

static void test_threads_and_file(void **state)
{
	pthread_t th[THREADS];
	char path[256], sum_path[256];
	const char *label;
	char *text, *sum;
	FILE *summary;

	(void)state;
	temp_path(path, sizeof(path));
	temp_path(sum_path, sizeof(sum_path));
	assert_int_equal(svmcl_trace_start(""), -EINVAL);
	assert_int_equal(svmcl_trace_start(path), 0);
	assert_int_equal(svmcl_trace_start(path), -EALREADY);
	assert_true(svmcl_trace_enabled());

	label = svmcl_trace_intern("walk\"er");
	assert_non_null(label);
	assert_ptr_equal(svmcl_trace_intern("walk\"er"), label);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, record_spans,
						(void *)label), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	{
		uint64_t t0 = svmcl_trace_begin();

		assert_true(t0 > 0);
		svmcl_trace_end(SVMCL_TRACE_KERNEL, t0, label, 4, 256, 1);
	}

	summary = fopen(sum_path, "w");
	assert_non_null(summary);
	assert_int_equal(svmcl_trace_finish(summary), 0);
	fclose(summary);
	assert_false(svmcl_trace_enabled());
	assert_int_equal(svmcl_trace_begin(), 0);

	text = read_file(path);
	assert_true(strncmp(text, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 38) == 0);
	assert_non_null(strstr(text, "\n]}\n"));
	assert_int_equal(count(text, "\"name\":\"fault batch\""),
			 THREADS * SPANS_PER_THREAD);
	assert_int_equal(count(text, "\"records\":3,\"pages\":7,\"prefetched\":1"),
			 THREADS * SPANS_PER_THREAD);
	/* The label is escaped, the instant has no duration. */
	assert_int_equal(count(text, "\"name\":\"device fault walk\\\"er\""),
			 THREADS);
	assert_int_equal(count(text, "\"ph\":\"i\""), THREADS);
	assert_int_equal(count(text, "\"name\":\"kernel walk\\\"er\""), 1);
	assert_int_equal(count(text, "\"work_groups\":4,\"work_items\":256,\"vm\":1"), 1);
	/* Thread names come from pthread_setname_np. */
	assert_true(count(text, "\"args\":{\"name\":\"trace-test\"}") >= THREADS);
	assert_int_equal(count(text, "\"name\":\"process_name\""), 1);
	free(text);

	sum = read_file(sum_path);
	assert_non_null(strstr(sum, "svmcl trace: 40005 events written to"));
	assert_non_null(strstr(sum, "(0 dropped)"));
	assert_non_null(strstr(sum, "fault batch"));
	assert_non_null(strstr(sum, "120000 records, 280000 pages"));
	free(sum);
	unlink(path);
	unlink(sum_path);
}

/* Beyond SVMCL_TRACE_MAX records are dropped and counted, not stored. */
static void test_cap_drops(void **state)
{
	char path[256], sum_path[256];
	FILE *summary;
	char *text, *sum;

	(void)state;
	temp_path(path, sizeof(path));
	temp_path(sum_path, sizeof(sum_path));
	setenv("SVMCL_TRACE_MAX", "4096", 1);
	assert_int_equal(svmcl_trace_start(path), 0);
	for (int i = 0; i < 5000; i++)
		svmcl_trace_instant(SVMCL_TRACE_DEVICE_FAULT, NULL, (uint64_t)i,
				    0, 0);
	summary = fopen(sum_path, "w");
	assert_non_null(summary);
	assert_int_equal(svmcl_trace_finish(summary), 0);
	fclose(summary);
	unsetenv("SVMCL_TRACE_MAX");

	text = read_file(path);
	assert_int_equal(count(text, "\"ph\":\"i\""), 4096);
	free(text);
	sum = read_file(sum_path);
	assert_non_null(strstr(sum, "4096 events written"));
	assert_non_null(strstr(sum, "(904 dropped)"));
	free(sum);
	unlink(path);
	unlink(sum_path);
}

/* An unwritable path is an error with a message, not a crash. */
static void test_unwritable_path(void **state)
{
	(void)state;
	assert_int_equal(svmcl_trace_start("/nonexistent-dir/trace.json"), 0);
	svmcl_trace_instant(SVMCL_TRACE_DEVICE_FAULT, NULL, 1, 0, 0);
	assert_int_equal(svmcl_trace_finish(NULL), -ENOENT);
	assert_false(svmcl_trace_enabled());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_is_inert),
		cmocka_unit_test(test_threads_and_file),
		cmocka_unit_test(test_cap_drops),
		cmocka_unit_test(test_unwritable_path),
	};

	unsetenv("SVMCL_TRACE");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
