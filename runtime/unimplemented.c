/* SPDX-License-Identifier: MIT */
/*
 * unimplemented.c - entry points of optional features svmcl does not have.
 *
 * DOC: Overview
 *
 * The loaders never check a dispatch slot for NULL, so every slot has a
 * function. The ones here belong to features svmcl does not offer
 * (images, samplers, pipes, native kernels, GL/EGL/D3D sharing, the
 * device-fission extension): each returns the error OpenCL 3.0 specifies
 * for a device without the feature. Every core entry point is implemented
 * in its object's file.
 *
 * The handles an entry point is given are checked first, so that a bad
 * queue is CL_INVALID_COMMAND_QUEUE and a bad context CL_INVALID_CONTEXT
 * before the feature's own error:
 *
 *  - image commands, native kernels: CL_INVALID_OPERATION ("the device
 *    associated with command_queue does not support images" / "cannot
 *    execute the native kernel");
 *  - image, sampler and pipe creators: CL_INVALID_OPERATION ("no devices
 *    in context support ...");
 *  - OpenGL sharing: no context is created from an OpenGL context, so a
 *    valid context or queue is CL_INVALID_CONTEXT ("was not created from
 *    an OpenGL context") and a valid buffer CL_INVALID_GL_OBJECT;
 *  - EGL: clCreateFromEGLImageKHR makes images (CL_INVALID_OPERATION),
 *    an EGL sync needs an EGL context (CL_INVALID_CONTEXT), and no memory
 *    object comes from EGL (CL_INVALID_EGL_OBJECT_KHR);
 *  - acquire/release of interop objects with no objects "does nothing and
 *    returns CL_SUCCESS": a marker honours the wait list and the event.
 *
 * The Direct3D and DX9 slots are Windows-only (no loader on Linux calls
 * them): they answer CL_INVALID_OPERATION.
 *
 * With SVMCL_DEBUG=api every call says which feature it hit.
 *
 * DOC: Locking
 *
 * None.
 */
#include <CL/cl_egl.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "mem.h"
#include "platform.h"
#include "queue.h"

static cl_int absent(const char *fn, cl_int err, const char *feature)
{
	svmcl_api_error(fn, err, "%s not supported by svmcl", feature);
	return err;
}

static void *absent_null(const char *fn, cl_int *errcode_ret,
			 const char *feature)
{
	svmcl_api_error(fn, CL_INVALID_OPERATION, "%s not supported by svmcl",
			feature);
	if (errcode_ret)
		*errcode_ret = CL_INVALID_OPERATION;
	return NULL;
}

/*
 * Creators of objects of an absent feature (images, samplers, pipes):
 * an invalid context is CL_INVALID_CONTEXT, a valid one
 * CL_INVALID_OPERATION ("no devices in context support ...").
 */
static void *absent_in_context(const char *fn, cl_context context,
			       cl_int *errcode_ret, const char *feature)
{
	cl_int err = SVMCL_IS_CONTEXT(context) ? CL_INVALID_OPERATION :
						 CL_INVALID_CONTEXT;

	svmcl_api_error(fn, err, "%s not supported by svmcl", feature);
	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

/* Commands of an absent feature: the queue is checked first. */
static cl_int absent_on_queue(const char *fn, cl_command_queue q,
			      const char *feature)
{
	cl_int err = SVMCL_IS_QUEUE(q) ? CL_INVALID_OPERATION :
					 CL_INVALID_COMMAND_QUEUE;

	svmcl_api_error(fn, err, "%s not supported by svmcl", feature);
	return err;
}

/* A creator that needs a context made from another API's context. */
static void *not_from_interop(const char *fn, cl_context context,
			      cl_int *errcode_ret, const char *api)
{
	svmcl_api_error(fn, CL_INVALID_CONTEXT, SVMCL_IS_CONTEXT(context) ?
			"the context was not created from an %s context" :
			"not a valid context (%s sharing)", api);
	if (errcode_ret)
		*errcode_ret = CL_INVALID_CONTEXT;
	return NULL;
}

/*
 * Acquire and release of OpenGL or EGL objects: @not_ours is the error
 * for a valid request (CL_INVALID_CONTEXT for OpenGL: the queue's context
 * was not created from one; CL_INVALID_EGL_OBJECT_KHR for EGL: no memory
 * object was created from an EGL resource).
 */
static cl_int absent_interop_enqueue(const char *fn, cl_command_queue q,
				     cl_uint num_objects,
				     const cl_mem *mem_objects,
				     cl_uint num_events,
				     const cl_event *wait_list,
				     cl_event *event, cl_int not_ours,
				     const char *api)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_QUEUE(q), CL_INVALID_COMMAND_QUEUE,
			      "not a valid command queue");
	SVMCL_RETURN_ERROR_ON((num_objects == 0) != (mem_objects == NULL),
			      CL_INVALID_VALUE,
			      "num_objects %u with mem_objects %p",
			      num_objects, (const void *)mem_objects);
	/* "does nothing and returns CL_SUCCESS" */
	if (num_objects == 0)
		return svmcl_clEnqueueMarkerWithWaitList(q, num_events,
							 wait_list, event);
	if (not_ours == CL_INVALID_CONTEXT)
		return SVMCL_ERROR(not_ours, "the context of the queue was "
				   "not created from an %s context", api);
	for (cl_uint i = 0; i < num_objects; i++)
		SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(mem_objects[i]) ||
				      mem_objects[i]->context != q->context,
				      CL_INVALID_MEM_OBJECT,
				      "mem_objects[%u] is not a memory object of the queue's context",
				      i);
	return SVMCL_ERROR(not_ours, "no memory object comes from %s", api);
}

