/* SPDX-License-Identifier: MIT */
/*
 * test_program.c - program objects through the real ICD loader: source,
 * binaries, build options, separate compilation with embedded headers,
 * linking (executables and libraries), callbacks, queries, the entry
 * points of features the device lacks, and the binary cache.
 *
 * Every success path runs the kernels it built and checks their output;
 * every error path checks the exact code OpenCL 3.0 lists.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program_util.h"

static const char fill_src[] =
	"kernel void fill(global int *out, int v)\n"
	"{\n"
	"	out[get_global_id(0)] = v + (int)get_global_id(0);\n"
	"}\n"
	"kernel void square(global int *out)\n"
	"{\n"
	"	int i = get_global_id(0);\n"
	"	out[i] = i * i;\n"
	"}\n";

static const char broken_src[] =
	"kernel void broken(global int *p) { p[0] = ; }\n";

/* Two units that call each other. */
static const char unit_a[] =
	"int twice(int x);\n"
	"int add_one(int x) { return x + 1; }\n"
	"kernel void ka(global int *out)\n"
	"{\n"
	"	int i = get_global_id(0);\n"
	"	out[i] = twice(i);\n"
	"}\n";

static const char unit_b[] =
	"int add_one(int x);\n"
	"int twice(int x) { return 2 * x; }\n"
	"kernel void kb(global int *out)\n"
	"{\n"
	"	int i = get_global_id(0);\n"
	"	out[i] = add_one(twice(i));\n"
	"}\n";

static void check_fill(const int *out, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], v + (int)i);
}

/* --- source ---------------------------------------------------------------- */

static void test_source_build_run(void **state)
{
	cl_program p = build_with(fill_src, "-cl-std=CL1.2");
	char names[64], opts[64];
	size_t n = 0, size = 0;
	int v = 100, *out;

	assert_int_equal(build_status(p), CL_BUILD_SUCCESS);
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_EXECUTABLE);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_NUM_KERNELS, sizeof(n), &n, NULL));
	assert_int_equal(n, 2);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_KERNEL_NAMES, sizeof(names), names,
			       NULL));
	assert_string_equal(names, "fill;square");
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_OPTIONS,
				    sizeof(opts), opts, NULL));
	assert_string_equal(opts, "-cl-std=CL1.2");
	CHECK(clGetProgramBuildInfo(p, E.device,
				    CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE,
				    sizeof(size), &size, NULL));
	assert_int_equal(size, 0);

	out = run_named(p, "fill", 64, &v);
	check_fill(out, 64, 100);
	free(out);
	out = run_named(p, "square", 16, NULL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], i * i);
	free(out);
	CHECK(clReleaseProgram(p));
}

/* The source strings are concatenated without their NULs. */
static void test_source_concat(void **state)
{
	const char *parts[] = { "kernel void k(global int *o)", "{ o[0] = 7; }" };
	const size_t lens[] = { strlen(parts[0]), 0 };
	char buf[128];
	size_t size;
	cl_int err;
	cl_program p = clCreateProgramWithSource(E.context, 2, parts, lens,
						 &err);
	int *out;

	CHECK(err);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_SOURCE, sizeof(buf), buf, &size));
	assert_int_equal(size, strlen(parts[0]) + strlen(parts[1]) + 1);
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	out = run_named(p, "k", 1, NULL);
	assert_int_equal(out[0], 7);
	free(out);
	CHECK(clReleaseProgram(p));
}

/* --- build options ----------------------------------------------------------- */

