/* SPDX-License-Identifier: MIT */
/*
 * clc_builtins.c - the OpenCL C built-in library, linked into each program.
 *
 * DOC: Overview
 *
 * The library (builtins/, generated and compiled to spir64 bitcode at
 * build time by gen_builtins.py, embedded in the runtime) defines the
 * built-in functions with the mangled names clang's own declarations
 * give them, so linking resolves a kernel's calls by name.
 *
 * clc_link_builtins() runs on the front end's module, before lowering:
 *
 *  1. The library is read lazily (function bodies stay on disk until
 *     needed) and every definition is made linkonce_odr, so that
 *     LLVMLinkModules2 copies only the functions the program calls, and
 *     what they call. The linked copies are then made internal: after
 *     inlining, global DCE removes them.
 *  2. Calls of __svmcl_host_<f> (libm functions the library builds on)
 *     stay calls of that name, which every program's JIT defines as an
 *     absolute symbol: the process's own <f>
 *     (clc_builtins_define_host()). The JIT needs no dlsym() lookup,
 *     which could not see a libm that the ICD loader dlopen()ed
 *     privately, and the module holds no address of this process, so
 *     the stage-3 cache can keep it.
 *  3. printf calls become a reservation in the dispatch's printf buffer
 *     (__svmcl_printf_alloc) and plain stores of the arguments; formatting
 *     happens on the host (runtime/printf.c).
 *  4. Built-ins that need the compute unit's descriptor (printf's buffer,
 *     to_global/to_local/to_private) are given placeholder definitions
 *     (__svmcl_*), so that lowering passes them the descriptor like any
 *     other function; clc_builtins_late() writes their real bodies after
 *     lowering, when the descriptor parameter exists.
 *
 * Anything the program still calls that neither the library nor the
 * compiler defines is left as a declaration; clc.c's check then fails
 * the build with the name in the log, and a note here says which
 * built-in it is.
 *
 * DOC: Locking
 *
 * None: each build owns its LLVM context. The embedded bitcode is
 * read-only.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>

#include "compiler/clc_internal.h"
#include "compiler/clc_store.h"

const unsigned char *svmcl_builtins_bc_data(void);
size_t svmcl_builtins_bc_size(void);

#define CU_FIELD(f) __builtin_offsetof(struct sgpu_cu_state, f)

/* --- host functions ------------------------------------------------------ */

struct host_fn {
	const char *name;
	void (*addr)(void);
};

#define HOST2(fn) { #fn, (void (*)(void))fn }, { #fn "f", (void (*)(void))fn##f }

/* Keep in step with HOST_* and gen_host_declarations() in gen_builtins.py. */
static const struct host_fn host_fns[] = {
	HOST2(acos), HOST2(acosh), HOST2(asin), HOST2(asinh), HOST2(atan),
	HOST2(atanh), HOST2(cbrt), HOST2(cos), HOST2(cosh), HOST2(erf),
	HOST2(erfc), HOST2(exp), HOST2(exp2), HOST2(exp10), HOST2(expm1),
	HOST2(log), HOST2(log2), HOST2(log10), HOST2(log1p), HOST2(logb),
	HOST2(sin), HOST2(sinh), HOST2(tan), HOST2(tanh), HOST2(tgamma),
	HOST2(lgamma), HOST2(round), HOST2(atan2), HOST2(fmod), HOST2(hypot),
	HOST2(nextafter), HOST2(pow), HOST2(remainder), HOST2(fma),
	HOST2(ldexp), HOST2(ilogb), HOST2(frexp), HOST2(modf), HOST2(remquo),
	HOST2(sincos),
	{ "lgamma_r", (void (*)(void))lgamma_r },
	{ "lgamma_rf", (void (*)(void))lgammaf_r },	/* glibc's name */
};

#define HOST_PREFIX "__svmcl_host_"

