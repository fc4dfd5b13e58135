/* SPDX-License-Identifier: MIT */
/*
 * api.h - internal names of every OpenCL entry point svmcl implements.
 *
 * DOC: Overview
 *
 * The entry point for clFoo is svmcl_clFoo: a hidden symbol that reaches
 * applications only through the dispatch table (icd/dispatch.c). Nothing
 * inside svmcl calls a cl* name: an ICD that does would bind to the
 * loader's copy of the symbol and be dispatched again.
 *
 * SVMCL_API(clFoo) declares svmcl_clFoo with exactly the type of clFoo as
 * the Khronos headers declare it, so a definition with a wrong signature
 * does not compile; the dispatch table's designated initializers check the
 * same types against CL/cl_icd.h.
 *
 * The list is grouped by the file that defines the functions.
 */
#ifndef SVMCL_API_H
#define SVMCL_API_H

#include <CL/cl_icd.h>

#define SVMCL_API(fn) extern __typeof__(fn) svmcl_##fn

/* platform.c */
SVMCL_API(clGetPlatformIDs);
SVMCL_API(clGetPlatformInfo);
SVMCL_API(clUnloadCompiler);
SVMCL_API(clUnloadPlatformCompiler);
cl_int svmcl_clIcdGetPlatformIDsKHR(cl_uint num_entries,
				    cl_platform_id *platforms,
				    cl_uint *num_platforms);

/* device.c */
SVMCL_API(clGetDeviceIDs);
SVMCL_API(clGetDeviceInfo);
SVMCL_API(clCreateSubDevices);
SVMCL_API(clRetainDevice);
SVMCL_API(clReleaseDevice);

/* context.c */
SVMCL_API(clCreateContext);
SVMCL_API(clCreateContextFromType);
SVMCL_API(clRetainContext);
SVMCL_API(clReleaseContext);
SVMCL_API(clGetContextInfo);
SVMCL_API(clSetContextDestructorCallback);

/* queue.c: queues, markers and barriers */
SVMCL_API(clCreateCommandQueue);
SVMCL_API(clCreateCommandQueueWithProperties);
SVMCL_API(clRetainCommandQueue);
SVMCL_API(clReleaseCommandQueue);
SVMCL_API(clGetCommandQueueInfo);
SVMCL_API(clSetCommandQueueProperty);
SVMCL_API(clSetDefaultDeviceCommandQueue);
SVMCL_API(clFlush);
SVMCL_API(clFinish);
SVMCL_API(clEnqueueMarker);
SVMCL_API(clEnqueueWaitForEvents);
SVMCL_API(clEnqueueBarrier);
SVMCL_API(clEnqueueMarkerWithWaitList);
SVMCL_API(clEnqueueBarrierWithWaitList);

/* event.c: events, user events, timers */
SVMCL_API(clWaitForEvents);
SVMCL_API(clGetEventInfo);
SVMCL_API(clGetEventProfilingInfo);
SVMCL_API(clRetainEvent);
SVMCL_API(clReleaseEvent);
SVMCL_API(clSetEventCallback);
SVMCL_API(clCreateUserEvent);
SVMCL_API(clSetUserEventStatus);
SVMCL_API(clGetDeviceAndHostTimer);
SVMCL_API(clGetHostTimer);

/* mem.c */
SVMCL_API(clCreateBuffer);
SVMCL_API(clCreateBufferWithProperties);
SVMCL_API(clCreateSubBuffer);
SVMCL_API(clRetainMemObject);
SVMCL_API(clReleaseMemObject);
SVMCL_API(clGetMemObjectInfo);
SVMCL_API(clSetMemObjectDestructorCallback);

/* mem_enqueue.c */
SVMCL_API(clEnqueueReadBuffer);
SVMCL_API(clEnqueueWriteBuffer);
SVMCL_API(clEnqueueCopyBuffer);
SVMCL_API(clEnqueueReadBufferRect);
SVMCL_API(clEnqueueWriteBufferRect);
SVMCL_API(clEnqueueCopyBufferRect);
SVMCL_API(clEnqueueFillBuffer);
SVMCL_API(clEnqueueMapBuffer);
SVMCL_API(clEnqueueUnmapMemObject);
SVMCL_API(clEnqueueMigrateMemObjects);

