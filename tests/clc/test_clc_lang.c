/* SPDX-License-Identifier: MIT */
/*
 * OpenCL C language versions, the feature and extension macros against
 * the device queries, program-scope global variables, the generic address
 * space, and the build log of an unsupported built-in.
 */
#include <float.h>

#include "clc_util.h"

static void test_cl_std(void **state)
{
	static const struct {
		const char *opts;
		int version;
	} cases[] = {
		{ NULL, 120 },	/* no -cl-std: the highest 1.x (3.0 5.8.6.5) */
		{ "-cl-std=CL1.1", 110 },
		{ "-cl-std=CL1.2", 120 },
		{ "-cl-std=CL2.0", 200 },
		{ "-cl-std=CL3.0", 300 },
	};
	const char *src = "kernel void v(global int *o)"
			  "{ o[0] = __OPENCL_C_VERSION__; }";
	int *out = svm(sizeof(int));
	cl_int status;
	char *log;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		*out = 0;
		run_src(src, cases[i].opts, "v", 1, 1, out, NULL, NULL);
		assert_int_equal(*out, cases[i].version);
	}
	assert_null(try_build(src, "-cl-std=CL2.1", &log, &status));
	assert_int_not_equal(status, CL_SUCCESS);
	assert_non_null(strstr(log, "CL2.1"));
	free(log);
	clSVMFree(E.ctx, out);
}

/*
 * Under CL3.0 the __opencl_c_* macros are exactly
 * CL_DEVICE_OPENCL_C_FEATURES, and the extension macros exactly
 * CL_DEVICE_EXTENSIONS (of those the compiler knows).
 */
static void test_feature_macros(void **state)
{
	static const char *const names[] = {
		"__opencl_c_int64", "__opencl_c_fp64",
		"__opencl_c_generic_address_space",
		"__opencl_c_program_scope_global_variables",
		"__opencl_c_atomic_order_acq_rel",
		"__opencl_c_atomic_order_seq_cst",
		"__opencl_c_atomic_scope_device",
		"__opencl_c_atomic_scope_all_devices", "__opencl_c_images",
		"__opencl_c_3d_image_writes", "__opencl_c_read_write_images",
		"__opencl_c_pipes", "__opencl_c_device_enqueue",
		"__opencl_c_subgroups", "__opencl_c_fp16",
		"__opencl_c_work_group_collective_functions",
		"__opencl_c_integer_dot_product_input_4x8bit",
		"__opencl_c_ext_fp32_global_atomic_add",
		"__opencl_c_kernel_clock_scope_device",
		"cl_khr_fp64", "cl_khr_fp16", "cl_khr_int64_base_atomics",
		"cl_khr_int64_extended_atomics",
		"cl_khr_global_int32_base_atomics",
		"cl_khr_global_int32_extended_atomics",
		"cl_khr_byte_addressable_store", "cl_khr_subgroups",
		"cl_khr_3d_image_writes", "cl_khr_subgroup_ballot",
		"cl_khr_integer_dot_product", "cl_khr_kernel_clock",
		"cl_khr_depth_images",
	};
	cl_name_version feats[64];
	char src[8192], exts[4096];
	size_t size, n = ARRAY_SIZE(names), off;
	int *out = svm(n * sizeof(int));

	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_OPENCL_C_FEATURES,
					 sizeof(feats), feats, &size),
			 CL_SUCCESS);
	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_EXTENSIONS,
					 sizeof(exts), exts, NULL),
			 CL_SUCCESS);
	off = (size_t)snprintf(src, sizeof(src), "kernel void m(global int *o) {\n");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(src + off, sizeof(src) - off,
					"#ifdef %s\no[%zu] = 1;\n#else\no[%zu] = 2;\n"
					"#endif\n", names[i], i, i);
	snprintf(src + off, sizeof(src) - off, "}\n");
	run_src(src, "-cl-std=CL3.0", "m", 1, 1, out, NULL, NULL);

	for (size_t i = 0; i < n; i++) {
		bool reported = false;

		for (size_t k = 0; k < size / sizeof(feats[0]); k++) {
			reported |= !strcmp(feats[k].name, names[i]);
			if (!strcmp(feats[k].name, names[i]))
				assert_int_equal(feats[k].version,
						 CL_MAKE_VERSION(3, 0, 0));
		}
		if (!strncmp(names[i], "cl_", 3)) {
			const char *hit = strstr(exts, names[i]);
			size_t l = strlen(names[i]);

			reported = hit && (hit[l] == ' ' || hit[l] == 0);
		}
		if (out[i] != (reported ? 1 : 2))
			fail_msg("%s: macro %s, device %s", names[i],
				 out[i] == 1 ? "defined" : "undefined",
				 reported ? "reports it" : "does not");
	}
	clSVMFree(E.ctx, out);
}

