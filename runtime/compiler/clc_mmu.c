/* SPDX-License-Identifier: MIT */
/*
 * clc_mmu.c - route device memory accesses through the software GPU's MMU.
 *
 * DOC: Overview
 *
 * Every load, store, atomic read-modify-write and compare-exchange whose
 * pointer is in the global (1) or constant (2) address space gets its
 * address from __svmcl_translate(), the inline TLB probe of sgpu_abi.h:
 *
 *	host = __svmcl_translate(cu, va, access, align_mask, is_write)
 *
 * which is always inlined, so after optimisation a hit costs a shift, a
 * mask, one load and compare for the tag, and one load and add for the
 * addend; a miss calls cu->tlb_miss. Memory intrinsics (llvm.memcpy,
 * memmove, memset) that touch global or constant memory become calls of
 * the unit's mem_copy/mem_set, which translate page by page.
 *
 * Program-scope variables (globals of the module itself) and private and
 * local memory are not device-virtual memory and are left alone.
 *
 * Generic (4) pointers: when the pointer visibly comes from a cast of a
 * global or constant pointer (through GEPs and casts) it is treated as
 * one; from a private or local pointer, it is left alone. Otherwise the
 * access goes through __svmcl_translate_generic(), which first compares
 * the address with the unit's private and local ranges (sgpu_abi.h: two
 * subtractions and compares) and translates only what is outside both.
 * The private range is set by a prologue in every kernel: the
 * SGPU_PRIVATE_WINDOW bytes of stack that end at the kernel's by-value
 * arguments, just above its return address. Memory intrinsics on a
 * generic pointer of unknown origin take the translating path: the
 * process is mirrored, so that is correct for private memory too.
 *
 * This pass also writes the bodies of the built-ins that need the
 * descriptor (clc_builtins_late()), before it instruments anything.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/clc_internal.h"

#define CU_FIELD(f) __builtin_offsetof(struct sgpu_cu_state, f)

enum xlate {
	XLATE_NONE,	/* private, local or a variable of the module */
	XLATE_GLOBAL,	/* device-virtual: through the TLB probe */
	XLATE_GENERIC,	/* decided at run time */
};

static unsigned int pointer_space(LLVMValueRef ptr)
{
	LLVMTypeRef ty = LLVMTypeOf(ptr);

	if (LLVMGetTypeKind(ty) != LLVMPointerTypeKind)
		return CLC_AS_PRIVATE;
	return LLVMGetPointerAddressSpace(ty);
}

/*
 * The address space a generic pointer was cast from, following GEPs and
 * casts back to its origin; CLC_AS_GENERIC when that is not visible.
 */
static unsigned int generic_origin(LLVMValueRef ptr)
{
	for (int depth = 0; depth < 64 && ptr; depth++) {
		LLVMValueRef from = NULL;

		if (LLVMIsAGlobalValue(ptr))
			return pointer_space(ptr);
		if (LLVMIsAGetElementPtrInst(ptr) || LLVMIsABitCastInst(ptr) ||
		    LLVMIsAAddrSpaceCastInst(ptr)) {
			from = LLVMGetOperand(ptr, 0);
		} else if (LLVMIsAConstantExpr(ptr)) {
			LLVMOpcode op = LLVMGetConstOpcode(ptr);

			if (op == LLVMGetElementPtr || op == LLVMBitCast ||
			    op == LLVMAddrSpaceCast)
				from = LLVMGetOperand(ptr, 0);
		} else if (LLVMIsAAllocaInst(ptr)) {
			return CLC_AS_PRIVATE;
		}
		if (!from)
			return CLC_AS_GENERIC;
		if (pointer_space(from) != CLC_AS_GENERIC)
			return pointer_space(from);
		ptr = from;
	}
	return CLC_AS_GENERIC;
}

