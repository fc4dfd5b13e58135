/* SPDX-License-Identifier: MIT */
/*
 * clc_lower.c - from spir64 IR to host IR with the compute-unit ABI.
 *
 * DOC: Overview
 *
 * 1. Kernels are found by their spir_kernel calling convention and their
 *    argument metadata (-cl-kernel-arg-info) is recorded.
 * 2. The module is retargeted to the JIT's triple and data layout and
 *    every function and call gets the C calling convention.
 * 3. Every defined function gets the compute-unit descriptor
 *    (struct sgpu_cu_state *) as a hidden last parameter, the way GPU ABIs
 *    pass implicit kernel arguments: JIT code cannot use thread-local
 *    storage. The LLVM-C API cannot add a parameter in place, so a new
 *    function takes over the old one's blocks and every call is rebuilt.
 * 4. Work-item built-ins (get_global_id() and friends) become inline
 *    helpers that read the descriptor.
 *
 * Address spaces stay in the IR until clc_mmu.c has seen them.
 */
#include "config.h"

#include <CL/cl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/clc_internal.h"

#define SPIR_KERNEL_CC 76

LLVMValueRef clc_cu_field_ptr(struct clc_module *m, LLVMBuilderRef b,
			      LLVMValueRef cu, size_t offset)
{
	LLVMValueRef idx = LLVMConstInt(m->i64, offset, 0);
	LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);

	return LLVMBuildInBoundsGEP2(b, i8, cu, &idx, 1, "");
}

bool clc_is_kernel_helper(LLVMValueRef fn)
{
	size_t len;
	const char *name = LLVMGetValueName2(fn, &len);

	return len > 8 && !strncmp(name, "__svmcl_", 8);
}

/* --- kernel metadata ----------------------------------------------------- */

static LLVMValueRef fn_metadata(struct clc_module *m, LLVMValueRef fn,
				const char *kind_name)
{
	unsigned int kind = LLVMGetMDKindIDInContext(m->ctx, kind_name,
						     (unsigned)strlen(kind_name));
	LLVMValueMetadataEntry *entries;
	LLVMValueRef node = NULL;
	size_t n;

	entries = LLVMGlobalCopyAllMetadata(fn, &n);
	for (size_t i = 0; i < n; i++) {
		if (LLVMValueMetadataEntriesGetKind(entries, (unsigned)i) == kind) {
			node = LLVMMetadataAsValue(
				m->ctx,
				LLVMValueMetadataEntriesGetMetadata(entries,
								    (unsigned)i));
			break;
		}
	}
	if (entries)
		LLVMDisposeValueMetadataEntries(entries);
	return node;
}

/*
 * Operand @i of metadata @node, or NULL. A kernel has as many operands as
 * arguments, up to CL_DEVICE_MAX_PARAMETER_SIZE of them: no fixed array.
 */
static LLVMValueRef md_operand(LLVMValueRef node, unsigned int i)
{
	unsigned int n = node ? LLVMGetMDNodeNumOperands(node) : 0;
	LLVMValueRef *ops, op;

	if (i >= n)
		return NULL;
	ops = malloc(n * sizeof(*ops));
	if (!ops)
		return NULL;
	LLVMGetMDNodeOperands(node, ops);
	op = ops[i];
	free(ops);
	return op;
}

/* Operand @i of metadata @node as a malloc'd string ("" if absent). */
static char *md_string(LLVMValueRef node, unsigned int i)
{
	LLVMValueRef op = md_operand(node, i);
	unsigned int len = 0;
	const char *s = op ? LLVMGetMDString(op, &len) : NULL;
	char *out;

	if (!s)
		len = 0;
	out = malloc(len + 1);
	if (out) {
		if (len)
			memcpy(out, s, len);
		out[len] = 0;
	}
	return out;
}

static uint64_t md_int(LLVMValueRef node, unsigned int i)
{
	LLVMValueRef op = md_operand(node, i);

	if (!op || !LLVMIsAConstantInt(op))
		return 0;
	return LLVMConstIntGetZExtValue(op);
}

