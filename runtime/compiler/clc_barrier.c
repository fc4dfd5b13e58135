/* SPDX-License-Identifier: MIT */
/*
 * clc_barrier.c - barriers, work-group copies and local memory in the IR.
 *
 * DOC: Overview
 *
 * Runs at the end of the lowering (clc_lower.c), when every function has
 * the compute-unit descriptor as its last parameter:
 *
 * 1. Synchronisation built-ins become calls through the descriptor
 *    (sgpu_abi.h, "Work-groups"):
 *    - barrier(), work_group_barrier() (with or without a scope) and
 *      wait_group_events(): cu->barrier(cu). The flags and scope need no
 *      code: the work-items of a group run on one thread, one after
 *      another, so all their memory operations are ordered already, and
 *      the call is opaque to the optimiser, which therefore keeps every
 *      memory access on its side of it.
 *    - async_work_group_copy() and async_work_group_strided_copy():
 *      cu->group_copy(cu, dst, src, element size, count, strides, which
 *      side is global); the returned event is a constant (every copy is
 *      complete once the work-group gets past it).
 *    - prefetch(): nothing. It is a hint, and an access through the MMU
 *      would turn a hint at a bad address into a device fault; the TLB
 *      fill-ahead and the fault path's prefetch policy already fetch ahead.
 *    - mem_fence(), read_mem_fence(), write_mem_fence(): an acq_rel fence
 *      (orders the work-item's accesses for the compiler; free on x86).
 *    The element size of a copy comes from the mangled name (the pointer
 *    types are opaque in the IR).
 * 2. A kernel that reaches a barrier (directly or through the functions it
 *    calls) is marked uses_barriers: clc_wg.c then runs its work-items as
 *    fibers instead of a loop.
 * 3. __local variables (address-space-3 globals) get an offset in the
 *    unit's local memory; every use becomes cu->local_mem + offset,
 *    computed in the using function (constant expressions over the
 *    variable are rebuilt as instructions). Offsets are laid out per
 *    kernel: a variable's offset is past every variable already placed
 *    for any kernel that reaches it, so the kernels of a program share
 *    nothing but need not add up. A kernel whose variables exceed
 *    SGPU_LOCAL_MEM_SIZE fails to build.
 * 4. Every function gets inline stack probes, so that a frame larger than
 *    a work-item stack's guard page still faults on it (fiber.c).
 *
 * clc_check_codegen_types() runs after the optimiser: event_t is a target
 * extension type the x86 back end cannot lower, so one that survived (an
 * event kept where SROA cannot scalarise it) fails the build instead of
 * crashing the JIT.
 *
 * DOC: Locking
 *
 * None: one build, one LLVM context.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/clc_internal.h"

#define CU_FIELD(f) __builtin_offsetof(struct sgpu_cu_state, f)

enum sync_kind {
	SYNC_NONE,
	SYNC_BARRIER,
	SYNC_COPY,
	SYNC_STRIDED_COPY,
	SYNC_PREFETCH,
	SYNC_FENCE,
};

struct sync_builtin {
	const char *name;
	bool prefix;		/* any overload whose name starts with @name */
	enum sync_kind kind;
};

static const struct sync_builtin sync_builtins[] = {
	{ "_Z7barrierj", false, SYNC_BARRIER },
	{ "_Z18work_group_barrierj", true, SYNC_BARRIER },
	{ "_Z17wait_group_events", true, SYNC_BARRIER },
	{ "_Z21async_work_group_copy", true, SYNC_COPY },
	{ "_Z29async_work_group_strided_copy", true, SYNC_STRIDED_COPY },
	{ "_Z8prefetch", true, SYNC_PREFETCH },
	{ "_Z9mem_fencej", false, SYNC_FENCE },
	{ "_Z14read_mem_fencej", false, SYNC_FENCE },
	{ "_Z15write_mem_fencej", false, SYNC_FENCE },
};

static const struct sync_builtin *find_sync(LLVMValueRef callee,
					    const char **rest)
{
	size_t len;
	const char *name;

	if (!callee || !LLVMIsAFunction(callee) || !LLVMIsDeclaration(callee))
		return NULL;
	name = LLVMGetValueName2(callee, &len);
	for (size_t i = 0; i < sizeof(sync_builtins) / sizeof(sync_builtins[0]);
	     i++) {
		const struct sync_builtin *sb = &sync_builtins[i];
		size_t n = strlen(sb->name);

		if (len < n || memcmp(name, sb->name, n) ||
		    (!sb->prefix && len != n))
			continue;
		*rest = name + n;
		return sb;
	}
	return NULL;
}

