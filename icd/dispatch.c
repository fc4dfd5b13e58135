/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c - the ICD dispatch table.
 *
 * DOC: Overview
 *
 * Every svmcl handle points at this table (object.h); the ICD loaders
 * call through it for every entry point that takes a handle. Slots are
 * the order of struct _cl_icd_dispatch in CL/cl_icd.h; the number after
 * each initializer is the slot index. Every slot holds a function: the
 * loaders never check for NULL. The Direct3D/DX9 slots are void * in the
 * Linux headers but get functions of the Windows calling shape anyway.
 *
 * This is a plain cl_khr_icd 1.0 table (no CL_ICD2_TAG_KHR in slots 0
 * and 31), which both ocl-icd and the Khronos loader accept.
 *
 * To add an entry point: implement svmcl_clFoo in the object's file,
 * declare it in runtime/api.h and point its slot here at it instead of
 * the stub in runtime/unimplemented.c.
 *
 * DOC: Locking
 *
 * None: the table is constant.
 */
#include "api.h"
#include "object.h"

/* Newer headers add named slots after 148: then name them below. */
static_assert(sizeof(struct _cl_icd_dispatch) == 149 * sizeof(void *),
	      "CL/cl_icd.h changed: initialize the new slots by name");
static_assert(sizeof(struct svmcl_icd_table) == SVMCL_ICD_SLOTS * sizeof(void *),
	      "the table must have SVMCL_ICD_SLOTS slots");