static uint32_t access_qual_of(const char *s)
{
	if (!strcmp(s, "read_only"))
		return CL_KERNEL_ARG_ACCESS_READ_ONLY;
	if (!strcmp(s, "write_only"))
		return CL_KERNEL_ARG_ACCESS_WRITE_ONLY;
	if (!strcmp(s, "read_write"))
		return CL_KERNEL_ARG_ACCESS_READ_WRITE;
	return CL_KERNEL_ARG_ACCESS_NONE;
}

static uint32_t type_qual_of(const char *s)
{
	uint32_t q = 0;

	if (strstr(s, "const"))
		q |= CL_KERNEL_ARG_TYPE_CONST;
	if (strstr(s, "restrict"))
		q |= CL_KERNEL_ARG_TYPE_RESTRICT;
	if (strstr(s, "volatile"))
		q |= CL_KERNEL_ARG_TYPE_VOLATILE;
	if (strstr(s, "pipe"))
		q |= CL_KERNEL_ARG_TYPE_PIPE;
	return q;
}

static int record_kernel(struct clc_module *m, LLVMValueRef fn,
			 struct clc_kernel_ir *k)
{
	LLVMValueRef md_space = fn_metadata(m, fn, "kernel_arg_addr_space");
	LLVMValueRef md_access = fn_metadata(m, fn, "kernel_arg_access_qual");
	LLVMValueRef md_type = fn_metadata(m, fn, "kernel_arg_type");
	LLVMValueRef md_tqual = fn_metadata(m, fn, "kernel_arg_type_qual");
	LLVMValueRef md_name = fn_metadata(m, fn, "kernel_arg_name");
	LLVMValueRef md_reqd = fn_metadata(m, fn, "reqd_work_group_size");
	size_t len;
	const char *name = LLVMGetValueName2(fn, &len);

	k->fn = fn;
	k->info.name = strndup(name, len);
	k->info.num_args = LLVMCountParams(fn);
	k->info.args = calloc(k->info.num_args ? k->info.num_args : 1,
			      sizeof(*k->info.args));
	if (!k->info.name || !k->info.args)
		return -ENOMEM;

	for (unsigned int i = 0; i < 3; i++)
		k->info.reqd_wg_size[i] = md_int(md_reqd, i);

	for (unsigned int i = 0; i < k->info.num_args; i++) {
		struct clc_arg *a = &k->info.args[i];
		char *access = md_string(md_access, i);
		char *tqual = md_string(md_tqual, i);

		a->name = md_string(md_name, i);
		a->type_name = md_string(md_type, i);
		if (!access || !tqual || !a->name || !a->type_name) {
			free(access);
			free(tqual);
			return -ENOMEM;
		}
		switch (md_int(md_space, i)) {
		case CLC_AS_GLOBAL:
			a->space = CLC_ARG_GLOBAL;
			break;
		case CLC_AS_CONSTANT:
			a->space = CLC_ARG_CONSTANT;
			break;
		case CLC_AS_LOCAL:
			a->space = CLC_ARG_LOCAL;
			break;
		default:
			a->space = CLC_ARG_PRIVATE;
			break;
		}
		a->access_qual = access_qual_of(access);
		a->type_qual = type_qual_of(tqual);
		free(access);
		free(tqual);
	}
	return 0;
}

static int find_kernels(struct clc_module *m)
{
	unsigned int n = 0;

	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f) &&
		    LLVMGetFunctionCallConv(f) == SPIR_KERNEL_CC)
			n++;
	m->kernels = calloc(n ? n : 1, sizeof(*m->kernels));
	if (!m->kernels)
		return -ENOMEM;
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		int ret;

		if (LLVMIsDeclaration(f) ||
		    LLVMGetFunctionCallConv(f) != SPIR_KERNEL_CC)
			continue;
		ret = record_kernel(m, f, &m->kernels[m->num_kernels++]);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- hidden argument ----------------------------------------------------- */

