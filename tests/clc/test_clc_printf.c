/* SPDX-License-Identifier: MIT */
/*
 * printf: stdout is redirected to a file around each command, and the
 * exact text is checked: conversions, vectors, strings, the order of one
 * work-item's calls and of successive commands, and every work-item's
 * line of a wide kernel.
 */
#include <fcntl.h>
#include <unistd.h>

#include "clc_util.h"

struct capture {
	int saved;
	FILE *file;
};

static void capture_begin(struct capture *c)
{
	fflush(stdout);
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(STDOUT_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->file), STDOUT_FILENO) >= 0);
}

/* Returns what was written, malloc'd. */
static char *capture_end(struct capture *c)
{
	long len;
	char *text;

	fflush(stdout);
	assert_true(dup2(c->saved, STDOUT_FILENO) >= 0);
	close(c->saved);
	len = ftell(c->file);
	assert_true(len >= 0);
	text = calloc(1, (size_t)len + 1);
	rewind(c->file);
	assert_int_equal(fread(text, 1, (size_t)len, c->file), (size_t)len);
	fclose(c->file);
	return text;
}

static void test_printf_formats(void **state)
{
	const char *src =
		"kernel void p(global int *r)\n"
		"{\n"
		"	int a = printf(\"hello %d %u %x %X %o|%5d|%-4d|\\n\", -7,\n"
		"		       4000000000u, 255, 255, 8, 42, 3);\n"
		"	printf(\"%.3f %e %g %c %s %%\\n\", 3.14159f, 1e-5f, 0.5f, 'Z',\n"
		"	       \"str\");\n"
		"	printf(\"%ld %lu %hd %hhd %hhu\\n\", -9000000000L,\n"
		"	       18000000000000000000UL, (short)-3, (char)-2,\n"
		"	       (uchar)250);\n"
		"	printf(\"%v4hld|%v2hlf|%v3hhd|%v2ld\\n\", (int4)(1, -2, 3, 4),\n"
		"	       (float2)(0.5f, -1.25f), (char3)(7, 8, 9),\n"
		"	       (long2)(-1, 5000000000L));\n"
		"	printf(\"%.2f %s\\n\", 2.0 / 3.0, \"double\");\n"
		"	printf(\"no arguments\\n\");\n"
		"	r[0] = a;\n"
		"}\n";
	const char *want =
		"hello -7 4000000000 ff FF 10|   42|3   |\n"
		"3.142 1.000000e-05 0.5 Z str %\n"
		"-9000000000 18000000000000000000 -3 -2 250\n"
		"1,-2,3,4|0.500000,-1.250000|7,8,9|-1,5000000000\n"
		"0.67 double\n"
		"no arguments\n";
	struct capture c;
	int *r = svm(sizeof(int));
	char *text;
	cl_program p = build(src, "-cl-std=CL3.0");

	*r = -5;
	capture_begin(&c);
	assert_int_equal(run_kernel(p, "p", 1, 1, r), CL_SUCCESS);
	text = capture_end(&c);
	assert_string_equal(text, want);
	assert_int_equal(*r, 0);
	free(text);
	clReleaseProgram(p);
	clSVMFree(E.ctx, r);
}

/* Commands print in submission order; every work-item's line is there. */
static void test_printf_order(void **state)
{
	const char *src =
		"kernel void one(global int *n)\n"
		"{ printf(\"command %d\\n\", n[0]); }\n"
		"kernel void many(global int *n)\n"
		"{\n"
		"	int i = (int)get_global_id(0);\n"
		"	printf(\"item %d first\\n\", i);\n"
		"	printf(\"item %d second\\n\", i);\n"
		"}\n";
	cl_program p = build(src, NULL);
	int *n = svm(sizeof(int));
	struct capture c;
	char *text, *line, *save = NULL;
	int first[256], second[256];

	capture_begin(&c);
	for (int i = 0; i < 3; i++) {
		*n = i;
		assert_int_equal(run_kernel(p, "one", 1, 1, n), CL_SUCCESS);
	}
	text = capture_end(&c);
	assert_string_equal(text, "command 0\ncommand 1\ncommand 2\n");
	free(text);

	capture_begin(&c);
	assert_int_equal(run_kernel(p, "many", 256, 1, n), CL_SUCCESS);
	text = capture_end(&c);
	memset(first, -1, sizeof(first));
	memset(second, -1, sizeof(second));
	{
		int pos = 0;

		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save), pos++) {
			int i;
			char which[16];

			assert_int_equal(sscanf(line, "item %d %15s", &i, which),
					 2);
			assert_true(i >= 0 && i < 256);
			if (!strcmp(which, "first"))
				first[i] = pos;
			else
				second[i] = pos;
		}
		assert_int_equal(pos, 512);
	}
	/* each item's two lines, in its program order */
	for (int i = 0; i < 256; i++)
		assert_true(first[i] >= 0 && second[i] > first[i]);
	free(text);
	clReleaseProgram(p);
	clSVMFree(E.ctx, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printf_formats),
		cmocka_unit_test(test_printf_order),
	};

	return cmocka_run_group_tests(tests, clc_setup, clc_teardown);
}