int clc_builtins_define_host(LLVMOrcLLJITRef jit)
{
	const size_t n = sizeof(host_fns) / sizeof(host_fns[0]);
	LLVMOrcCSymbolMapPair syms[sizeof(host_fns) / sizeof(host_fns[0])];
	LLVMOrcMaterializationUnitRef mu;
	LLVMErrorRef err;

	for (size_t i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "__svmcl_host_%s",
			 host_fns[i].name);
		syms[i].Name = LLVMOrcLLJITMangleAndIntern(jit, name);
		syms[i].Sym.Address = (uintptr_t)host_fns[i].addr;
		syms[i].Sym.Flags.GenericFlags =
			LLVMJITSymbolGenericFlagsExported |
			LLVMJITSymbolGenericFlagsCallable;
		syms[i].Sym.Flags.TargetFlags = 0;
	}
	/* Takes over the names; the array stays ours. */
	mu = LLVMOrcAbsoluteSymbols(syms, n);
	err = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), mu);
	if (err) {
		LLVMConsumeError(err);
		return -EINVAL;
	}
	return 0;
}

/* Every __svmcl_host_<f> the library calls must be one of host_fns. */
static int bind_host_functions(struct clc_module *m)
{
	LLVMValueRef f, next;
	int ret = 0;

	for (f = LLVMGetFirstFunction(m->mod); f; f = next) {
		size_t len, plen = strlen(HOST_PREFIX);
		const char *name = LLVMGetValueName2(f, &len);
		const struct host_fn *h = NULL;

		next = LLVMGetNextFunction(f);
		if (!LLVMIsDeclaration(f) || len <= plen ||
		    memcmp(name, HOST_PREFIX, plen))
			continue;
		for (size_t i = 0; i < sizeof(host_fns) / sizeof(host_fns[0]);
		     i++) {
			if (strlen(host_fns[i].name) == len - plen &&
			    !memcmp(host_fns[i].name, name + plen, len - plen))
				h = &host_fns[i];
		}
		if (!h) {
			clc_log_printf(m->log, "internal compiler error: the "
				       "built-in library calls unknown host "
				       "function '%.*s'\n", (int)len, name);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* --- linking ------------------------------------------------------------- */

static bool is_linkonce(LLVMValueRef g)
{
	return LLVMGetLinkage(g) == LLVMLinkOnceODRLinkage;
}

static int link_library(struct clc_module *m)
{
	LLVMMemoryBufferRef buf;
	LLVMModuleRef lib;

	buf = LLVMCreateMemoryBufferWithMemoryRange(
		(const char *)svmcl_builtins_bc_data(), svmcl_builtins_bc_size(),
		"svmcl-builtins.bc", 0);
	if (!buf)
		return -ENOMEM;
	/* On success the module owns @buf. */
	if (LLVMGetBitcodeModuleInContext2(m->ctx, buf, &lib)) {
		LLVMDisposeMemoryBuffer(buf);
		clc_log_printf(m->log, "internal compiler error: the built-in "
			       "library does not load\n");
		return -EINVAL;
	}
	for (LLVMValueRef f = LLVMGetFirstFunction(lib); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f) &&
		    LLVMGetLinkage(f) == LLVMExternalLinkage)
			LLVMSetLinkage(f, LLVMLinkOnceODRLinkage);
	/* Only what the program uses is materialised and copied. */
	if (LLVMLinkModules2(m->mod, lib)) {
		clc_log_printf(m->log, "internal compiler error: linking the "
			       "built-in library failed\n");
		return -EINVAL;
	}
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f) && is_linkonce(f))
			LLVMSetLinkage(f, LLVMInternalLinkage);
	return 0;
}

/*
 * A note for each built-in that is still missing: "sin" for _Z3sinf. The
 * error itself comes from clc.c's check of what is left undefined.
 */
static void note_missing(struct clc_module *m)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		size_t len;
		const char *name = LLVMGetValueName2(f, &len);
		unsigned long n;
		char *end;

		if (!LLVMIsDeclaration(f) || !LLVMGetFirstUse(f) ||
		    LLVMGetIntrinsicID(f) || len < 3 || memcmp(name, "_Z", 2))
			continue;
		n = strtoul(name + 2, &end, 10);
		if (!n || end + n > name + len)
			continue;
		clc_log_printf(m->log, "note: the built-in function '%.*s' "
			       "(%.*s) is not implemented by svmcl\n", (int)n,
			       end, (int)len, name);
	}
}