static void copy_attributes(LLVMValueRef from, LLVMValueRef to,
			    unsigned int nparams)
{
	LLVMAttributeIndex idx[3 + 64];
	unsigned int n = 0;

	idx[n++] = LLVMAttributeFunctionIndex;
	idx[n++] = LLVMAttributeReturnIndex;
	for (unsigned int i = 0; i < nparams && n < sizeof(idx) / sizeof(idx[0]);
	     i++)
		idx[n++] = i + 1;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int count = LLVMGetAttributeCountAtIndex(from, idx[k]);
		LLVMAttributeRef *attrs;

		if (!count)
			continue;
		attrs = malloc(count * sizeof(*attrs));
		if (!attrs)
			continue;
		LLVMGetAttributesAtIndex(from, idx[k], attrs);
		for (unsigned int i = 0; i < count; i++)
			LLVMAddAttributeAtIndex(to, idx[k], attrs[i]);
		free(attrs);
	}
}

struct fn_map {
	LLVMValueRef *old_fns;
	LLVMValueRef *new_fns;
	unsigned int n;
};

static LLVMValueRef map_lookup(const struct fn_map *map, LLVMValueRef old)
{
	for (unsigned int i = 0; i < map->n; i++)
		if (map->old_fns[i] == old)
			return map->new_fns[i];
	return NULL;
}

static LLVMValueRef add_hidden_param(struct clc_module *m, LLVMValueRef f)
{
	LLVMTypeRef fty = LLVMGlobalGetValueType(f);
	unsigned int n = LLVMCountParamTypes(fty);
	LLVMTypeRef *params = malloc((n + 1) * sizeof(*params));
	LLVMValueRef nf;
	const char *old_name;
	size_t len;
	char *name;

	if (!params)
		return NULL;
	/* Two statements: the order of argument evaluation is unspecified. */
	old_name = LLVMGetValueName2(f, &len);
	name = strndup(old_name, len);
	if (!name) {
		free(params);
		return NULL;
	}
	LLVMGetParamTypes(fty, params);
	params[n] = m->ptr;
	LLVMSetValueName2(f, "", 0);
	nf = LLVMAddFunction(m->mod, name,
			     LLVMFunctionType(LLVMGetReturnType(fty), params,
					      n + 1, 0));
	free(params);
	free(name);

	LLVMSetLinkage(nf, LLVMGetLinkage(f));
	copy_attributes(f, nf, n);
	LLVMSetFunctionCallConv(nf, LLVMCCallConv);

	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb;
	     bb = LLVMGetFirstBasicBlock(f)) {
		LLVMRemoveBasicBlockFromParent(bb);
		LLVMAppendExistingBasicBlock(nf, bb);
	}
	for (unsigned int i = 0; i < n; i++) {
		LLVMValueRef p = LLVMGetParam(f, i), np = LLVMGetParam(nf, i);
		size_t plen;
		const char *pname = LLVMGetValueName2(p, &plen);

		LLVMSetValueName2(np, pname, plen);
		LLVMReplaceAllUsesWith(p, np);
	}
	LLVMSetValueName2(LLVMGetParam(nf, n), "cu", 2);
	return nf;
}

static LLVMValueRef hidden_param(LLVMValueRef fn)
{
	return LLVMGetParam(fn, LLVMCountParams(fn) - 1);
}

/* Rebuilds @call to @callee with the caller's descriptor appended. */
static void rebuild_call(struct clc_module *m, LLVMBuilderRef b,
			 LLVMValueRef call, LLVMValueRef callee)
{
	LLVMValueRef caller = LLVMGetBasicBlockParent(
		LLVMGetInstructionParent(call));
	unsigned int n = LLVMGetNumArgOperands(call);
	LLVMValueRef *args = malloc((n + 1) * sizeof(*args));
	LLVMValueRef nc;

	if (!args)
		abort();	/* out of memory while rewriting IR */
	for (unsigned int i = 0; i < n; i++)
		args[i] = LLVMGetOperand(call, i);
	args[n] = hidden_param(caller);
	LLVMPositionBuilderBefore(b, call);
	nc = LLVMBuildCall2(b, LLVMGlobalGetValueType(callee), callee, args,
			    n + 1, "");
	LLVMSetInstructionCallConv(nc, LLVMCCallConv);
	LLVMReplaceAllUsesWith(call, nc);
	LLVMInstructionEraseFromParent(call);
	free(args);
}

/* --- work-item built-ins ------------------------------------------------- */