#define ABSENT(err, feature) return absent(__func__, (err), (feature))
#define ABSENT_NULL(feature) return absent_null(__func__, errcode_ret, (feature))
#define ABSENT_IN_CONTEXT(feature) \
	return absent_in_context(__func__, context, errcode_ret, (feature))
#define ABSENT_ON_QUEUE(feature) \
	return absent_on_queue(__func__, command_queue, (feature))
#define NOT_FROM_INTEROP(api) \
	return not_from_interop(__func__, context, errcode_ret, (api))

/*
 * Features svmcl does not have.
 */

cl_int CL_API_CALL
svmcl_clEnqueueNativeKernel(cl_command_queue command_queue,
			    void (CL_CALLBACK *user_func)(void *), void *args,
			    size_t cb_args, cl_uint num_mem_objects,
			    const cl_mem *mem_list, const void **args_mem_loc,
			    cl_uint num_events, const cl_event *wait_list,
			    cl_event *event)
{
	ABSENT_ON_QUEUE("native kernels (CL_EXEC_NATIVE_KERNEL)");
}

/* images */

cl_mem CL_API_CALL svmcl_clCreateImage2D(cl_context context,
					 cl_mem_flags flags,
					 const cl_image_format *format,
					 size_t width, size_t height,
					 size_t row_pitch, void *host_ptr,
					 cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("images");
}

cl_mem CL_API_CALL svmcl_clCreateImage3D(cl_context context,
					 cl_mem_flags flags,
					 const cl_image_format *format,
					 size_t width, size_t height,
					 size_t depth, size_t row_pitch,
					 size_t slice_pitch, void *host_ptr,
					 cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("images");
}

cl_mem CL_API_CALL svmcl_clCreateImage(cl_context context, cl_mem_flags flags,
				       const cl_image_format *format,
				       const cl_image_desc *desc,
				       void *host_ptr, cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("images");
}

cl_mem CL_API_CALL
svmcl_clCreateImageWithProperties(cl_context context,
				  const cl_mem_properties *properties,
				  cl_mem_flags flags,
				  const cl_image_format *format,
				  const cl_image_desc *desc, void *host_ptr,
				  cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("images");
}

cl_int CL_API_CALL
svmcl_clGetSupportedImageFormats(cl_context context, cl_mem_flags flags,
				 cl_mem_object_type image_type,
				 cl_uint num_entries,
				 cl_image_format *image_formats,
				 cl_uint *num_image_formats)
{
	const cl_mem_flags known = CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY |
		CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR |
		CL_MEM_COPY_HOST_PTR | CL_MEM_HOST_WRITE_ONLY |
		CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS |
		CL_MEM_KERNEL_READ_AND_WRITE;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");
	SVMCL_RETURN_ERROR_ON(flags & ~known, CL_INVALID_VALUE,
			      "invalid flags 0x%llx",
			      (unsigned long long)(flags & ~known));
	switch (image_type) {
	case CL_MEM_OBJECT_IMAGE1D:
	case CL_MEM_OBJECT_IMAGE1D_BUFFER:
	case CL_MEM_OBJECT_IMAGE2D:
	case CL_MEM_OBJECT_IMAGE3D:
	case CL_MEM_OBJECT_IMAGE1D_ARRAY:
	case CL_MEM_OBJECT_IMAGE2D_ARRAY:
		break;
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE,
				   "image_type 0x%x is not an image type",
				   image_type);
	}
	SVMCL_RETURN_ERROR_ON(num_entries == 0 && image_formats != NULL,
			      CL_INVALID_VALUE,
			      "num_entries is 0 but image_formats is not NULL");
	/* No images: the list is empty. */
	if (num_image_formats)
		*num_image_formats = 0;
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetImageInfo(cl_mem image, cl_image_info param_name,
					size_t param_value_size,
					void *param_value,
					size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_MEM_OBJECT, "images");
}

