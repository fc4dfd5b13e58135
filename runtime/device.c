/* SPDX-License-Identifier: MIT */
/*
 * device.c - the software GPU as an OpenCL device: discovery and queries.
 *
 * DOC: Overview
 *
 * One static device of type CL_DEVICE_TYPE_GPU. It reports OpenCL 3.0
 * with OpenCL C 1.2 as its C version, because not every optional 3.0
 * feature is there; the optional 3.0 features it lacks are reported the
 * way the specification's appendix asks (no images, pipes, device-side
 * enqueue, sub-groups, non-uniform work-groups or work-group collectives,
 * no IL). What it has is all four SVM levels (the kmd mirrors the process
 * address space into the device page tables), the generic address space,
 * program-scope global variables, fp64 and the OpenCL 2.x memory model:
 * every order and scope, all of them coherent with the host (one cache
 * coherent machine). The OpenCL C features and extensions come from
 * compiler/clc_features.h, the list the compiler pins clang's macros with.
 *
 * Limits that depend on the machine (compute units, memory, clock, cache)
 * are probed once, on the first query that needs them. The compute-unit
 * count comes from KMD_IOCTL_GET_INFO; when the kmd cannot be opened it
 * falls back to the number of online CPUs, so queries never fail.
 *
 * DOC: Locking
 *
 * probe_once publishes @limits. obj.lock serialises the lazy kmd_open()
 * in svmcl_device_kmd(); once @kmd_fd is set it never changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <CL/cl_ext.h>

#include "svmcl/kmd.h"
#include "svmcl/sgpu_abi.h"

#include "api.h"
#include "api_error.h"
#include "event.h"
#include "info.h"
#include "platform.h"
#include "printf.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_device_id);

struct _cl_device_id svmcl_device = {
	.dispatch = (struct _cl_icd_dispatch *)&svmcl_icd_table.khr,
	.dispatch_data = NULL,
	.obj = {
		.magic = SVMCL_MAGIC_DEVICE,
		.refcount = 1,
		.lock = PTHREAD_MUTEX_INITIALIZER,
	},
	.platform = &svmcl_platform,
	.probe_once = PTHREAD_ONCE_INIT,
	.kmd_fd = -1,
};

#define DEVICE_NAME "svmcl sgpu0"
#define DEVICE_VERSION "OpenCL 3.0 svmcl"
#define DEVICE_OPENCL_C_VERSION "OpenCL C 1.2 svmcl"
#define DEVICE_CONFORMANCE "v0000-01-01-00"

#define MIB (1024ull * 1024ull)

#define OPENCL_C_VERSION_ENTRY(name, major, minor, patch) \
	{ CL_MAKE_VERSION(major, minor, patch), "OpenCL C" },
#define OPENCL_C_FEATURE_ENTRY(name, major, minor, patch) \
	{ CL_MAKE_VERSION(major, minor, patch), #name },

/* The versions -cl-std accepts. */
static const cl_name_version opencl_c_all_versions[] = {
	CLC_OPENCL_C_VERSIONS(OPENCL_C_VERSION_ENTRY)
};

/* Exactly the __opencl_c_* macros the compiler defines under CL3.0. */
static const cl_name_version opencl_c_features[] = {
	CLC_OPENCL_C_FEATURES(OPENCL_C_FEATURE_ENTRY)
};

/* The OpenCL 2.x memory model, all of it (CL_DEVICE_ATOMIC_*). */
#define ATOMIC_CAPS (CL_DEVICE_ATOMIC_ORDER_RELAXED |			\
		     CL_DEVICE_ATOMIC_ORDER_ACQ_REL |			\
		     CL_DEVICE_ATOMIC_ORDER_SEQ_CST |			\
		     CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP |		\
		     CL_DEVICE_ATOMIC_SCOPE_DEVICE |			\
		     CL_DEVICE_ATOMIC_SCOPE_ALL_DEVICES)

