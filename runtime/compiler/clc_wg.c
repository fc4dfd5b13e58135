/* SPDX-License-Identifier: MIT */
/*
 * clc_wg.c - work-group entry points and the kernel argument block.
 *
 * DOC: Overview
 *
 * For every kernel K this emits
 *
 *	void __svmcl_wg_K(const void *args, struct sgpu_cu_state *cu)
 *
 * which unpacks K's arguments from the packed block @args once and runs K
 * for every work-item of the group, storing the loop counters into
 * cu->local_id before each call. After inlining, the work-item loop is
 * ordinary IR that LLVM can optimise across items.
 *
 * Argument block layout: arguments in order, each at an offset aligned to
 * its ABI alignment (capped at 16); pointers (global, constant) are 8-byte
 * device addresses, by-value structs are stored by value, and a __local
 * pointer is an 8-byte offset into the unit's local memory (the runtime
 * turns the size given to clSetKernelArg into it at enqueue, clc.h).
 *
 * A kernel with barriers (clc_kernel.uses_barriers, clc_barrier.c) cannot
 * be a loop: its work-items must stop at each barrier until all have
 * reached it. For it this emits instead
 *
 *	void __svmcl_wi_K(const void *args, struct sgpu_cu_state *cu)
 *		unpacks the arguments and runs K for the work-item in
 *		cu->local_id;
 *	void __svmcl_wg_K(const void *args, struct sgpu_cu_state *cu)
 *		{ cu->run_items(cu, __svmcl_wi_K, args); }
 *
 * and the compute unit runs each work-item on its own stack, switching at
 * barriers (kmd-shim/gpu/fiber.c, where the choice is explained).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/clc_internal.h"

#define CU_FIELD(f) __builtin_offsetof(struct sgpu_cu_state, f)

static LLVMTypeRef byval_type(struct clc_module *m, LLVMValueRef fn,
			      unsigned int i)
{
	unsigned int kind = LLVMGetEnumAttributeKindForName("byval", 5);
	LLVMAttributeRef a = LLVMGetEnumAttributeAtIndex(fn, i + 1, kind);

	return a ? LLVMGetTypeAttributeValue(a) : NULL;
}

static int layout_args(struct clc_module *m, struct clc_kernel_ir *k)
{
	uint64_t offset = 0;

	for (unsigned int i = 0; i < k->info.num_args; i++) {
		struct clc_arg *a = &k->info.args[i];
		LLVMTypeRef ty = LLVMTypeOf(LLVMGetParam(k->fn, i));
		LLVMTypeRef bv = byval_type(m, k->fn, i);
		uint64_t size, align;

		if (bv)
			ty = bv;
		if (a->space == CLC_ARG_LOCAL) {
			size = align = 8;	/* size, then offset */
		} else {
			size = LLVMABISizeOfType(m->td, ty);
			align = LLVMABIAlignmentOfType(m->td, ty);
		}
		if (align > 16)
			align = 16;
		offset = (offset + align - 1) & ~(align - 1);
		a->offset = (uint32_t)offset;
		a->size = (uint32_t)size;
		offset += size;
	}
	k->info.args_size = (uint32_t)((offset + 15) & ~15ull);
	return 0;
}

/* Emits: for (z) for (y) for (x) { cu->local_id = {x,y,z}; K(args, cu); } */
static void emit_item_loops(struct clc_module *m, LLVMBuilderRef b,
			    LLVMValueRef wg, LLVMValueRef kernel,
			    LLVMValueRef *kargs, unsigned int nargs,
			    LLVMValueRef cu)
{
	LLVMBasicBlockRef entry = LLVMGetInsertBlock(b);
	LLVMBasicBlockRef loop[3], latch[3], exit_bb;
	LLVMValueRef size[3], phi[3], next[3];

	for (int d = 0; d < 3; d++)
		size[d] = LLVMBuildLoad2(
			b, m->i64,
			clc_cu_field_ptr(m, b, cu, CU_FIELD(local_size) + 8 * d),
			"");
	for (int d = 2; d >= 0; d--)
		loop[d] = LLVMAppendBasicBlockInContext(m->ctx, wg, "item");
	for (int d = 0; d < 3; d++)
		latch[d] = LLVMAppendBasicBlockInContext(m->ctx, wg, "latch");
	exit_bb = LLVMAppendBasicBlockInContext(m->ctx, wg, "done");
	LLVMBuildBr(b, loop[2]);

	/* Headers, outermost (z) first; each stores its id and falls inward. */
	for (int d = 2; d >= 0; d--) {
		LLVMBasicBlockRef from = d == 2 ? entry : loop[d + 1];
		LLVMValueRef zero = LLVMConstInt(m->i64, 0, 0);

		LLVMPositionBuilderAtEnd(b, loop[d]);
		phi[d] = LLVMBuildPhi(b, m->i64, "");
		LLVMAddIncoming(phi[d], &zero, &from, 1);
		LLVMBuildStore(b, phi[d],
			       clc_cu_field_ptr(m, b, cu,
						CU_FIELD(local_id) + 8 * d));
		if (d > 0) {
			LLVMBuildBr(b, loop[d - 1]);
		} else {
			LLVMValueRef *args = kargs;

			args[nargs] = cu;
			LLVMBuildCall2(b, LLVMGlobalGetValueType(kernel), kernel,
				       args, nargs + 1, "");
			LLVMBuildBr(b, latch[0]);
		}
	}
	/* Latches, innermost first. */
	for (int d = 0; d < 3; d++) {
		LLVMValueRef more;

		LLVMPositionBuilderAtEnd(b, latch[d]);
		next[d] = LLVMBuildAdd(b, phi[d], LLVMConstInt(m->i64, 1, 0), "");
		more = LLVMBuildICmp(b, LLVMIntULT, next[d], size[d], "");
		LLVMBuildCondBr(b, more, loop[d], d < 2 ? latch[d + 1] : exit_bb);
		LLVMAddIncoming(phi[d], &next[d], &latch[d], 1);
	}
	LLVMPositionBuilderAtEnd(b, exit_bb);
	LLVMBuildRetVoid(b);
}

