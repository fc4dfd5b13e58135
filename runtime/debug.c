/* SPDX-License-Identifier: MIT */
/*
 * debug.c - SVMCL_DEBUG categories, CL error names, errno mapping.
 *
 * DOC: Overview
 *
 * SVMCL_DEBUG is a comma- or space-separated list of categories ("api",
 * "queue", "all"). It is read once, on first use; the parsed mask never
 * changes afterwards, so readers need no lock (pthread_once publishes it).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CL/cl_ext.h>

#include "api_error.h"

static pthread_once_t debug_once = PTHREAD_ONCE_INIT;
static unsigned int debug_mask;

static const struct {
	const char *name;
	unsigned int mask;
} debug_categories[] = {
	{ "api", SVMCL_DBG_API },
	{ "queue", SVMCL_DBG_QUEUE },
	{ "all", SVMCL_DBG_ALL },
};

static void debug_parse(void)
{
	const char *env = getenv("SVMCL_DEBUG");
	const char *p = env;

	while (p && *p) {
		size_t len = strcspn(p, ", ");

		for (size_t i = 0; i < sizeof(debug_categories) /
				       sizeof(debug_categories[0]); i++) {
			if (strlen(debug_categories[i].name) == len &&
			    strncmp(p, debug_categories[i].name, len) == 0)
				debug_mask |= debug_categories[i].mask;
		}
		p += len;
		p += strspn(p, ", ");
	}
}

unsigned int svmcl_debug_mask(void)
{
	pthread_once(&debug_once, debug_parse);
	return debug_mask;
}

const char *svmcl_cl_error_name(cl_int err)
{
#define E(x) case x: return #x
	switch (err) {
	E(CL_SUCCESS);
	E(CL_DEVICE_NOT_FOUND);
	E(CL_DEVICE_NOT_AVAILABLE);
	E(CL_COMPILER_NOT_AVAILABLE);
	E(CL_MEM_OBJECT_ALLOCATION_FAILURE);
	E(CL_OUT_OF_RESOURCES);
	E(CL_OUT_OF_HOST_MEMORY);
	E(CL_PROFILING_INFO_NOT_AVAILABLE);
	E(CL_MEM_COPY_OVERLAP);
	E(CL_IMAGE_FORMAT_MISMATCH);
	E(CL_IMAGE_FORMAT_NOT_SUPPORTED);
	E(CL_BUILD_PROGRAM_FAILURE);
	E(CL_MAP_FAILURE);
	E(CL_MISALIGNED_SUB_BUFFER_OFFSET);
	E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	E(CL_COMPILE_PROGRAM_FAILURE);
	E(CL_LINKER_NOT_AVAILABLE);
	E(CL_LINK_PROGRAM_FAILURE);
	E(CL_DEVICE_PARTITION_FAILED);
	E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE);
	E(CL_INVALID_VALUE);
	E(CL_INVALID_DEVICE_TYPE);
	E(CL_INVALID_PLATFORM);
	E(CL_INVALID_DEVICE);
	E(CL_INVALID_CONTEXT);
	E(CL_INVALID_QUEUE_PROPERTIES);
	E(CL_INVALID_COMMAND_QUEUE);
	E(CL_INVALID_HOST_PTR);
	E(CL_INVALID_MEM_OBJECT);
	E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR);
	E(CL_INVALID_IMAGE_SIZE);
	E(CL_INVALID_SAMPLER);
	E(CL_INVALID_BINARY);
	E(CL_INVALID_BUILD_OPTIONS);
	E(CL_INVALID_PROGRAM);
	E(CL_INVALID_PROGRAM_EXECUTABLE);
	E(CL_INVALID_KERNEL_NAME);
	E(CL_INVALID_KERNEL_DEFINITION);
	E(CL_INVALID_KERNEL);
	E(CL_INVALID_ARG_INDEX);
	E(CL_INVALID_ARG_VALUE);
	E(CL_INVALID_ARG_SIZE);
	E(CL_INVALID_KERNEL_ARGS);
	E(CL_INVALID_WORK_DIMENSION);
	E(CL_INVALID_WORK_GROUP_SIZE);
	E(CL_INVALID_WORK_ITEM_SIZE);
	E(CL_INVALID_GLOBAL_OFFSET);
	E(CL_INVALID_EVENT_WAIT_LIST);
	E(CL_INVALID_EVENT);
	E(CL_INVALID_OPERATION);
	E(CL_INVALID_GL_OBJECT);
	E(CL_INVALID_BUFFER_SIZE);
	E(CL_INVALID_MIP_LEVEL);
	E(CL_INVALID_GLOBAL_WORK_SIZE);
	E(CL_INVALID_PROPERTY);
	E(CL_INVALID_IMAGE_DESCRIPTOR);
	E(CL_INVALID_COMPILER_OPTIONS);
	E(CL_INVALID_LINKER_OPTIONS);
	E(CL_INVALID_DEVICE_PARTITION_COUNT);
	E(CL_INVALID_PIPE_SIZE);
	E(CL_INVALID_DEVICE_QUEUE);
	E(CL_INVALID_SPEC_ID);
	E(CL_MAX_SIZE_RESTRICTION_EXCEEDED);
	E(CL_PLATFORM_NOT_FOUND_KHR);
	default:
		return "CL_<unknown>";
	}
#undef E
}

/* "svmcl_clFoo" -> "clFoo": report the API name, not the internal one. */
static const char *api_name(const char *func)
{
	return strncmp(func, "svmcl_", 6) == 0 ? func + 6 : func;
}

void svmcl_api_error(const char *func, cl_int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!svmcl_debug_on(SVMCL_DBG_API))
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err == CL_SUCCESS)	/* pointer-returning calls without a code */
		fprintf(stderr, "svmcl: api: %s: %s\n", api_name(func), msg);
	else
		fprintf(stderr, "svmcl: api: %s: %s: %s\n", api_name(func),
			svmcl_cl_error_name(err), msg);
}

void svmcl_debug(unsigned int category, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *name = "debug";

	if (!svmcl_debug_on(category))
		return;

	for (size_t i = 0; i < sizeof(debug_categories) /
			       sizeof(debug_categories[0]); i++) {
		if (debug_categories[i].mask == category) {
			name = debug_categories[i].name;
			break;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "svmcl: %s: %s\n", name, msg);
}

cl_int svmcl_errno_to_cl(int neg_errno)
{
	switch (neg_errno) {
	case 0:
		return CL_SUCCESS;
	case -ENOMEM:
		return CL_OUT_OF_HOST_MEMORY;
	case -EINVAL:
		return CL_INVALID_VALUE;
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return CL_DEVICE_NOT_AVAILABLE;
	default:
		return CL_OUT_OF_RESOURCES;
	}
}