/* True when @ptr is (an offset into) a variable of the module itself. */
static bool is_module_variable(LLVMValueRef ptr)
{
	for (int depth = 0; depth < 64 && ptr; depth++) {
		if (LLVMIsAGlobalValue(ptr))
			return true;
		if (LLVMIsAGetElementPtrInst(ptr) || LLVMIsABitCastInst(ptr) ||
		    LLVMIsAAddrSpaceCastInst(ptr)) {
			ptr = LLVMGetOperand(ptr, 0);
			continue;
		}
		if (LLVMIsAConstantExpr(ptr)) {
			LLVMOpcode op = LLVMGetConstOpcode(ptr);

			if (op == LLVMGetElementPtr || op == LLVMBitCast ||
			    op == LLVMAddrSpaceCast) {
				ptr = LLVMGetOperand(ptr, 0);
				continue;
			}
		}
		return false;
	}
	return false;
}

static enum xlate needs_translation(LLVMValueRef ptr)
{
	unsigned int as = pointer_space(ptr);

	if (as == CLC_AS_GENERIC)
		as = generic_origin(ptr);
	if (as == CLC_AS_GENERIC)
		return is_module_variable(ptr) ? XLATE_NONE : XLATE_GENERIC;
	if (as != CLC_AS_GLOBAL && as != CLC_AS_CONSTANT)
		return XLATE_NONE;
	return is_module_variable(ptr) ? XLATE_NONE : XLATE_GLOBAL;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* sgpu_tlb_index() of sgpu_abi.h, the same arithmetic in IR. */
static LLVMValueRef build_tlb_index(struct clc_module *m, LLVMBuilderRef b,
				    LLVMValueRef va)
{
	LLVMValueRef vpn, group, block;

	vpn = LLVMBuildLShr(b, va, LLVMConstInt(m->i64, SGPU_PAGE_SHIFT, 0), "");
	group = LLVMBuildLShr(b, va,
			      LLVMConstInt(m->i64, SGPU_PAGE_SHIFT +
						   SGPU_TLB_GROUP_SHIFT, 0), "");
	block = LLVMBuildLShr(b,
			      LLVMBuildMul(b, group,
					   LLVMConstInt(m->i64,
							SGPU_TLB_HASH_MUL, 0),
					   ""),
			      LLVMConstInt(m->i64, 64 - (SGPU_TLB_L1_BITS -
							 SGPU_TLB_GROUP_SHIFT),
					   0), "");
	return LLVMBuildOr(b,
			   LLVMBuildAnd(b, vpn,
					LLVMConstInt(m->i64,
						     SGPU_TLB_GROUP_PAGES - 1, 0),
					""),
			   LLVMBuildShl(b, block,
					LLVMConstInt(m->i64, SGPU_TLB_GROUP_SHIFT,
						     0), ""),
			   "tlbi");
}

/* Defines __svmcl_translate (see the DOC comment). */
static LLVMValueRef build_translate(struct clc_module *m, LLVMBuilderRef b)
{
	LLVMTypeRef i1 = LLVMInt1TypeInContext(m->ctx);
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
	LLVMTypeRef params[5] = { m->ptr, m->i64, m->i64, m->i64, i1 };
	LLVMTypeRef miss_params[3] = { m->ptr, m->i64, m->i64 };
	LLVMValueRef fn, cu, va, access, mask, is_write;
	LLVMValueRef idx, ent, tagp, tag, hit, addp, addend, fnp, miss_fn, r;
	LLVMBasicBlockRef entry, bb_hit, bb_miss;

	fn = LLVMAddFunction(m->mod, "__svmcl_translate",
			     LLVMFunctionType(m->i64, params, 5, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(
		fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(m->ctx,
					LLVMGetEnumAttributeKindForName(
						"alwaysinline", 12),
					0));
	m->miss_fn_ty = LLVMFunctionType(m->i64, miss_params, 3, 0);

	cu = LLVMGetParam(fn, 0);
	va = LLVMGetParam(fn, 1);
	access = LLVMGetParam(fn, 2);
	mask = LLVMGetParam(fn, 3);
	is_write = LLVMGetParam(fn, 4);

	entry = LLVMAppendBasicBlockInContext(m->ctx, fn, "entry");
	bb_hit = LLVMAppendBasicBlockInContext(m->ctx, fn, "hit");
	bb_miss = LLVMAppendBasicBlockInContext(m->ctx, fn, "miss");

	LLVMPositionBuilderAtEnd(b, entry);
	idx = build_tlb_index(m, b, va);
	idx = LLVMBuildShl(b, idx, LLVMConstInt(m->i64, 5, 0), "");
	ent = LLVMBuildInBoundsGEP2(b, i8, cu, &idx, 1, "tlbe");
	{
		LLVMValueRef off = LLVMBuildSelect(
			b, is_write,
			LLVMConstInt(m->i64,
				     __builtin_offsetof(struct sgpu_tlb_entry,
							tag_write),
				     0),
			LLVMConstInt(m->i64,
				     __builtin_offsetof(struct sgpu_tlb_entry,
							tag_read),
				     0),
			"");

		tagp = LLVMBuildInBoundsGEP2(b, i8, ent, &off, 1, "");
	}
	/*
	 * Relaxed atomic loads (plain moves on x86): shootdowns rewrite the
	 * line from other threads, and the probe must re-read it on every
	 * access rather than have a loop-invariant load hoisted out of a loop.
	 */
	tag = LLVMBuildLoad2(b, m->i64, tagp, "tag");
	LLVMSetOrdering(tag, LLVMAtomicOrderingMonotonic);
	LLVMSetAlignment(tag, 8);
	hit = LLVMBuildICmp(b, LLVMIntEQ, tag,
			    LLVMBuildAnd(b, va,
					 LLVMBuildOr(b,
						     LLVMConstInt(m->i64,
								  SGPU_PAGE_MASK,
								  0),
						     mask, ""),
					 ""),
			    "hit");
	LLVMBuildCondBr(b, hit, bb_hit, bb_miss);

	LLVMPositionBuilderAtEnd(b, bb_hit);
	{
		LLVMValueRef off = LLVMConstInt(
			m->i64, __builtin_offsetof(struct sgpu_tlb_entry, addend),
			0);

		addp = LLVMBuildInBoundsGEP2(b, i8, ent, &off, 1, "");
	}
	addend = LLVMBuildLoad2(b, m->i64, addp, "addend");
	LLVMSetOrdering(addend, LLVMAtomicOrderingMonotonic);
	LLVMSetAlignment(addend, 8);
	LLVMBuildRet(b, LLVMBuildAdd(b, va, addend, ""));

	LLVMPositionBuilderAtEnd(b, bb_miss);
	fnp = clc_cu_field_ptr(m, b, cu, CU_FIELD(tlb_miss));
	miss_fn = LLVMBuildLoad2(b, m->ptr, fnp, "");
	{
		LLVMValueRef args[3] = { cu, va, access };

		r = LLVMBuildCall2(b, m->miss_fn_ty, miss_fn, args, 3, "");
	}
	LLVMBuildRet(b, r);
	return fn;
}

/*
 * __svmcl_translate_generic: the address itself for private and local
 * memory, else __svmcl_translate().
 */
static LLVMValueRef build_translate_generic(struct clc_module *m,
					    LLVMBuilderRef b,
					    LLVMValueRef translate)
{
	LLVMTypeRef ty = LLVMGlobalGetValueType(translate);
	LLVMValueRef fn, args[5];
	LLVMBasicBlockRef entry, direct, mmu;

	fn = LLVMAddFunction(m->mod, "__svmcl_translate_generic", ty);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(
		fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(m->ctx,
					LLVMGetEnumAttributeKindForName(
						"alwaysinline", 12),
					0));
	entry = LLVMAppendBasicBlockInContext(m->ctx, fn, "entry");
	direct = LLVMAppendBasicBlockInContext(m->ctx, fn, "direct");
	mmu = LLVMAppendBasicBlockInContext(m->ctx, fn, "mmu");
	for (unsigned int i = 0; i < 5; i++)
		args[i] = LLVMGetParam(fn, i);
	LLVMPositionBuilderAtEnd(b, entry);
	LLVMBuildCondBr(b, clc_generic_is_direct(m, b, args[0], args[1]),
			direct, mmu);
	LLVMPositionBuilderAtEnd(b, direct);
	LLVMBuildRet(b, args[1]);
	LLVMPositionBuilderAtEnd(b, mmu);
	LLVMBuildRet(b, LLVMBuildCall2(b, ty, translate, args, 5, ""));
	return fn;
}

/*
 * Kernel prologue: the private range of sgpu_abi.h. By-value arguments
 * sit just above the return address (x86-64 passes them in the caller's
 * frame), so the range ends past them.
 */
static void emit_private_range(struct clc_module *m, LLVMBuilderRef b,
			       struct clc_kernel_ir *k)
{
	static const char name[] = "llvm.addressofreturnaddress";
	unsigned int id = LLVMLookupIntrinsicID(name, sizeof(name) - 1);
	unsigned int byval = LLVMGetEnumAttributeKindForName("byval", 5);
	LLVMTypeRef p0 = m->ptr;
	LLVMValueRef fn = k->fn, decl, ra, hi, lo, cu;
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn);
	LLVMValueRef first = LLVMGetFirstInstruction(entry);
	uint64_t above = 8;

	for (unsigned int i = 0; i + 1 < LLVMCountParams(fn); i++) {
		LLVMAttributeRef a = LLVMGetEnumAttributeAtIndex(fn, i + 1,
								 byval);

		if (a)
			above += (LLVMABISizeOfType(m->td,
						    LLVMGetTypeAttributeValue(a)) +
				  15) & ~15ull;
	}
	/* after the allocas of the entry block */
	while (first && LLVMIsAAllocaInst(first))
		first = LLVMGetNextInstruction(first);
	if (first)
		LLVMPositionBuilderBefore(b, first);
	else
		LLVMPositionBuilderAtEnd(b, entry);
	decl = LLVMGetIntrinsicDeclaration(m->mod, id, &p0, 1);
	ra = LLVMBuildCall2(b, LLVMGlobalGetValueType(decl), decl, NULL, 0, "");
	hi = LLVMBuildAdd(b, LLVMBuildPtrToInt(b, ra, m->i64, ""),
			  LLVMConstInt(m->i64, above, 0), "private.hi");
	lo = LLVMBuildSub(b, hi, LLVMConstInt(m->i64, SGPU_PRIVATE_WINDOW, 0),
			  "private.lo");
	cu = LLVMGetParam(fn, LLVMCountParams(fn) - 1);
	LLVMBuildStore(b, lo, clc_cu_field_ptr(m, b, cu, CU_FIELD(private_lo)));
	LLVMBuildStore(b, hi, clc_cu_field_ptr(m, b, cu, CU_FIELD(private_hi)));
}

struct access_site {
	LLVMValueRef inst;
	unsigned int ptr_operand;
	LLVMTypeRef value_type;
	enum sgpu_access kind;
	unsigned int align;
	enum xlate mode;
};

static LLVMValueRef enclosing_cu(LLVMValueRef inst)
{
	LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInstructionParent(inst));

	return LLVMGetParam(fn, LLVMCountParams(fn) - 1);
}

/*
 * SVMCL_MMU=off, read at every build: global and constant accesses use the
 * device address as the host address, with no probe. It exists only to
 * measure what the MMU costs (bench/run.sh); a device fault then crashes
 * the process. The stage-3 cache key includes the setting (clc_cache.c),
 * so an "off" build is never reused by an "on" one.
 */
static bool mmu_off(void)
{
	const char *env = getenv("SVMCL_MMU");

	return env && !strcmp(env, "off");
}

static void instrument_site(struct clc_module *m, LLVMBuilderRef b,
			    LLVMValueRef translate, LLVMValueRef generic,
			    const struct access_site *s)
{
	LLVMTypeRef i1 = LLVMInt1TypeInContext(m->ctx);
	LLVMValueRef ptr = LLVMGetOperand(s->inst, s->ptr_operand);
	uint64_t size = LLVMStoreSizeOfType(m->td, s->value_type);
	uint64_t span = pow2_at_least(size ? size : 1);
	LLVMValueRef args[5], host;

	/*
	 * The fast path needs the whole access inside one page; requiring
	 * alignment to the next power of two of its size guarantees that. An
	 * access that is less aligned simply always takes the miss path.
	 */
	if (span > SGPU_PAGE_SIZE)
		span = SGPU_PAGE_SIZE;
	if (mmu_off())
		return;	/* the global pointer is the host pointer */
	LLVMPositionBuilderBefore(b, s->inst);
	args[0] = enclosing_cu(s->inst);
	args[1] = LLVMBuildPtrToInt(b, ptr, m->i64, "va");
	args[2] = LLVMConstInt(m->i64, SGPU_ACCESS(size, s->kind), 0);
	args[3] = LLVMConstInt(m->i64, span - 1, 0);
	args[4] = LLVMConstInt(i1, s->kind >= SGPU_ACCESS_WRITE, 0);
	if (s->mode == XLATE_GENERIC)
		translate = generic;
	host = LLVMBuildCall2(b, LLVMGlobalGetValueType(translate), translate,
			      args, 5, "host");
	LLVMSetOperand(s->inst, s->ptr_operand,
		       LLVMBuildIntToPtr(b, host, m->ptr, ""));
}

static bool intrinsic_named(LLVMValueRef callee, const char *prefix)
{
	size_t len;
	const char *name = LLVMGetValueName2(callee, &len);
	size_t plen = strlen(prefix);

	return len >= plen && !memcmp(name, prefix, plen);
}

/* Replaces llvm.mem{cpy,move,set} on device memory by the unit's helpers. */
static bool lower_mem_intrinsic(struct clc_module *m, LLVMBuilderRef b,
				LLVMValueRef call)
{
	LLVMValueRef callee = LLVMGetCalledValue(call);
	LLVMValueRef cu, fnp, fn, args[5];
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
	LLVMTypeRef params[5];

	if (!LLVMIsAFunction(callee))
		return false;
	if (intrinsic_named(callee, "llvm.memcpy.") ||
	    intrinsic_named(callee, "llvm.memmove.")) {
		LLVMValueRef dst = LLVMGetOperand(call, 0);
		LLVMValueRef src = LLVMGetOperand(call, 1);
		uint32_t mask = (needs_translation(dst) ? SGPU_COPY_DST_GLOBAL : 0) |
				(needs_translation(src) ? SGPU_COPY_SRC_GLOBAL : 0);

		if (!mask)
			return false;
		LLVMPositionBuilderBefore(b, call);
		cu = enclosing_cu(call);
		params[0] = m->ptr;
		params[1] = params[2] = params[3] = m->i64;
		params[4] = m->i32;
		if (!m->copy_fn_ty)
			m->copy_fn_ty = LLVMFunctionType(
				LLVMVoidTypeInContext(m->ctx), params, 5, 0);
		fnp = clc_cu_field_ptr(m, b, cu, CU_FIELD(mem_copy));
		fn = LLVMBuildLoad2(b, m->ptr, fnp, "");
		args[0] = cu;
		args[1] = LLVMBuildPtrToInt(b, dst, m->i64, "");
		args[2] = LLVMBuildPtrToInt(b, src, m->i64, "");
		args[3] = LLVMBuildZExtOrBitCast(b, LLVMGetOperand(call, 2),
						 m->i64, "");
		args[4] = LLVMConstInt(m->i32, mask, 0);
		LLVMBuildCall2(b, m->copy_fn_ty, fn, args, 5, "");
		LLVMInstructionEraseFromParent(call);
		return true;
	}
	if (intrinsic_named(callee, "llvm.memset.")) {
		LLVMValueRef dst = LLVMGetOperand(call, 0);

		if (!needs_translation(dst))
			return false;
		LLVMPositionBuilderBefore(b, call);
		cu = enclosing_cu(call);
		params[0] = m->ptr;
		params[1] = m->i64;
		params[2] = m->i32;
		params[3] = m->i64;
		if (!m->set_fn_ty)
			m->set_fn_ty = LLVMFunctionType(
				LLVMVoidTypeInContext(m->ctx), params, 4, 0);
		fnp = clc_cu_field_ptr(m, b, cu, CU_FIELD(mem_set));
		fn = LLVMBuildLoad2(b, m->ptr, fnp, "");
		args[0] = cu;
		args[1] = LLVMBuildPtrToInt(b, dst, m->i64, "");
		args[2] = LLVMBuildZExt(b, LLVMGetOperand(call, 1), m->i32, "");
		args[3] = LLVMBuildZExtOrBitCast(b, LLVMGetOperand(call, 2),
						 m->i64, "");
		LLVMBuildCall2(b, m->set_fn_ty, fn, args, 4, "");
		(void)i8;
		LLVMInstructionEraseFromParent(call);
		return true;
	}
	return false;
}

static bool classify(LLVMValueRef inst, struct access_site *s)
{
	s->inst = inst;
	if (LLVMIsALoadInst(inst)) {
		s->ptr_operand = 0;
		s->value_type = LLVMTypeOf(inst);
		s->kind = SGPU_ACCESS_READ;
	} else if (LLVMIsAStoreInst(inst)) {
		s->ptr_operand = 1;
		s->value_type = LLVMTypeOf(LLVMGetOperand(inst, 0));
		s->kind = SGPU_ACCESS_WRITE;
	} else if (LLVMIsAAtomicRMWInst(inst) || LLVMIsAAtomicCmpXchgInst(inst)) {
		s->ptr_operand = 0;
		s->value_type = LLVMTypeOf(LLVMGetOperand(inst, 1));
		s->kind = SGPU_ACCESS_ATOMIC;
	} else {
		return false;
	}
	s->mode = needs_translation(LLVMGetOperand(inst, s->ptr_operand));
	return s->mode != XLATE_NONE;
}

/* Does any code read cu->private_lo/hi (sgpu_abi.h)? */
static bool needs_private_range(struct clc_module *m,
				const struct access_site *sites,
				unsigned int nsites)
{
	static const char *const readers[] = {
		"__svmcl_to_global", "__svmcl_to_private",
	};

	for (unsigned int i = 0; i < nsites; i++)
		if (sites[i].mode == XLATE_GENERIC)
			return true;
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		LLVMValueRef f = LLVMGetNamedFunction(m->mod, readers[i]);

		if (f && !LLVMIsDeclaration(f))
			return true;
	}
	return false;
}