/* Size of one mangled scalar type, 0 if unknown. */
static uint64_t scalar_size(const char *s)
{
	switch (s[0]) {
	case 'c': case 'a': case 'h':
		return 1;
	case 's': case 't':
		return 2;
	case 'i': case 'j': case 'f':
		return 4;
	case 'l': case 'm': case 'd':
		return 8;
	case 'D':
		return s[1] == 'h' ? 2 : 0;	/* half */
	default:
		return 0;
	}
}

/*
 * Element size of the first pointer parameter in the mangled parameter
 * list @s, e.g. "PU3AS3Dv4_fPU3AS1KS_m9ocl_event" -> 16. A 3-vector takes
 * the room of a 4-vector. Return: 0 if the name is not understood.
 */
static uint64_t first_pointee_size(const char *s)
{
	char *end;
	unsigned long n;

	if (*s++ != 'P')
		return 0;
	if (!strncmp(s, "U3AS", 4) && s[4] >= '0' && s[4] <= '9')
		s += 5;
	while (*s == 'K' || *s == 'V' || *s == 'r')
		s++;
	if (s[0] != 'D' || s[1] != 'v')
		return scalar_size(s);
	n = strtoul(s + 2, &end, 10);
	if (*end != '_' || !(n == 2 || n == 3 || n == 4 || n == 8 || n == 16))
		return 0;
	return (n == 3 ? 4 : n) * scalar_size(end + 1);
}

static LLVMValueRef cu_of(LLVMValueRef inst)
{
	LLVMValueRef fn = LLVMGetBasicBlockParent(LLVMGetInstructionParent(inst));

	return LLVMGetParam(fn, LLVMCountParams(fn) - 1);
}

static void mark_invariant(struct clc_module *m, LLVMValueRef load)
{
	unsigned int kind = LLVMGetMDKindIDInContext(m->ctx, "invariant.load",
						     14);

	LLVMSetMetadata(load, kind,
			LLVMMetadataAsValue(m->ctx,
					    LLVMMDNodeInContext2(m->ctx, NULL,
								 0)));
}

/* Loads a field of the descriptor that never changes while JIT code runs. */
static LLVMValueRef load_cu_ptr(struct clc_module *m, LLVMBuilderRef b,
				LLVMValueRef cu, size_t field)
{
	LLVMValueRef v = LLVMBuildLoad2(b, m->ptr,
					clc_cu_field_ptr(m, b, cu, field), "");

	mark_invariant(m, v);
	return v;
}

static bool is_global_ptr(LLVMValueRef v)
{
	unsigned int as = LLVMGetPointerAddressSpace(LLVMTypeOf(v));

	return as == CLC_AS_GLOBAL || as == CLC_AS_CONSTANT;
}

static int lower_copy(struct clc_module *m, LLVMBuilderRef b,
		      LLVMValueRef call, const char *rest, bool strided)
{
	LLVMTypeRef params[8] = { m->ptr, m->i64, m->i64, m->i64,
				  m->i64, m->i64, m->i64, m->i32 };
	LLVMTypeRef fn_ty = LLVMFunctionType(LLVMVoidTypeInContext(m->ctx),
					     params, 8, 0);
	LLVMValueRef dst = LLVMGetOperand(call, 0);
	LLVMValueRef src = LLVMGetOperand(call, 1);
	uint64_t esize = first_pointee_size(rest);
	LLVMValueRef one = LLVMConstInt(m->i64, 1, 0), stride = one;
	LLVMValueRef cu = cu_of(call), args[8];
	uint32_t mask = 0;

	if (!esize || LLVMGetNumArgOperands(call) < (strided ? 5u : 4u)) {
		clc_log_printf(m->log, "error: work-group copy with an "
			       "unknown element type\n");
		return -EINVAL;
	}
	if (is_global_ptr(dst))
		mask |= SGPU_COPY_DST_GLOBAL;
	if (is_global_ptr(src))
		mask |= SGPU_COPY_SRC_GLOBAL;
	LLVMPositionBuilderBefore(b, call);
	if (strided)
		stride = LLVMBuildZExtOrBitCast(b, LLVMGetOperand(call, 3),
						m->i64, "");
	args[0] = cu;
	args[1] = LLVMBuildPtrToInt(b, dst, m->i64, "");
	args[2] = LLVMBuildPtrToInt(b, src, m->i64, "");
	args[3] = LLVMConstInt(m->i64, esize, 0);
	args[4] = LLVMBuildZExtOrBitCast(b, LLVMGetOperand(call, 2), m->i64, "");
	/* The stride applies to the global side. */
	args[5] = (mask & SGPU_COPY_DST_GLOBAL) ? stride : one;
	args[6] = (mask & SGPU_COPY_DST_GLOBAL) ? one : stride;
	args[7] = LLVMConstInt(m->i32, mask, 0);
	LLVMBuildCall2(b, fn_ty, load_cu_ptr(m, b, cu, CU_FIELD(group_copy)),
		       args, 8, "");
	if (LLVMGetTypeKind(LLVMTypeOf(call)) != LLVMVoidTypeKind)
		LLVMReplaceAllUsesWith(call, LLVMConstNull(LLVMTypeOf(call)));
	LLVMInstructionEraseFromParent(call);
	return 0;
}

