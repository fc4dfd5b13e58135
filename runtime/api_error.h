/* SPDX-License-Identifier: MIT */
/*
 * api_error.h - error reporting at the OpenCL API boundary.
 *
 * DOC: Overview
 *
 * Below the API (kmd uAPI, compiler, helpers) errors are negative errno
 * values. Each entry point maps them to a CL_* code exactly once, with
 * svmcl_errno_to_cl() or a mapping of its own where the specification asks
 * for a specific code (e.g. CL_BUILD_PROGRAM_FAILURE for a compile error).
 *
 * Entry points use the pocl-style macros below. An entry point has a local
 * `cl_int err` and, when it returns an object, one exit label `ERROR:` where
 * *errcode_ret is written once:
 *
 *	cl_int err = CL_SUCCESS;
 *	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
 *			    "not a valid context");
 *	...
 *	ERROR:
 *	if (errcode_ret)
 *		*errcode_ret = err;
 *
 * The reason is printed to stderr when SVMCL_DEBUG contains "api" (or
 * "all"); by default svmcl is quiet. Device faults are not API errors: they
 * are always printed (see ndrange.c).
 */
#ifndef SVMCL_API_ERROR_H
#define SVMCL_API_ERROR_H

#include <stdbool.h>

#include <CL/cl.h>

/* Debug categories, from the comma-separated SVMCL_DEBUG variable. */
#define SVMCL_DBG_API (1u << 0)		/* "api": why an entry point failed */
#define SVMCL_DBG_QUEUE (1u << 1)	/* "queue": command execution */
#define SVMCL_DBG_ALL (~0u)		/* "all" */

unsigned int svmcl_debug_mask(void);

static inline bool svmcl_debug_on(unsigned int category)
{
	return (svmcl_debug_mask() & category) != 0;
}

/* The name of a CL error code ("CL_INVALID_VALUE"), or "CL_<unknown>". */
const char *svmcl_cl_error_name(cl_int err);

/* Print "svmcl: api: <fn>: <CL_ERROR>: <msg>" when "api" debugging is on. */
void svmcl_api_error(const char *func, cl_int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "svmcl: <category>: <msg>" when @category debugging is on. */
void svmcl_debug(unsigned int category, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The generic mapping of a negative errno to a CL error code. */
cl_int svmcl_errno_to_cl(int neg_errno);

#define SVMCL_GOTO_ERROR_ON(cond, code, ...) \
	do { \
		if (cond) { \
			err = (code); \
			svmcl_api_error(__func__, err, __VA_ARGS__); \
			goto ERROR; \
		} \
	} while (0)

#define SVMCL_RETURN_ERROR_ON(cond, code, ...) \
	do { \
		if (cond) { \
			svmcl_api_error(__func__, (code), __VA_ARGS__); \
			return (code); \
		} \
	} while (0)

/* Log and yield @code: `return SVMCL_ERROR(CL_INVALID_VALUE, "...");` */
#define SVMCL_ERROR(code, ...) \
	(svmcl_api_error(__func__, (code), __VA_ARGS__), (code))

/* For entry points that return a pointer without an errcode_ret. */
#define SVMCL_RETURN_NULL_ON(cond, ...) \
	do { \
		if (cond) { \
			svmcl_api_error(__func__, CL_SUCCESS, __VA_ARGS__); \
			return NULL; \
		} \
	} while (0)

/* Jump to ERROR: with the CL code for a negative errno @e, if @e < 0. */
#define SVMCL_GOTO_ERROR_ERRNO(e, ...) \
	SVMCL_GOTO_ERROR_ON((e) < 0, svmcl_errno_to_cl(e), __VA_ARGS__)

#endif /* SVMCL_API_ERROR_H */