static void test_build_options(void **state)
{
	static const char macro_src[] =
		"kernel void m(global int *out)\n"
		"{\n"
		"#ifdef FLAG\n"
		"	out[0] = VALUE + FLAG;\n"
		"#else\n"
		"	out[0] = VALUE;\n"
		"#endif\n"
		"}\n";
	static const char inc_src[] =
		"#include <incdir_value.h>\n"
		"kernel void m(global int *out) { out[0] = INC_VALUE; }\n";
	static const char warn_src[] =
		"#warning svmcl-test-warning\n"
		"kernel void m(global int *out) { out[0] = 1; }\n";
	static const char *const accepted[] = {
		"-cl-opt-disable", "-cl-mad-enable", "-cl-fast-relaxed-math",
		"-cl-no-signed-zeros", "-cl-finite-math-only",
		"-cl-unsafe-math-optimizations", "-cl-denorms-are-zero",
		"-cl-single-precision-constant", "-cl-kernel-arg-info",
		"-cl-uniform-work-group-size", "-cl-std=CL1.1", "-cl-std=CL3.0",
		"-g", "-cl-no-subgroup-ifp", "-cl-strict-aliasing",
	};
	char dir[] = "/tmp/svmcl-test-inc-XXXXXX", path[128], opts[160];
	cl_program p;
	int *out;
	FILE *f;

	/* -D name=value, -Dname (defined as 1), in order. */
	p = build_with(macro_src, "-D VALUE=40 -DFLAG");
	out = run_named(p, "m", 1, NULL);
	assert_int_equal(out[0], 41);
	free(out);
	CHECK(clReleaseProgram(p));

	/* -I dir: a header from the file system. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/incdir_value.h", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#define INC_VALUE 1234\n", f);
	fclose(f);
	snprintf(opts, sizeof(opts), "-I %s", dir);
	p = build_with(inc_src, opts);
	out = run_named(p, "m", 1, NULL);
	assert_int_equal(out[0], 1234);
	free(out);
	CHECK(clReleaseProgram(p));
	unlink(path);
	rmdir(dir);

	/* A warning is in the log; -w silences it; -Werror fails on it. */
	p = build_with(warn_src, "");
	assert_non_null(strstr(build_log(p), "svmcl-test-warning"));
	CHECK(clReleaseProgram(p));
	p = build_with(warn_src, "-w");
	assert_null(strstr(build_log(p), "svmcl-test-warning"));
	CHECK(clReleaseProgram(p));
	p = source_program(warn_src);
	assert_int_equal(clBuildProgram(p, 0, NULL, "-Werror", NULL, NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	assert_int_equal(build_status(p), CL_BUILD_ERROR);
	assert_non_null(strstr(build_log(p), "svmcl-test-warning"));
	CHECK(clReleaseProgram(p));

	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		p = build_with(fill_src, accepted[i]);
		out = run_named(p, "square", 4, NULL);
		assert_int_equal(out[3], 9);
		free(out);
		CHECK(clReleaseProgram(p));
	}

	/* Not an option: CL_INVALID_BUILD_OPTIONS; -D without a name too. */
	p = source_program(fill_src);
	assert_int_equal(clBuildProgram(p, 0, NULL, "-no-such-option", NULL,
					NULL), CL_INVALID_BUILD_OPTIONS);
	assert_int_equal(build_status(p), CL_BUILD_ERROR);
	assert_int_equal(clBuildProgram(p, 0, NULL, "-D", NULL, NULL),
			 CL_INVALID_BUILD_OPTIONS);
	assert_int_equal(clBuildProgram(p, 0, NULL, "-cl-std=CL9.9", NULL,
					NULL), CL_INVALID_BUILD_OPTIONS);
	CHECK(clReleaseProgram(p));
}

/* --- build errors ---------------------------------------------------------- */

static void test_build_errors(void **state)
{
	cl_program p = source_program(fill_src);
	cl_device_id not_a_device = (cl_device_id)E.context;
	cl_program not_a_program = (cl_program)E.context;
	cl_kernel k;
	cl_int err;
	int dummy;

	assert_int_equal(clBuildProgram(not_a_program, 0, NULL, NULL, NULL,
					NULL), CL_INVALID_PROGRAM);
	assert_int_equal(clBuildProgram(p, 1, NULL, NULL, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(p, 0, &E.device, NULL, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, &dummy),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(p, 1, &not_a_device, NULL, NULL, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(build_status(p), CL_BUILD_NONE);

	/* Kernels attached: no rebuild. */
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	k = clCreateKernel(p, "fill", &err);
	CHECK(err);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, NULL, NULL,
					  NULL, NULL), CL_INVALID_OPERATION);
	CHECK(clReleaseKernel(k));
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	CHECK(clReleaseProgram(p));

	/* A compile error: the log has clang's diagnostic. */
	p = source_program(broken_src);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	assert_int_equal(build_status(p), CL_BUILD_ERROR);
	assert_non_null(strstr(build_log(p), "expected expression"));
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_NONE);
	assert_null(clCreateKernel(p, "broken", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	CHECK(clReleaseProgram(p));
}

/* --- binaries -------------------------------------------------------------- */

static void test_binary_roundtrip(void **state)
{
	cl_program src = build_with(fill_src, "-D UNUSED=1");
	cl_program bin;
	unsigned char *b;
	size_t size, n;
	char buf[64];
	cl_int status = 1, err;
	int v = -5, *out;
	cl_kernel k;

	b = program_binary(src, &size);
	bin = binary_program(b, size, &status, &err);
	assert_non_null(bin);
	CHECK(err);
	CHECK(status);
	assert_int_equal(binary_type(bin), CL_PROGRAM_BINARY_TYPE_EXECUTABLE);
	assert_int_equal(build_status(bin), CL_BUILD_NONE);
	/* Not built yet: no kernels. */
	assert_null(clCreateKernel(bin, "fill", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	assert_int_equal(clGetProgramInfo(bin, CL_PROGRAM_NUM_KERNELS,
					  sizeof(n), &n, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	/* A null string as source. */
	CHECK(clGetProgramInfo(bin, CL_PROGRAM_SOURCE, sizeof(buf), buf, &n));
	assert_int_equal(n, 1);
	assert_string_equal(buf, "");

	/* options NULL: the options the binary was built with. */
	CHECK(clBuildProgram(bin, 1, &E.device, NULL, NULL, NULL));
	CHECK(clGetProgramBuildInfo(bin, E.device, CL_PROGRAM_BUILD_OPTIONS,
				    sizeof(buf), buf, NULL));
	assert_string_equal(buf, "-D UNUSED=1");
	CHECK(clGetProgramInfo(bin, CL_PROGRAM_KERNEL_NAMES, sizeof(buf), buf,
			       NULL));
	assert_string_equal(buf, "fill;square");
	out = run_named(bin, "fill", 32, &v);
	check_fill(out, 32, -5);
	free(out);

	/* Attributes are empty for kernels not created from source. */
	k = clCreateKernel(bin, "fill", &err);
	CHECK(clGetKernelInfo(k, CL_KERNEL_ATTRIBUTES, sizeof(buf), buf, &n));
	assert_int_equal(n, 1);
	CHECK(clReleaseKernel(k));

	/* The binary of a program from a binary is that binary. */
	free(program_binary(bin, &n));
	assert_int_equal(n, size);

	CHECK(clReleaseProgram(bin));
	CHECK(clReleaseProgram(src));
	free(b);
}

static void test_binary_errors(void **state)
{
	cl_program src = build_with(fill_src, NULL), obj, p;
	cl_device_id not_a_device = (cl_device_id)E.context;
	cl_device_id two[2] = { E.device, E.device };
	unsigned char *b, *bad, *ob;
	const unsigned char *bins[2];
	size_t size, osize, lens[2];
	cl_int status[2], err;

	b = program_binary(src, &size);
	bins[0] = b;

	assert_null(clCreateProgramWithBinary((cl_context)E.queue, 1,
					      &E.device, &size, bins, NULL,
					      &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateProgramWithBinary(E.context, 0, &E.device, &size,
					      bins, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBinary(E.context, 1, NULL, &size, bins,
					      NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBinary(E.context, 1, &not_a_device,
					      &size, bins, NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clCreateProgramWithBinary(E.context, 1, &E.device, NULL,
					      bins, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBinary(E.context, 1, &E.device, &size,
					      NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);

	/* Per-device status: a zero length and a NULL binary. */
	lens[0] = size;
	lens[1] = 0;
	bins[1] = b;
	assert_null(clCreateProgramWithBinary(E.context, 2, two, lens, bins,
					      status, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_int_equal(status[0], CL_SUCCESS);
	assert_int_equal(status[1], CL_INVALID_VALUE);
	lens[1] = size;
	bins[1] = NULL;
	assert_null(clCreateProgramWithBinary(E.context, 2, two, lens, bins,
					      status, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_int_equal(status[1], CL_INVALID_VALUE);

	/* Damaged: garbage, truncated, one bit flipped in the bitcode. */
	bad = malloc(size);
	assert_non_null(bad);
	memset(bad, 0x5a, size);
	p = binary_program(bad, size, status, &err);
	assert_null(p);
	assert_int_equal(err, CL_INVALID_BINARY);
	assert_int_equal(status[0], CL_INVALID_BINARY);
	p = binary_program(b, size / 2, status, &err);
	assert_null(p);
	assert_int_equal(err, CL_INVALID_BINARY);
	memcpy(bad, b, size);
	bad[size - 9] ^= 0x10;
	assert_null(binary_program(bad, size, status, &err));
	assert_int_equal(err, CL_INVALID_BINARY);
	assert_int_equal(status[0], CL_INVALID_BINARY);
	/* Foreign: another format version (byte 8 is the version field). */
	memcpy(bad, b, size);
	bad[8] ^= 0x7f;
	assert_null(binary_program(bad, size, status, &err));
	assert_int_equal(err, CL_INVALID_BINARY);
	/* A tiny buffer. */
	assert_null(binary_program(b, 3, NULL, &err));
	assert_int_equal(err, CL_INVALID_BINARY);

	/* A compiled object loads, but clBuildProgram wants an executable. */
	obj = compile_with(fill_src, NULL);
	assert_int_equal(binary_type(obj),
			 CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT);
	ob = program_binary(obj, &osize);
	p = binary_program(ob, osize, status, &err);
	assert_non_null(p);
	CHECK(err);
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, NULL),
			 CL_INVALID_BINARY);
	/* ... and cannot be compiled (no source). */
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, NULL, NULL,
					  NULL, NULL), CL_INVALID_OPERATION);
	CHECK(clReleaseProgram(p));

	CHECK(clReleaseProgram(obj));
	CHECK(clReleaseProgram(src));
	free(ob);
	free(bad);
	free(b);
}

/* --- compile and link ------------------------------------------------------ */

static void test_compile_link(void **state)
{
	cl_program a = compile_with(unit_a, NULL);
	cl_program b = compile_with(unit_b, NULL);
	cl_program in[2] = { a, b }, exe;
	size_t n;
	cl_int err;
	int *out;

	assert_int_equal(build_status(a), CL_BUILD_SUCCESS);
	assert_int_equal(binary_type(a), CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT);
	/* A compiled object is not an executable. */
	assert_int_equal(clGetProgramInfo(a, CL_PROGRAM_NUM_KERNELS, sizeof(n),
					  &n, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	assert_null(clCreateKernel(a, "ka", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);

	exe = clLinkProgram(E.context, 1, &E.device, NULL, 2, in, NULL, NULL,
			    &err);
	assert_non_null(exe);
	if (err)
		fail_msg("clLinkProgram: %d\n%s", err, build_log(exe));
	assert_int_equal(build_status(exe), CL_BUILD_SUCCESS);
	assert_int_equal(binary_type(exe), CL_PROGRAM_BINARY_TYPE_EXECUTABLE);
	CHECK(clGetProgramInfo(exe, CL_PROGRAM_NUM_KERNELS, sizeof(n), &n,
			       NULL));
	assert_int_equal(n, 2);
	out = run_named(exe, "ka", 16, NULL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], 2 * i);
	free(out);
	out = run_named(exe, "kb", 16, NULL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], 2 * i + 1);
	free(out);
	/* A linked program is not rebuilt. */
	assert_int_equal(clBuildProgram(exe, 0, NULL, NULL, NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clCompileProgram(exe, 0, NULL, NULL, 0, NULL, NULL,
					  NULL, NULL), CL_INVALID_OPERATION);
	CHECK(clReleaseProgram(exe));

	/* The objects survive a binary round trip and link alike. */
	{
		size_t sa, sb;
		unsigned char *ba = program_binary(a, &sa);
		unsigned char *bb = program_binary(b, &sb);
		cl_program ra = binary_program(ba, sa, NULL, &err);
		cl_program rb = binary_program(bb, sb, NULL, &err);
		cl_program rin[2] = { ra, rb };

		exe = clLinkProgram(E.context, 0, NULL, "", 2, rin, NULL, NULL,
				    &err);
		CHECK(err);
		out = run_named(exe, "kb", 4, NULL);
		assert_int_equal(out[3], 7);
		free(out);
		CHECK(clReleaseProgram(exe));
		CHECK(clReleaseProgram(ra));
		CHECK(clReleaseProgram(rb));
		free(ba);
		free(bb);
	}
	CHECK(clReleaseProgram(a));
	CHECK(clReleaseProgram(b));
}

static void test_embedded_headers(void **state)
{
	static const char main_src[] =
		"#include <foo.h>\n"
		"#include \"mydir/myinc.h\"\n"
		"kernel void h(global int *out) { out[0] = FOO + MYINC; }\n";
	static const char *foo = "#define FOO 1000\n";
	static const char *myinc = "#include \"bar.h\"\n#define MYINC (BAR + 1)\n";
	static const char *bar = "#define BAR 20\n";
	const char *names[] = { "foo.h", "mydir/myinc.h", "bar.h" };
	cl_program hdr[3], p, exe;
	cl_int err;
	int *out;

	hdr[0] = source_program(foo);
	hdr[1] = source_program(myinc);
	hdr[2] = source_program(bar);
	p = source_program(main_src);
	err = clCompileProgram(p, 1, &E.device, NULL, 3, hdr, names, NULL,
			       NULL);
	if (err)
		fail_msg("clCompileProgram: %d\n%s", err, build_log(p));
	exe = clLinkProgram(E.context, 0, NULL, NULL, 1, &p, NULL, NULL, &err);
	CHECK(err);
	out = run_named(exe, "h", 1, NULL);
	assert_int_equal(out[0], 1021);
	free(out);
	CHECK(clReleaseProgram(exe));

	/* Without the headers the include fails: a compile failure. */
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, NULL, NULL,
					  NULL, NULL),
			 CL_COMPILE_PROGRAM_FAILURE);
	assert_non_null(strstr(build_log(p), "foo.h"));
	assert_int_equal(build_status(p), CL_BUILD_ERROR);
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_NONE);

	/* Argument errors. */
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 1, NULL, names,
					  NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 1, hdr, NULL,
					  NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, hdr, NULL,
					  NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, NULL, names,
					  NULL, NULL), CL_INVALID_VALUE);
	{
		cl_program bogus = (cl_program)E.queue;
		const char *null_name[] = { NULL };

		assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 1, &bogus,
						  names, NULL, NULL),
				 CL_INVALID_PROGRAM);
		assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 1, hdr,
						  null_name, NULL, NULL),
				 CL_INVALID_VALUE);
	}
	assert_int_equal(clCompileProgram((cl_program)E.queue, 0, NULL, NULL, 0,
					  NULL, NULL, NULL, NULL),
			 CL_INVALID_PROGRAM);
	assert_int_equal(clCompileProgram(p, 1, NULL, NULL, 0, NULL, NULL,
					  NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 0, NULL, NULL,
					  NULL, &err), CL_INVALID_VALUE);
	{
		cl_device_id not_a_device = (cl_device_id)E.context;

		assert_int_equal(clCompileProgram(p, 1, &not_a_device, NULL, 0,
						  NULL, NULL, NULL, NULL),
				 CL_INVALID_DEVICE);
	}
	assert_int_equal(clCompileProgram(p, 0, NULL, "-bogus-option", 3, hdr,
					  names, NULL, NULL),
			 CL_INVALID_COMPILER_OPTIONS);
	/* Headers of another context. */
	{
		cl_context other = clCreateContext(NULL, 1, &E.device, NULL,
						   NULL, &err);
		const char *s = foo;
		cl_program oh = clCreateProgramWithSource(other, 1, &s, NULL,
							  &err);

		assert_int_equal(clCompileProgram(p, 0, NULL, NULL, 1, &oh,
						  names, NULL, NULL),
				 CL_INVALID_CONTEXT);
		assert_null(clLinkProgram(E.context, 0, NULL, NULL, 1, &oh,
					  NULL, NULL, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		CHECK(clReleaseProgram(oh));
		CHECK(clReleaseContext(other));
	}

	for (int i = 0; i < 3; i++)
		CHECK(clReleaseProgram(hdr[i]));
	CHECK(clReleaseProgram(p));
}

static void test_library(void **state)
{
	static const char lib_src[] =
		"int lib_scale(int x) { return 10 * x; }\n";
	static const char user_src[] =
		"int lib_scale(int x);\n"
		"kernel void user(global int *out)\n"
		"{\n"
		"	int i = get_global_id(0);\n"
		"	out[i] = lib_scale(i) + 3;\n"
		"}\n";
	cl_program lobj = compile_with(lib_src, NULL);
	cl_program uobj = compile_with(user_src, NULL);
	cl_program lib, lib2, in[2], exe;
	unsigned char *lb;
	size_t lsize, n;
	cl_int err;
	int *out;

	lib = clLinkProgram(E.context, 1, &E.device,
			    "-create-library -enable-link-options", 1, &lobj,
			    NULL, NULL, &err);
	assert_non_null(lib);
	CHECK(err);
	assert_int_equal(binary_type(lib), CL_PROGRAM_BINARY_TYPE_LIBRARY);
	assert_int_equal(clGetProgramInfo(lib, CL_PROGRAM_NUM_KERNELS,
					  sizeof(n), &n, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);

	/* The library as a binary, then linked with the user's object. */
	lb = program_binary(lib, &lsize);
	lib2 = binary_program(lb, lsize, NULL, &err);
	CHECK(err);
	assert_int_equal(binary_type(lib2), CL_PROGRAM_BINARY_TYPE_LIBRARY);
	in[0] = uobj;
	in[1] = lib2;
	exe = clLinkProgram(E.context, 0, NULL, "-cl-fast-relaxed-math", 2, in,
			    NULL, NULL, &err);
	if (err)
		fail_msg("clLinkProgram: %d\n%s", err, build_log(exe));
	out = run_named(exe, "user", 8, NULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(out[i], 10 * i + 3);
	free(out);

	CHECK(clReleaseProgram(exe));
	CHECK(clReleaseProgram(lib2));
	CHECK(clReleaseProgram(lib));
	CHECK(clReleaseProgram(uobj));
	CHECK(clReleaseProgram(lobj));
	free(lb);
}

static void test_link_errors(void **state)
{
	static const char undef_src[] =
		"int nowhere(int x);\n"
		"kernel void u(global int *out) { out[0] = nowhere(1); }\n";
	cl_program a = compile_with(unit_a, NULL);
	cl_program a2 = compile_with(unit_a, NULL);
	cl_program u = compile_with(undef_src, NULL);
	cl_program plain = source_program(fill_src);
	cl_program bogus = (cl_program)E.queue, in[2], p;
	cl_device_id not_a_device = (cl_device_id)E.context;
	cl_int err;
	int dummy;

	/* Undefined function: a program with the failure and its log. */
	p = clLinkProgram(E.context, 0, NULL, NULL, 1, &u, NULL, NULL, &err);
	assert_non_null(p);
	assert_int_equal(err, CL_LINK_PROGRAM_FAILURE);
	assert_int_equal(build_status(p), CL_BUILD_ERROR);
	assert_non_null(strstr(build_log(p), "nowhere"));
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_NONE);
	CHECK(clReleaseProgram(p));
	/* ... but a library may leave it undefined. */
	p = clLinkProgram(E.context, 0, NULL, "-create-library", 1, &u, NULL,
			  NULL, &err);
	CHECK(err);
	CHECK(clReleaseProgram(p));

	/* Defined twice. */
	in[0] = a;
	in[1] = a2;
	p = clLinkProgram(E.context, 0, NULL, NULL, 2, in, NULL, NULL, &err);
	assert_non_null(p);
	assert_int_equal(err, CL_LINK_PROGRAM_FAILURE);
	assert_non_null(strstr(build_log(p), "add_one"));
	CHECK(clReleaseProgram(p));

	/* Argument errors, in the specification's order. */
	assert_null(clLinkProgram((cl_context)E.queue, 0, NULL, NULL, 1, &a,
				  NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clLinkProgram(E.context, 1, NULL, NULL, 1, &a, NULL, NULL,
				  &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 0, NULL, NULL,
				  NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 0, &a, NULL, NULL,
				  &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 1, NULL, NULL,
				  NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 1, &bogus, NULL,
				  NULL, &err));
	assert_int_equal(err, CL_INVALID_PROGRAM);
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 1, &a, NULL,
				  &dummy, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clLinkProgram(E.context, 1, &not_a_device, NULL, 1, &a,
				  NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clLinkProgram(E.context, 0, NULL, "-bogus", 1, &a, NULL,
				  NULL, &err));
	assert_int_equal(err, CL_INVALID_LINKER_OPTIONS);
	/* -enable-link-options needs -create-library. */
	assert_null(clLinkProgram(E.context, 0, NULL, "-enable-link-options",
				  1, &a, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_LINKER_OPTIONS);
	/* A compile option is not a link option. */
	assert_null(clLinkProgram(E.context, 0, NULL, "-D X=1", 1, &a, NULL,
				  NULL, &err));
	assert_int_equal(err, CL_INVALID_LINKER_OPTIONS);
	/* Some inputs with an object, some without. */
	in[0] = a;
	in[1] = plain;
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 2, in, NULL, NULL,
				  &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	/* An executable is not link input either. */
	CHECK(clBuildProgram(plain, 0, NULL, NULL, NULL, NULL));
	assert_null(clLinkProgram(E.context, 0, NULL, NULL, 2, in, NULL, NULL,
				  &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	/* None with an object: no link, a program without a binary. */
	p = clLinkProgram(E.context, 0, NULL, NULL, 1, &plain, NULL, NULL,
			  &err);
	assert_non_null(p);
	CHECK(err);
	assert_int_equal(build_status(p), CL_BUILD_NONE);
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_NONE);
	CHECK(clReleaseProgram(p));

	CHECK(clReleaseProgram(plain));
	CHECK(clReleaseProgram(u));
	CHECK(clReleaseProgram(a2));
	CHECK(clReleaseProgram(a));
}

/* --- callbacks ------------------------------------------------------------- */

struct notify_seen {
	int calls;
	cl_program program;
	cl_build_status status;
	cl_program_binary_type type;
	int kernel_ok;
};

/* Runs with no svmcl lock held: it calls back into the API. */
static void CL_CALLBACK on_built(cl_program p, void *data)
{
	struct notify_seen *s = data;
	cl_int err;
	cl_kernel k;

	s->calls++;
	s->program = p;
	clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_STATUS,
			      sizeof(s->status), &s->status, NULL);
	clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BINARY_TYPE,
			      sizeof(s->type), &s->type, NULL);
	k = clCreateKernel(p, "fill", &err);
	s->kernel_ok = k != NULL;
	if (k)
		clReleaseKernel(k);
}

static void test_notify(void **state)
{
	struct notify_seen s = { 0 };
	cl_program p = source_program(fill_src), exe;
	cl_int err;

	CHECK(clBuildProgram(p, 0, NULL, NULL, on_built, &s));
	assert_int_equal(s.calls, 1);
	assert_ptr_equal(s.program, p);
	assert_int_equal(s.status, CL_BUILD_SUCCESS);
	assert_int_equal(s.type, CL_PROGRAM_BINARY_TYPE_EXECUTABLE);
	assert_true(s.kernel_ok);

	memset(&s, 0, sizeof(s));
	CHECK(clCompileProgram(p, 0, NULL, NULL, 0, NULL, NULL, on_built, &s));
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.type, CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT);
	assert_false(s.kernel_ok);

	memset(&s, 0, sizeof(s));
	exe = clLinkProgram(E.context, 0, NULL, NULL, 1, &p, on_built, &s,
			    &err);
	CHECK(err);
	assert_int_equal(s.calls, 1);
	assert_ptr_equal(s.program, exe);
	assert_int_equal(s.status, CL_BUILD_SUCCESS);
	assert_true(s.kernel_ok);
	CHECK(clReleaseProgram(exe));

	/* A failed build calls back too, with the error status. */
	memset(&s, 0, sizeof(s));
	CHECK(clReleaseProgram(p));
	p = source_program(broken_src);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, on_built, &s),
			 CL_BUILD_PROGRAM_FAILURE);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.status, CL_BUILD_ERROR);
	CHECK(clReleaseProgram(p));
}

/* --- queries --------------------------------------------------------------- */

static void test_program_info(void **state)
{
	cl_program p = source_program(fill_src);
	cl_program bogus = (cl_program)E.queue;
	cl_uint u;
	cl_bool b;
	cl_context ctx;
	cl_device_id dev;
	size_t size = 99, sizes;
	char c[4];
	unsigned char *none = NULL;

	CHECK(clGetProgramInfo(p, CL_PROGRAM_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 1);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_NUM_DEVICES, sizeof(u), &u, NULL));
	assert_int_equal(u, 1);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_DEVICES, sizeof(dev), &dev, NULL));
	assert_ptr_equal(dev, E.device);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_IL, sizeof(c), c, &size));
	assert_int_equal(size, 0);
	/* No binary before a build. */
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(sizes),
			       &sizes, NULL));
	assert_int_equal(sizes, 0);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(none), &none,
			       &size));
	assert_int_equal(size, sizeof(unsigned char *));
	assert_int_equal(binary_type(p), CL_PROGRAM_BINARY_TYPE_NONE);
	/* CL_BUILD_NONE: empty options and log. */
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG,
				    sizeof(c), c, &size));
	assert_int_equal(size, 1);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_OPTIONS,
				    sizeof(c), c, &size));
	assert_int_equal(size, 1);
	/* Executable-only queries. */
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT,
					  sizeof(b), &b, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_KERNEL_NAMES,
					  sizeof(c), c, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);

	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	CHECK(clGetProgramInfo(p, CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT,
			       sizeof(b), &b, NULL));
	assert_int_equal(b, CL_FALSE);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT,
			       sizeof(b), &b, NULL));
	assert_int_equal(b, CL_FALSE);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(sizes),
			       &sizes, NULL));
	assert_true(sizes > 16);

	/* Errors. */
	assert_int_equal(clGetProgramInfo(bogus, CL_PROGRAM_NUM_DEVICES,
					  sizeof(u), &u, NULL),
			 CL_INVALID_PROGRAM);
	assert_int_equal(clGetProgramInfo(p, 0xdead, sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_KERNEL_NAMES, 2, c,
					  NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, 1, c,
					  NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_BINARIES, 1, c, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetProgramBuildInfo(p, (cl_device_id)E.context,
					       CL_PROGRAM_BUILD_STATUS,
					       sizeof(u), &u, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(clGetProgramBuildInfo(bogus, E.device,
					       CL_PROGRAM_BUILD_STATUS,
					       sizeof(u), &u, NULL),
			 CL_INVALID_PROGRAM);
	assert_int_equal(clGetProgramBuildInfo(p, E.device, 0xdead,
					       sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetProgramBuildInfo(p, E.device,
					       CL_PROGRAM_BUILD_STATUS, 1, c,
					       NULL), CL_INVALID_VALUE);
	CHECK(clReleaseProgram(p));
}

/* A program lives on while a kernel of it does. */
static void test_release_with_kernels(void **state)
{
	cl_program p = build_with(fill_src, NULL), kp;
	cl_uint refs;
	cl_kernel k;
	cl_int err;
	int v = 3, out[8];

	k = clCreateKernel(p, "fill", &err);
	CHECK(err);
	CHECK(clRetainProgram(p));
	CHECK(clGetProgramInfo(p, CL_PROGRAM_REFERENCE_COUNT, sizeof(refs),
			       &refs, NULL));
	assert_int_equal(refs, 3);	/* the kernel holds one too */
	CHECK(clReleaseProgram(p));
	CHECK(clReleaseProgram(p));	/* the application's last reference */
	CHECK(clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof(kp), &kp, NULL));
	assert_ptr_equal(kp, p);
	memset(out, 0, sizeof(out));
	run_int_kernel(k, out, 8, &v);
	check_fill(out, 8, 3);
	CHECK(clReleaseKernel(k));	/* and now the program goes */

	assert_int_equal(clRetainProgram((cl_program)E.queue),
			 CL_INVALID_PROGRAM);
	assert_int_equal(clReleaseProgram((cl_program)E.queue),
			 CL_INVALID_PROGRAM);
}

/* --- what the device does not have ---------------------------------------- */

static void CL_CALLBACK release_cb(cl_program p, void *data)
{
	(void)p;
	(void)data;
}

static void test_absent_features(void **state)
{
	static const unsigned char il[] = { 0x03, 0x02, 0x23, 0x07 };
	cl_program p = source_program(fill_src);
	char ilv[8] = "x";
	size_t size;
	cl_int err, v = 1;

	/* The device reports no IL... */
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_IL_VERSION, sizeof(ilv), ilv,
			      &size));
	assert_int_equal(size, 1);
	assert_string_equal(ilv, "");
	/* ... so IL programs cannot be created. */
	assert_null(clCreateProgramWithIL(E.context, il, sizeof(il), &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreateProgramWithIL((cl_context)E.queue, il, sizeof(il),
					  &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	/* No program has specialization constants. */
	assert_int_equal(clSetProgramSpecializationConstant(p, 0, sizeof(v),
							    &v),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetProgramSpecializationConstant((cl_program)E.queue,
							    0, sizeof(v), &v),
			 CL_INVALID_PROGRAM);
	/* No program-scope destructors. */
	assert_int_equal(clSetProgramReleaseCallback(p, release_cb, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetProgramReleaseCallback(p, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetProgramReleaseCallback((cl_program)E.queue,
						     release_cb, NULL),
			 CL_INVALID_PROGRAM);
	/* No built-in kernels. */
	assert_null(clCreateProgramWithBuiltInKernels(E.context, 1, &E.device,
						      "copy", &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBuiltInKernels(E.context, 1, &E.device,
						      NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBuiltInKernels(E.context, 0, NULL,
						      "copy", &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithBuiltInKernels(E.context, 1,
						      (cl_device_id *)&E.context,
						      "copy", &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clCreateProgramWithBuiltInKernels((cl_context)E.queue, 1,
						      &E.device, "copy", &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);

	/* Unloading the compiler is a hint: builds still work after it. */
	CHECK(clUnloadPlatformCompiler(E.platform));
	assert_int_equal(clUnloadPlatformCompiler((cl_platform_id)E.context),
			 CL_INVALID_PLATFORM);
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	CHECK(clReleaseProgram(p));
}

/* --- the binary cache ------------------------------------------------------ */

static int count_suffix(const char *suffix)
{
	char dir[300];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/svmcl", E.cache_dir);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp)))
		if (strstr(d->d_name, suffix) &&
		    !strstr(d->d_name, ".tmp-"))
			n++;
	closedir(dp);
	return n;
}

/* Front-end (clang) entries. */
static int count_entries(void)
{
	return count_suffix(".clc");
}

/* The path of the entry newer than the others: the last one made. */
static void newest_suffix(const char *suffix, char *path, size_t len)
{
	char dir[300], best[600] = "";
	struct dirent *d;
	struct stat st;
	struct timespec t = { 0 };
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/svmcl", E.cache_dir);
	dp = opendir(dir);
	assert_non_null(dp);
	while ((d = readdir(dp))) {
		char p[600];

		if (!strstr(d->d_name, suffix) || strstr(d->d_name, ".tmp-"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		if (stat(p, &st) == 0 &&
		    (st.st_mtim.tv_sec > t.tv_sec ||
		     (st.st_mtim.tv_sec == t.tv_sec &&
		      st.st_mtim.tv_nsec >= t.tv_nsec))) {
			t = st.st_mtim;
			snprintf(best, sizeof(best), "%s", p);
		}
	}
	closedir(dp);
	assert_true(best[0] != '\0');
	snprintf(path, len, "%s", best);
}

static void newest_entry(char *path, size_t len)
{
	newest_suffix(".clc", path, len);
}

/* Build @src in a new program; the build's CL error. */
static cl_int try_build(const char *src, const char *options, int *result)
{
	cl_program p = source_program(src);
	cl_int err = clBuildProgram(p, 0, NULL, options, NULL, NULL);

	if (!err && result) {
		int *out = run_named(p, "c", 1, NULL);

		*result = out[0];
		free(out);
	}
	CHECK(clReleaseProgram(p));
	return err;
}

/*
 * The proof that a hit skips clang: with TMPDIR pointing nowhere, the
 * front end cannot make its work directory, so a build that needs clang
 * fails; one served from the cache does not.
 */
static void test_cache(void **state)
{
	char src[256], src2[256], path[700];
	int before, result = 0, fd;
	struct stat st;

	snprintf(src, sizeof(src),
		 "/* %d */ kernel void c(global int *o) { o[0] = VAL; }\n",
		 (int)getpid());
	snprintf(src2, sizeof(src2),
		 "/* other %d */ kernel void c(global int *o) { o[0] = 2; }\n",
		 (int)getpid());

	/* A miss fills one entry. */
	before = count_entries();
	CHECK(try_build(src, "-D VAL=11", &result));
	assert_int_equal(result, 11);
	assert_int_equal(count_entries(), before + 1);

	/* A hit needs no clang (no work directory). */
	setenv("TMPDIR", "/nonexistent/svmcl-test", 1);
	CHECK(try_build(src, "-D VAL=11", &result));
	assert_int_equal(result, 11);
	/* Other options, other key: clang is needed and cannot run. */
	assert_int_equal(try_build(src, "-D VAL=12", NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	assert_int_equal(try_build(src2, NULL, NULL), CL_BUILD_PROGRAM_FAILURE);

	/* SVMCL_CACHE=0: the cache is not even read. */
	setenv("SVMCL_CACHE", "0", 1);
	assert_int_equal(try_build(src, "-D VAL=11", NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	unsetenv("SVMCL_CACHE");

	/* A corrupt entry is ignored (clang is needed again)... */
	newest_entry(path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "garbage!", 8, st.st_size / 2), 8);
	close(fd);
	assert_int_equal(try_build(src, "-D VAL=11", NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	/* ... and rewritten by the next build that runs clang. */
	unsetenv("TMPDIR");
	CHECK(try_build(src, "-D VAL=11", &result));
	assert_int_equal(result, 11);
	setenv("TMPDIR", "/nonexistent/svmcl-test", 1);
	CHECK(try_build(src, "-D VAL=11", &result));
	assert_int_equal(result, 11);
	/* A truncated entry alike. */
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(try_build(src, "-D VAL=11", NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	unsetenv("TMPDIR");
	CHECK(try_build(src, "-D VAL=11", &result));

	/* SVMCL_CACHE=0 stores nothing. */
	setenv("SVMCL_CACHE", "0", 1);
	before = count_entries();
	CHECK(try_build(src2, NULL, &result));
	assert_int_equal(result, 2);
	assert_int_equal(count_entries(), before);
	unsetenv("SVMCL_CACHE");
}

/* Embedded headers are part of the key: another header, another result. */
static void test_cache_headers(void **state)
{
	static const char main_src[] =
		"#include \"val.h\"\n"
		"kernel void c(global int *o) { o[0] = HVAL; }\n";
	const char *name = "val.h";
	const char *v1 = "#define HVAL 101\n", *v2 = "#define HVAL 202\n";
	int expect[2] = { 101, 202 };

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			cl_program h = source_program(i ? v2 : v1);
			cl_program p = source_program(main_src), exe;
			cl_int err;
			int *out;

			if (round == 1)	/* second round: from the cache */
				setenv("TMPDIR", "/nonexistent/svmcl-test", 1);
			CHECK(clCompileProgram(p, 0, NULL, NULL, 1, &h, &name,
					       NULL, NULL));
			exe = clLinkProgram(E.context, 0, NULL, NULL, 1, &p,
					    NULL, NULL, &err);
			CHECK(err);
			out = run_named(exe, "c", 1, NULL);
			assert_int_equal(out[0], expect[i]);
			free(out);
			CHECK(clReleaseProgram(exe));
			CHECK(clReleaseProgram(p));
			CHECK(clReleaseProgram(h));
			unsetenv("TMPDIR");
		}
	}
}

/*
 * The stage-3 cache (".jit" entries: the optimised module and the kernel
 * descriptions). A hit rewrites nothing, so the entry keeps its inode; a
 * miss renames a new file over it.
 */
static const char jit_fmt[] =
	"/* jit %d */\n"
	"kernel __attribute__((vec_type_hint(float4)))\n"
	"void c(global int *o, int in)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	o[i] = in * 3 + (int)pow((float)i, 2.0f) +\n"
	"	       (int)(cbrt(27.0f) + 0.5f);\n"
	"}\n";

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Build @src, run c on 16 items and check them and c's descriptions. */
static void jit_build_check(const char *src)
{
	cl_program p = source_program(src);
	int in = 100, *out;
	char attrs[128] = "", name[16] = "";
	cl_uint nargs = 0;
	cl_kernel k;
	cl_int err;

	CHECK(clBuildProgram(p, 0, NULL, "-cl-kernel-arg-info", NULL, NULL));
	k = clCreateKernel(p, "c", &err);
	CHECK(err);
	CHECK(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof(nargs), &nargs,
			      NULL));
	assert_int_equal(nargs, 2);
	CHECK(clGetKernelInfo(k, CL_KERNEL_ATTRIBUTES, sizeof(attrs), attrs,
			      NULL));
	assert_string_equal(attrs, "vec_type_hint(float4)");
	CHECK(clGetKernelArgInfo(k, 1, CL_KERNEL_ARG_NAME, sizeof(name), name,
				 NULL));
	assert_string_equal(name, "in");
	CHECK(clReleaseKernel(k));
	out = run_named(p, "c", 16, &in);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], in * 3 + i * i + 3);
	free(out);
	CHECK(clReleaseProgram(p));
}

static void test_cache_jit(void **state)
{
	char src[512], path[700];
	int before;
	ino_t ino;
	struct stat st;
	int fd;

	snprintf(src, sizeof(src), jit_fmt, (int)getpid());
	unsetenv("SVMCL_MMU");

	/* A miss stores one entry; a hit runs the same and leaves it be. */
	before = count_suffix(".jit");
	jit_build_check(src);
	assert_int_equal(count_suffix(".jit"), before + 1);
	newest_suffix(".jit", path, sizeof(path));
	ino = inode_of(path);
	jit_build_check(src);
	jit_build_check(src);
	assert_int_equal(count_suffix(".jit"), before + 1);
	assert_true(inode_of(path) == ino);

	/* A corrupt entry is ignored and replaced by a good one. */
	assert_int_equal(stat(path, &st), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "garbage!", 8, st.st_size / 2), 8);
	close(fd);
	jit_build_check(src);
	assert_true(inode_of(path) != ino);
	ino = inode_of(path);
	jit_build_check(src);
	assert_true(inode_of(path) == ino);

	/* A truncated one alike (header only, then nothing at all). */
	assert_int_equal(truncate(path, 40), 0);
	jit_build_check(src);
	assert_true(inode_of(path) != ino);
	assert_int_equal(truncate(path, 0), 0);
	ino = inode_of(path);
	jit_build_check(src);
	assert_true(inode_of(path) != ino);
	ino = inode_of(path);

	/* SVMCL_MMU=off has its own entry and never takes the "on" one. */
	setenv("SVMCL_MMU", "off", 1);
	{
		cl_program p = source_program(src);

		CHECK(clBuildProgram(p, 0, NULL, "-cl-kernel-arg-info", NULL,
				     NULL));
		CHECK(clReleaseProgram(p));
	}
	unsetenv("SVMCL_MMU");
	assert_int_equal(count_suffix(".jit"), before + 2);
	assert_true(inode_of(path) == ino);
	/* ... and "on" builds still take theirs. */
	jit_build_check(src);
	assert_int_equal(count_suffix(".jit"), before + 2);
	assert_true(inode_of(path) == ino);

	/* SVMCL_CACHE=0 neither reads nor writes stage-3 entries. */
	setenv("SVMCL_CACHE", "0", 1);
	assert_int_equal(truncate(path, 0), 0);
	jit_build_check(src);
	assert_int_equal(count_suffix(".jit"), before + 2);
	assert_true(inode_of(path) == ino);
	unsetenv("SVMCL_CACHE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_build_run),
		cmocka_unit_test(test_source_concat),
		cmocka_unit_test(test_build_options),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_binary_errors),
		cmocka_unit_test(test_compile_link),
		cmocka_unit_test(test_embedded_headers),
		cmocka_unit_test(test_library),
		cmocka_unit_test(test_link_errors),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_program_info),
		cmocka_unit_test(test_release_with_kernels),
		cmocka_unit_test(test_absent_features),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_headers),
		cmocka_unit_test(test_cache_jit),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
