/* SPDX-License-Identifier: MIT */
/*
 * clc_features.h - what the OpenCL C compiler supports, in one place.
 *
 * DOC: Overview
 *
 * The device queries (runtime/device.c, runtime/platform.c) and the front
 * end (clc_frontend.c, which pins clang's macros with -cl-ext) both expand
 * these lists, so CL_DEVICE_OPENCL_C_FEATURES, CL_DEVICE_EXTENSIONS and
 * what a kernel sees under -cl-std=CL3.0 cannot disagree. Add an entry
 * only when the feature compiles and runs (with a test in tests/clc/);
 * for example work-group collective functions would add
 * X(__opencl_c_work_group_collective_functions).
 *
 * Each list is an X-macro: X(name, major, minor, patch).
 */
#ifndef SVMCL_CLC_FEATURES_H
#define SVMCL_CLC_FEATURES_H

/* Optional OpenCL C 3.0 features (all version 3.0.0). */
#define CLC_OPENCL_C_FEATURES(X)					\
	X(__opencl_c_int64, 3, 0, 0)					\
	X(__opencl_c_fp64, 3, 0, 0)					\
	X(__opencl_c_generic_address_space, 3, 0, 0)			\
	X(__opencl_c_program_scope_global_variables, 3, 0, 0)		\
	X(__opencl_c_atomic_order_acq_rel, 3, 0, 0)			\
	X(__opencl_c_atomic_order_seq_cst, 3, 0, 0)			\
	X(__opencl_c_atomic_scope_device, 3, 0, 0)			\
	X(__opencl_c_atomic_scope_all_devices, 3, 0, 0)

/*
 * Features of the list above that clang 19 defines only in the block of
 * opencl-c-base.h that -U__SPIR__ turns off (clc_frontend.c): the front
 * end defines these itself under CL3.0.
 */
#define CLC_CL30_EXTRA_DEFINES						\
	"-D__opencl_c_atomic_scope_device=1",				\
	"-D__opencl_c_atomic_scope_all_devices=1"

/* Extensions kernels can use (#pragma OPENCL EXTENSION, macros). */
#define CLC_KERNEL_EXTENSIONS(X)					\
	X(cl_khr_byte_addressable_store, 1, 0, 0)			\
	X(cl_khr_fp64, 1, 0, 0)					\
	X(cl_khr_int64_base_atomics, 1, 0, 0)				\
	X(cl_khr_int64_extended_atomics, 1, 0, 0)			\
	X(cl_khr_global_int32_base_atomics, 1, 0, 0)			\
	X(cl_khr_global_int32_extended_atomics, 1, 0, 0)

/* Number of entries of a list: CLC_COUNT(CLC_KERNEL_EXTENSIONS). */
#define CLC_COUNT_ONE(name, major, minor, patch) +1
#define CLC_COUNT(list) (0 list(CLC_COUNT_ONE))

/* OpenCL C versions -cl-std accepts; the default is the highest 1.x. */
#define CLC_OPENCL_C_VERSIONS(X)					\
	X(CL1.0, 1, 0, 0)						\
	X(CL1.1, 1, 1, 0)						\
	X(CL1.2, 1, 2, 0)						\
	X(CL2.0, 2, 0, 0)						\
	X(CL3.0, 3, 0, 0)
#define CLC_DEFAULT_CL_STD "-cl-std=CL1.2"

#endif /* SVMCL_CLC_FEATURES_H */