cl_int CL_API_CALL
svmcl_clEnqueueReadImage(cl_command_queue command_queue, cl_mem image,
			 cl_bool blocking, const size_t *origin,
			 const size_t *region, size_t row_pitch,
			 size_t slice_pitch, void *ptr, cl_uint num_events,
			 const cl_event *wait_list, cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteImage(cl_command_queue command_queue, cl_mem image,
			  cl_bool blocking, const size_t *origin,
			  const size_t *region, size_t row_pitch,
			  size_t slice_pitch, const void *ptr,
			  cl_uint num_events, const cl_event *wait_list,
			  cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyImage(cl_command_queue command_queue, cl_mem src,
			 cl_mem dst, const size_t *src_origin,
			 const size_t *dst_origin, const size_t *region,
			 cl_uint num_events, const cl_event *wait_list,
			 cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyImageToBuffer(cl_command_queue command_queue, cl_mem src,
				 cl_mem dst, const size_t *src_origin,
				 const size_t *region, size_t dst_offset,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBufferToImage(cl_command_queue command_queue, cl_mem src,
				 cl_mem dst, size_t src_offset,
				 const size_t *dst_origin, const size_t *region,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

void *CL_API_CALL
svmcl_clEnqueueMapImage(cl_command_queue command_queue, cl_mem image,
			cl_bool blocking, cl_map_flags map_flags,
			const size_t *origin, const size_t *region,
			size_t *row_pitch, size_t *slice_pitch,
			cl_uint num_events, const cl_event *wait_list,
			cl_event *event, cl_int *errcode_ret)
{
	cl_int err = absent_on_queue(__func__, command_queue, "images");

	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

cl_int CL_API_CALL
svmcl_clEnqueueFillImage(cl_command_queue command_queue, cl_mem image,
			 const void *fill_color, const size_t *origin,
			 const size_t *region, cl_uint num_events,
			 const cl_event *wait_list, cl_event *event)
{
	ABSENT_ON_QUEUE("images");
}

/* samplers (only meaningful with images) */

cl_sampler CL_API_CALL svmcl_clCreateSampler(cl_context context,
					     cl_bool normalized_coords,
					     cl_addressing_mode addressing,
					     cl_filter_mode filter,
					     cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("samplers");
}

cl_sampler CL_API_CALL
svmcl_clCreateSamplerWithProperties(cl_context context,
				    const cl_sampler_properties *properties,
				    cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("samplers");
}

cl_int CL_API_CALL svmcl_clRetainSampler(cl_sampler sampler)
{
	ABSENT(CL_INVALID_SAMPLER, "samplers");
}

cl_int CL_API_CALL svmcl_clReleaseSampler(cl_sampler sampler)
{
	ABSENT(CL_INVALID_SAMPLER, "samplers");
}

cl_int CL_API_CALL svmcl_clGetSamplerInfo(cl_sampler sampler,
					  cl_sampler_info param_name,
					  size_t param_value_size,
					  void *param_value,
					  size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_SAMPLER, "samplers");
}

/* pipes, on-device queues, IL, sub-groups, program callbacks, timers */

cl_mem CL_API_CALL svmcl_clCreatePipe(cl_context context, cl_mem_flags flags,
				      cl_uint packet_size, cl_uint max_packets,
				      const cl_pipe_properties *properties,
				      cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("pipes");
}

cl_int CL_API_CALL svmcl_clGetPipeInfo(cl_mem pipe, cl_pipe_info param_name,
				       size_t param_value_size,
				       void *param_value,
				       size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_MEM_OBJECT, "pipes");
}

cl_int svmcl_clGetKernelSuggestedLocalWorkSize(cl_command_queue command_queue,
					       cl_kernel kernel,
					       cl_uint work_dim,
					       const size_t *global_work_offset,
					       const size_t *global_work_size,
					       size_t *suggested_local_work_size)
{
	ABSENT(CL_INVALID_OPERATION, "OpenCL 3.1");
}

/* cl_ext_device_fission (not advertised; clCreateSubDevices is core) */

cl_int CL_API_CALL
svmcl_clCreateSubDevicesEXT(cl_device_id in_device,
			    const cl_device_partition_property_ext *properties,
			    cl_uint num_entries, cl_device_id *out_devices,
			    cl_uint *num_devices)
{
	ABSENT(CL_INVALID_OPERATION, "cl_ext_device_fission");
}

cl_int CL_API_CALL svmcl_clRetainDeviceEXT(cl_device_id device)
{
	ABSENT(CL_INVALID_OPERATION, "cl_ext_device_fission");
}

cl_int CL_API_CALL svmcl_clReleaseDeviceEXT(cl_device_id device)
{
	ABSENT(CL_INVALID_OPERATION, "cl_ext_device_fission");
}

/* OpenGL and EGL sharing */

cl_mem CL_API_CALL svmcl_clCreateFromGLBuffer(cl_context context,
					      cl_mem_flags flags,
					      cl_GLuint bufobj,
					      cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture(cl_context context,
					       cl_mem_flags flags,
					       cl_GLenum target,
					       cl_GLint miplevel,
					       cl_GLuint texture,
					       cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture2D(cl_context context,
						 cl_mem_flags flags,
						 cl_GLenum target,
						 cl_GLint miplevel,
						 cl_GLuint texture,
						 cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture3D(cl_context context,
						 cl_mem_flags flags,
						 cl_GLenum target,
						 cl_GLint miplevel,
						 cl_GLuint texture,
						 cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLRenderbuffer(cl_context context,
						    cl_mem_flags flags,
						    cl_GLuint renderbuffer,
						    cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_int CL_API_CALL svmcl_clGetGLObjectInfo(cl_mem memobj,
					   cl_gl_object_type *gl_object_type,
					   cl_GLuint *gl_object_name)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");
	return SVMCL_ERROR(CL_INVALID_GL_OBJECT,
			   "no OpenGL object is associated with the memory object");
}

cl_int CL_API_CALL svmcl_clGetGLTextureInfo(cl_mem memobj,
					    cl_gl_texture_info param_name,
					    size_t param_value_size,
					    void *param_value,
					    size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!svmcl_mem_is_live(memobj), CL_INVALID_MEM_OBJECT,
			      "not a valid memory object");
	return SVMCL_ERROR(CL_INVALID_GL_OBJECT,
			   "no OpenGL object is associated with the memory object");
}

cl_int CL_API_CALL
svmcl_clEnqueueAcquireGLObjects(cl_command_queue command_queue,
				cl_uint num_objects, const cl_mem *mem_objects,
				cl_uint num_events, const cl_event *wait_list,
				cl_event *event)
{
	return absent_interop_enqueue(__func__, command_queue, num_objects,
				      mem_objects, num_events, wait_list,
				      event, CL_INVALID_CONTEXT, "OpenGL");
}

cl_int CL_API_CALL
svmcl_clEnqueueReleaseGLObjects(cl_command_queue command_queue,
				cl_uint num_objects, const cl_mem *mem_objects,
				cl_uint num_events, const cl_event *wait_list,
				cl_event *event)
{
	return absent_interop_enqueue(__func__, command_queue, num_objects,
				      mem_objects, num_events, wait_list,
				      event, CL_INVALID_CONTEXT, "OpenGL");
}

cl_int CL_API_CALL
svmcl_clGetGLContextInfoKHR(const cl_context_properties *properties,
			    cl_gl_context_info param_name,
			    size_t param_value_size, void *param_value,
			    size_t *param_value_size_ret)
{
	/*
	 * "a context or share group object was specified for one of CGL,
	 * EGL, GLX or WGL and the OpenCL implementation does not support
	 * that window-system binding API"
	 */
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_event CL_API_CALL svmcl_clCreateEventFromGLsyncKHR(cl_context context,
						      cl_GLsync sync,
						      cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("OpenGL");
}

cl_mem CL_API_CALL
svmcl_clCreateFromEGLImageKHR(cl_context context, CLeglDisplayKHR display,
			      CLeglImageKHR image, cl_mem_flags flags,
			      const cl_egl_image_properties_khr *properties,
			      cl_int *errcode_ret)
{
	ABSENT_IN_CONTEXT("images (EGL images)");
}

cl_int CL_API_CALL
svmcl_clEnqueueAcquireEGLObjectsKHR(cl_command_queue command_queue,
				    cl_uint num_objects,
				    const cl_mem *mem_objects,
				    cl_uint num_events,
				    const cl_event *wait_list, cl_event *event)
{
	return absent_interop_enqueue(__func__, command_queue, num_objects,
				      mem_objects, num_events, wait_list,
				      event, CL_INVALID_EGL_OBJECT_KHR, "EGL");
}

cl_int CL_API_CALL
svmcl_clEnqueueReleaseEGLObjectsKHR(cl_command_queue command_queue,
				    cl_uint num_objects,
				    const cl_mem *mem_objects,
				    cl_uint num_events,
				    const cl_event *wait_list, cl_event *event)
{
	return absent_interop_enqueue(__func__, command_queue, num_objects,
				      mem_objects, num_events, wait_list,
				      event, CL_INVALID_EGL_OBJECT_KHR, "EGL");
}

cl_event CL_API_CALL svmcl_clCreateEventFromEGLSyncKHR(cl_context context,
						       CLeglSyncKHR sync,
						       CLeglDisplayKHR display,
						       cl_int *errcode_ret)
{
	NOT_FROM_INTEROP("EGL");
}

/* Direct3D 10/11 and DX9 media sharing (Windows-only slots) */

cl_int svmcl_clGetDeviceIDsFromD3D10KHR(cl_platform_id platform,
					cl_uint source, void *object,
					cl_uint set, cl_uint num_entries,
					cl_device_id *devices,
					cl_uint *num_devices)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D10BufferKHR(cl_context context, cl_mem_flags flags,
					void *resource, cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D10Texture2DKHR(cl_context context,
					   cl_mem_flags flags, void *resource,
					   cl_uint subresource,
					   cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D10Texture3DKHR(cl_context context,
					   cl_mem_flags flags, void *resource,
					   cl_uint subresource,
					   cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_int svmcl_clEnqueueAcquireD3D10ObjectsKHR(cl_command_queue command_queue,
					     cl_uint num_objects,
					     const cl_mem *mem_objects,
					     cl_uint num_events,
					     const cl_event *wait_list,
					     cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_int svmcl_clEnqueueReleaseD3D10ObjectsKHR(cl_command_queue command_queue,
					     cl_uint num_objects,
					     const cl_mem *mem_objects,
					     cl_uint num_events,
					     const cl_event *wait_list,
					     cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_int svmcl_clGetDeviceIDsFromD3D11KHR(cl_platform_id platform,
					cl_uint source, void *object,
					cl_uint set, cl_uint num_entries,
					cl_device_id *devices,
					cl_uint *num_devices)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D11BufferKHR(cl_context context, cl_mem_flags flags,
					void *resource, cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D11Texture2DKHR(cl_context context,
					   cl_mem_flags flags, void *resource,
					   cl_uint subresource,
					   cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_mem svmcl_clCreateFromD3D11Texture3DKHR(cl_context context,
					   cl_mem_flags flags, void *resource,
					   cl_uint subresource,
					   cl_int *errcode_ret)
{
	ABSENT_NULL("Direct3D sharing");
}

cl_int svmcl_clEnqueueAcquireD3D11ObjectsKHR(cl_command_queue command_queue,
					     cl_uint num_objects,
					     const cl_mem *mem_objects,
					     cl_uint num_events,
					     const cl_event *wait_list,
					     cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_int svmcl_clEnqueueReleaseD3D11ObjectsKHR(cl_command_queue command_queue,
					     cl_uint num_objects,
					     const cl_mem *mem_objects,
					     cl_uint num_events,
					     const cl_event *wait_list,
					     cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "Direct3D sharing");
}

cl_int svmcl_clGetDeviceIDsFromDX9MediaAdapterKHR(cl_platform_id platform,
						  cl_uint num_adapters,
						  cl_uint *adapter_types,
						  void *adapters,
						  cl_uint adapter_set,
						  cl_uint num_entries,
						  cl_device_id *devices,
						  cl_uint *num_devices)
{
	ABSENT(CL_INVALID_OPERATION, "DX9 media sharing");
}

cl_mem svmcl_clCreateFromDX9MediaSurfaceKHR(cl_context context,
					    cl_mem_flags flags,
					    cl_uint adapter_type,
					    void *surface_info, cl_uint plane,
					    cl_int *errcode_ret)
{
	ABSENT_NULL("DX9 media sharing");
}

cl_int svmcl_clEnqueueAcquireDX9MediaSurfacesKHR(cl_command_queue command_queue,
						 cl_uint num_objects,
						 const cl_mem *mem_objects,
						 cl_uint num_events,
						 const cl_event *wait_list,
						 cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "DX9 media sharing");
}

cl_int svmcl_clEnqueueReleaseDX9MediaSurfacesKHR(cl_command_queue command_queue,
						 cl_uint num_objects,
						 const cl_mem *mem_objects,
						 cl_uint num_events,
						 const cl_event *wait_list,
						 cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "DX9 media sharing");
}
