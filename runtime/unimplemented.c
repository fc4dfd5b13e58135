/* SPDX-License-Identifier: MIT */
/*
 * unimplemented.c - entry points that do not do their job (yet).
 *
 * DOC: Overview
 *
 * The loaders never check a dispatch slot for NULL, so every slot has a
 * function that returns a valid error. Two kinds live here:
 *
 *  - later issues (buffers, SVM commands, markers, user events, binaries,
 *    compile/link, ...): CL_INVALID_OPERATION, or NULL with *errcode_ret
 *    = CL_INVALID_OPERATION for creators. Each moves to its object's file
 *    when implemented;
 *  - features svmcl does not have (images, samplers, pipes, on-device
 *    queues, IL, sub-groups, host timers, native kernels, GL/EGL/D3D
 *    sharing, device fission): the error OpenCL 3.0 specifies for a
 *    device without the feature.
 *
 * With SVMCL_DEBUG=api every call says which kind it hit.
 *
 * DOC: Locking
 *
 * None.
 */
#include "api.h"
#include "api_error.h"
#include "platform.h"

static cl_int todo(const char *fn)
{
	svmcl_api_error(fn, CL_INVALID_OPERATION, "not implemented yet");
	return CL_INVALID_OPERATION;
}

static void *todo_null(const char *fn, cl_int *errcode_ret)
{
	svmcl_api_error(fn, CL_INVALID_OPERATION, "not implemented yet");
	if (errcode_ret)
		*errcode_ret = CL_INVALID_OPERATION;
	return NULL;
}

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

#define TODO() return todo(__func__)
#define TODO_NULL() return todo_null(__func__, errcode_ret)
#define ABSENT(err, feature) return absent(__func__, (err), (feature))
#define ABSENT_NULL(feature) return absent_null(__func__, errcode_ret, (feature))

/*
 * Later issues.
 */

