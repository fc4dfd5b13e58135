/* SPDX-License-Identifier: MIT */
/*
 * clc.h - the kernel compiler driver: OpenCL C to software-GPU code.
 *
 * DOC: Overview
 *
 * clc_build() turns OpenCL C source into JIT-compiled work-group functions
 * (sgpu_abi.h):
 *
 *  1. clang (Debian's clang-19, run as a subprocess) compiles the source for
 *     the spir64 target, which keeps OpenCL address spaces in the IR;
 *  2. the module is retargeted to the host, every function gets the compute
 *     unit descriptor as a hidden argument, work-item built-ins become loads
 *     from it, and every load, store and memory intrinsic through a global
 *     or constant pointer is routed through the inline TLB probe and the
 *     miss handler;
 *  3. a work-group function per kernel loops over the work-items;
 *  4. the module is optimised (default<O2>) and handed to ORC's LLJIT.
 *
 * The compiler knows nothing of OpenCL objects: the runtime wraps it.
 * Errors are negative errno values; a build failure is -EINVAL with clang's
 * diagnostics (or ours) in the log.
 */
#ifndef SVMCL_CLC_H
#define SVMCL_CLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "svmcl/sgpu_abi.h"

/* Address space qualifiers of kernel arguments, as clGetKernelArgInfo. */
enum clc_arg_space {
	CLC_ARG_PRIVATE = 0,	/* by value */
	CLC_ARG_GLOBAL,
	CLC_ARG_CONSTANT,
	CLC_ARG_LOCAL,
};

struct clc_arg {
	char *name;		/* may be "" when not recorded */
	char *type_name;	/* e.g. "float*" */
	enum clc_arg_space space;
	uint32_t access_qual;	/* CL_KERNEL_ARG_ACCESS_* value */
	uint32_t type_qual;	/* CL_KERNEL_ARG_TYPE_* bits */
	uint32_t size;		/* bytes the caller passes to clSetKernelArg */
	uint32_t offset;	/* offset in the packed argument block */
};

struct clc_kernel {
	char *name;
	unsigned int num_args;
	struct clc_arg *args;
	uint32_t args_size;	/* size of the packed argument block */
	uint64_t reqd_wg_size[3];	/* 0 when not given */
	sgpu_wg_fn wg_fn;	/* valid while the program lives */
	/*
	 * __attribute__((...)) of the declaration as CL_KERNEL_ATTRIBUTES
	 * spells them ("reqd_work_group_size(8,1,1) vec_type_hint(float4)"),
	 * "" when none; set by clc_build_bitcode().
	 */
	char *attributes;
	uint64_t private_mem_size;	/* bytes of stack per work-item */
	/*
	 * Bytes of local memory the kernel's own __local variables take
	 * (at the start of the unit's block); __local arguments follow, see
	 * clc_kernel_place_local_args().
	 */
	uint32_t local_mem_size;
	bool uses_barriers;	/* runs its work-items as fibers (fiber.c) */
};

/*
 * __local kernel arguments. Their slot in the argument block is 8 bytes:
 * the runtime stores the size given to clSetKernelArg() there, and at
 * enqueue, in its copy of the block, replaces each size with the argument's
 * offset in the unit's local memory (clc_kernel_place_local_args()); the
 * work-group function adds the offset to cu->local_mem. Each argument
 * starts at a multiple of CLC_LOCAL_ARG_ALIGN (the largest OpenCL type,
 * double16, is 128 bytes), after the kernel's own __local variables.
 */
#define CLC_LOCAL_ARG_ALIGN 128u

/*
 * Walks the __local arguments of @k whose sizes are in @args (a size that
 * was never set counts as 0, as CL_KERNEL_LOCAL_MEM_SIZE wants); when
 * @place, replaces each size by its offset. Return: the bytes of local
 * memory a group needs (UINT64_MAX if that overflows); a launch needing
 * more than SGPU_LOCAL_MEM_SIZE cannot run.
 */