const struct svmcl_icd_table svmcl_icd_table = {
	.khr = {
		.clGetPlatformIDs = svmcl_clGetPlatformIDs,	/* 0 */
		.clGetPlatformInfo = svmcl_clGetPlatformInfo,	/* 1 */
		.clGetDeviceIDs = svmcl_clGetDeviceIDs,	/* 2 */
		.clGetDeviceInfo = svmcl_clGetDeviceInfo,	/* 3 */
		.clCreateContext = svmcl_clCreateContext,	/* 4 */
		.clCreateContextFromType = svmcl_clCreateContextFromType,	/* 5 */
		.clRetainContext = svmcl_clRetainContext,	/* 6 */
		.clReleaseContext = svmcl_clReleaseContext,	/* 7 */
		.clGetContextInfo = svmcl_clGetContextInfo,	/* 8 */
		.clCreateCommandQueue = svmcl_clCreateCommandQueue,	/* 9 */
		.clRetainCommandQueue = svmcl_clRetainCommandQueue,	/* 10 */
		.clReleaseCommandQueue = svmcl_clReleaseCommandQueue,	/* 11 */
		.clGetCommandQueueInfo = svmcl_clGetCommandQueueInfo,	/* 12 */
		.clSetCommandQueueProperty = svmcl_clSetCommandQueueProperty,	/* 13 */
		.clCreateBuffer = svmcl_clCreateBuffer,	/* 14 */
		.clCreateImage2D = svmcl_clCreateImage2D,	/* 15 */
		.clCreateImage3D = svmcl_clCreateImage3D,	/* 16 */
		.clRetainMemObject = svmcl_clRetainMemObject,	/* 17 */
		.clReleaseMemObject = svmcl_clReleaseMemObject,	/* 18 */
		.clGetSupportedImageFormats = svmcl_clGetSupportedImageFormats,	/* 19 */
		.clGetMemObjectInfo = svmcl_clGetMemObjectInfo,	/* 20 */
		.clGetImageInfo = svmcl_clGetImageInfo,	/* 21 */
		.clCreateSampler = svmcl_clCreateSampler,	/* 22 */
		.clRetainSampler = svmcl_clRetainSampler,	/* 23 */
		.clReleaseSampler = svmcl_clReleaseSampler,	/* 24 */
		.clGetSamplerInfo = svmcl_clGetSamplerInfo,	/* 25 */
		.clCreateProgramWithSource = svmcl_clCreateProgramWithSource,	/* 26 */
		.clCreateProgramWithBinary = svmcl_clCreateProgramWithBinary,	/* 27 */
		.clRetainProgram = svmcl_clRetainProgram,	/* 28 */
		.clReleaseProgram = svmcl_clReleaseProgram,	/* 29 */
		.clBuildProgram = svmcl_clBuildProgram,	/* 30 */
		.clUnloadCompiler = svmcl_clUnloadCompiler,	/* 31 */
		.clGetProgramInfo = svmcl_clGetProgramInfo,	/* 32 */
		.clGetProgramBuildInfo = svmcl_clGetProgramBuildInfo,	/* 33 */
		.clCreateKernel = svmcl_clCreateKernel,	/* 34 */
		.clCreateKernelsInProgram = svmcl_clCreateKernelsInProgram,	/* 35 */
		.clRetainKernel = svmcl_clRetainKernel,	/* 36 */
		.clReleaseKernel = svmcl_clReleaseKernel,	/* 37 */
		.clSetKernelArg = svmcl_clSetKernelArg,	/* 38 */
		.clGetKernelInfo = svmcl_clGetKernelInfo,	/* 39 */
		.clGetKernelWorkGroupInfo = svmcl_clGetKernelWorkGroupInfo,	/* 40 */
		.clWaitForEvents = svmcl_clWaitForEvents,	/* 41 */
		.clGetEventInfo = svmcl_clGetEventInfo,	/* 42 */
		.clRetainEvent = svmcl_clRetainEvent,	/* 43 */
		.clReleaseEvent = svmcl_clReleaseEvent,	/* 44 */
		.clGetEventProfilingInfo = svmcl_clGetEventProfilingInfo,	/* 45 */
		.clFlush = svmcl_clFlush,	/* 46 */
		.clFinish = svmcl_clFinish,	/* 47 */
		.clEnqueueReadBuffer = svmcl_clEnqueueReadBuffer,	/* 48 */
		.clEnqueueWriteBuffer = svmcl_clEnqueueWriteBuffer,	/* 49 */
		.clEnqueueCopyBuffer = svmcl_clEnqueueCopyBuffer,	/* 50 */
		.clEnqueueReadImage = svmcl_clEnqueueReadImage,	/* 51 */
		.clEnqueueWriteImage = svmcl_clEnqueueWriteImage,	/* 52 */
		.clEnqueueCopyImage = svmcl_clEnqueueCopyImage,	/* 53 */
		.clEnqueueCopyImageToBuffer = svmcl_clEnqueueCopyImageToBuffer,	/* 54 */
		.clEnqueueCopyBufferToImage = svmcl_clEnqueueCopyBufferToImage,	/* 55 */
		.clEnqueueMapBuffer = svmcl_clEnqueueMapBuffer,	/* 56 */
		.clEnqueueMapImage = svmcl_clEnqueueMapImage,	/* 57 */
		.clEnqueueUnmapMemObject = svmcl_clEnqueueUnmapMemObject,	/* 58 */
		.clEnqueueNDRangeKernel = svmcl_clEnqueueNDRangeKernel,	/* 59 */
		.clEnqueueTask = svmcl_clEnqueueTask,	/* 60 */
		.clEnqueueNativeKernel = svmcl_clEnqueueNativeKernel,	/* 61 */
		.clEnqueueMarker = svmcl_clEnqueueMarker,	/* 62 */
		.clEnqueueWaitForEvents = svmcl_clEnqueueWaitForEvents,	/* 63 */
		.clEnqueueBarrier = svmcl_clEnqueueBarrier,	/* 64 */
		.clGetExtensionFunctionAddress = svmcl_clGetExtensionFunctionAddress,	/* 65 */
		.clCreateFromGLBuffer = svmcl_clCreateFromGLBuffer,	/* 66 */
		.clCreateFromGLTexture2D = svmcl_clCreateFromGLTexture2D,	/* 67 */
		.clCreateFromGLTexture3D = svmcl_clCreateFromGLTexture3D,	/* 68 */
		.clCreateFromGLRenderbuffer = svmcl_clCreateFromGLRenderbuffer,	/* 69 */
		.clGetGLObjectInfo = svmcl_clGetGLObjectInfo,	/* 70 */
		.clGetGLTextureInfo = svmcl_clGetGLTextureInfo,	/* 71 */
		.clEnqueueAcquireGLObjects = svmcl_clEnqueueAcquireGLObjects,	/* 72 */
		.clEnqueueReleaseGLObjects = svmcl_clEnqueueReleaseGLObjects,	/* 73 */
		.clGetGLContextInfoKHR = svmcl_clGetGLContextInfoKHR,	/* 74 */
		.clGetDeviceIDsFromD3D10KHR = (void *)svmcl_clGetDeviceIDsFromD3D10KHR,	/* 75 */
		.clCreateFromD3D10BufferKHR = (void *)svmcl_clCreateFromD3D10BufferKHR,	/* 76 */
		.clCreateFromD3D10Texture2DKHR = (void *)svmcl_clCreateFromD3D10Texture2DKHR,	/* 77 */
		.clCreateFromD3D10Texture3DKHR = (void *)svmcl_clCreateFromD3D10Texture3DKHR,	/* 78 */
		.clEnqueueAcquireD3D10ObjectsKHR = (void *)svmcl_clEnqueueAcquireD3D10ObjectsKHR,	/* 79 */
		.clEnqueueReleaseD3D10ObjectsKHR = (void *)svmcl_clEnqueueReleaseD3D10ObjectsKHR,	/* 80 */
		.clSetEventCallback = svmcl_clSetEventCallback,	/* 81 */
		.clCreateSubBuffer = svmcl_clCreateSubBuffer,	/* 82 */
		.clSetMemObjectDestructorCallback = svmcl_clSetMemObjectDestructorCallback,	/* 83 */
		.clCreateUserEvent = svmcl_clCreateUserEvent,	/* 84 */
		.clSetUserEventStatus = svmcl_clSetUserEventStatus,	/* 85 */
		.clEnqueueReadBufferRect = svmcl_clEnqueueReadBufferRect,	/* 86 */
		.clEnqueueWriteBufferRect = svmcl_clEnqueueWriteBufferRect,	/* 87 */
		.clEnqueueCopyBufferRect = svmcl_clEnqueueCopyBufferRect,	/* 88 */
		.clCreateSubDevicesEXT = svmcl_clCreateSubDevicesEXT,	/* 89 */
		.clRetainDeviceEXT = svmcl_clRetainDeviceEXT,	/* 90 */
		.clReleaseDeviceEXT = svmcl_clReleaseDeviceEXT,	/* 91 */
		.clCreateEventFromGLsyncKHR = svmcl_clCreateEventFromGLsyncKHR,	/* 92 */
		.clCreateSubDevices = svmcl_clCreateSubDevices,	/* 93 */
		.clRetainDevice = svmcl_clRetainDevice,	/* 94 */
		.clReleaseDevice = svmcl_clReleaseDevice,	/* 95 */
		.clCreateImage = svmcl_clCreateImage,	/* 96 */
		.clCreateProgramWithBuiltInKernels = svmcl_clCreateProgramWithBuiltInKernels,	/* 97 */
		.clCompileProgram = svmcl_clCompileProgram,	/* 98 */
		.clLinkProgram = svmcl_clLinkProgram,	/* 99 */
		.clUnloadPlatformCompiler = svmcl_clUnloadPlatformCompiler,	/* 100 */
		.clGetKernelArgInfo = svmcl_clGetKernelArgInfo,	/* 101 */
		.clEnqueueFillBuffer = svmcl_clEnqueueFillBuffer,	/* 102 */
		.clEnqueueFillImage = svmcl_clEnqueueFillImage,	/* 103 */
		.clEnqueueMigrateMemObjects = svmcl_clEnqueueMigrateMemObjects,	/* 104 */
		.clEnqueueMarkerWithWaitList = svmcl_clEnqueueMarkerWithWaitList,	/* 105 */
		.clEnqueueBarrierWithWaitList = svmcl_clEnqueueBarrierWithWaitList,	/* 106 */
		.clGetExtensionFunctionAddressForPlatform = svmcl_clGetExtensionFunctionAddressForPlatform,	/* 107 */
		.clCreateFromGLTexture = svmcl_clCreateFromGLTexture,	/* 108 */
		.clGetDeviceIDsFromD3D11KHR = (void *)svmcl_clGetDeviceIDsFromD3D11KHR,	/* 109 */
		.clCreateFromD3D11BufferKHR = (void *)svmcl_clCreateFromD3D11BufferKHR,	/* 110 */
		.clCreateFromD3D11Texture2DKHR = (void *)svmcl_clCreateFromD3D11Texture2DKHR,	/* 111 */
		.clCreateFromD3D11Texture3DKHR = (void *)svmcl_clCreateFromD3D11Texture3DKHR,	/* 112 */
		.clCreateFromDX9MediaSurfaceKHR = (void *)svmcl_clCreateFromDX9MediaSurfaceKHR,	/* 113 */
		.clEnqueueAcquireD3D11ObjectsKHR = (void *)svmcl_clEnqueueAcquireD3D11ObjectsKHR,	/* 114 */
		.clEnqueueReleaseD3D11ObjectsKHR = (void *)svmcl_clEnqueueReleaseD3D11ObjectsKHR,	/* 115 */
		.clGetDeviceIDsFromDX9MediaAdapterKHR = (void *)svmcl_clGetDeviceIDsFromDX9MediaAdapterKHR,	/* 116 */
		.clEnqueueAcquireDX9MediaSurfacesKHR = (void *)svmcl_clEnqueueAcquireDX9MediaSurfacesKHR,	/* 117 */
		.clEnqueueReleaseDX9MediaSurfacesKHR = (void *)svmcl_clEnqueueReleaseDX9MediaSurfacesKHR,	/* 118 */
		.clCreateFromEGLImageKHR = svmcl_clCreateFromEGLImageKHR,	/* 119 */
		.clEnqueueAcquireEGLObjectsKHR = svmcl_clEnqueueAcquireEGLObjectsKHR,	/* 120 */
		.clEnqueueReleaseEGLObjectsKHR = svmcl_clEnqueueReleaseEGLObjectsKHR,	/* 121 */
		.clCreateEventFromEGLSyncKHR = svmcl_clCreateEventFromEGLSyncKHR,	/* 122 */
		.clCreateCommandQueueWithProperties = svmcl_clCreateCommandQueueWithProperties,	/* 123 */
		.clCreatePipe = svmcl_clCreatePipe,	/* 124 */
		.clGetPipeInfo = svmcl_clGetPipeInfo,	/* 125 */
		.clSVMAlloc = svmcl_clSVMAlloc,	/* 126 */
		.clSVMFree = svmcl_clSVMFree,	/* 127 */
		.clEnqueueSVMFree = svmcl_clEnqueueSVMFree,	/* 128 */
		.clEnqueueSVMMemcpy = svmcl_clEnqueueSVMMemcpy,	/* 129 */
		.clEnqueueSVMMemFill = svmcl_clEnqueueSVMMemFill,	/* 130 */
		.clEnqueueSVMMap = svmcl_clEnqueueSVMMap,	/* 131 */
		.clEnqueueSVMUnmap = svmcl_clEnqueueSVMUnmap,	/* 132 */
		.clCreateSamplerWithProperties = svmcl_clCreateSamplerWithProperties,	/* 133 */
		.clSetKernelArgSVMPointer = svmcl_clSetKernelArgSVMPointer,	/* 134 */
		.clSetKernelExecInfo = svmcl_clSetKernelExecInfo,	/* 135 */
		.clGetKernelSubGroupInfoKHR = svmcl_clGetKernelSubGroupInfoKHR,	/* 136 */
		.clCloneKernel = svmcl_clCloneKernel,	/* 137 */
		.clCreateProgramWithIL = svmcl_clCreateProgramWithIL,	/* 138 */
		.clEnqueueSVMMigrateMem = svmcl_clEnqueueSVMMigrateMem,	/* 139 */
		.clGetDeviceAndHostTimer = svmcl_clGetDeviceAndHostTimer,	/* 140 */
		.clGetHostTimer = svmcl_clGetHostTimer,	/* 141 */
		.clGetKernelSubGroupInfo = svmcl_clGetKernelSubGroupInfo,	/* 142 */
		.clSetDefaultDeviceCommandQueue = svmcl_clSetDefaultDeviceCommandQueue,	/* 143 */
		.clSetProgramReleaseCallback = svmcl_clSetProgramReleaseCallback,	/* 144 */
		.clSetProgramSpecializationConstant = svmcl_clSetProgramSpecializationConstant,	/* 145 */
		.clCreateBufferWithProperties = svmcl_clCreateBufferWithProperties,	/* 146 */
		.clCreateImageWithProperties = svmcl_clCreateImageWithProperties,	/* 147 */
		.clSetContextDestructorCallback = svmcl_clSetContextDestructorCallback,	/* 148 */
	},
	.tail = {
		/* 149: clGetKernelSuggestedLocalWorkSize (OpenCL 3.1) */
		(void *)svmcl_clGetKernelSuggestedLocalWorkSize,
	},
};