static void lower_barrier(struct clc_module *m, LLVMBuilderRef b,
			  LLVMValueRef call)
{
	LLVMTypeRef fn_ty = LLVMFunctionType(LLVMVoidTypeInContext(m->ctx),
					     &m->ptr, 1, 0);
	LLVMValueRef cu = cu_of(call);

	LLVMPositionBuilderBefore(b, call);
	LLVMBuildCall2(b, fn_ty, load_cu_ptr(m, b, cu, CU_FIELD(barrier)), &cu,
		       1, "");
	LLVMInstructionEraseFromParent(call);
}

/* --- the call graph ------------------------------------------------------ */

struct wg_fns {
	LLVMValueRef *fn;	/* defined functions */
	bool *barrier;		/* reaches a barrier */
	unsigned int n;
};

static int fn_index(const struct wg_fns *g, LLVMValueRef fn)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (g->fn[i] == fn)
			return (int)i;
	return -1;
}

/* Marks in @seen every function @i reaches (itself included). */
static void reach(const struct wg_fns *g, unsigned int i, bool *seen)
{
	if (seen[i])
		return;
	seen[i] = true;
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(g->fn[i]); bb;
	     bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in;
		     in = LLVMGetNextInstruction(in)) {
			int j;

			if (!LLVMIsACallInst(in))
				continue;
			j = fn_index(g, LLVMGetCalledValue(in));
			if (j >= 0)
				reach(g, (unsigned int)j, seen);
		}
}