/* --- placeholders for late built-ins ------------------------------------- */

/*
 * A function "name" of type @ty whose body clc_builtins_late() replaces.
 * Until then it returns zero and is never inlined.
 */
static LLVMValueRef placeholder(struct clc_module *m, const char *name,
				LLVMTypeRef ty)
{
	LLVMValueRef fn = LLVMGetNamedFunction(m->mod, name);
	LLVMBuilderRef b;
	LLVMTypeRef rt;

	if (fn)
		return fn;
	fn = LLVMAddFunction(m->mod, name, ty);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(
		fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(
			m->ctx, LLVMGetEnumAttributeKindForName("noinline", 8),
			0));
	b = LLVMCreateBuilderInContext(m->ctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, fn,
								   "entry"));
	rt = LLVMGetReturnType(ty);
	LLVMBuildRet(b, LLVMConstNull(rt));
	LLVMDisposeBuilder(b);
	return fn;
}

/*
 * clang calls to_global() & co. __to_global() & co.; get_fence() has a
 * const and a non-const form.
 */
static const char *const cast_builtins[][2] = {
	{ "__to_global", "__svmcl_to_global" },
	{ "__to_local", "__svmcl_to_local" },
	{ "__to_private", "__svmcl_to_private" },
	{ "_Z9get_fencePU3AS4v", "__svmcl_get_fence" },
	{ "_Z9get_fencePU3AS4Kv", "__svmcl_get_fence" },
};

static void redirect_casts(struct clc_module *m)
{
	for (size_t i = 0; i < sizeof(cast_builtins) / sizeof(cast_builtins[0]);
	     i++) {
		LLVMValueRef f = LLVMGetNamedFunction(m->mod, cast_builtins[i][0]);

		if (!f || !LLVMIsDeclaration(f))
			continue;
		LLVMReplaceAllUsesWith(f, placeholder(m, cast_builtins[i][1],
						      LLVMGlobalGetValueType(f)));
		LLVMDeleteFunction(f);
	}
}

/* --- printf -------------------------------------------------------------- */

static LLVMTypeRef printf_alloc_type(struct clc_module *m)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(m->ctx);
	LLVMTypeRef i64 = LLVMInt64TypeInContext(m->ctx);
	LLVMTypeRef params[3] = { i32, i64, i64 };

	return LLVMFunctionType(LLVMPointerTypeInContext(m->ctx, 0), params, 3,
				0);
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

/* Descriptor bytes of one printf argument (see sgpu_abi.h). */
static int describe_arg(struct clc_module *m, LLVMTypeRef ty,
			unsigned char d[3])
{
	unsigned int lanes = 1;

	if (LLVMGetTypeKind(ty) == LLVMVectorTypeKind) {
		lanes = LLVMGetVectorSize(ty);
		ty = LLVMGetElementType(ty);
	}
	switch (LLVMGetTypeKind(ty)) {
	case LLVMIntegerTypeKind:
		d[0] = 'i';
		d[1] = (unsigned char)(LLVMGetIntTypeWidth(ty) / 8);
		break;
	case LLVMFloatTypeKind:
		d[0] = 'f';
		d[1] = 4;
		break;
	case LLVMDoubleTypeKind:
		d[0] = 'f';
		d[1] = 8;
		break;
	case LLVMHalfTypeKind:
		d[0] = 'f';
		d[1] = 2;
		break;
	case LLVMPointerTypeKind:
		d[0] = 'p';
		d[1] = 8;
		break;
	default:
		clc_log_printf(m->log, "error: printf: an argument of a type "
			       "printf cannot print\n");
		return -EINVAL;
	}
	if (lanes > 16 || d[1] == 0)
		return -EINVAL;
	d[2] = (unsigned char)lanes;
	return 0;
}

static LLVMValueRef entry_alloca(LLVMBuilderRef b, LLVMValueRef fn,
				 LLVMTypeRef ty)
{
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn);
	LLVMValueRef first = LLVMGetFirstInstruction(entry);
	LLVMValueRef a;

	if (first)
		LLVMPositionBuilderBefore(b, first);
	else
		LLVMPositionBuilderAtEnd(b, entry);
	a = LLVMBuildAlloca(b, ty, "printf.spill");
	LLVMSetAlignment(a, 16);
	return a;
}