static inline uint64_t clc_kernel_local_layout(const struct clc_kernel *k,
					       void *args, bool place)
{
	const uint64_t align = CLC_LOCAL_ARG_ALIGN;
	uint64_t end = k->local_mem_size;

	for (unsigned int i = 0; i < k->num_args; i++) {
		unsigned char *slot = (unsigned char *)args + k->args[i].offset;
		uint64_t size;

		if (k->args[i].space != CLC_ARG_LOCAL)
			continue;
		memcpy(&size, slot, sizeof(size));
		if (end > UINT64_MAX - align)
			return UINT64_MAX;
		end = (end + align - 1) & ~(align - 1);
		if (place)
			memcpy(slot, &end, sizeof(end));
		if (size > UINT64_MAX - end)
			return UINT64_MAX;
		end += size;
	}
	return end;
}

/* CL_KERNEL_LOCAL_MEM_SIZE of @k with the argument sizes set in @args. */
static inline uint64_t clc_kernel_local_mem_size(const struct clc_kernel *k,
						 const void *args)
{
	return clc_kernel_local_layout(k, (void *)args, false);
}

/*
 * At enqueue, on the copy of the argument block: sizes become offsets.
 * Return: as clc_kernel_local_layout().
 */
static inline uint64_t clc_kernel_place_local_args(const struct clc_kernel *k,
						   void *args)
{
	return clc_kernel_local_layout(k, args, true);
}

struct clc_program;

/**
 * clc_build() - compile and JIT a program.
 * @source: NUL-terminated OpenCL C
 * @options: clBuildProgram options (may be NULL)
 * @out: the program on success
 * @log: malloc'd NUL-terminated build log, always set (may be empty);
 *	 the caller frees it
 *
 * clc_compile() then clc_build_bitcode(), without a device description
 * (the binary cache is not used).
 *
 * Return: 0; -EINVAL for a compile error (details in @log); -ENOTSUP for
 * an invalid option; -ENOMEM; -ENOENT when the OpenCL C front end is not
 * installed.
 */
int clc_build(const char *source, const char *options,
	      struct clc_program **out, char **log);

void clc_program_destroy(struct clc_program *prog);

unsigned int clc_program_num_kernels(const struct clc_program *prog);
const struct clc_kernel *clc_program_kernel(const struct clc_program *prog,
					    unsigned int index);
const struct clc_kernel *clc_program_find_kernel(const struct clc_program *prog,
						 const char *name);
/* Bytes of program-scope variables in the global address space. */
size_t clc_program_global_size(const struct clc_program *prog);

/* --- separate compilation, linking and binaries ------------------------- */

/* An embedded header for clc_compile() (clCompileProgram input_headers). */
struct clc_header {
	const char *name;	/* include name, e.g. "mydir/myinc.h" */
	const char *source;	/* NUL-terminated */
};

/**
 * clc_compile() - OpenCL C to spir64 LLVM bitcode (one compiled object).
 * @source: NUL-terminated OpenCL C
 * @options: compile options (may be NULL)
 * @headers: embedded headers, searched before -I directories
 * @num_headers: entries in @headers
 * @device: a description of the device's language features (the binary
 *	    cache key covers it); NULL disables the cache for this call
 * @bc: the bitcode on success, malloc'd
 * @bc_size: its size
 * @log: as clc_build()
 *
 * Runs clang, or takes clang's earlier output for the same input from the
 * binary cache (clc_cache.c).
 *
 * Return: as clc_build().
 */
int clc_compile(const char *source, const char *options,
		const struct clc_header *headers, unsigned int num_headers,
		const char *device, void **bc, size_t *bc_size, char **log);

/* Link option flags (clc_link_options()). */
#define CLC_LINK_LIBRARY	(1u << 0)	/* -create-library */
#define CLC_LINK_ENABLE_OPTIONS	(1u << 1)	/* -enable-link-options */
#define CLC_LINK_NO_SIGNED_ZEROS (1u << 2)
#define CLC_LINK_UNSAFE_MATH	(1u << 3)	/* also -cl-denorms-are-zero */
#define CLC_LINK_FINITE_MATH	(1u << 4)