/* Lowers the synchronisation calls of every function; notes barriers. */
static int lower_sync_calls(struct clc_module *m, LLVMBuilderRef b,
			    struct wg_fns *g)
{
	for (unsigned int i = 0; i < g->n; i++) {
		LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(g->fn[i]);

		for (; bb; bb = LLVMGetNextBasicBlock(bb)) {
			LLVMValueRef in = LLVMGetFirstInstruction(bb), next;

			for (; in; in = next) {
				const struct sync_builtin *sb;
				const char *rest = NULL;
				int ret = 0;

				next = LLVMGetNextInstruction(in);
				if (!LLVMIsACallInst(in))
					continue;
				sb = find_sync(LLVMGetCalledValue(in), &rest);
				if (!sb)
					continue;
				switch (sb->kind) {
				case SYNC_BARRIER:
					lower_barrier(m, b, in);
					g->barrier[i] = true;
					break;
				case SYNC_COPY:
				case SYNC_STRIDED_COPY:
					ret = lower_copy(m, b, in, rest,
							 sb->kind ==
							 SYNC_STRIDED_COPY);
					g->barrier[i] = true;
					break;
				case SYNC_PREFETCH:
					LLVMInstructionEraseFromParent(in);
					break;
				case SYNC_FENCE:
					LLVMPositionBuilderBefore(b, in);
					LLVMBuildFence(b,
						LLVMAtomicOrderingAcquireRelease,
						0, "");
					LLVMInstructionEraseFromParent(in);
					break;
				default:
					break;
				}
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* --- local variables ------------------------------------------------------ */

static bool is_local_var(LLVMValueRef v)
{
	return LLVMIsAGlobalVariable(v) &&
	       LLVMGetPointerAddressSpace(LLVMTypeOf(v)) == CLC_AS_LOCAL;
}

/* True when constant @c is, or is an expression over, a local variable. */
static bool refs_local(LLVMValueRef c, int depth)
{
	if (depth > 32 || !c || !LLVMIsConstant(c))
		return false;
	if (is_local_var(c))
		return true;
	if (!LLVMIsAConstantExpr(c))
		return false;
	for (int i = 0; i < LLVMGetNumOperands(c); i++)
		if (refs_local(LLVMGetOperand(c, (unsigned int)i), depth + 1))
			return true;
	return false;
}

/*
 * True when something still needs @v: an instruction, an initializer, or a
 * constant expression that is needed itself (the IR builder leaves folded
 * constant expressions behind with no users).
 */
static bool has_live_use(LLVMValueRef v, int depth)
{
	if (depth > 32)
		return true;
	for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
		LLVMValueRef user = LLVMGetUser(u);

		if (!LLVMIsAConstantExpr(user) || has_live_use(user, depth + 1))
			return true;
	}
	return false;
}

struct local_var {
	LLVMValueRef gv;
	uint64_t offset;
};

struct local_layout {
	struct local_var *vars;
	unsigned int n;
};

static uint64_t local_offset(const struct local_layout *l, LLVMValueRef gv)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (l->vars[i].gv == gv)
			return l->vars[i].offset;
	return 0;
}

/*
 * Rebuilds constant @c, which refers to a local variable, as instructions
 * at @b's position in a function whose descriptor is @cu. Return: the
 * value, or NULL for an expression it cannot rebuild.
 */
static LLVMValueRef materialize(struct clc_module *m, LLVMBuilderRef b,
				const struct local_layout *l, LLVMValueRef cu,
				LLVMValueRef c)
{
	LLVMValueRef ops[16];
	unsigned int n;

	if (!refs_local(c, 0))
		return c;
	if (is_local_var(c)) {
		LLVMTypeRef i8 = LLVMInt8TypeInContext(m->ctx);
		LLVMValueRef off = LLVMConstInt(m->i64, local_offset(l, c), 0);
		LLVMValueRef base = load_cu_ptr(m, b, cu, CU_FIELD(local_mem));

		return LLVMBuildAddrSpaceCast(
			b, LLVMBuildInBoundsGEP2(b, i8, base, &off, 1, ""),
			LLVMTypeOf(c), "");
	}
	n = (unsigned int)LLVMGetNumOperands(c);
	if (n > 16)
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		ops[i] = materialize(m, b, l, cu, LLVMGetOperand(c, i));
		if (!ops[i])
			return NULL;
	}
	switch (LLVMGetConstOpcode(c)) {
	case LLVMGetElementPtr:
		if (LLVMIsInBounds(c))
			return LLVMBuildInBoundsGEP2(
				b, LLVMGetGEPSourceElementType(c), ops[0],
				ops + 1, n - 1, "");
		return LLVMBuildGEP2(b, LLVMGetGEPSourceElementType(c), ops[0],
				     ops + 1, n - 1, "");
	case LLVMAddrSpaceCast:
		return LLVMBuildAddrSpaceCast(b, ops[0], LLVMTypeOf(c), "");
	case LLVMBitCast:
		return LLVMBuildBitCast(b, ops[0], LLVMTypeOf(c), "");
	case LLVMPtrToInt:
		return LLVMBuildPtrToInt(b, ops[0], LLVMTypeOf(c), "");
	default:
		return NULL;
	}
}

/* Replaces every operand of @fn's instructions that refers to a local. */
static int replace_local_uses(struct clc_module *m, LLVMBuilderRef b,
			      const struct local_layout *l, LLVMValueRef fn)
{
	LLVMValueRef cu = LLVMGetParam(fn, LLVMCountParams(fn) - 1);

	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb;
	     bb = LLVMGetNextBasicBlock(bb)) {
		for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in;
		     in = LLVMGetNextInstruction(in)) {
			int nops = LLVMGetNumOperands(in);

			for (int k = 0; k < nops; k++) {
				LLVMValueRef op = LLVMGetOperand(in, (unsigned int)k);
				LLVMValueRef v;

				if (!refs_local(op, 0))
					continue;
				/* A phi's value is needed at the end of its edge. */
				if (LLVMIsAPHINode(in))
					LLVMPositionBuilderBefore(
						b, LLVMGetBasicBlockTerminator(
							   LLVMGetIncomingBlock(
								   in, (unsigned int)k)));
				else
					LLVMPositionBuilderBefore(b, in);
				v = materialize(m, b, l, cu, op);
				if (!v) {
					clc_log_printf(m->log, "error: unsupported "
						       "use of a __local "
						       "variable\n");
					return -EINVAL;
				}
				LLVMSetOperand(in, (unsigned int)k, v);
			}
		}
	}
	return 0;
}