static int lower_printf_call(struct clc_module *m, LLVMBuilderRef b,
			     LLVMValueRef call, LLVMValueRef alloc_fn)
{
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(m->ctx);
	LLVMTypeRef i64 = LLVMInt64TypeInContext(m->ctx);
	LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInstructionParent(call));
	unsigned int nargs = LLVMGetNumArgOperands(call) - 1;
	unsigned char *desc = calloc(nargs * 3 + 1, 1);
	uint64_t *off = calloc(nargs + 1, sizeof(*off));
	uint64_t payload = 0;
	LLVMValueRef g, spill, p, ok, dst, args[3], init;
	int ret = 0;

	if (!desc || !off) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < nargs; i++) {
		LLVMTypeRef ty = LLVMTypeOf(LLVMGetOperand(call, i + 1));

		ret = describe_arg(m, ty, desc + 3 * i);
		if (ret)
			goto out;
		off[i] = payload;
		payload += align8(desc[3 * i] == 'p' ? 8 :
				  (uint64_t)desc[3 * i + 1] * desc[3 * i + 2]);
	}
	if (payload + SGPU_PRINTF_HEADER > UINT32_MAX) {
		ret = -EINVAL;
		goto out;
	}

	init = LLVMConstStringInContext(m->ctx, (const char *)desc,
					nargs * 3 + 1, 1);
	g = LLVMAddGlobal(m->mod, LLVMTypeOf(init), ".svmcl.printf.desc");
	LLVMSetInitializer(g, init);
	LLVMSetGlobalConstant(g, 1);
	LLVMSetLinkage(g, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);

	spill = entry_alloca(b, fn, LLVMArrayType2(i8, payload ? payload : 8));
	LLVMPositionBuilderBefore(b, call);
	args[0] = LLVMConstInt(i32, payload + SGPU_PRINTF_HEADER, 0);
	args[1] = LLVMBuildPtrToInt(b, LLVMGetOperand(call, 0), i64, "");
	args[2] = LLVMBuildPtrToInt(b, g, i64, "");
	p = LLVMBuildCall2(b, printf_alloc_type(m), alloc_fn, args, 3, "rec");
	ok = LLVMBuildIsNotNull(b, p, "");
	/* A dropped record is written to the spill slot: no branches. */
	dst = LLVMBuildSelect(b, ok, p, spill, "");
	for (unsigned int i = 0; i < nargs; i++) {
		LLVMValueRef v = LLVMGetOperand(call, i + 1);
		LLVMValueRef idx = LLVMConstInt(i64, off[i], 0);
		LLVMValueRef at = LLVMBuildInBoundsGEP2(b, i8, dst, &idx, 1, "");
		LLVMValueRef st;

		if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
			v = LLVMBuildPtrToInt(b, v, i64, "");
		st = LLVMBuildStore(b, v, at);
		LLVMSetAlignment(st, 8);
	}
	LLVMReplaceAllUsesWith(call,
			       LLVMBuildSelect(b, ok, LLVMConstInt(i32, 0, 0),
					       LLVMConstInt(i32, (uint64_t)-1, 1),
					       ""));
	LLVMInstructionEraseFromParent(call);
out:
	free(desc);
	free(off);
	return ret;
}

static int lower_printf(struct clc_module *m)
{
	LLVMValueRef pf = LLVMGetNamedFunction(m->mod, "printf");
	LLVMValueRef alloc_fn, *calls = NULL;
	unsigned int n = 0, cap = 0;
	LLVMBuilderRef b;
	int ret = 0;

	if (!pf || !LLVMIsDeclaration(pf))
		return 0;
	for (LLVMUseRef u = LLVMGetFirstUse(pf); u; u = LLVMGetNextUse(u)) {
		LLVMValueRef user = LLVMGetUser(u);

		if (!LLVMIsACallInst(user) || LLVMGetCalledValue(user) != pf) {
			clc_log_printf(m->log, "error: printf used other than "
				       "by a call\n");
			free(calls);
			return -EINVAL;
		}
		if (n == cap) {
			LLVMValueRef *nc;

			cap = cap ? cap * 2 : 16;
			nc = realloc(calls, cap * sizeof(*nc));
			if (!nc) {
				free(calls);
				return -ENOMEM;
			}
			calls = nc;
		}
		calls[n++] = user;
	}
	alloc_fn = placeholder(m, "__svmcl_printf_alloc", printf_alloc_type(m));
	b = LLVMCreateBuilderInContext(m->ctx);
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = lower_printf_call(m, b, calls[i], alloc_fn);
	LLVMDisposeBuilder(b);
	free(calls);
	if (!ret && !LLVMGetFirstUse(pf))
		LLVMDeleteFunction(pf);
	return ret;
}

