/* SPDX-License-Identifier: MIT */
/*
 * info.h - the one way clGet*Info answers a query.
 *
 * DOC: Overview
 *
 * Every clGet*Info entry point computes the answer into a local value and
 * returns svmcl_info_copy(), which applies the rules of the specification
 * in one place:
 *
 *  - @param_value may be NULL: only the size is reported;
 *  - a non-NULL @param_value smaller than the answer is CL_INVALID_VALUE;
 *  - @param_value_size_ret, when not NULL, receives the answer's size.
 */
#ifndef SVMCL_INFO_H
#define SVMCL_INFO_H

#include <string.h>

#include <CL/cl.h>

#include "api_error.h"

static inline cl_int svmcl_info_copy(const char *func,
				     size_t param_value_size,
				     void *param_value,
				     size_t *param_value_size_ret,
				     const void *src, size_t size)
{
	if (param_value) {
		if (param_value_size < size) {
			svmcl_api_error(func, CL_INVALID_VALUE,
					"param_value_size %zu < %zu",
					param_value_size, size);
			return CL_INVALID_VALUE;
		}
		if (size)
			memcpy(param_value, src, size);
	}
	if (param_value_size_ret)
		*param_value_size_ret = size;
	return CL_SUCCESS;
}

static inline cl_int svmcl_info_string(const char *func,
				       size_t param_value_size,
				       void *param_value,
				       size_t *param_value_size_ret,
				       const char *s)
{
	if (!s)
		s = "";
	return svmcl_info_copy(func, param_value_size, param_value,
			       param_value_size_ret, s, strlen(s) + 1);
}

/*
 * Inside a switch over param_name, with the three output parameters named
 * param_value_size, param_value and param_value_size_ret.
 */
#define SVMCL_INFO_SCALAR(type, value) \
	svmcl_info_copy(__func__, param_value_size, param_value, \
			param_value_size_ret, &(type){ (value) }, sizeof(type))

#define SVMCL_INFO_STRING(s) \
	svmcl_info_string(__func__, param_value_size, param_value, \
			  param_value_size_ret, (s))

#define SVMCL_INFO_ARRAY(ptr, size) \
	svmcl_info_copy(__func__, param_value_size, param_value, \
			param_value_size_ret, (ptr), (size))

#endif /* SVMCL_INFO_H */