/* Functions that use @gv, through constant expressions too, in @uses. */
static void note_users(const struct wg_fns *g, LLVMValueRef v, bool *uses,
		       int depth)
{
	if (depth > 32)
		return;
	for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
		LLVMValueRef user = LLVMGetUser(u);

		if (LLVMIsAInstruction(user)) {
			int i = fn_index(g, LLVMGetBasicBlockParent(
						    LLVMGetInstructionParent(user)));

			if (i >= 0)
				uses[i] = true;
		} else if (LLVMIsAConstantExpr(user)) {
			note_users(g, user, uses, depth + 1);
		}
	}
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int layout_locals(struct clc_module *m, const struct wg_fns *g,
			 bool *const *reaches, struct local_layout *l)
{
	uint64_t *end = calloc(m->num_kernels + 1, sizeof(*end));
	bool *uses = calloc(g->n + 1, sizeof(*uses));
	int ret = 0;

	if (!end || !uses) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int v = 0; v < l->n; v++) {
		LLVMValueRef gv = l->vars[v].gv;
		LLVMTypeRef ty = LLVMGlobalGetValueType(gv);
		uint64_t size = LLVMABISizeOfType(m->td, ty);
		uint64_t align = LLVMGetAlignment(gv);
		uint64_t off = 0;

		if (align < LLVMABIAlignmentOfType(m->td, ty))
			align = LLVMABIAlignmentOfType(m->td, ty);
		if (align < 16)
			align = 16;
		memset(uses, 0, g->n * sizeof(*uses));
		note_users(g, gv, uses, 0);
		for (unsigned int k = 0; k < m->num_kernels; k++)
			for (unsigned int f = 0; f < g->n; f++)
				if (uses[f] && reaches[k][f] && end[k] > off)
					off = end[k];
		off = align_up(off, align);
		l->vars[v].offset = off;
		for (unsigned int k = 0; k < m->num_kernels; k++)
			for (unsigned int f = 0; f < g->n; f++)
				if (uses[f] && reaches[k][f]) {
					end[k] = off + size;
					break;
				}
	}
	for (unsigned int k = 0; k < m->num_kernels; k++) {
		struct clc_kernel *info = &m->kernels[k].info;

		if (end[k] > SGPU_LOCAL_MEM_SIZE) {
			clc_log_printf(m->log, "error: kernel '%s': its __local "
				       "variables take %llu bytes, more than the "
				       "device's %u bytes of local memory\n",
				       info->name, (unsigned long long)end[k],
				       SGPU_LOCAL_MEM_SIZE);
			ret = -EINVAL;
		}
		info->local_mem_size = (uint32_t)end[k];
	}
out:
	free(end);
	free(uses);
	return ret;
}