/* Program-scope variables live in the program's JIT memory. */
#define MAX_GLOBAL_VARIABLE_SIZE (1 * MIB)

static const size_t max_work_item_sizes[3] = {
	SVMCL_MAX_WORK_GROUP_SIZE, SVMCL_MAX_WORK_GROUP_SIZE,
	SVMCL_MAX_WORK_GROUP_SIZE,
};

int svmcl_device_kmd(cl_device_id dev)
{
	int fd;

	pthread_mutex_lock(&dev->obj.lock);
	fd = dev->kmd_fd;
	if (fd < 0) {
		fd = kmd_open("sgpu0");
		if (fd >= 0)
			dev->kmd_fd = fd;
		else
			svmcl_debug(SVMCL_DBG_API, "kmd_open(\"sgpu0\"): %d", fd);
	}
	pthread_mutex_unlock(&dev->obj.lock);
	return fd;
}

/* cpufreq's maximum in kHz, else the first "cpu MHz" of /proc/cpuinfo. */
static cl_uint probe_clock_mhz(void)
{
	unsigned long khz = 0;
	double mhz = 0;
	char line[256];
	FILE *f;

	f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
	if (f) {
		if (fscanf(f, "%lu", &khz) != 1)
			khz = 0;
		fclose(f);
		if (khz)
			return (cl_uint)(khz / 1000);
	}
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	}
	fclose(f);
	return (cl_uint)mhz;
}

static void device_probe(void)
{
	struct svmcl_device_limits *l = &svmcl_device.limits;
	struct kmd_gpu_info info = { 0 };
	long pages = sysconf(_SC_PHYS_PAGES);
	long page_size = sysconf(_SC_PAGESIZE);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
	long line = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
	int fd, ret = -ENODEV;

	fd = svmcl_device_kmd(&svmcl_device);
	if (fd >= 0)
		ret = kmd_ioctl(fd, KMD_IOCTL_GET_INFO, &info);
	if (ret == 0 && info.num_compute_units > 0) {
		l->compute_units = info.num_compute_units;
	} else {
		svmcl_debug(SVMCL_DBG_API,
			    "no kmd info (%d): using online CPUs", ret);
		l->compute_units = cpus > 0 ? (cl_uint)cpus : 1;
	}

	l->global_mem_size = (pages > 0 && page_size > 0) ?
		(cl_ulong)pages * (cl_ulong)page_size : 1024 * MIB;

	/* FULL_PROFILE asks for at least max(1/4 of global, 128 MiB). */
	l->max_alloc = l->global_mem_size / 2;
	if (l->max_alloc < 128 * MIB)
		l->max_alloc = 128 * MIB;
	if (ret == 0 && info.max_alloc && info.max_alloc < l->max_alloc)
		l->max_alloc = info.max_alloc;

	if (cache <= 0)
		cache = sysconf(_SC_LEVEL2_CACHE_SIZE);
	l->cache_size = cache > 0 ? (cl_ulong)cache : 1 * MIB;
	l->cacheline_size = line > 0 ? (cl_uint)line : 64;
	l->clock_mhz = probe_clock_mhz();
}

const struct svmcl_device_limits *svmcl_device_limits(cl_device_id dev)
{
	pthread_once(&dev->probe_once, device_probe);
	return &dev->limits;
}

static bool device_type_valid(cl_device_type type)
{
	const cl_device_type known = CL_DEVICE_TYPE_DEFAULT |
		CL_DEVICE_TYPE_CPU | CL_DEVICE_TYPE_GPU |
		CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_CUSTOM;

	return type == CL_DEVICE_TYPE_ALL || (type != 0 && !(type & ~known));
}

