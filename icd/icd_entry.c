/* SPDX-License-Identifier: MIT */
/*
 * icd_entry.c - what the ICD loaders find by name.
 *
 * DOC: Overview
 *
 * The library exports two symbols (icd/svmcl.map):
 *
 *  - clGetExtensionFunctionAddress: the Khronos loader dlsym()s only this
 *    and asks it for clIcdGetPlatformIDsKHR; ocl-icd asks it for
 *    clIcdGetPlatformIDsKHR and clGetPlatformInfo when dlsym() finds them
 *    not;
 *  - clGetPlatformInfo: ocl-icd skips an ICD that does not export it (or
 *    hand it out), and uses it to check "cl_khr_icd" before it knows the
 *    dispatch table.
 *
 * Everything else is reached through the dispatch table. Both exported
 * functions forward to the hidden svmcl_* implementations; nothing in
 * svmcl calls them, since inside an application the cl* names belong to
 * the loader.
 *
 * The same name table serves dispatch slots 65 (clGetExtensionFunction-
 * Address, through the loader) and 107 (...ForPlatform). It holds the
 * cl_khr_icd entry points and, later, svmcl's own extension functions.
 *
 * DOC: Locking
 *
 * None: constant tables.
 */
#include <string.h>

#include "api.h"
#include "api_error.h"
#include "platform.h"

#define SVMCL_EXPORT __attribute__((visibility("default")))

static const struct {
	const char *name;
	void *fn;
} extension_functions[] = {
	{ "clIcdGetPlatformIDsKHR", (void *)svmcl_clIcdGetPlatformIDsKHR },
	{ "clGetPlatformInfo", (void *)svmcl_clGetPlatformInfo },
};

void *CL_API_CALL svmcl_clGetExtensionFunctionAddress(const char *func_name)
{
	if (!func_name)
		return NULL;
	for (size_t i = 0; i < sizeof(extension_functions) /
			       sizeof(extension_functions[0]); i++) {
		if (strcmp(func_name, extension_functions[i].name) == 0)
			return extension_functions[i].fn;
	}
	svmcl_debug(SVMCL_DBG_API, "no extension function '%s'", func_name);
	return NULL;
}

void *CL_API_CALL
svmcl_clGetExtensionFunctionAddressForPlatform(cl_platform_id platform,
					       const char *func_name)
{
	if (!svmcl_platform_ok(platform) || platform == NULL) {
		svmcl_api_error(__func__, CL_INVALID_PLATFORM,
				"not the svmcl platform");
		return NULL;
	}
	return svmcl_clGetExtensionFunctionAddress(func_name);
}

SVMCL_EXPORT void *CL_API_CALL
clGetExtensionFunctionAddress(const char *func_name)
{
	return svmcl_clGetExtensionFunctionAddress(func_name);
}

SVMCL_EXPORT cl_int CL_API_CALL
clGetPlatformInfo(cl_platform_id platform, cl_platform_info param_name,
		  size_t param_value_size, void *param_value,
		  size_t *param_value_size_ret)
{
	return svmcl_clGetPlatformInfo(platform, param_name, param_value_size,
				       param_value, param_value_size_ret);
}
