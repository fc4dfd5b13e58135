/* SPDX-License-Identifier: MIT */
/*
 * test_kernel.c - kernel objects through the real ICD loader: creation,
 * kernel, argument, work-group and sub-group queries, and clCloneKernel,
 * with the error codes OpenCL 3.0 lists for each.
 */
#include "program_util.h"

static const char kernels_src[] =
	"__attribute__((reqd_work_group_size(2, 1, 1)))\n"
	"__attribute__((vec_type_hint(float4)))\n"
	"kernel void attrs(global int *out)\n"
	"{\n"
	"	out[get_global_id(0)] = (int)get_local_size(0);\n"
	"}\n"
	"__attribute__((work_group_size_hint(4, 1, 1)))\n"
	"__attribute__((vec_type_hint(uint)))\n"
	"kernel void hint(global int *out) { out[0] = 1; }\n"
	"kernel void plain(global int *out, int v)\n"
	"{\n"
	"	out[get_global_id(0)] = v * (int)get_global_id(0);\n"
	"}\n"
	"kernel void args(global float *restrict g, constant int *c,\n"
	"		  const uint n, volatile global int *vg)\n"
	"{\n"
	"}\n"
	"kernel void stack(global int *out, int k)\n"
	"{\n"
	"	volatile int tmp[64];\n"
	"	for (int i = 0; i < 64; i++)\n"
	"		tmp[i] = i * k;\n"
	"	out[get_global_id(0)] = tmp[(get_global_id(0) + k) & 63];\n"
	"}\n";

static cl_program P;		/* kernels_src, with -cl-kernel-arg-info */