enum wi_kind { WI_ID, WI_SIZE, WI_GLOBAL_ID, WI_GLOBAL_LINEAR, WI_LOCAL_LINEAR,
	       WI_WORK_DIM };

struct wi_builtin {
	const char *mangled;
	enum wi_kind kind;
	size_t field;	/* offset of the uint64_t[3] field */
};

#define CU_FIELD(f) __builtin_offsetof(struct sgpu_cu_state, f)

static const struct wi_builtin wi_builtins[] = {
	{ "_Z13get_global_idj", WI_GLOBAL_ID, 0 },
	{ "_Z12get_local_idj", WI_ID, CU_FIELD(local_id) },
	{ "_Z12get_group_idj", WI_ID, CU_FIELD(group_id) },
	{ "_Z17get_global_offsetj", WI_ID, CU_FIELD(global_offset) },
	{ "_Z15get_global_sizej", WI_SIZE, CU_FIELD(global_size) },
	{ "_Z14get_local_sizej", WI_SIZE, CU_FIELD(local_size) },
	{ "_Z23get_enqueued_local_sizej", WI_SIZE,
	  CU_FIELD(enqueued_local_size) },
	{ "_Z14get_num_groupsj", WI_SIZE, CU_FIELD(num_groups) },
	{ "_Z12get_work_dimv", WI_WORK_DIM, 0 },
	{ "_Z20get_global_linear_idv", WI_GLOBAL_LINEAR, 0 },
	{ "_Z19get_local_linear_idv", WI_LOCAL_LINEAR, 0 },
};

static LLVMValueRef load_dim(struct clc_module *m, LLVMBuilderRef b,
			     LLVMValueRef cu, size_t field, LLVMValueRef dim)
{
	LLVMValueRef base = clc_cu_field_ptr(m, b, cu, field);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(b, m->i64, base, &dim, 1, "");

	return LLVMBuildLoad2(b, m->i64, p, "");
}

static LLVMValueRef load_fixed(struct clc_module *m, LLVMBuilderRef b,
			       LLVMValueRef cu, size_t field, unsigned int d)
{
	return LLVMBuildLoad2(b, m->i64,
			      clc_cu_field_ptr(m, b, cu, field + 8 * d), "");
}

/* gid(d) = group_id * enqueued_local_size + local_id + global_offset */
static LLVMValueRef build_global_id(struct clc_module *m, LLVMBuilderRef b,
				    LLVMValueRef cu, LLVMValueRef dim)
{
	LLVMValueRef g = load_dim(m, b, cu, CU_FIELD(group_id), dim);
	LLVMValueRef ls = load_dim(m, b, cu, CU_FIELD(enqueued_local_size), dim);
	LLVMValueRef l = load_dim(m, b, cu, CU_FIELD(local_id), dim);
	LLVMValueRef o = load_dim(m, b, cu, CU_FIELD(global_offset), dim);

	return LLVMBuildAdd(b, LLVMBuildAdd(b, LLVMBuildMul(b, g, ls, ""), l, ""),
			    o, "");
}

static LLVMValueRef build_linear(struct clc_module *m, LLVMBuilderRef b,
				 LLVMValueRef cu, bool global)
{
	LLVMValueRef id[3], size[3];

	for (unsigned int d = 0; d < 3; d++) {
		if (global) {
			LLVMValueRef dim = LLVMConstInt(m->i32, d, 0);

			id[d] = LLVMBuildSub(b, build_global_id(m, b, cu, dim),
					     load_fixed(m, b, cu,
							CU_FIELD(global_offset), d),
					     "");
			size[d] = load_fixed(m, b, cu, CU_FIELD(global_size), d);
		} else {
			id[d] = load_fixed(m, b, cu, CU_FIELD(local_id), d);
			size[d] = load_fixed(m, b, cu, CU_FIELD(local_size), d);
		}
	}
	/* (id2 * size1 + id1) * size0 + id0 */
	return LLVMBuildAdd(
		b,
		LLVMBuildMul(b,
			     LLVMBuildAdd(b, LLVMBuildMul(b, id[2], size[1], ""),
					  id[1], ""),
			     size[0], ""),
		id[0], "");
}

