/* SPDX-License-Identifier: MIT */
/*
 * platform.c - the svmcl platform: discovery and platform queries.
 *
 * DOC: Overview
 *
 * One static platform. clIcdGetPlatformIDsKHR (what the loaders call) and
 * clGetPlatformIDs (slot 0 of the dispatch table; loaders answer that call
 * themselves, but the slot must work) share svmcl_get_platform_ids().
 *
 * DOC: Locking
 *
 * Nothing here changes after load: no locks.
 */
#include <CL/cl_ext.h>

#include "api.h"
#include "api_error.h"
#include "event.h"
#include "info.h"
#include "platform.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_platform_id);

struct _cl_platform_id svmcl_platform = {
	.dispatch = (struct _cl_icd_dispatch *)&svmcl_icd_table.khr,
	.dispatch_data = NULL,
	.obj = {
		.magic = SVMCL_MAGIC_PLATFORM,
		.refcount = 1,
		.lock = PTHREAD_MUTEX_INITIALIZER,
	},
};

const cl_name_version svmcl_extensions[SVMCL_NUM_EXTENSIONS] = {
	{ CL_MAKE_VERSION(1, 0, 0), "cl_khr_icd" },
#define SVMCL_EXT_ENTRY(name, major, minor, patch) \
	{ CL_MAKE_VERSION(major, minor, patch), #name },
	CLC_KERNEL_EXTENSIONS(SVMCL_EXT_ENTRY)
};

cl_int svmcl_get_platform_ids(cl_uint num_entries, cl_platform_id *platforms,
			      cl_uint *num_platforms)
{
	SVMCL_RETURN_ERROR_ON(num_entries == 0 && platforms != NULL,
			      CL_INVALID_VALUE,
			      "num_entries is 0 but platforms is not NULL");
	SVMCL_RETURN_ERROR_ON(platforms == NULL && num_platforms == NULL,
			      CL_INVALID_VALUE,
			      "platforms and num_platforms are both NULL");

	if (platforms)
		platforms[0] = &svmcl_platform;
	if (num_platforms)
		*num_platforms = 1;
	return CL_SUCCESS;
}

cl_int svmcl_clIcdGetPlatformIDsKHR(cl_uint num_entries,
				    cl_platform_id *platforms,
				    cl_uint *num_platforms)
{
	return svmcl_get_platform_ids(num_entries, platforms, num_platforms);
}

cl_int CL_API_CALL svmcl_clGetPlatformIDs(cl_uint num_entries,
					  cl_platform_id *platforms,
					  cl_uint *num_platforms)
{
	return svmcl_get_platform_ids(num_entries, platforms, num_platforms);
}

cl_int CL_API_CALL svmcl_clGetPlatformInfo(cl_platform_id platform,
					   cl_platform_info param_name,
					   size_t param_value_size,
					   void *param_value,
					   size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_platform_ok(platform), CL_INVALID_PLATFORM,
			      "not the svmcl platform");

	switch (param_name) {
	case CL_PLATFORM_PROFILE:
		return SVMCL_INFO_STRING("FULL_PROFILE");
	case CL_PLATFORM_VERSION:
		return SVMCL_INFO_STRING(SVMCL_CL_VERSION_STRING);
	case CL_PLATFORM_NUMERIC_VERSION:
		return SVMCL_INFO_SCALAR(cl_version, SVMCL_CL_NUMERIC_VERSION);
	case CL_PLATFORM_NAME:
		return SVMCL_INFO_STRING(SVMCL_PLATFORM_NAME);
	case CL_PLATFORM_VENDOR:
		return SVMCL_INFO_STRING(SVMCL_PLATFORM_VENDOR);
	case CL_PLATFORM_EXTENSIONS:
		return SVMCL_INFO_STRING(SVMCL_EXTENSIONS);
	case CL_PLATFORM_EXTENSIONS_WITH_VERSION:
		return SVMCL_INFO_ARRAY(svmcl_extensions,
					sizeof(svmcl_extensions));
	case CL_PLATFORM_HOST_TIMER_RESOLUTION:
		/* clGetHostTimer reads CLOCK_MONOTONIC (event.c) */
		return SVMCL_INFO_SCALAR(cl_ulong, svmcl_timer_resolution_ns());
	case CL_PLATFORM_ICD_SUFFIX_KHR:
		return SVMCL_INFO_STRING(SVMCL_ICD_SUFFIX);
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clUnloadPlatformCompiler(cl_platform_id platform)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_platform_ok(platform) || platform == NULL,
			      CL_INVALID_PLATFORM, "not the svmcl platform");
	/* A hint; the compiler has no global state worth dropping yet. */
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clUnloadCompiler(void)
{
	return CL_SUCCESS;
}