static int group_setup(void **state)
{
	cl_int err;
	const char *src = kernels_src;

	if (env_setup(state))
		return -1;
	P = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	if (!P)
		return -1;
	err = clBuildProgram(P, 0, NULL, "-cl-kernel-arg-info", NULL, NULL);
	if (err) {
		fprintf(stderr, "build: %d\n%s", err, build_log(P));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	if (P)
		clReleaseProgram(P);
	return env_teardown(state);
}

static void test_create(void **state)
{
	cl_program unbuilt = source_program(kernels_src), obj;
	cl_kernel ks[8], k;
	cl_uint n = 0;
	cl_int err;
	char names[128];

	k = clCreateKernel(P, "plain", &err);
	assert_non_null(k);
	CHECK(err);
	CHECK(clReleaseKernel(k));

	assert_null(clCreateKernel(P, "no_such_kernel", &err));
	assert_int_equal(err, CL_INVALID_KERNEL_NAME);
	assert_null(clCreateKernel(P, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateKernel((cl_program)E.queue, "plain", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM);
	assert_null(clCreateKernel(unbuilt, "plain", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	assert_int_equal(clCreateKernelsInProgram(unbuilt, 8, ks, &n),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	/* A compiled object has no kernels to create either. */
	obj = compile_with(kernels_src, NULL);
	assert_null(clCreateKernel(obj, "plain", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	CHECK(clReleaseProgram(obj));

	CHECK(clCreateKernelsInProgram(P, 0, NULL, &n));
	assert_int_equal(n, 5);
	assert_int_equal(clCreateKernelsInProgram(P, 4, ks, &n),
			 CL_INVALID_VALUE);
	assert_int_equal(clCreateKernelsInProgram((cl_program)E.queue, 8, ks,
						  &n), CL_INVALID_PROGRAM);
	CHECK(clCreateKernelsInProgram(P, 8, ks, &n));
	assert_int_equal(n, 5);
	CHECK(clGetProgramInfo(P, CL_PROGRAM_KERNEL_NAMES, sizeof(names),
			       names, NULL));
	for (cl_uint i = 0; i < n; i++) {
		char name[32];

		CHECK(clGetKernelInfo(ks[i], CL_KERNEL_FUNCTION_NAME,
				      sizeof(name), name, NULL));
		assert_non_null(strstr(names, name));
		CHECK(clReleaseKernel(ks[i]));
	}
	CHECK(clReleaseProgram(unbuilt));
}

static void test_kernel_info(void **state)
{
	cl_kernel k = clCreateKernel(P, "attrs", NULL);
	cl_kernel h = clCreateKernel(P, "hint", NULL);
	cl_kernel pl = clCreateKernel(P, "plain", NULL);
	char buf[128];
	cl_uint u;
	cl_context ctx;
	cl_program prog;
	size_t size;

	CHECK(clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof(buf), buf,
			      &size));
	assert_string_equal(buf, "attrs");
	assert_int_equal(size, 6);
	CHECK(clGetKernelInfo(pl, CL_KERNEL_NUM_ARGS, sizeof(u), &u, NULL));
	assert_int_equal(u, 2);
	CHECK(clGetKernelInfo(k, CL_KERNEL_REFERENCE_COUNT, sizeof(u), &u,
			      NULL));
	assert_int_equal(u, 1);
	CHECK(clGetKernelInfo(k, CL_KERNEL_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof(prog), &prog, NULL));
	assert_ptr_equal(prog, P);

	/* Attributes as declared, white space removed, space separated. */
	CHECK(clGetKernelInfo(k, CL_KERNEL_ATTRIBUTES, sizeof(buf), buf, NULL));
	assert_string_equal(buf,
			    "reqd_work_group_size(2,1,1) vec_type_hint(float4)");
	CHECK(clGetKernelInfo(h, CL_KERNEL_ATTRIBUTES, sizeof(buf), buf, NULL));
	assert_string_equal(buf,
			    "work_group_size_hint(4,1,1) vec_type_hint(uint)");
	CHECK(clGetKernelInfo(pl, CL_KERNEL_ATTRIBUTES, sizeof(buf), buf,
			      &size));
	assert_int_equal(size, 1);

	assert_int_equal(clGetKernelInfo(k, 0xdead, sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, 2, buf,
					 NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetKernelInfo((cl_kernel)E.queue, CL_KERNEL_NUM_ARGS,
					 sizeof(u), &u, NULL),
			 CL_INVALID_KERNEL);
	CHECK(clReleaseKernel(pl));
	CHECK(clReleaseKernel(h));
	CHECK(clReleaseKernel(k));
}

static void test_arg_info(void **state)
{
	static const struct {
		const char *name, *type;
		cl_kernel_arg_address_qualifier space;
		cl_kernel_arg_type_qualifier qual;
	} want[] = {
		{ "g", "float*", CL_KERNEL_ARG_ADDRESS_GLOBAL,
		  CL_KERNEL_ARG_TYPE_RESTRICT },
		{ "c", "int*", CL_KERNEL_ARG_ADDRESS_CONSTANT,
		  CL_KERNEL_ARG_TYPE_CONST },
		{ "n", "uint", CL_KERNEL_ARG_ADDRESS_PRIVATE,
		  CL_KERNEL_ARG_TYPE_NONE },
		{ "vg", "int*", CL_KERNEL_ARG_ADDRESS_GLOBAL,
		  CL_KERNEL_ARG_TYPE_VOLATILE },
	};
	cl_kernel k = clCreateKernel(P, "args", NULL);
	cl_kernel_arg_address_qualifier space;
	cl_kernel_arg_access_qualifier access;
	cl_kernel_arg_type_qualifier qual;
	cl_program noinfo;
	cl_kernel nk;
	char buf[64];

	assert_non_null(k);
	for (cl_uint i = 0; i < ARRAY_SIZE(want); i++) {
		CHECK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_NAME, sizeof(buf),
					 buf, NULL));
		assert_string_equal(buf, want[i].name);
		CHECK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_NAME,
					 sizeof(buf), buf, NULL));
		assert_string_equal(buf, want[i].type);
		CHECK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ADDRESS_QUALIFIER,
					 sizeof(space), &space, NULL));
		assert_int_equal(space, want[i].space);
		CHECK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ACCESS_QUALIFIER,
					 sizeof(access), &access, NULL));
		assert_int_equal(access, CL_KERNEL_ARG_ACCESS_NONE);
		CHECK(clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_QUALIFIER,
					 sizeof(qual), &qual, NULL));
		assert_int_equal(qual, want[i].qual);
	}
	assert_int_equal(clGetKernelArgInfo(k, 4, CL_KERNEL_ARG_NAME,
					    sizeof(buf), buf, NULL),
			 CL_INVALID_ARG_INDEX);
	assert_int_equal(clGetKernelArgInfo(k, 0, 0xdead, sizeof(buf), buf,
					    NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetKernelArgInfo(k, 0, CL_KERNEL_ARG_NAME, 1, buf,
					    NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetKernelArgInfo((cl_kernel)E.queue, 0,
					    CL_KERNEL_ARG_NAME, sizeof(buf),
					    buf, NULL), CL_INVALID_KERNEL);
	CHECK(clReleaseKernel(k));

	/*
	 * __local arguments: only where the compiler has local memory (it
	 * refuses the kernel, with a log saying so, until then).
	 */
	{
		static const char local_src[] =
			"kernel void loc(global int *o, local int *l) { }\n";
		cl_program lp = source_program(local_src);

		if (clBuildProgram(lp, 0, NULL, "-cl-kernel-arg-info", NULL,
				   NULL) == CL_SUCCESS) {
			nk = clCreateKernel(lp, "loc", NULL);
			CHECK(clGetKernelArgInfo(nk, 1,
						 CL_KERNEL_ARG_ADDRESS_QUALIFIER,
						 sizeof(space), &space, NULL));
			assert_int_equal(space, CL_KERNEL_ARG_ADDRESS_LOCAL);
			CHECK(clReleaseKernel(nk));
		} else {
			assert_non_null(strstr(build_log(lp), "__local"));
		}
		CHECK(clReleaseProgram(lp));
	}

	/* Without -cl-kernel-arg-info the information is not available. */
	noinfo = build_with(kernels_src, NULL);
	nk = clCreateKernel(noinfo, "args", NULL);
	assert_int_equal(clGetKernelArgInfo(nk, 0, CL_KERNEL_ARG_NAME,
					    sizeof(buf), buf, NULL),
			 CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
	assert_int_equal(clGetKernelArgInfo(nk, 1,
					    CL_KERNEL_ARG_ADDRESS_QUALIFIER,
					    sizeof(space), &space, NULL),
			 CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
	assert_int_equal(clGetKernelArgInfo(nk, 9, CL_KERNEL_ARG_NAME,
					    sizeof(buf), buf, NULL),
			 CL_INVALID_ARG_INDEX);
	CHECK(clReleaseKernel(nk));
	CHECK(clReleaseProgram(noinfo));

	/* Given to clCompileProgram, it survives the link. */
	{
		cl_program obj = compile_with(kernels_src,
					      "-cl-kernel-arg-info"), exe;
		cl_int err;

		exe = clLinkProgram(E.context, 0, NULL, NULL, 1, &obj, NULL,
				    NULL, &err);
		CHECK(err);
		nk = clCreateKernel(exe, "args", NULL);
		CHECK(clGetKernelArgInfo(nk, 3, CL_KERNEL_ARG_NAME,
					 sizeof(buf), buf, NULL));
		assert_string_equal(buf, "vg");
		CHECK(clReleaseKernel(nk));
		CHECK(clReleaseProgram(exe));
		CHECK(clReleaseProgram(obj));
	}

	/* ... and a binary round trip, the information being in it. */
	{
		size_t size;
		unsigned char *b = program_binary(P, &size);
		cl_program bp = binary_program(b, size, NULL, NULL);

		CHECK(clBuildProgram(bp, 0, NULL, NULL, NULL, NULL));
		nk = clCreateKernel(bp, "args", NULL);
		CHECK(clGetKernelArgInfo(nk, 0, CL_KERNEL_ARG_TYPE_NAME,
					 sizeof(buf), buf, NULL));
		assert_string_equal(buf, "float*");
		CHECK(clReleaseKernel(nk));
		CHECK(clReleaseProgram(bp));
		free(b);
	}
}

static void test_work_group_info(void **state)
{
	cl_kernel k = clCreateKernel(P, "attrs", NULL);
	cl_kernel pl = clCreateKernel(P, "plain", NULL);
	cl_kernel st = clCreateKernel(P, "stack", NULL);
	size_t s, wg[3], gws[3], max_wg, n = 2;
	cl_ulong ul;
	int out[2] = { 0, 0 };

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_WORK_GROUP_SIZE,
			      sizeof(max_wg), &max_wg, NULL));
	CHECK(clGetKernelWorkGroupInfo(k, E.device, CL_KERNEL_WORK_GROUP_SIZE,
				       sizeof(s), &s, NULL));
	assert_int_equal(s, 2);		/* reqd_work_group_size(2,1,1) */
	CHECK(clGetKernelWorkGroupInfo(pl, NULL, CL_KERNEL_WORK_GROUP_SIZE,
				       sizeof(s), &s, NULL));
	assert_int_equal(s, max_wg);
	CHECK(clGetKernelWorkGroupInfo(k, E.device,
				       CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
				       sizeof(wg), wg, NULL));
	assert_int_equal(wg[0], 2);
	assert_int_equal(wg[1], 1);
	assert_int_equal(wg[2], 1);
	CHECK(clGetKernelWorkGroupInfo(pl, E.device,
				       CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
				       sizeof(wg), wg, NULL));
	assert_int_equal(wg[0] + wg[1] + wg[2], 0);
	CHECK(clGetKernelWorkGroupInfo(pl, E.device,
				       CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
				       sizeof(s), &s, NULL));
	assert_true(s >= 1 && s <= max_wg);
	CHECK(clGetKernelWorkGroupInfo(pl, E.device, CL_KERNEL_LOCAL_MEM_SIZE,
				       sizeof(ul), &ul, NULL));
	assert_int_equal(ul, 0);
	/* A private array indexed at run time stays on the stack. */
	CHECK(clGetKernelWorkGroupInfo(st, E.device,
				       CL_KERNEL_PRIVATE_MEM_SIZE, sizeof(ul),
				       &ul, NULL));
	assert_true(ul >= 64 * sizeof(int));
	CHECK(clGetKernelWorkGroupInfo(pl, E.device,
				       CL_KERNEL_PRIVATE_MEM_SIZE, sizeof(ul),
				       &ul, NULL));
	assert_true(ul < 64 * sizeof(int));
	{
		int kk = 3;

		run_int_kernel(st, out, n, &kk);
		assert_int_equal(out[0], 3 * 3);
		assert_int_equal(out[1], 4 * 3);
	}

	/* Only custom devices and built-in kernels have a global size. */
	assert_int_equal(clGetKernelWorkGroupInfo(pl, E.device,
						  CL_KERNEL_GLOBAL_WORK_SIZE,
						  sizeof(gws), gws, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetKernelWorkGroupInfo(pl, (cl_device_id)E.context,
						  CL_KERNEL_WORK_GROUP_SIZE,
						  sizeof(s), &s, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(clGetKernelWorkGroupInfo(pl, E.device, 0xdead,
						  sizeof(s), &s, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetKernelWorkGroupInfo(pl, E.device,
						  CL_KERNEL_WORK_GROUP_SIZE, 1,
						  &s, NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetKernelWorkGroupInfo((cl_kernel)E.queue, E.device,
						  CL_KERNEL_WORK_GROUP_SIZE,
						  sizeof(s), &s, NULL),
			 CL_INVALID_KERNEL);
	CHECK(clReleaseKernel(st));
	CHECK(clReleaseKernel(pl));
	CHECK(clReleaseKernel(k));
}

static void test_sub_group_info(void **state)
{
	cl_kernel k = clCreateKernel(P, "plain", NULL);
	size_t local = 8, s;

	/* The device has no sub-groups. */
	assert_int_equal(clGetKernelSubGroupInfo(k, E.device,
					CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE,
					sizeof(local), &local, sizeof(s), &s,
					NULL), CL_INVALID_OPERATION);
	assert_int_equal(clGetKernelSubGroupInfo(k, NULL,
					CL_KERNEL_MAX_NUM_SUB_GROUPS, 0, NULL,
					sizeof(s), &s, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clGetKernelSubGroupInfo(k, (cl_device_id)E.context,
					CL_KERNEL_MAX_NUM_SUB_GROUPS, 0, NULL,
					sizeof(s), &s, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(clGetKernelSubGroupInfo((cl_kernel)E.queue, E.device,
					CL_KERNEL_MAX_NUM_SUB_GROUPS, 0, NULL,
					sizeof(s), &s, NULL),
			 CL_INVALID_KERNEL);
	CHECK(clReleaseKernel(k));
}

static void test_clone(void **state)
{
	cl_kernel k = clCreateKernel(P, "plain", NULL), c, unset, uc;
	int a[16], b[16], v = 3, w = 5;
	size_t n = 16;
	cl_uint refs, prefs_before, prefs;
	cl_program prog;
	cl_int err;

	CHECK(clGetProgramInfo(P, CL_PROGRAM_REFERENCE_COUNT, sizeof(prefs),
			       &prefs_before, NULL));
	CHECK(clSetKernelArgSVMPointer(k, 0, a));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	c = clCloneKernel(k, &err);
	assert_non_null(c);
	CHECK(err);
	assert_true(c != k);
	CHECK(clGetKernelInfo(c, CL_KERNEL_REFERENCE_COUNT, sizeof(refs),
			      &refs, NULL));
	assert_int_equal(refs, 1);
	CHECK(clGetKernelInfo(k, CL_KERNEL_REFERENCE_COUNT, sizeof(refs),
			      &refs, NULL));
	assert_int_equal(refs, 1);
	CHECK(clGetKernelInfo(c, CL_KERNEL_PROGRAM, sizeof(prog), &prog,
			      NULL));
	assert_ptr_equal(prog, P);
	CHECK(clGetProgramInfo(P, CL_PROGRAM_REFERENCE_COUNT, sizeof(prefs),
			       &prefs, NULL));
	assert_int_equal(prefs, prefs_before + 1);

	/* The clone is ready to run with the source's arguments... */
	memset(a, 0, sizeof(a));
	CHECK(clEnqueueNDRangeKernel(E.queue, c, 1, NULL, &n, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	for (int i = 0; i < 16; i++)
		assert_int_equal(a[i], 3 * i);
	/* ... and setting its arguments leaves the source alone. */
	CHECK(clSetKernelArgSVMPointer(c, 0, b));
	CHECK(clSetKernelArg(c, 1, sizeof(w), &w));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &n, NULL, 0, NULL,
				     NULL));
	CHECK(clEnqueueNDRangeKernel(E.queue, c, 1, NULL, &n, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	for (int i = 0; i < 16; i++) {
		assert_int_equal(a[i], 3 * i);
		assert_int_equal(b[i], 5 * i);
	}
	/*
	 * A buffer argument is cloned with its handle: the clone's command
	 * pins the buffer (a destructor callback proves it ran only after).
	 */
	{
		cl_mem buf = clCreateBuffer(E.context, CL_MEM_USE_HOST_PTR,
					    sizeof(b), b, &err);
		cl_kernel cb;

		CHECK(err);
		CHECK(clSetKernelArg(k, 0, sizeof(buf), &buf));
		cb = clCloneKernel(k, &err);
		CHECK(err);
		CHECK(clReleaseKernel(k));
		k = clCreateKernel(P, "plain", NULL);
		memset(b, 0, sizeof(b));
		CHECK(clEnqueueNDRangeKernel(E.queue, cb, 1, NULL, &n, NULL, 0,
					     NULL, NULL));
		CHECK(clReleaseMemObject(buf));
		CHECK(clFinish(E.queue));
		for (int i = 0; i < 16; i++)
			assert_int_equal(b[i], 3 * i);
		CHECK(clReleaseKernel(cb));
	}
	/* The program cannot be rebuilt while the clone lives. */
	CHECK(clReleaseKernel(k));
	assert_int_equal(clBuildProgram(P, 0, NULL, "-cl-kernel-arg-info",
					NULL, NULL), CL_INVALID_OPERATION);

	/* A clone of a kernel without arguments set is not ready either. */
	unset = clCreateKernel(P, "plain", NULL);
	uc = clCloneKernel(unset, NULL);
	assert_non_null(uc);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, uc, 1, NULL, &n, NULL,
						0, NULL, NULL),
			 CL_INVALID_KERNEL_ARGS);
	CHECK(clReleaseKernel(uc));
	CHECK(clReleaseKernel(unset));
	CHECK(clReleaseKernel(c));

	assert_null(clCloneKernel((cl_kernel)E.queue, &err));
	assert_int_equal(err, CL_INVALID_KERNEL);
}

/*
 * The most arguments CL_DEVICE_MAX_PARAMETER_SIZE allows: 127 longs and a
 * global pointer (128 * 8 = 1024 bytes). Every argument keeps its kind,
 * name and type (a kernel with more than 64 once lost all metadata, and
 * the buffer argument became a by-value one).
 */
static void test_max_parameters(void **state)
{
	enum { NLONG = 127 };
	char *src = malloc(64 * 1024), *p = src;
	cl_long expect = 0, result = 0;
	cl_program prog;
	cl_kernel k;
	cl_mem buf;
	size_t one = 1, maxp = 0;
	char name[32];
	cl_int err;

	(void)state;
	assert_non_null(src);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_PARAMETER_SIZE,
			      sizeof(maxp), &maxp, NULL));
	assert_true(maxp >= (NLONG + 1) * sizeof(cl_long));
	p += sprintf(p, "kernel void many(");
	for (int i = 0; i < NLONG; i++)
		p += sprintf(p, "long a%d, ", i);
	p += sprintf(p, "global long *out)\n{\n\tlong s = 0;\n");
	for (int i = 0; i < NLONG; i++)
		p += sprintf(p, "\ts += a%d * %d;\n", i, i + 1);
	sprintf(p, "\t*out = s;\n}\n");

	prog = clCreateProgramWithSource(E.context, 1, (const char **)&src,
					 NULL, &err);
	CHECK(err);
	CHECK(clBuildProgram(prog, 0, NULL, "-cl-kernel-arg-info", NULL, NULL));
	k = clCreateKernel(prog, "many", &err);
	CHECK(err);
	for (int i = 0; i < NLONG; i++) {
		cl_long v = 1000 + i;

		CHECK(clSetKernelArg(k, i, sizeof(v), &v));
		expect += v * (i + 1);
	}
	buf = clCreateBuffer(E.context, CL_MEM_USE_HOST_PTR, sizeof(result),
			     &result, &err);
	CHECK(err);
	CHECK(clSetKernelArg(k, NLONG, sizeof(buf), &buf));
	CHECK(clGetKernelArgInfo(k, NLONG, CL_KERNEL_ARG_NAME, sizeof(name),
				 name, NULL));
	assert_string_equal(name, "out");
	CHECK(clGetKernelArgInfo(k, 100, CL_KERNEL_ARG_TYPE_NAME, sizeof(name),
				 name, NULL));
	assert_string_equal(name, "long");
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &one, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	assert_int_equal(result, expect);
	clReleaseMemObject(buf);
	clReleaseKernel(k);
	clReleaseProgram(prog);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_kernel_info),
		cmocka_unit_test(test_arg_info),
		cmocka_unit_test(test_work_group_info),
		cmocka_unit_test(test_sub_group_info),
		cmocka_unit_test(test_clone),
		cmocka_unit_test(test_max_parameters),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