/*
 * Defines the helper "__svmcl_<builtin>" (internal, always inlined) that
 * the calls of one work-item built-in are redirected to.
 */
static LLVMValueRef build_wi_helper(struct clc_module *m, LLVMBuilderRef b,
				    const struct wi_builtin *wb,
				    LLVMTypeRef orig_ty)
{
	char name[96];
	unsigned int nparams = LLVMCountParamTypes(orig_ty);
	LLVMTypeRef params[2] = { m->i32, m->ptr };
	LLVMTypeRef ret_ty = LLVMGetReturnType(orig_ty);
	LLVMValueRef fn, cu, dim = NULL, val;
	LLVMBasicBlockRef entry;

	snprintf(name, sizeof(name), "__svmcl_%s", wb->mangled);
	fn = LLVMGetNamedFunction(m->mod, name);
	if (fn)
		return fn;
	if (nparams == 1)
		fn = LLVMAddFunction(m->mod, name,
				     LLVMFunctionType(ret_ty, params, 2, 0));
	else
		fn = LLVMAddFunction(m->mod, name,
				     LLVMFunctionType(ret_ty, &params[1], 1, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(
		fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(m->ctx,
					LLVMGetEnumAttributeKindForName(
						"alwaysinline", 12),
					0));
	cu = LLVMGetParam(fn, nparams == 1 ? 1 : 0);
	if (nparams == 1)
		dim = LLVMGetParam(fn, 0);

	entry = LLVMAppendBasicBlockInContext(m->ctx, fn, "entry");
	LLVMPositionBuilderAtEnd(b, entry);

	if (wb->kind == WI_WORK_DIM) {
		val = LLVMBuildLoad2(b, m->i32,
				     clc_cu_field_ptr(m, b, cu,
						      CU_FIELD(work_dim)),
				     "");
		LLVMBuildRet(b, LLVMBuildZExtOrBitCast(b, val, ret_ty, ""));
		return fn;
	}
	if (wb->kind == WI_GLOBAL_LINEAR || wb->kind == WI_LOCAL_LINEAR) {
		val = build_linear(m, b, cu, wb->kind == WI_GLOBAL_LINEAR);
		LLVMBuildRet(b, val);
		return fn;
	}

	/* Out-of-range dimensions: ids are 0, sizes are 1. */
	{
		LLVMBasicBlockRef in = LLVMAppendBasicBlockInContext(m->ctx, fn,
								     "in");
		LLVMBasicBlockRef out = LLVMAppendBasicBlockInContext(m->ctx, fn,
								      "out");
		LLVMValueRef ok = LLVMBuildICmp(b, LLVMIntULT, dim,
						LLVMConstInt(m->i32, 3, 0), "");
		LLVMValueRef dim64;

		LLVMBuildCondBr(b, ok, in, out);
		LLVMPositionBuilderAtEnd(b, out);
		LLVMBuildRet(b, LLVMConstInt(m->i64, wb->kind == WI_SIZE, 0));
		LLVMPositionBuilderAtEnd(b, in);
		dim64 = LLVMBuildZExt(b, dim, m->i64, "");
		if (wb->kind == WI_GLOBAL_ID)
			val = build_global_id(m, b, cu, dim64);
		else
			val = load_dim(m, b, cu, wb->field, dim64);
		LLVMBuildRet(b, val);
	}
	return fn;
}

static const struct wi_builtin *find_wi_builtin(LLVMValueRef callee)
{
	size_t len;
	const char *name = LLVMGetValueName2(callee, &len);

	for (size_t i = 0; i < sizeof(wi_builtins) / sizeof(wi_builtins[0]);
	     i++)
		if (strlen(wi_builtins[i].mangled) == len &&
		    !memcmp(wi_builtins[i].mangled, name, len))
			return &wi_builtins[i];
	return NULL;
}

/* Redirects a work-item built-in call to its helper, adding the descriptor. */
static void lower_wi_call(struct clc_module *m, LLVMBuilderRef b,
			  LLVMValueRef call, const struct wi_builtin *wb)
{
	LLVMValueRef callee = LLVMGetCalledValue(call);
	LLVMValueRef helper = build_wi_helper(m, b, wb,
					      LLVMGlobalGetValueType(callee));

	rebuild_call(m, b, call, helper);
}

/* --- driver -------------------------------------------------------------- */

static void set_c_calling_convention(struct clc_module *m)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		LLVMSetFunctionCallConv(f, LLVMCCallConv);
		for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb;
		     bb = LLVMGetNextBasicBlock(bb))
			for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i;
			     i = LLVMGetNextInstruction(i))
				if (LLVMIsACallInst(i))
					LLVMSetInstructionCallConv(i,
								   LLVMCCallConv);
	}
}

