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
 * With SVMCL_DEBUG=api every call says which feature it hit.
 *
 * DOC: Locking
 *
 * None.
 */
#include "api.h"
#include "api_error.h"
#include "platform.h"

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

#define ABSENT(err, feature) return absent(__func__, (err), (feature))
#define ABSENT_NULL(feature) return absent_null(__func__, errcode_ret, (feature))
#define ABSENT_IN_CONTEXT(feature) \
	return absent_in_context(__func__, context, errcode_ret, (feature))

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
	ABSENT(CL_INVALID_OPERATION, "native kernels (CL_EXEC_NATIVE_KERNEL)");
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
	ABSENT(CL_INVALID_OPERATION, "images");
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteImage(cl_command_queue command_queue, cl_mem image,
			  cl_bool blocking, const size_t *origin,
			  const size_t *region, size_t row_pitch,
			  size_t slice_pitch, const void *ptr,
			  cl_uint num_events, const cl_event *wait_list,
			  cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyImage(cl_command_queue command_queue, cl_mem src,
			 cl_mem dst, const size_t *src_origin,
			 const size_t *dst_origin, const size_t *region,
			 cl_uint num_events, const cl_event *wait_list,
			 cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyImageToBuffer(cl_command_queue command_queue, cl_mem src,
				 cl_mem dst, const size_t *src_origin,
				 const size_t *region, size_t dst_offset,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "images");
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBufferToImage(cl_command_queue command_queue, cl_mem src,
				 cl_mem dst, size_t src_offset,
				 const size_t *dst_origin, const size_t *region,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "images");
}

void *CL_API_CALL
svmcl_clEnqueueMapImage(cl_command_queue command_queue, cl_mem image,
			cl_bool blocking, cl_map_flags map_flags,
			const size_t *origin, const size_t *region,
			size_t *row_pitch, size_t *slice_pitch,
			cl_uint num_events, const cl_event *wait_list,
			cl_event *event, cl_int *errcode_ret)
{
	ABSENT_NULL("images");
}

cl_int CL_API_CALL
svmcl_clEnqueueFillImage(cl_command_queue command_queue, cl_mem image,
			 const void *fill_color, const size_t *origin,
			 const size_t *region, cl_uint num_events,
			 const cl_event *wait_list, cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "images");
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
	ABSENT_NULL("OpenGL sharing");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture(cl_context context,
					       cl_mem_flags flags,
					       cl_GLenum target,
					       cl_GLint miplevel,
					       cl_GLuint texture,
					       cl_int *errcode_ret)
{
	ABSENT_NULL("OpenGL sharing");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture2D(cl_context context,
						 cl_mem_flags flags,
						 cl_GLenum target,
						 cl_GLint miplevel,
						 cl_GLuint texture,
						 cl_int *errcode_ret)
{
	ABSENT_NULL("OpenGL sharing");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLTexture3D(cl_context context,
						 cl_mem_flags flags,
						 cl_GLenum target,
						 cl_GLint miplevel,
						 cl_GLuint texture,
						 cl_int *errcode_ret)
{
	ABSENT_NULL("OpenGL sharing");
}

cl_mem CL_API_CALL svmcl_clCreateFromGLRenderbuffer(cl_context context,
						    cl_mem_flags flags,
						    cl_GLuint renderbuffer,
						    cl_int *errcode_ret)
{
	ABSENT_NULL("OpenGL sharing");
}

cl_int CL_API_CALL svmcl_clGetGLObjectInfo(cl_mem memobj,
					   cl_gl_object_type *gl_object_type,
					   cl_GLuint *gl_object_name)
{
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_int CL_API_CALL svmcl_clGetGLTextureInfo(cl_mem memobj,
					    cl_gl_texture_info param_name,
					    size_t param_value_size,
					    void *param_value,
					    size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_int CL_API_CALL
svmcl_clEnqueueAcquireGLObjects(cl_command_queue command_queue,
				cl_uint num_objects, const cl_mem *mem_objects,
				cl_uint num_events, const cl_event *wait_list,
				cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_int CL_API_CALL
svmcl_clEnqueueReleaseGLObjects(cl_command_queue command_queue,
				cl_uint num_objects, const cl_mem *mem_objects,
				cl_uint num_events, const cl_event *wait_list,
				cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_int CL_API_CALL
svmcl_clGetGLContextInfoKHR(const cl_context_properties *properties,
			    cl_gl_context_info param_name,
			    size_t param_value_size, void *param_value,
			    size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_OPERATION, "OpenGL sharing");
}

cl_event CL_API_CALL svmcl_clCreateEventFromGLsyncKHR(cl_context context,
						      cl_GLsync sync,
						      cl_int *errcode_ret)
{
	ABSENT_NULL("OpenGL sharing");
}

cl_mem CL_API_CALL
svmcl_clCreateFromEGLImageKHR(cl_context context, CLeglDisplayKHR display,
			      CLeglImageKHR image, cl_mem_flags flags,
			      const cl_egl_image_properties_khr *properties,
			      cl_int *errcode_ret)
{
	ABSENT_NULL("EGL sharing");
}

cl_int CL_API_CALL
svmcl_clEnqueueAcquireEGLObjectsKHR(cl_command_queue command_queue,
				    cl_uint num_objects,
				    const cl_mem *mem_objects,
				    cl_uint num_events,
				    const cl_event *wait_list, cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "EGL sharing");
}

cl_int CL_API_CALL
svmcl_clEnqueueReleaseEGLObjectsKHR(cl_command_queue command_queue,
				    cl_uint num_objects,
				    const cl_mem *mem_objects,
				    cl_uint num_events,
				    const cl_event *wait_list, cl_event *event)
{
	ABSENT(CL_INVALID_OPERATION, "EGL sharing");
}

cl_event CL_API_CALL svmcl_clCreateEventFromEGLSyncKHR(cl_context context,
						       CLeglSyncKHR sync,
						       CLeglDisplayKHR display,
						       cl_int *errcode_ret)
{
	ABSENT_NULL("EGL sharing");
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