int clc_instrument_memory(struct clc_module *m)
{
	struct access_site *sites = NULL;
	LLVMValueRef *mem_calls = NULL;
	unsigned int nsites = 0, cap = 0, ncalls = 0, call_cap = 0;
	LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
	LLVMValueRef translate, generic;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	clc_builtins_late(m);
	translate = build_translate(m, b);
	generic = build_translate_generic(m, b, translate);

	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		if (LLVMIsDeclaration(f) || clc_is_kernel_helper(f))
			continue;
		for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb;
		     bb = LLVMGetNextBasicBlock(bb)) {
			for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i;
			     i = LLVMGetNextInstruction(i)) {
				struct access_site s;

				if (LLVMIsACallInst(i)) {
					if (ncalls == call_cap) {
						unsigned int nc = call_cap ? call_cap * 2 : 32;
						LLVMValueRef *p = realloc(mem_calls, nc * sizeof(*p));

						if (!p) {
							ret = -ENOMEM;
							goto out;
						}
						mem_calls = p;
						call_cap = nc;
					}
					mem_calls[ncalls++] = i;
					continue;
				}
				if (!classify(i, &s))
					continue;
				if (nsites == cap) {
					unsigned int nc = cap ? cap * 2 : 64;
					struct access_site *p = realloc(sites, nc * sizeof(*p));

					if (!p) {
						ret = -ENOMEM;
						goto out;
					}
					sites = p;
					cap = nc;
				}
				sites[nsites++] = s;
			}
		}
	}

	/*
	 * The private range is read only by run-time generic checks (and the
	 * address-space casts, which use the same test): a kernel that has
	 * none does not pay for the prologue, and its work-item loop keeps
	 * no stores to the descriptor (which would keep clc_hoist.cpp from
	 * strip-mining it).
	 */
	if (needs_private_range(m, sites, nsites))
		for (unsigned int k = 0; k < m->num_kernels; k++)
			emit_private_range(m, b, &m->kernels[k]);
	for (unsigned int i = 0; i < nsites; i++)
		instrument_site(m, b, translate, generic, &sites[i]);
	for (unsigned int i = 0; i < ncalls; i++)
		lower_mem_intrinsic(m, b, mem_calls[i]);
out:
	free(sites);
	free(mem_calls);
	LLVMDisposeBuilder(b);
	return ret;
}