int clc_link_builtins(struct clc_module *m)
{
	int ret;

	ret = link_library(m);
	if (!ret)
		ret = bind_host_functions(m);
	if (!ret)
		ret = lower_printf(m);
	if (!ret) {
		redirect_casts(m);
		note_missing(m);
	}
	return ret;
}

/* --- late bodies, after lowering ----------------------------------------- */

/* Replaces the placeholder body of @fn; returns a builder at its entry. */
static LLVMBuilderRef rewrite_body(struct clc_module *m, LLVMValueRef fn)
{
	LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
	unsigned int noinline = LLVMGetEnumAttributeKindForName("noinline", 8);

	while (LLVMGetFirstBasicBlock(fn))
		LLVMDeleteBasicBlock(LLVMGetFirstBasicBlock(fn));
	LLVMRemoveEnumAttributeAtIndex(fn, LLVMAttributeFunctionIndex, noinline);
	LLVMAddAttributeAtIndex(
		fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(
			m->ctx, LLVMGetEnumAttributeKindForName("alwaysinline",
								 12),
			0));
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, fn,
								   "entry"));
	return b;
}

static LLVMValueRef load_cu(struct clc_module *m, LLVMBuilderRef b,
			    LLVMValueRef cu, size_t field, LLVMTypeRef ty)
{
	return LLVMBuildLoad2(b, ty, clc_cu_field_ptr(m, b, cu, field), "");
}

/* (va - lo) <u (hi - lo): one compare for a half-open range. */
static LLVMValueRef in_range(struct clc_module *m, LLVMBuilderRef b,
			     LLVMValueRef cu, LLVMValueRef va, size_t lo_field,
			     size_t hi_field)
{
	LLVMValueRef lo = load_cu(m, b, cu, lo_field, m->i64);
	LLVMValueRef hi = load_cu(m, b, cu, hi_field, m->i64);

	return LLVMBuildICmp(b, LLVMIntULT, LLVMBuildSub(b, va, lo, ""),
			     LLVMBuildSub(b, hi, lo, ""), "");
}

LLVMValueRef clc_generic_is_direct(struct clc_module *m, LLVMBuilderRef b,
				   LLVMValueRef cu, LLVMValueRef va)
{
	return LLVMBuildOr(b,
			   in_range(m, b, cu, va, CU_FIELD(private_lo),
				    CU_FIELD(private_hi)),
			   in_range(m, b, cu, va, CU_FIELD(local_lo),
				    CU_FIELD(local_hi)),
			   "direct");
}

static void late_cast(struct clc_module *m, LLVMValueRef fn, int which)
{
	LLVMBuilderRef b = rewrite_body(m, fn);
	LLVMValueRef p = LLVMGetParam(fn, 0), cu = LLVMGetParam(fn, 1);
	LLVMTypeRef rt = LLVMGetReturnType(LLVMGlobalGetValueType(fn));
	LLVMValueRef va = LLVMBuildPtrToInt(b, p, m->i64, "");
	LLVMValueRef yes;

	if (which == 3) {	/* get_fence: local, else global */
		yes = in_range(m, b, cu, va, CU_FIELD(local_lo),
			       CU_FIELD(local_hi));
		LLVMBuildRet(b, LLVMBuildSelect(
				     b, yes, LLVMConstInt(rt, 1, 0),
				     LLVMConstInt(rt, 2, 0), ""));
		LLVMDisposeBuilder(b);
		return;
	}
	if (which == 0)		/* global: neither private nor local */
		yes = LLVMBuildNot(b, clc_generic_is_direct(m, b, cu, va), "");
	else if (which == 1)
		yes = in_range(m, b, cu, va, CU_FIELD(local_lo),
			       CU_FIELD(local_hi));
	else
		yes = in_range(m, b, cu, va, CU_FIELD(private_lo),
			       CU_FIELD(private_hi));
	LLVMBuildRet(b, LLVMBuildSelect(b, yes,
					LLVMBuildAddrSpaceCast(b, p, rt, ""),
					LLVMConstNull(rt), ""));
	LLVMDisposeBuilder(b);
}

