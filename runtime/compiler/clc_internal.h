/* SPDX-License-Identifier: MIT */
/*
 * clc_internal.h - shared pieces of the kernel compiler's stages.
 */
#ifndef SVMCL_CLC_INTERNAL_H
#define SVMCL_CLC_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "compiler/clc.h"

/* OpenCL address spaces as clang's spir64 target numbers them. */
#define CLC_AS_PRIVATE 0
#define CLC_AS_GLOBAL 1
#define CLC_AS_CONSTANT 2
#define CLC_AS_LOCAL 3
#define CLC_AS_GENERIC 4

/* A growable build log. */
struct clc_log {
	char *buf;
	size_t len;
	size_t cap;
};

void clc_log_append(struct clc_log *log, const char *text, size_t len);
void clc_log_printf(struct clc_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One kernel found in the module, before and after lowering. */
struct clc_kernel_ir {
	struct clc_kernel info;
	LLVMValueRef fn;	/* the lowered kernel (hidden argument last) */
};

struct clc_module {
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMTargetDataRef td;
	struct clc_kernel_ir *kernels;
	unsigned int num_kernels;
	struct clc_log *log;
	/* Set by the lowering pass. */
	LLVMTypeRef i32, i64, ptr;
	LLVMTypeRef miss_fn_ty, copy_fn_ty, set_fn_ty;
};

/*
 * clc_frontend.c: OpenCL C to spir64 bitcode (malloc'd @bc), in process;
 * @dir is the current directory for #include and -I.
 */
int clc_frontend_compile(const char *source, const char *options,
			 const char *dir, void **bc, size_t *bc_size,
			 struct clc_log *log);

/* clc_lower.c: retarget, hidden argument, built-ins, kernel metadata. */
int clc_lower_module(struct clc_module *m, const char *triple,
		     const char *datalayout);

/*
 * clc_barrier.c: synchronisation built-ins, kernels with barriers, __local
 * variables (run by clc_lower_module()); after optimisation, refuse types
 * the back end cannot generate code for.
 */
int clc_lower_workgroup(struct clc_module *m);
int clc_check_codegen_types(struct clc_module *m);

/* clc_mmu.c: route global and constant accesses through the device MMU. */
int clc_instrument_memory(struct clc_module *m);

/* clc_wg.c: work-group entry points and argument layout. */
int clc_emit_wg_functions(struct clc_module *m);

/*
 * clc_builtins.c: link the built-in library (before lowering); write the
 * bodies of the built-ins that need the descriptor (after lowering).
 */
int clc_link_builtins(struct clc_module *m);
void clc_builtins_late(struct clc_module *m);
/* i1: is @va (a generic pointer's value) private or local memory? */
LLVMValueRef clc_generic_is_direct(struct clc_module *m, LLVMBuilderRef b,
				   LLVMValueRef cu, LLVMValueRef va);

/* Helpers shared by the stages. */
LLVMValueRef clc_cu_field_ptr(struct clc_module *m, LLVMBuilderRef b,
			      LLVMValueRef cu, size_t offset);
bool clc_is_kernel_helper(LLVMValueRef fn);

#endif /* SVMCL_CLC_INTERNAL_H */