/**
 * clc_link_options() - parse clLinkProgram options.
 * Return: 0 and the CLC_LINK_* flags in @flags, or -ENOTSUP for an option
 * that is not a linker option (or -enable-link-options without
 * -create-library).
 */
int clc_link_options(const char *options, unsigned int *flags);

/**
 * clc_link() - link compiled objects and libraries into one module.
 * @inputs: spir64 bitcode of each input
 * @sizes: their sizes
 * @n: number of inputs (at least one)
 * @flags: CLC_LINK_* from clc_link_options()
 * @bc: the linked bitcode, malloc'd
 * @bc_size: its size
 * @log: as clc_build(); link errors (duplicate or, for an executable,
 *	 undefined symbols) are explained there
 *
 * Return: 0; -EINVAL for a link error or unreadable input; -ENOMEM.
 */
int clc_link(const void *const *inputs, const size_t *sizes, unsigned int n,
	     unsigned int flags, void **bc, size_t *bc_size, char **log);

/**
 * clc_build_bitcode() - lower, instrument and JIT spir64 bitcode.
 * @bc: bitcode from clc_compile() or clc_link()
 * @bc_size: its size
 * @out: the program on success
 * @log: as clc_build()
 *
 * The optimised module and kernel descriptions for the same @bc (host
 * CPU, SVMCL_MMU and svmcl build) come from the binary cache when it has
 * them, so that only machine code is generated (clc_build() never uses
 * the cache).
 *
 * Return: 0; -EINVAL when the module cannot run on the device (details in
 * @log); -ENOMEM.
 */
int clc_build_bitcode(const void *bc, size_t bc_size,
		      struct clc_program **out, char **log);

/*
 * Program binaries (clc_binary.c): a header (magic, format version, stage,
 * LLVM version, device description, build options) and the stage's spir64
 * bitcode, never host machine code, so a binary re-JITs on any host.
 */
enum clc_binary_type {
	CLC_BINARY_NONE = 0,
	CLC_BINARY_OBJECT,	/* clCompileProgram */
	CLC_BINARY_LIBRARY,	/* clLinkProgram -create-library */
	CLC_BINARY_EXECUTABLE,	/* clBuildProgram, clLinkProgram */
};

/**
 * clc_binary_pack() - wrap bitcode of stage @type as a program binary.
 * Return: 0 and a malloc'd binary in @out / @out_size, or -ENOMEM.
 */
int clc_binary_pack(enum clc_binary_type type, const char *device,
		    const char *options, const void *bc, size_t bc_size,
		    void **out, size_t *out_size);

/**
 * clc_binary_unpack() - check a program binary and find its bitcode.
 * @bin: the binary
 * @size: its size
 * @device: the description the binary must have been made for
 * @type: its stage
 * @bc: points into @bin
 * @bc_size: size of the bitcode
 * @options: malloc'd build options recorded in it (NULL if not wanted)
 *
 * Return: 0; -EINVAL for something that is not an svmcl binary (bad magic,
 * size, checksum or bitcode); -ENOEXEC for one made for another device,
 * format or LLVM version; -ENOMEM.
 */
int clc_binary_unpack(const void *bin, size_t size, const char *device,
		      enum clc_binary_type *type, const void **bc,
		      size_t *bc_size, char **options);

/* --- the binary cache (clc_cache.c) ------------------------------------- */

/*
 * Counters of clc_compile() since the process started, for tests and
 * benchmarks: how often clang ran and what the cache did.
 */
struct clc_cache_stats {
	unsigned long frontend_runs;	/* clang subprocesses */
	unsigned long hits;
	unsigned long misses;		/* includes corrupt entries */
	unsigned long corrupt;		/* entries ignored and rewritten */
	unsigned long stores;
	/* Stage 3 (optimised module and kernel descriptions): */
	unsigned long jit_hits;
	unsigned long jit_misses;	/* includes corrupt entries */
	unsigned long jit_stores;
};

void clc_cache_get_stats(struct clc_cache_stats *stats);

#endif /* SVMCL_CLC_H */