/*
 * __svmcl_printf_alloc(len, format, desc, cu): reserve @len bytes in the
 * dispatch's buffer, write the header, return the payload (NULL when
 * there is no buffer or it is full).
 */
static void late_printf_alloc(struct clc_module *m, LLVMValueRef fn)
{
	LLVMBuilderRef b = rewrite_body(m, fn);
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
	LLVMValueRef len = LLVMGetParam(fn, 0), fmt = LLVMGetParam(fn, 1);
	LLVMValueRef desc = LLVMGetParam(fn, 2), cu = LLVMGetParam(fn, 3);
	LLVMBasicBlockRef have = LLVMAppendBasicBlockInContext(m->ctx, fn, "have");
	LLVMBasicBlockRef fits = LLVMAppendBasicBlockInContext(m->ctx, fn, "fits");
	LLVMBasicBlockRef none = LLVMAppendBasicBlockInContext(m->ctx, fn, "none");
	LLVMValueRef buf, off, end, size, rec, idx, len64, nargs;

	buf = load_cu(m, b, cu, CU_FIELD(printf_buf), m->ptr);
	LLVMBuildCondBr(b, LLVMBuildIsNull(b, buf, ""), none, have);

	LLVMPositionBuilderAtEnd(b, have);
	len64 = LLVMBuildZExt(b, len, m->i64, "");
	off = LLVMBuildAtomicRMW(b, LLVMAtomicRMWBinOpAdd,
				 clc_cu_field_ptr(m, b, buf, 0), len64,
				 LLVMAtomicOrderingMonotonic, 0);
	end = LLVMBuildAdd(b, off, len64, "");
	size = load_cu(m, b, buf,
		       __builtin_offsetof(struct sgpu_printf_buf, size), m->i64);
	LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntULE, end, size, ""), fits,
			none);

	LLVMPositionBuilderAtEnd(b, fits);
	idx = LLVMBuildAdd(b, off,
			   LLVMConstInt(m->i64,
					__builtin_offsetof(struct sgpu_printf_buf,
							   data), 0), "");
	rec = LLVMBuildInBoundsGEP2(b, i8, buf, &idx, 1, "rec");
	LLVMBuildStore(b, len, rec);
	/* nargs: from the descriptor's length, recomputed by the host */
	nargs = LLVMConstInt(m->i32, 0, 0);
	LLVMBuildStore(b, nargs, clc_cu_field_ptr(m, b, rec, 4));
	LLVMBuildStore(b, fmt, clc_cu_field_ptr(m, b, rec, 8));
	LLVMBuildStore(b, desc, clc_cu_field_ptr(m, b, rec, 16));
	LLVMBuildRet(b, clc_cu_field_ptr(m, b, rec, SGPU_PRINTF_HEADER));

	LLVMPositionBuilderAtEnd(b, none);
	LLVMBuildRet(b, LLVMConstNull(m->ptr));
	LLVMDisposeBuilder(b);
}

void clc_builtins_late(struct clc_module *m)
{
	LLVMValueRef fn;

	for (int i = 0; i < 4; i++) {
		/* CLK_LOCAL_MEM_FENCE (1), CLK_GLOBAL_MEM_FENCE (2) for 3 */
		fn = LLVMGetNamedFunction(m->mod, cast_builtins[i][1]);
		if (fn)
			late_cast(m, fn, i);
	}
	fn = LLVMGetNamedFunction(m->mod, "__svmcl_printf_alloc");
	if (fn)
		late_printf_alloc(m, fn);
}