static int lower_locals(struct clc_module *m, LLVMBuilderRef b,
			const struct wg_fns *g, bool *const *reaches)
{
	struct local_layout l = { 0 };
	unsigned int cap = 0;
	int ret = 0;

	for (LLVMValueRef gv = LLVMGetFirstGlobal(m->mod); gv;
	     gv = LLVMGetNextGlobal(gv)) {
		if (!is_local_var(gv))
			continue;
		if (l.n == cap) {
			unsigned int nc = cap ? 2 * cap : 16;
			struct local_var *p = realloc(l.vars, nc * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			l.vars = p;
			cap = nc;
		}
		l.vars[l.n++].gv = gv;
	}
	if (!l.n)
		goto out;
	ret = layout_locals(m, g, reaches, &l);
	for (unsigned int i = 0; i < g->n && !ret; i++)
		ret = replace_local_uses(m, b, &l, g->fn[i]);
	for (unsigned int i = 0; i < l.n && !ret; i++) {
		LLVMValueRef gv = l.vars[i].gv;

		if (has_live_use(gv, 0)) {
			size_t len;
			const char *name = LLVMGetValueName2(gv, &len);

			clc_log_printf(m->log, "error: __local variable '%.*s' "
				       "is used outside a function\n",
				       (int)len, name);
			ret = -EINVAL;
			break;
		}
		/* Constant expressions nobody uses may still name it. */
		LLVMReplaceAllUsesWith(gv, LLVMGetPoison(LLVMTypeOf(gv)));
		LLVMDeleteGlobal(gv);
	}
out:
	free(l.vars);
	return ret;
}

/* --- driver -------------------------------------------------------------- */

static void add_stack_probes(struct clc_module *m, const struct wg_fns *g)
{
	LLVMAttributeRef probe = LLVMCreateStringAttribute(m->ctx,
							   "probe-stack", 11,
							   "inline-asm", 10);

	for (unsigned int i = 0; i < g->n; i++)
		LLVMAddAttributeAtIndex(g->fn[i], LLVMAttributeFunctionIndex,
					probe);
}

int clc_lower_workgroup(struct clc_module *m)
{
	struct wg_fns g = { 0 };
	bool **reaches = NULL;
	LLVMBuilderRef b = NULL;
	unsigned int nfns = 0;
	int ret = -ENOMEM;

	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f))
			nfns++;
	g.fn = calloc(nfns + 1, sizeof(*g.fn));
	g.barrier = calloc(nfns + 1, sizeof(*g.barrier));
	reaches = calloc(m->num_kernels + 1, sizeof(*reaches));
	b = LLVMCreateBuilderInContext(m->ctx);
	if (!g.fn || !g.barrier || !reaches || !b)
		goto out;
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f))
			g.fn[g.n++] = f;

	ret = lower_sync_calls(m, b, &g);
	if (ret)
		goto out;

	for (unsigned int k = 0; k < m->num_kernels; k++) {
		int idx = fn_index(&g, m->kernels[k].fn);

		ret = -ENOMEM;
		reaches[k] = calloc(g.n + 1, sizeof(**reaches));
		if (!reaches[k])
			goto out;
		if (idx >= 0)
			reach(&g, (unsigned int)idx, reaches[k]);
		for (unsigned int f = 0; f < g.n; f++)
			if (reaches[k][f] && g.barrier[f])
				m->kernels[k].info.uses_barriers = true;
	}
	ret = lower_locals(m, b, &g, reaches);
	if (ret)
		goto out;
	add_stack_probes(m, &g);

	/* The synchronisation declarations have no callers left. */
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod), next; f; f = next) {
		const char *rest;

		next = LLVMGetNextFunction(f);
		if (find_sync(f, &rest) && !LLVMGetFirstUse(f))
			LLVMDeleteFunction(f);
	}
out:
	for (unsigned int k = 0; reaches && k < m->num_kernels; k++)
		free(reaches[k]);
	free(reaches);
	free(g.fn);
	free(g.barrier);
	if (b)
		LLVMDisposeBuilder(b);
	return ret;
}

/* --- after optimisation --------------------------------------------------- */

static const char *target_ext_in(LLVMTypeRef ty, int depth)
{
	if (depth > 8)
		return NULL;
	switch (LLVMGetTypeKind(ty)) {
	case LLVMTargetExtTypeKind:
		return LLVMGetTargetExtTypeName(ty);
	case LLVMArrayTypeKind:
	case LLVMVectorTypeKind:
	case LLVMScalableVectorTypeKind:
		return target_ext_in(LLVMGetElementType(ty), depth + 1);
	case LLVMStructTypeKind:
		for (unsigned int i = 0; i < LLVMCountStructElementTypes(ty); i++) {
			const char *n = target_ext_in(
				LLVMStructGetTypeAtIndex(ty, i), depth + 1);

			if (n)
				return n;
		}
		return NULL;
	default:
		return NULL;
	}
}

int clc_check_codegen_types(struct clc_module *m)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		size_t len;
		const char *fname = LLVMGetValueName2(f, &len);
		const char *bad = NULL;

		if (LLVMIsDeclaration(f))
			continue;
		for (unsigned int i = 0; i < LLVMCountParams(f) && !bad; i++)
			bad = target_ext_in(LLVMTypeOf(LLVMGetParam(f, i)), 0);
		for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f);
		     bb && !bad; bb = LLVMGetNextBasicBlock(bb))
			for (LLVMValueRef in = LLVMGetFirstInstruction(bb);
			     in && !bad; in = LLVMGetNextInstruction(in)) {
				bad = target_ext_in(LLVMTypeOf(in), 0);
				if (!bad && LLVMIsAAllocaInst(in))
					bad = target_ext_in(
						LLVMGetAllocatedType(in), 0);
			}
		if (bad) {
			clc_log_printf(m->log, "error: function '%.*s' keeps "
				       "values of type %s (event_t) that this "
				       "device cannot hold: keep events in "
				       "plain variables\n", (int)len, fname,
				       bad);
			return -EINVAL;
		}
	}
	return 0;
}