static void test_device_reporting(void **state)
{
	cl_device_atomic_capabilities caps;
	cl_device_fp_config fp;
	cl_name_version v[16];
	cl_bool b;
	size_t size, gv;
	bool has20 = false;

	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES,
					 sizeof(caps), &caps, NULL), CL_SUCCESS);
	assert_true(caps & CL_DEVICE_ATOMIC_ORDER_SEQ_CST);
	assert_true(caps & CL_DEVICE_ATOMIC_SCOPE_ALL_DEVICES);
	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_DOUBLE_FP_CONFIG,
					 sizeof(fp), &fp, NULL), CL_SUCCESS);
	assert_int_equal(fp & (CL_FP_FMA | CL_FP_ROUND_TO_NEAREST |
			       CL_FP_INF_NAN | CL_FP_DENORM),
			 CL_FP_FMA | CL_FP_ROUND_TO_NEAREST | CL_FP_INF_NAN |
				 CL_FP_DENORM);
	assert_int_equal(clGetDeviceInfo(E.dev,
					 CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT,
					 sizeof(b), &b, NULL), CL_SUCCESS);
	assert_int_equal(b, CL_TRUE);
	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE,
					 sizeof(gv), &gv, NULL), CL_SUCCESS);
	assert_true(gv >= 64 * 1024);
	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_OPENCL_C_ALL_VERSIONS,
					 sizeof(v), v, &size), CL_SUCCESS);
	for (size_t i = 0; i < size / sizeof(v[0]); i++)
		has20 |= v[i].version == CL_MAKE_VERSION(2, 0, 0);
	assert_true(has20);
}

static void test_program_scope_globals(void **state)
{
	const char *src =
		"global int counter = 5;\n"
		"global float table[4] = { 1.5f, 2.5f, 3.5f, 4.5f };\n"
		"constant int k[2] = { 10, 20 };\n"
		"global int *global gp = &counter;\n"
		"static void bump(int *p) { *p += k[1]; }\n"
		"kernel void inc(global int *o, global float *f)\n"
		"{\n"
		"	counter++;\n"
		"	bump(gp);\n"
		"	table[1] *= 2;\n"
		"	o[0] = counter;\n"
		"	f[0] = table[1];\n"
		"}\n";
	cl_program p = build(src, "-cl-std=CL2.0");
	int *o = svm(sizeof(int));
	float *f = svm(sizeof(float));

	for (int i = 1; i <= 3; i++) {
		assert_int_equal(run_kernel(p, "inc", 1, 2, o, f), CL_SUCCESS);
		assert_int_equal(*o, 5 + 21 * i);
		assert_true(*f == 2.5f * (float)(1 << i));
	}
	clReleaseProgram(p);
	clSVMFree(E.ctx, o);
	clSVMFree(E.ctx, f);
}

/* Generic pointers to global (SVM and malloc) and private memory. */
static void test_generic_address_space(void **state)
{
	const char *src =
		"static void put(int *p, int v) { *p = v; }\n"
		"static int get(const int *p) { return *p; }\n"
		"kernel void g(global int *o, global int *sys)\n"
		"{\n"
		"	size_t i = get_global_id(0);\n"
		"	int priv[4] = { 1, 2, 3, 4 };\n"
		"	int *gen = (i & 1) ? &priv[i & 3] : (int *)&o[64 + i];\n"
		"	put(&priv[i & 3], 40 + (int)i);\n"
		"	put(&o[i], get(&priv[i & 3]));\n"
		"	put(&sys[i], get(&o[128 + i]) * 2);\n"
		"	o[192 + i] = (to_global(gen) != 0) * 10 +\n"
		"		     (to_private(gen) != 0) * 20 +\n"
		"		     (to_local(gen) != 0) * 40;\n"
		"	o[320 + i] = get_fence(gen) + get_fence((const int *)gen) * 10;\n"
		"	*gen = 7;\n"
		"	o[256 + i] = get(gen);\n"
		"}\n";
	int *o = svm(512 * sizeof(int));
	int *sys = calloc(64, sizeof(int));	/* fine-grained system SVM */

	for (int i = 0; i < 64; i++)
		o[128 + i] = 1000 + i;
	for (const char *std = "-cl-std=CL2.0"; std;
	     std = strcmp(std, "-cl-std=CL2.0") ? NULL : "-cl-std=CL3.0") {
		run_src(src, std, "g", 64, 2, o, sys, NULL);
		for (int i = 0; i < 64; i++) {
			assert_int_equal(o[i], 40 + i);
			assert_int_equal(sys[i], 2 * (1000 + i));
			assert_int_equal(o[192 + i], (i & 1) ? 20 : 10);
			assert_int_equal(o[256 + i], 7);
			assert_int_equal(o[320 + i], 2 * 11);	/* CLK_GLOBAL_MEM_FENCE */
			if (!(i & 1))
				assert_int_equal(o[64 + i], 7);
		}
	}
	free(sys);
	clSVMFree(E.ctx, o);
}

static void test_unsupported_builtin(void **state)
{
	/* Device-side enqueue is declared under CL2.0 but not supported. */
	const char *src = "kernel void u(global int *o)"
			  "{ ndrange_t r = ndrange_1D(4); o[0] = r.workDimension; }";
	cl_int status;
	char *log;

	assert_null(try_build(src, "-cl-std=CL2.0", &log, &status));
	assert_int_equal(status, CL_BUILD_PROGRAM_FAILURE);
	assert_non_null(strstr(log, "'ndrange_1D'"));
	assert_non_null(strstr(log, "not implemented"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cl_std),
		cmocka_unit_test(test_feature_macros),
		cmocka_unit_test(test_device_reporting),
		cmocka_unit_test(test_program_scope_globals),
		cmocka_unit_test(test_generic_address_space),
		cmocka_unit_test(test_unsupported_builtin),
	};

	return cmocka_run_group_tests(tests, clc_setup, clc_teardown);
}