cl_mem CL_API_CALL svmcl_clCreateBuffer(cl_context context, cl_mem_flags flags,
					size_t size, void *host_ptr,
					cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_mem CL_API_CALL
svmcl_clCreateBufferWithProperties(cl_context context,
				   const cl_mem_properties *properties,
				   cl_mem_flags flags, size_t size,
				   void *host_ptr, cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_mem CL_API_CALL svmcl_clCreateSubBuffer(cl_mem buffer, cl_mem_flags flags,
					   cl_buffer_create_type type,
					   const void *info, cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_int CL_API_CALL svmcl_clRetainMemObject(cl_mem memobj)
{
	TODO();
}

cl_int CL_API_CALL svmcl_clReleaseMemObject(cl_mem memobj)
{
	TODO();
}

cl_int CL_API_CALL svmcl_clGetMemObjectInfo(cl_mem memobj,
					    cl_mem_info param_name,
					    size_t param_value_size,
					    void *param_value,
					    size_t *param_value_size_ret)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clSetMemObjectDestructorCallback(cl_mem memobj,
				       void (CL_CALLBACK *pfn_notify)(cl_mem,
								      void *),
				       void *user_data)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueReadBuffer(cl_command_queue command_queue, cl_mem buffer,
			  cl_bool blocking, size_t offset, size_t size,
			  void *ptr, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteBuffer(cl_command_queue command_queue, cl_mem buffer,
			   cl_bool blocking, size_t offset, size_t size,
			   const void *ptr, cl_uint num_events,
			   const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBuffer(cl_command_queue command_queue, cl_mem src,
			  cl_mem dst, size_t src_offset, size_t dst_offset,
			  size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueReadBufferRect(cl_command_queue command_queue, cl_mem buffer,
			      cl_bool blocking, const size_t *buffer_origin,
			      const size_t *host_origin, const size_t *region,
			      size_t buffer_row_pitch,
			      size_t buffer_slice_pitch, size_t host_row_pitch,
			      size_t host_slice_pitch, void *ptr,
			      cl_uint num_events, const cl_event *wait_list,
			      cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueWriteBufferRect(cl_command_queue command_queue, cl_mem buffer,
			       cl_bool blocking, const size_t *buffer_origin,
			       const size_t *host_origin, const size_t *region,
			       size_t buffer_row_pitch,
			       size_t buffer_slice_pitch,
			       size_t host_row_pitch, size_t host_slice_pitch,
			       const void *ptr, cl_uint num_events,
			       const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueCopyBufferRect(cl_command_queue command_queue, cl_mem src,
			      cl_mem dst, const size_t *src_origin,
			      const size_t *dst_origin, const size_t *region,
			      size_t src_row_pitch, size_t src_slice_pitch,
			      size_t dst_row_pitch, size_t dst_slice_pitch,
			      cl_uint num_events, const cl_event *wait_list,
			      cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueFillBuffer(cl_command_queue command_queue, cl_mem buffer,
			  const void *pattern, size_t pattern_size,
			  size_t offset, size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	TODO();
}

void *CL_API_CALL
svmcl_clEnqueueMapBuffer(cl_command_queue command_queue, cl_mem buffer,
			 cl_bool blocking, cl_map_flags map_flags,
			 size_t offset, size_t size, cl_uint num_events,
			 const cl_event *wait_list, cl_event *event,
			 cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_int CL_API_CALL
svmcl_clEnqueueUnmapMemObject(cl_command_queue command_queue, cl_mem memobj,
			      void *mapped_ptr, cl_uint num_events,
			      const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueMigrateMemObjects(cl_command_queue command_queue,
				 cl_uint num_mem_objects,
				 const cl_mem *mem_objects,
				 cl_mem_migration_flags flags,
				 cl_uint num_events, const cl_event *wait_list,
				 cl_event *event)
{
	TODO();
}

cl_program CL_API_CALL
svmcl_clCreateProgramWithBinary(cl_context context, cl_uint num_devices,
				const cl_device_id *device_list,
				const size_t *lengths,
				const unsigned char **binaries,
				cl_int *binary_status, cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_int CL_API_CALL
svmcl_clCompileProgram(cl_program program, cl_uint num_devices,
		       const cl_device_id *device_list, const char *options,
		       cl_uint num_input_headers,
		       const cl_program *input_headers,
		       const char **header_include_names,
		       void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		       void *user_data)
{
	TODO();
}

cl_program CL_API_CALL
svmcl_clLinkProgram(cl_context context, cl_uint num_devices,
		    const cl_device_id *device_list, const char *options,
		    cl_uint num_input_programs,
		    const cl_program *input_programs,
		    void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		    void *user_data, cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_kernel CL_API_CALL svmcl_clCloneKernel(cl_kernel source_kernel,
					  cl_int *errcode_ret)
{
	TODO_NULL();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMFree(cl_command_queue command_queue,
		       cl_uint num_svm_pointers, void *svm_pointers[],
		       void (CL_CALLBACK *pfn_free_func)(cl_command_queue,
							 cl_uint, void *[],
							 void *),
		       void *user_data, cl_uint num_events,
		       const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMemcpy(cl_command_queue command_queue, cl_bool blocking,
			 void *dst_ptr, const void *src_ptr, size_t size,
			 cl_uint num_events, const cl_event *wait_list,
			 cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMemFill(cl_command_queue command_queue, void *svm_ptr,
			  const void *pattern, size_t pattern_size,
			  size_t size, cl_uint num_events,
			  const cl_event *wait_list, cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMap(cl_command_queue command_queue, cl_bool blocking,
		      cl_map_flags flags, void *svm_ptr, size_t size,
		      cl_uint num_events, const cl_event *wait_list,
		      cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMUnmap(cl_command_queue command_queue, void *svm_ptr,
			cl_uint num_events, const cl_event *wait_list,
			cl_event *event)
{
	TODO();
}

cl_int CL_API_CALL
svmcl_clEnqueueSVMMigrateMem(cl_command_queue command_queue,
			     cl_uint num_svm_pointers,
			     const void **svm_pointers, const size_t *sizes,
			     cl_mem_migration_flags flags, cl_uint num_events,
			     const cl_event *wait_list, cl_event *event)
{
	TODO();
}

/*
 * Features svmcl does not have.
 */

cl_program CL_API_CALL
svmcl_clCreateProgramWithBuiltInKernels(cl_context context,
					cl_uint num_devices,
					const cl_device_id *device_list,
					const char *kernel_names,
					cl_int *errcode_ret)
{
	/* CL_DEVICE_BUILT_IN_KERNELS is empty: every name is unsupported. */
	cl_int err = CL_INVALID_VALUE;

	if (!SVMCL_IS_CONTEXT(context))
		err = CL_INVALID_CONTEXT;
	svmcl_api_error(__func__, err, "svmcl has no built-in kernels");
	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

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
	ABSENT_NULL("images");
}

cl_mem CL_API_CALL svmcl_clCreateImage3D(cl_context context,
					 cl_mem_flags flags,
					 const cl_image_format *format,
					 size_t width, size_t height,
					 size_t depth, size_t row_pitch,
					 size_t slice_pitch, void *host_ptr,
					 cl_int *errcode_ret)
{
	ABSENT_NULL("images");
}

cl_mem CL_API_CALL svmcl_clCreateImage(cl_context context, cl_mem_flags flags,
				       const cl_image_format *format,
				       const cl_image_desc *desc,
				       void *host_ptr, cl_int *errcode_ret)
{
	ABSENT_NULL("images");
}

cl_mem CL_API_CALL
svmcl_clCreateImageWithProperties(cl_context context,
				  const cl_mem_properties *properties,
				  cl_mem_flags flags,
				  const cl_image_format *format,
				  const cl_image_desc *desc, void *host_ptr,
				  cl_int *errcode_ret)
{
	ABSENT_NULL("images");
}

cl_int CL_API_CALL
svmcl_clGetSupportedImageFormats(cl_context context, cl_mem_flags flags,
				 cl_mem_object_type image_type,
				 cl_uint num_entries,
				 cl_image_format *image_formats,
				 cl_uint *num_image_formats)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");
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
	ABSENT_NULL("samplers");
}

cl_sampler CL_API_CALL
svmcl_clCreateSamplerWithProperties(cl_context context,
				    const cl_sampler_properties *properties,
				    cl_int *errcode_ret)
{
	ABSENT_NULL("samplers");
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
	ABSENT_NULL("pipes");
}

cl_int CL_API_CALL svmcl_clGetPipeInfo(cl_mem pipe, cl_pipe_info param_name,
				       size_t param_value_size,
				       void *param_value,
				       size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_MEM_OBJECT, "pipes");
}

cl_program CL_API_CALL svmcl_clCreateProgramWithIL(cl_context context,
						   const void *il,
						   size_t length,
						   cl_int *errcode_ret)
{
	ABSENT_NULL("intermediate languages (SPIR-V)");
}

cl_int CL_API_CALL
svmcl_clSetProgramSpecializationConstant(cl_program program, cl_uint spec_id,
					 size_t spec_size,
					 const void *spec_value)
{
	ABSENT(CL_INVALID_OPERATION, "specialization constants (no IL)");
}

cl_int CL_API_CALL
svmcl_clSetProgramReleaseCallback(cl_program program,
				  void (CL_CALLBACK *pfn_notify)(cl_program,
								 void *),
				  void *user_data)
{
	ABSENT(CL_INVALID_OPERATION, "program-scope global destructors");
}

cl_int CL_API_CALL
svmcl_clGetKernelSubGroupInfo(cl_kernel kernel, cl_device_id device,
			      cl_kernel_sub_group_info param_name,
			      size_t input_value_size, const void *input_value,
			      size_t param_value_size, void *param_value,
			      size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_OPERATION, "sub-groups");
}

cl_int CL_API_CALL
svmcl_clGetKernelSubGroupInfoKHR(cl_kernel kernel, cl_device_id device,
				 cl_kernel_sub_group_info param_name,
				 size_t input_value_size,
				 const void *input_value,
				 size_t param_value_size, void *param_value,
				 size_t *param_value_size_ret)
{
	ABSENT(CL_INVALID_OPERATION, "sub-groups");
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