/* svm.c */
SVMCL_API(clSVMAlloc);
SVMCL_API(clSVMFree);

/* svm_enqueue.c */
SVMCL_API(clEnqueueSVMFree);
SVMCL_API(clEnqueueSVMMemcpy);
SVMCL_API(clEnqueueSVMMemFill);
SVMCL_API(clEnqueueSVMMap);
SVMCL_API(clEnqueueSVMUnmap);
SVMCL_API(clEnqueueSVMMigrateMem);

/* program.c (IL, specialization constants, release callbacks: absent) */
SVMCL_API(clCreateProgramWithSource);
SVMCL_API(clCreateProgramWithBinary);
SVMCL_API(clCreateProgramWithBuiltInKernels);
SVMCL_API(clCreateProgramWithIL);
SVMCL_API(clRetainProgram);
SVMCL_API(clReleaseProgram);
SVMCL_API(clGetProgramInfo);
SVMCL_API(clGetProgramBuildInfo);
SVMCL_API(clSetProgramSpecializationConstant);
SVMCL_API(clSetProgramReleaseCallback);

/* program_build.c */
SVMCL_API(clBuildProgram);
SVMCL_API(clCompileProgram);
SVMCL_API(clLinkProgram);

/* kernel.c (sub-groups: absent) */
SVMCL_API(clCreateKernel);
SVMCL_API(clCreateKernelsInProgram);
SVMCL_API(clCloneKernel);
SVMCL_API(clRetainKernel);
SVMCL_API(clReleaseKernel);
SVMCL_API(clSetKernelArg);
SVMCL_API(clSetKernelArgSVMPointer);
SVMCL_API(clSetKernelExecInfo);
SVMCL_API(clGetKernelInfo);
SVMCL_API(clGetKernelArgInfo);
SVMCL_API(clGetKernelWorkGroupInfo);
SVMCL_API(clGetKernelSubGroupInfo);
SVMCL_API(clGetKernelSubGroupInfoKHR);

/* ndrange.c */
SVMCL_API(clEnqueueNDRangeKernel);
SVMCL_API(clEnqueueTask);

/*
 * unimplemented.c: features svmcl does not have, each answering the error
 * the specification gives when the feature is absent.
 */
/* images and samplers */
SVMCL_API(clCreateImage2D);
SVMCL_API(clCreateImage3D);
SVMCL_API(clCreateImage);
SVMCL_API(clCreateImageWithProperties);
SVMCL_API(clGetSupportedImageFormats);
SVMCL_API(clGetImageInfo);
SVMCL_API(clEnqueueReadImage);
SVMCL_API(clEnqueueWriteImage);
SVMCL_API(clEnqueueCopyImage);
SVMCL_API(clEnqueueCopyImageToBuffer);
SVMCL_API(clEnqueueCopyBufferToImage);
SVMCL_API(clEnqueueMapImage);
SVMCL_API(clEnqueueFillImage);
SVMCL_API(clCreateSampler);
SVMCL_API(clCreateSamplerWithProperties);
SVMCL_API(clRetainSampler);
SVMCL_API(clReleaseSampler);
SVMCL_API(clGetSamplerInfo);
/* pipes, native kernels, cl_ext_device_fission */
SVMCL_API(clCreatePipe);
SVMCL_API(clGetPipeInfo);
SVMCL_API(clEnqueueNativeKernel);
SVMCL_API(clCreateSubDevicesEXT);
SVMCL_API(clRetainDeviceEXT);
SVMCL_API(clReleaseDeviceEXT);
/* OpenGL and EGL sharing */
SVMCL_API(clCreateFromGLBuffer);
SVMCL_API(clCreateFromGLTexture);
SVMCL_API(clCreateFromGLTexture2D);
SVMCL_API(clCreateFromGLTexture3D);
SVMCL_API(clCreateFromGLRenderbuffer);
SVMCL_API(clGetGLObjectInfo);
SVMCL_API(clGetGLTextureInfo);
SVMCL_API(clEnqueueAcquireGLObjects);
SVMCL_API(clEnqueueReleaseGLObjects);
SVMCL_API(clGetGLContextInfoKHR);
SVMCL_API(clCreateEventFromGLsyncKHR);
SVMCL_API(clCreateFromEGLImageKHR);
SVMCL_API(clEnqueueAcquireEGLObjectsKHR);
SVMCL_API(clEnqueueReleaseEGLObjectsKHR);
SVMCL_API(clCreateEventFromEGLSyncKHR);