/*
 * Loads K's arguments from the block at @args_ptr into @kargs (a byval
 * struct is passed by its address in the block: the callee copies it).
 */
static void unpack_args(struct clc_module *m, LLVMBuilderRef b,
			struct clc_kernel_ir *k, LLVMValueRef args_ptr,
			LLVMValueRef cu, LLVMValueRef *kargs)
{
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
	LLVMValueRef local_mem = NULL;

	for (unsigned int i = 0; i < k->info.num_args; i++) {
		LLVMValueRef off = LLVMConstInt(m->i64, k->info.args[i].offset, 0);
		LLVMValueRef p = LLVMBuildInBoundsGEP2(b, i8, args_ptr, &off, 1, "");
		LLVMTypeRef ty = LLVMTypeOf(LLVMGetParam(k->fn, i));

		if (k->info.args[i].space == CLC_ARG_LOCAL) {
			LLVMValueRef loff = LLVMBuildLoad2(b, m->i64, p, "");

			LLVMSetAlignment(loff, 1);
			if (!local_mem)
				local_mem = LLVMBuildLoad2(
					b, m->ptr,
					clc_cu_field_ptr(m, b, cu,
							 CU_FIELD(local_mem)),
					"local_mem");
			p = LLVMBuildInBoundsGEP2(b, i8, local_mem, &loff, 1, "");
			kargs[i] = LLVMBuildAddrSpaceCast(b, p, ty, "");
		} else if (byval_type(m, k->fn, i)) {
			kargs[i] = p;
		} else {
			kargs[i] = LLVMBuildLoad2(b, ty, p, "");
			LLVMSetAlignment(kargs[i], 1);
		}
	}
}

static LLVMValueRef add_entry(struct clc_module *m, const char *prefix,
			      const char *kname)
{
	LLVMTypeRef params[2] = { m->ptr, m->ptr };
	char name[512];

	snprintf(name, sizeof(name), "%s%s", prefix, kname);
	return LLVMAddFunction(m->mod, name,
			       LLVMFunctionType(LLVMVoidTypeInContext(m->ctx),
						params, 2, 0));
}

/*
 * A kernel with barriers: __svmcl_wi_K runs one work-item, and
 * __svmcl_wg_K hands it to the unit's run_items.
 */
static void emit_fiber_wg(struct clc_module *m, LLVMBuilderRef b,
			  struct clc_kernel_ir *k, LLVMValueRef wg,
			  LLVMValueRef *kargs)
{
	LLVMValueRef wi = add_entry(m, "__svmcl_wi_", k->info.name);
	LLVMTypeRef run_params[3] = { m->ptr, m->ptr, m->ptr };
	LLVMValueRef cu = LLVMGetParam(wi, 1), run, call_args[3];
	unsigned int n = k->info.num_args;

	LLVMSetLinkage(wi, LLVMInternalLinkage);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, wi,
								   "entry"));
	unpack_args(m, b, k, LLVMGetParam(wi, 0), cu, kargs);
	kargs[n] = cu;
	LLVMBuildCall2(b, LLVMGlobalGetValueType(k->fn), k->fn, kargs, n + 1,
		       "");
	LLVMBuildRetVoid(b);

	cu = LLVMGetParam(wg, 1);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, wg,
								   "entry"));
	run = LLVMBuildLoad2(b, m->ptr,
			     clc_cu_field_ptr(m, b, cu, CU_FIELD(run_items)),
			     "run_items");
	call_args[0] = cu;
	call_args[1] = wi;
	call_args[2] = LLVMGetParam(wg, 0);
	LLVMBuildCall2(b,
		       LLVMFunctionType(LLVMVoidTypeInContext(m->ctx),
					run_params, 3, 0),
		       run, call_args, 3, "");
	LLVMBuildRetVoid(b);
}

static int emit_wg(struct clc_module *m, LLVMBuilderRef b,
		   struct clc_kernel_ir *k)
{
	unsigned int n = k->info.num_args;
	LLVMValueRef *kargs = calloc(n + 1, sizeof(*kargs));
	LLVMValueRef wg, cu;

	if (!kargs)
		return -ENOMEM;
	wg = add_entry(m, "__svmcl_wg_", k->info.name);
	if (k->info.uses_barriers) {
		emit_fiber_wg(m, b, k, wg, kargs);
		free(kargs);
		return 0;
	}
	cu = LLVMGetParam(wg, 1);
	LLVMAddAttributeAtIndex(
		wg, 2,
		LLVMCreateEnumAttribute(m->ctx,
					LLVMGetEnumAttributeKindForName("noalias",
									7),
					0));
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, wg,
								   "entry"));
	unpack_args(m, b, k, LLVMGetParam(wg, 0), cu, kargs);
	emit_item_loops(m, b, wg, k->fn, kargs, n, cu);
	free(kargs);
	return 0;
}

int clc_emit_wg_functions(struct clc_module *m)
{
	LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (unsigned int i = 0; i < m->num_kernels && !ret; i++) {
		ret = layout_args(m, &m->kernels[i]);
		if (!ret)
			ret = emit_wg(m, b, &m->kernels[i]);
	}
	LLVMDisposeBuilder(b);
	return ret;
}
