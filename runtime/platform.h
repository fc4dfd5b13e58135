/* SPDX-License-Identifier: MIT */
/*
 * platform.h - the platform and its one device.
 *
 * DOC: Overview
 *
 * svmcl has exactly one platform and one device, both static: handles to
 * them are valid for the life of the process and retain/release on them
 * are no-ops. The device is the software GPU "sgpu0" behind the kmd uAPI
 * (include/svmcl/kmd.h). It is opened lazily, the first time something
 * needs it (a device query that wants the compute-unit count, or a context
 * that needs a VM), and stays open until the process exits: contexts share
 * the handle, each with a VM of its own.
 */
#ifndef SVMCL_PLATFORM_H
#define SVMCL_PLATFORM_H

#include <CL/cl.h>

#include "compiler/clc_features.h"
#include "object.h"

/* What the platform and the device report (platform.c, device.c). */
#define SVMCL_PLATFORM_NAME "svmcl"
#define SVMCL_PLATFORM_VENDOR "svmcl project"
#define SVMCL_ICD_SUFFIX "svmcl"
#define SVMCL_CL_VERSION_STRING "OpenCL 3.0 svmcl " SVMCL_VERSION
#define SVMCL_CL_NUMERIC_VERSION CL_MAKE_VERSION(3, 0, 0)

/*
 * Extensions of the platform and of the device: the same list, in the
 * string and in the *_EXTENSIONS_WITH_VERSION array, which must agree.
 * Only extensions whose queries and kernel features really work go here.
 */
#define SVMCL_EXT_NAME(name, major, minor, patch) " " #name
#define SVMCL_EXTENSIONS "cl_khr_icd" CLC_KERNEL_EXTENSIONS(SVMCL_EXT_NAME)
#define SVMCL_NUM_EXTENSIONS (1 + CLC_COUNT(CLC_KERNEL_EXTENSIONS))
extern const cl_name_version svmcl_extensions[SVMCL_NUM_EXTENSIONS];

/* Work-group limits of the software GPU. */
#define SVMCL_MAX_WORK_GROUP_SIZE 1024
#define SVMCL_PREFERRED_WG_MULTIPLE 8
#define SVMCL_DEFAULT_LOCAL_SIZE 256	/* cap when the runtime chooses */
#define SVMCL_SVM_ALIGNMENT 128		/* default and largest clSVMAlloc alignment */

struct _cl_platform_id {
	SVMCL_ICD_HEADER;
};

/* Filled once by the device probe; read-only afterwards (no lock). */
struct svmcl_device_limits {
	cl_uint compute_units;	/* KMD_IOCTL_GET_INFO, else online CPUs */
	cl_uint clock_mhz;
	cl_ulong global_mem_size;	/* physical memory */
	cl_ulong max_alloc;
	cl_ulong cache_size;
	cl_uint cacheline_size;
};

struct _cl_device_id {
	SVMCL_ICD_HEADER;
	cl_platform_id platform;

	pthread_once_t probe_once;
	struct svmcl_device_limits limits;	/* valid after probe_once */

	/*
	 * The kmd handle, or -1 while not open. Protected by obj.lock until
	 * it is set; once set it never changes.
	 */
	int kmd_fd;
};

extern struct _cl_platform_id svmcl_platform;
extern struct _cl_device_id svmcl_device;

/* Platform lookup shared by slot 0 and clIcdGetPlatformIDsKHR. */
cl_int svmcl_get_platform_ids(cl_uint num_entries, cl_platform_id *platforms,
			      cl_uint *num_platforms);

/* NULL means "the platform" (implementation-defined, as ocl-icd does). */
static inline bool svmcl_platform_ok(cl_platform_id platform)
{
	return platform == NULL || platform == &svmcl_platform;
}

const struct svmcl_device_limits *svmcl_device_limits(cl_device_id dev);

/**
 * svmcl_device_kmd() - the kmd handle of @dev, opening it on first use.
 * Return: the handle (>= 0) or a negative errno from kmd_open().
 */
int svmcl_device_kmd(cl_device_id dev);

#endif /* SVMCL_PLATFORM_H */