cl_int CL_API_CALL svmcl_clGetDeviceIDs(cl_platform_id platform,
					cl_device_type device_type,
					cl_uint num_entries,
					cl_device_id *devices,
					cl_uint *num_devices)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_platform_ok(platform), CL_INVALID_PLATFORM,
			      "not the svmcl platform");
	SVMCL_RETURN_ERROR_ON(!device_type_valid(device_type),
			      CL_INVALID_DEVICE_TYPE,
			      "invalid device_type 0x%llx",
			      (unsigned long long)device_type);
	SVMCL_RETURN_ERROR_ON(num_entries == 0 && devices != NULL,
			      CL_INVALID_VALUE,
			      "num_entries is 0 but devices is not NULL");
	SVMCL_RETURN_ERROR_ON(devices == NULL && num_devices == NULL,
			      CL_INVALID_VALUE,
			      "devices and num_devices are both NULL");

	if (!(device_type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_DEFAULT))) {
		if (num_devices)
			*num_devices = 0;
		return SVMCL_ERROR(CL_DEVICE_NOT_FOUND,
				   "svmcl has one device, of type GPU");
	}

	if (devices)
		devices[0] = &svmcl_device;
	if (num_devices)
		*num_devices = 1;
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetDeviceInfo(cl_device_id device,
					 cl_device_info param_name,
					 size_t param_value_size,
					 void *param_value,
					 size_t *param_value_size_ret)
{
	const struct svmcl_device_limits *l;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device), CL_INVALID_DEVICE,
			      "not a valid device");

	switch (param_name) {
	/* identity */
	case CL_DEVICE_TYPE:
		return SVMCL_INFO_SCALAR(cl_device_type, CL_DEVICE_TYPE_GPU);
	case CL_DEVICE_VENDOR_ID:
		return SVMCL_INFO_SCALAR(cl_uint, 0);
	case CL_DEVICE_NAME:
		return SVMCL_INFO_STRING(DEVICE_NAME);
	case CL_DEVICE_VENDOR:
		return SVMCL_INFO_STRING(SVMCL_PLATFORM_VENDOR);
	case CL_DRIVER_VERSION:
		return SVMCL_INFO_STRING(SVMCL_VERSION);
	case CL_DEVICE_PROFILE:
		return SVMCL_INFO_STRING("FULL_PROFILE");
	case CL_DEVICE_VERSION:
		return SVMCL_INFO_STRING(DEVICE_VERSION);
	case CL_DEVICE_NUMERIC_VERSION:
		return SVMCL_INFO_SCALAR(cl_version, SVMCL_CL_NUMERIC_VERSION);
	case CL_DEVICE_OPENCL_C_VERSION:
		return SVMCL_INFO_STRING(DEVICE_OPENCL_C_VERSION);
	case CL_DEVICE_OPENCL_C_ALL_VERSIONS:
		return SVMCL_INFO_ARRAY(opencl_c_all_versions,
					sizeof(opencl_c_all_versions));
	case CL_DEVICE_OPENCL_C_FEATURES:
		return SVMCL_INFO_ARRAY(opencl_c_features,
					sizeof(opencl_c_features));
	case CL_DEVICE_EXTENSIONS:
		return SVMCL_INFO_STRING(SVMCL_EXTENSIONS);
	case CL_DEVICE_EXTENSIONS_WITH_VERSION:
		return SVMCL_INFO_ARRAY(svmcl_extensions,
					sizeof(svmcl_extensions));
	case CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED:
		return SVMCL_INFO_STRING(DEVICE_CONFORMANCE);
	case CL_DEVICE_PLATFORM:
		return SVMCL_INFO_SCALAR(cl_platform_id, device->platform);
	case CL_DEVICE_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint, 1);
	case CL_DEVICE_AVAILABLE:
	case CL_DEVICE_COMPILER_AVAILABLE:
	case CL_DEVICE_LINKER_AVAILABLE:	/* must equal COMPILER_AVAILABLE */
	case CL_DEVICE_ENDIAN_LITTLE:
	case CL_DEVICE_HOST_UNIFIED_MEMORY:
	case CL_DEVICE_PREFERRED_INTEROP_USER_SYNC:
		return SVMCL_INFO_SCALAR(cl_bool, CL_TRUE);
	case CL_DEVICE_ERROR_CORRECTION_SUPPORT:
		return SVMCL_INFO_SCALAR(cl_bool, CL_FALSE);

	/* compute */
	case CL_DEVICE_MAX_COMPUTE_UNITS:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_uint, l->compute_units);
	case CL_DEVICE_MAX_CLOCK_FREQUENCY:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_uint, l->clock_mhz);
	case CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS:
		return SVMCL_INFO_SCALAR(cl_uint, 3);
	case CL_DEVICE_MAX_WORK_ITEM_SIZES:
		return SVMCL_INFO_ARRAY(max_work_item_sizes,
					sizeof(max_work_item_sizes));
	case CL_DEVICE_MAX_WORK_GROUP_SIZE:
		return SVMCL_INFO_SCALAR(size_t, SVMCL_MAX_WORK_GROUP_SIZE);
	case CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE:
		return SVMCL_INFO_SCALAR(size_t, SVMCL_PREFERRED_WG_MULTIPLE);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_CHAR:
		return SVMCL_INFO_SCALAR(cl_uint, 16);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_SHORT:
		return SVMCL_INFO_SCALAR(cl_uint, 8);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_INT:
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT:
		return SVMCL_INFO_SCALAR(cl_uint, 4);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_LONG:
		return SVMCL_INFO_SCALAR(cl_uint, 2);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE:
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE:
		return SVMCL_INFO_SCALAR(cl_uint, 2);
	case CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF:	/* no cl_khr_fp16 */
	case CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF:
		return SVMCL_INFO_SCALAR(cl_uint, 0);
	case CL_DEVICE_SINGLE_FP_CONFIG:
		return SVMCL_INFO_SCALAR(cl_device_fp_config,
					 CL_FP_DENORM | CL_FP_INF_NAN |
					 CL_FP_ROUND_TO_NEAREST);
	case CL_DEVICE_DOUBLE_FP_CONFIG:
		/* host IEEE double; fma() is the host's fused one */
		return SVMCL_INFO_SCALAR(cl_device_fp_config,
					 CL_FP_FMA | CL_FP_ROUND_TO_NEAREST |
					 CL_FP_ROUND_TO_ZERO |
					 CL_FP_ROUND_TO_INF | CL_FP_INF_NAN |
					 CL_FP_DENORM);
	case CL_DEVICE_ADDRESS_BITS:
		return SVMCL_INFO_SCALAR(cl_uint, 64);
	case CL_DEVICE_EXECUTION_CAPABILITIES:
		return SVMCL_INFO_SCALAR(cl_device_exec_capabilities,
					 CL_EXEC_KERNEL);
	case CL_DEVICE_PROFILING_TIMER_RESOLUTION:
		/* ns; the CLOCK_MONOTONIC of event.c */
		return SVMCL_INFO_SCALAR(size_t, svmcl_timer_resolution_ns());
	case CL_DEVICE_MAX_PARAMETER_SIZE:
		return SVMCL_INFO_SCALAR(size_t, 1024);
	case CL_DEVICE_BUILT_IN_KERNELS:
		return SVMCL_INFO_STRING("");
	case CL_DEVICE_BUILT_IN_KERNELS_WITH_VERSION:
	case CL_DEVICE_ILS_WITH_VERSION:
		return SVMCL_INFO_ARRAY(NULL, 0);
	case CL_DEVICE_IL_VERSION:
		return SVMCL_INFO_STRING("");
	case CL_DEVICE_PRINTF_BUFFER_SIZE:
		return SVMCL_INFO_SCALAR(size_t, SVMCL_PRINTF_BUFFER_SIZE);

	/* memory */
	case CL_DEVICE_GLOBAL_MEM_SIZE:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_ulong, l->global_mem_size);
	case CL_DEVICE_MAX_MEM_ALLOC_SIZE:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_ulong, l->max_alloc);
	case CL_DEVICE_GLOBAL_MEM_CACHE_TYPE:
		return SVMCL_INFO_SCALAR(cl_device_mem_cache_type,
					 CL_READ_WRITE_CACHE);
	case CL_DEVICE_GLOBAL_MEM_CACHE_SIZE:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_ulong, l->cache_size);
	case CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE:
		l = svmcl_device_limits(device);
		return SVMCL_INFO_SCALAR(cl_uint, l->cacheline_size);
	case CL_DEVICE_MEM_BASE_ADDR_ALIGN:	/* in bits */
		return SVMCL_INFO_SCALAR(cl_uint, SVMCL_SVM_ALIGNMENT * 8);
	case CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE:
		return SVMCL_INFO_SCALAR(cl_uint, SVMCL_SVM_ALIGNMENT);
	case CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE:
		return SVMCL_INFO_SCALAR(cl_ulong, 64 * 1024);
	case CL_DEVICE_MAX_CONSTANT_ARGS:
		return SVMCL_INFO_SCALAR(cl_uint, 8);
	case CL_DEVICE_LOCAL_MEM_TYPE:
		/* A block per compute unit, outside the MMU (sgpu_abi.h). */
		return SVMCL_INFO_SCALAR(cl_device_local_mem_type, CL_LOCAL);
	case CL_DEVICE_LOCAL_MEM_SIZE:
		return SVMCL_INFO_SCALAR(cl_ulong, SGPU_LOCAL_MEM_SIZE);
	case CL_DEVICE_SVM_CAPABILITIES:
		return SVMCL_INFO_SCALAR(cl_device_svm_capabilities,
					 CL_DEVICE_SVM_COARSE_GRAIN_BUFFER |
					 CL_DEVICE_SVM_FINE_GRAIN_BUFFER |
					 CL_DEVICE_SVM_FINE_GRAIN_SYSTEM |
					 CL_DEVICE_SVM_ATOMICS);
	case CL_DEVICE_PREFERRED_PLATFORM_ATOMIC_ALIGNMENT:
	case CL_DEVICE_PREFERRED_GLOBAL_ATOMIC_ALIGNMENT:
	case CL_DEVICE_PREFERRED_LOCAL_ATOMIC_ALIGNMENT:
		return SVMCL_INFO_SCALAR(cl_uint, 0);	/* natural alignment */
	case CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES:
		return SVMCL_INFO_SCALAR(cl_device_atomic_capabilities,
					 ATOMIC_CAPS);
	case CL_DEVICE_ATOMIC_FENCE_CAPABILITIES:
		return SVMCL_INFO_SCALAR(cl_device_atomic_capabilities,
					 ATOMIC_CAPS |
					 CL_DEVICE_ATOMIC_SCOPE_WORK_ITEM);
	case CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE:
	case CL_DEVICE_GLOBAL_VARIABLE_PREFERRED_TOTAL_SIZE:
		return SVMCL_INFO_SCALAR(size_t, MAX_GLOBAL_VARIABLE_SIZE);

	/* queues */
	case CL_DEVICE_QUEUE_ON_HOST_PROPERTIES:
		return SVMCL_INFO_SCALAR(cl_command_queue_properties,
					 CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE |
					 CL_QUEUE_PROFILING_ENABLE);
	case CL_DEVICE_QUEUE_ON_DEVICE_PROPERTIES:
		return SVMCL_INFO_SCALAR(cl_command_queue_properties, 0);
	case CL_DEVICE_QUEUE_ON_DEVICE_PREFERRED_SIZE:
	case CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE:
	case CL_DEVICE_MAX_ON_DEVICE_QUEUES:
	case CL_DEVICE_MAX_ON_DEVICE_EVENTS:
		return SVMCL_INFO_SCALAR(cl_uint, 0);
	case CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES:
		return SVMCL_INFO_SCALAR(cl_device_device_enqueue_capabilities, 0);

	/* unsupported optional features (digest 5.2) */
	case CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT:
		return SVMCL_INFO_SCALAR(cl_bool, CL_TRUE);
	case CL_DEVICE_IMAGE_SUPPORT:
	case CL_DEVICE_PIPE_SUPPORT:
	case CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT:
	case CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT:
	case CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS:
		return SVMCL_INFO_SCALAR(cl_bool, CL_FALSE);
	case CL_DEVICE_MAX_READ_IMAGE_ARGS:
	case CL_DEVICE_MAX_WRITE_IMAGE_ARGS:
	case CL_DEVICE_MAX_READ_WRITE_IMAGE_ARGS:
	case CL_DEVICE_MAX_SAMPLERS:
	case CL_DEVICE_IMAGE_PITCH_ALIGNMENT:
	case CL_DEVICE_IMAGE_BASE_ADDRESS_ALIGNMENT:
	case CL_DEVICE_MAX_PIPE_ARGS:
	case CL_DEVICE_PIPE_MAX_ACTIVE_RESERVATIONS:
	case CL_DEVICE_PIPE_MAX_PACKET_SIZE:
	case CL_DEVICE_MAX_NUM_SUB_GROUPS:
		return SVMCL_INFO_SCALAR(cl_uint, 0);
	case CL_DEVICE_IMAGE2D_MAX_WIDTH:
	case CL_DEVICE_IMAGE2D_MAX_HEIGHT:
	case CL_DEVICE_IMAGE3D_MAX_WIDTH:
	case CL_DEVICE_IMAGE3D_MAX_HEIGHT:
	case CL_DEVICE_IMAGE3D_MAX_DEPTH:
	case CL_DEVICE_IMAGE_MAX_BUFFER_SIZE:
	case CL_DEVICE_IMAGE_MAX_ARRAY_SIZE:
		return SVMCL_INFO_SCALAR(size_t, 0);

	/* partitioning: a root device that cannot be partitioned */
	case CL_DEVICE_PARENT_DEVICE:
		return SVMCL_INFO_SCALAR(cl_device_id, NULL);
	case CL_DEVICE_PARTITION_MAX_SUB_DEVICES:
		return SVMCL_INFO_SCALAR(cl_uint, 0);
	case CL_DEVICE_PARTITION_PROPERTIES:
		return SVMCL_INFO_SCALAR(cl_device_partition_property, 0);
	case CL_DEVICE_PARTITION_AFFINITY_DOMAIN:
		return SVMCL_INFO_SCALAR(cl_device_affinity_domain, 0);
	case CL_DEVICE_PARTITION_TYPE:
		return SVMCL_INFO_ARRAY(NULL, 0);

	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clRetainDevice(cl_device_id device)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device), CL_INVALID_DEVICE,
			      "not a valid device");
	return CL_SUCCESS;	/* root device: no-op */
}

cl_int CL_API_CALL svmcl_clReleaseDevice(cl_device_id device)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device), CL_INVALID_DEVICE,
			      "not a valid device");
	return CL_SUCCESS;	/* root device: no-op */
}

cl_int CL_API_CALL
svmcl_clCreateSubDevices(cl_device_id in_device,
			 const cl_device_partition_property *properties,
			 cl_uint num_devices, cl_device_id *out_devices,
			 cl_uint *num_devices_ret)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(in_device), CL_INVALID_DEVICE,
			      "not a valid device");
	SVMCL_RETURN_ERROR_ON(properties == NULL || properties[0] == 0,
			      CL_INVALID_VALUE, "no partition properties");
	SVMCL_RETURN_ERROR_ON(out_devices != NULL && num_devices == 0,
			      CL_INVALID_VALUE,
			      "out_devices given with num_devices 0");
	/* CL_DEVICE_PARTITION_PROPERTIES is empty: nothing is supported. */
	return SVMCL_ERROR(CL_INVALID_VALUE,
			   "partition type 0x%lx not supported by the device",
			   (long)properties[0]);
}