static int collect_calls(LLVMValueRef fn, LLVMValueRef **calls,
			 unsigned int *n, unsigned int *cap)
{
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb;
	     bb = LLVMGetNextBasicBlock(bb)) {
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i;
		     i = LLVMGetNextInstruction(i)) {
			if (!LLVMIsACallInst(i))
				continue;
			if (*n == *cap) {
				unsigned int ncap = *cap ? *cap * 2 : 64;
				LLVMValueRef *nc = realloc(*calls,
							   ncap * sizeof(*nc));

				if (!nc)
					return -ENOMEM;
				*calls = nc;
				*cap = ncap;
			}
			(*calls)[(*n)++] = i;
		}
	}
	return 0;
}

int clc_lower_module(struct clc_module *m, const char *triple,
		     const char *datalayout)
{
	struct fn_map map = { 0 };
	LLVMValueRef *calls = NULL;
	unsigned int ncalls = 0, cap = 0, nfns = 0;
	LLVMBuilderRef b;
	int ret;

	m->i32 = LLVMInt32TypeInContext(m->ctx);
	m->i64 = LLVMInt64TypeInContext(m->ctx);
	m->ptr = LLVMPointerTypeInContext(m->ctx, 0);

	ret = find_kernels(m);
	if (ret)
		return ret;

	LLVMSetTarget(m->mod, triple);
	LLVMSetDataLayout(m->mod, datalayout);
	set_c_calling_convention(m);

	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f))
			nfns++;
	map.old_fns = calloc(nfns + 1, sizeof(*map.old_fns));
	map.new_fns = calloc(nfns + 1, sizeof(*map.new_fns));
	b = LLVMCreateBuilderInContext(m->ctx);
	if (!map.old_fns || !map.new_fns || !b) {
		ret = -ENOMEM;
		goto out;
	}

	/* Collect first: adding functions while iterating would revisit them. */
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f))
			map.old_fns[map.n++] = f;
	for (unsigned int i = 0; i < map.n; i++) {
		map.new_fns[i] = add_hidden_param(m, map.old_fns[i]);
		if (!map.new_fns[i]) {
			ret = -ENOMEM;
			goto out;
		}
		for (unsigned int k = 0; k < m->num_kernels; k++)
			if (m->kernels[k].fn == map.old_fns[i])
				m->kernels[k].fn = map.new_fns[i];
	}

	for (unsigned int i = 0; i < map.n; i++) {
		ret = collect_calls(map.new_fns[i], &calls, &ncalls, &cap);
		if (ret)
			goto out;
	}
	for (unsigned int i = 0; i < ncalls; i++) {
		LLVMValueRef callee = LLVMGetCalledValue(calls[i]);
		LLVMValueRef target = map_lookup(&map, callee);
		const struct wi_builtin *wb;

		if (target) {
			rebuild_call(m, b, calls[i], target);
			continue;
		}
		if (!LLVMIsAFunction(callee))
			continue;
		wb = find_wi_builtin(callee);
		if (wb)
			lower_wi_call(m, b, calls[i], wb);
	}

	for (unsigned int i = 0; i < map.n; i++) {
		if (LLVMGetFirstUse(map.old_fns[i])) {
			clc_log_printf(m->log, "error: function pointer uses "
				       "are not supported\n");
			ret = -EINVAL;
			goto out;
		}
		LLVMDeleteFunction(map.old_fns[i]);
	}
	/* Barriers, work-group copies, __local variables (clc_barrier.c). */
	ret = clc_lower_workgroup(m);
out:
	if (b)
		LLVMDisposeBuilder(b);
	free(calls);
	free(map.old_fns);
	free(map.new_fns);
	return ret;
}