/*
 * Direct3D and DX9 media sharing: Windows-only, so CL/cl_icd.h types these
 * slots void * on Linux and declares no prototypes. The stubs keep the
 * Windows calling shape with the Direct3D types as void *.
 */
cl_int svmcl_clGetDeviceIDsFromD3D10KHR(cl_platform_id, cl_uint, void *,
					cl_uint, cl_uint, cl_device_id *,
					cl_uint *);
cl_mem svmcl_clCreateFromD3D10BufferKHR(cl_context, cl_mem_flags, void *,
					cl_int *);
cl_mem svmcl_clCreateFromD3D10Texture2DKHR(cl_context, cl_mem_flags, void *,
					   cl_uint, cl_int *);
cl_mem svmcl_clCreateFromD3D10Texture3DKHR(cl_context, cl_mem_flags, void *,
					   cl_uint, cl_int *);
cl_int svmcl_clEnqueueAcquireD3D10ObjectsKHR(cl_command_queue, cl_uint,
					     const cl_mem *, cl_uint,
					     const cl_event *, cl_event *);
cl_int svmcl_clEnqueueReleaseD3D10ObjectsKHR(cl_command_queue, cl_uint,
					     const cl_mem *, cl_uint,
					     const cl_event *, cl_event *);
cl_int svmcl_clGetDeviceIDsFromD3D11KHR(cl_platform_id, cl_uint, void *,
					cl_uint, cl_uint, cl_device_id *,
					cl_uint *);
cl_mem svmcl_clCreateFromD3D11BufferKHR(cl_context, cl_mem_flags, void *,
					cl_int *);
cl_mem svmcl_clCreateFromD3D11Texture2DKHR(cl_context, cl_mem_flags, void *,
					   cl_uint, cl_int *);
cl_mem svmcl_clCreateFromD3D11Texture3DKHR(cl_context, cl_mem_flags, void *,
					   cl_uint, cl_int *);
cl_int svmcl_clEnqueueAcquireD3D11ObjectsKHR(cl_command_queue, cl_uint,
					     const cl_mem *, cl_uint,
					     const cl_event *, cl_event *);
cl_int svmcl_clEnqueueReleaseD3D11ObjectsKHR(cl_command_queue, cl_uint,
					     const cl_mem *, cl_uint,
					     const cl_event *, cl_event *);
cl_int svmcl_clGetDeviceIDsFromDX9MediaAdapterKHR(cl_platform_id, cl_uint,
						  cl_uint *, void *, cl_uint,
						  cl_uint, cl_device_id *,
						  cl_uint *);
cl_mem svmcl_clCreateFromDX9MediaSurfaceKHR(cl_context, cl_mem_flags,
					    cl_uint, void *, cl_uint,
					    cl_int *);
cl_int svmcl_clEnqueueAcquireDX9MediaSurfacesKHR(cl_command_queue, cl_uint,
						 const cl_mem *, cl_uint,
						 const cl_event *,
						 cl_event *);
cl_int svmcl_clEnqueueReleaseDX9MediaSurfacesKHR(cl_command_queue, cl_uint,
						 const cl_mem *, cl_uint,
						 const cl_event *,
						 cl_event *);

/* unimplemented.c: OpenCL 3.1 slot 149 (not in the installed headers' table). */
cl_int svmcl_clGetKernelSuggestedLocalWorkSize(cl_command_queue, cl_kernel,
					       cl_uint, const size_t *,
					       const size_t *, size_t *);

/* icd/icd_entry.c: extension function lookup (slots 65 and 107). */
SVMCL_API(clGetExtensionFunctionAddress);
SVMCL_API(clGetExtensionFunctionAddressForPlatform);

#endif /* SVMCL_API_H */
