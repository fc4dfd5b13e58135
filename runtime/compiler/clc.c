/* SPDX-License-Identifier: MIT */
/*
 * clc.c - the kernel compiler driver and its JIT.
 *
 * DOC: Overview
 *
 * clc_build() runs the stages of clc.h in order: front end (clang), load
 * the bitcode into a fresh LLVM context, lower to the compute-unit ABI,
 * instrument device memory accesses, emit work-group entry points, check
 * that nothing unsupported is left, verify, optimise with default<O2>, and
 * hand the module to its own ORC LLJIT. Each program owns its LLJIT, so
 * releasing a program releases its code and programs never see each
 * other's symbols.
 *
 * DOC: Locking
 *
 * None is needed: every build works in its own LLVM context and LLJIT.
 * LLVM's target registration runs once (pthread_once).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler/clc_internal.h"

struct clc_program {
	LLVMOrcLLJITRef jit;
	struct clc_kernel *kernels;
	unsigned int num_kernels;
};

/* --- build log ----------------------------------------------------------- */

void clc_log_append(struct clc_log *log, const char *text, size_t len)
{
	if (log->len + len + 1 > log->cap) {
		size_t cap = log->cap ? log->cap : 256;
		char *buf;

		while (cap < log->len + len + 1)
			cap *= 2;
		buf = realloc(log->buf, cap);
		if (!buf)
			return;	/* a truncated log beats a failed build */
		log->buf = buf;
		log->cap = cap;
	}
	memcpy(log->buf + log->len, text, len);
	log->len += len;
	log->buf[log->len] = 0;
}

void clc_log_printf(struct clc_log *log, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		clc_log_append(log, buf, (size_t)n < sizeof(buf) ? (size_t)n
								  : sizeof(buf) - 1);
}

static void log_llvm_error(struct clc_log *log, const char *what,
			   LLVMErrorRef err)
{
	char *msg = LLVMGetErrorMessage(err);

	clc_log_printf(log, "error: %s: %s\n", what, msg);
	LLVMDisposeErrorMessage(msg);
}

/* --- LLVM setup ---------------------------------------------------------- */

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static bool llvm_ready;

static void llvm_init(void)
{
	llvm_ready = !LLVMInitializeNativeTarget() &&
		     !LLVMInitializeNativeAsmPrinter();
}

static LLVMTargetMachineRef host_target_machine(struct clc_log *log)
{
	char *triple = LLVMGetDefaultTargetTriple();
	char *cpu = LLVMGetHostCPUName();
	char *features = LLVMGetHostCPUFeatures();
	LLVMTargetMachineRef tm = NULL;
	LLVMTargetRef target;
	char *err = NULL;

	if (LLVMGetTargetFromTriple(triple, &target, &err)) {
		clc_log_printf(log, "error: no LLVM target for %s: %s\n", triple,
			       err);
		LLVMDisposeMessage(err);
	} else {
		tm = LLVMCreateTargetMachine(target, triple, cpu, features,
					     LLVMCodeGenLevelDefault,
					     LLVMRelocDefault,
					     LLVMCodeModelJITDefault);
	}
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return tm;
}

static int create_jit(LLVMOrcLLJITRef *out, struct clc_log *log)
{
	LLVMOrcJITTargetMachineBuilderRef jtmb;
	LLVMOrcLLJITBuilderRef builder;
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef err;

	err = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
	if (err) {
		log_llvm_error(log, "detecting the host for the JIT", err);
		return -ENODEV;
	}
	builder = LLVMOrcCreateLLJITBuilder();
	LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
	err = LLVMOrcCreateLLJIT(out, builder);
	if (err) {
		log_llvm_error(log, "creating the JIT", err);
		return -ENODEV;
	}
	/* libm and friends, for the math built-ins LLVM lowers to calls. */
	err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(*out), NULL, NULL);
	if (err) {
		log_llvm_error(log, "creating the JIT symbol generator", err);
		LLVMOrcDisposeLLJIT(*out);
		return -ENODEV;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(*out), gen);
	return 0;
}

/* --- checks -------------------------------------------------------------- */

/* Names LLVM lowers to libm calls that the process provides. */
static bool is_host_math(const char *name, size_t len)
{
	static const char *const ok[] = { "sqrt", "sqrtf", "fabs", "fabsf",
					  "floor", "floorf", "ceil", "ceilf",
					  "fma", "fmaf", "memcpy", "memset",
					  "memmove" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) == len && !memcmp(ok[i], name, len))
			return true;
	return false;
}

static int check_supported(struct clc_module *m)
{
	int ret = 0;

	for (LLVMValueRef g = LLVMGetFirstGlobal(m->mod); g;
	     g = LLVMGetNextGlobal(g)) {
		size_t len;
		const char *name = LLVMGetValueName2(g, &len);

		if (LLVMGetPointerAddressSpace(LLVMTypeOf(g)) == CLC_AS_LOCAL) {
			clc_log_printf(m->log, "error: __local variable '%.*s' "
				       "is not supported yet\n", (int)len, name);
			ret = -EINVAL;
		}
	}
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f)) {
		size_t len;
		const char *name = LLVMGetValueName2(f, &len);

		if (!LLVMIsDeclaration(f) || !LLVMGetFirstUse(f) ||
		    LLVMGetIntrinsicID(f) || is_host_math(name, len))
			continue;
		clc_log_printf(m->log, "error: built-in function '%.*s' is "
			       "not supported by this device yet\n", (int)len,
			       name);
		ret = -EINVAL;
	}
	return ret;
}

/* --- build --------------------------------------------------------------- */

static int load_bitcode(struct clc_module *m, const char *path)
{
	LLVMMemoryBufferRef buf;
	char *msg = NULL;

	if (LLVMCreateMemoryBufferWithContentsOfFile(path, &buf, &msg)) {
		clc_log_printf(m->log, "error: reading %s: %s\n", path, msg);
		LLVMDisposeMessage(msg);
		return -EIO;
	}
	if (LLVMParseBitcodeInContext2(m->ctx, buf, &m->mod)) {
		clc_log_printf(m->log, "error: the front end produced "
			       "unreadable bitcode\n");
		LLVMDisposeMemoryBuffer(buf);
		return -EIO;
	}
	LLVMDisposeMemoryBuffer(buf);
	return 0;
}

static int run_passes(struct clc_module *m, const char *passes,
		      struct clc_log *log)
{
	LLVMTargetMachineRef tm = host_target_machine(log);
	LLVMPassBuilderOptionsRef opts;
	LLVMErrorRef err;

	if (!tm)
		return -ENODEV;
	opts = LLVMCreatePassBuilderOptions();
	err = LLVMRunPasses(m->mod, passes, tm, opts);
	LLVMDisposePassBuilderOptions(opts);
	LLVMDisposeTargetMachine(tm);
	if (err) {
		log_llvm_error(log, "optimising", err);
		return -EINVAL;
	}
	return 0;
}

static int verify(struct clc_module *m)
{
	char *msg = NULL;

	if (!LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &msg)) {
		LLVMDisposeMessage(msg);
		return 0;
	}
	clc_log_printf(m->log, "internal compiler error: invalid IR after "
		       "lowering:\n%s\n", msg ? msg : "");
	LLVMDisposeMessage(msg);
	return -EINVAL;
}

static void free_kernel_info(struct clc_kernel *k)
{
	for (unsigned int i = 0; k->args && i < k->num_args; i++) {
		free(k->args[i].name);
		free(k->args[i].type_name);
	}
	free(k->args);
	free(k->name);
}

static int jit_module(struct clc_module *m, LLVMOrcThreadSafeContextRef tsc,
		      struct clc_program *prog)
{
	LLVMOrcThreadSafeModuleRef tsm;
	LLVMErrorRef err;

	tsm = LLVMOrcCreateNewThreadSafeModule(m->mod, tsc);
	m->mod = NULL;	/* owned by the JIT from here on */
	err = LLVMOrcLLJITAddLLVMIRModule(prog->jit,
					  LLVMOrcLLJITGetMainJITDylib(prog->jit),
					  tsm);
	if (err) {
		log_llvm_error(m->log, "adding the module to the JIT", err);
		LLVMOrcDisposeThreadSafeModule(tsm);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < prog->num_kernels; i++) {
		char name[512];
		LLVMOrcExecutorAddress addr;

		snprintf(name, sizeof(name), "__svmcl_wg_%s",
			 prog->kernels[i].name);
		err = LLVMOrcLLJITLookup(prog->jit, &addr, name);
		if (err) {
			log_llvm_error(m->log, "generating machine code", err);
			return -EINVAL;
		}
		prog->kernels[i].wg_fn = (sgpu_wg_fn)(uintptr_t)addr;
	}
	return 0;
}

static int make_workdir(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/svmcl-clc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -errno;
}

static void remove_workdir(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/program.bc", dir);
	unlink(path);
	rmdir(dir);
}

int clc_build(const char *source, const char *options,
	      struct clc_program **out, char **log_out)
{
	struct clc_log log = { 0 };
	struct clc_module m = { 0 };
	struct clc_program *prog;
	LLVMOrcThreadSafeContextRef tsc = NULL;
	char dir[4096], bc[4200];
	int ret;

	*out = NULL;
	clc_log_append(&log, "", 0);
	m.log = &log;

	prog = calloc(1, sizeof(*prog));
	if (!prog) {
		ret = -ENOMEM;
		goto out_log;
	}
	pthread_once(&llvm_once, llvm_init);
	if (!llvm_ready) {
		clc_log_printf(&log, "error: LLVM has no native target\n");
		ret = -ENODEV;
		goto err_prog;
	}

	ret = make_workdir(dir, sizeof(dir));
	if (ret) {
		clc_log_printf(&log, "error: cannot create a work directory: "
			       "%s\n", strerror(-ret));
		goto err_prog;
	}
	ret = clc_frontend_compile(source, options, dir, &log);
	if (ret)
		goto err_dir;

	ret = create_jit(&prog->jit, &log);
	if (ret)
		goto err_dir;

	tsc = LLVMOrcCreateNewThreadSafeContext();
	m.ctx = LLVMOrcThreadSafeContextGetContext(tsc);
	snprintf(bc, sizeof(bc), "%s/program.bc", dir);
	ret = load_bitcode(&m, bc);
	if (ret)
		goto err_tsc;
	m.td = LLVMCreateTargetData(LLVMOrcLLJITGetDataLayoutStr(prog->jit));
	ret = clc_lower_module(&m, LLVMOrcLLJITGetTripleString(prog->jit),
			       LLVMOrcLLJITGetDataLayoutStr(prog->jit));
	if (!ret)
		ret = check_supported(&m);
	/*
	 * Scalarise private copies first (SROA turns a struct copied out of
	 * global memory into plain loads), so that fewer accesses need the
	 * slow memory-intrinsic path.
	 */
	if (!ret)
		ret = run_passes(&m, "function(sroa,early-cse,instcombine,"
				 "simplifycfg)", &log);
	if (!ret)
		ret = clc_instrument_memory(&m);
	if (!ret)
		ret = clc_emit_wg_functions(&m);
	if (!ret)
		ret = verify(&m);
	if (!ret)
		ret = run_passes(&m, "default<O2>", &log);
	if (!ret)
		ret = clc_check_codegen_types(&m);
	if (ret)
		goto err_module;

	/* Hand the kernel descriptions over to the program. */
	prog->num_kernels = m.num_kernels;
	prog->kernels = calloc(m.num_kernels ? m.num_kernels : 1,
			       sizeof(*prog->kernels));
	if (!prog->kernels) {
		ret = -ENOMEM;
		goto err_module;
	}
	for (unsigned int i = 0; i < m.num_kernels; i++) {
		prog->kernels[i] = m.kernels[i].info;
		memset(&m.kernels[i].info, 0, sizeof(m.kernels[i].info));
	}
	ret = jit_module(&m, tsc, prog);
	if (ret)
		goto err_module;

	LLVMDisposeTargetData(m.td);
	free(m.kernels);
	LLVMOrcDisposeThreadSafeContext(tsc);
	remove_workdir(dir);
	*out = prog;
	*log_out = log.buf;
	return 0;

err_module:
	if (m.mod)
		LLVMDisposeModule(m.mod);
	if (m.td)
		LLVMDisposeTargetData(m.td);
	for (unsigned int i = 0; i < m.num_kernels; i++)
		free_kernel_info(&m.kernels[i].info);
	free(m.kernels);
err_tsc:
	LLVMOrcDisposeThreadSafeContext(tsc);
err_dir:
	remove_workdir(dir);
err_prog:
	clc_program_destroy(prog);
out_log:
	*log_out = log.buf ? log.buf : strdup("");
	return ret;
}

void clc_program_destroy(struct clc_program *prog)
{
	if (!prog)
		return;
	for (unsigned int i = 0; prog->kernels && i < prog->num_kernels; i++)
		free_kernel_info(&prog->kernels[i]);
	free(prog->kernels);
	if (prog->jit)
		LLVMOrcDisposeLLJIT(prog->jit);
	free(prog);
}

unsigned int clc_program_num_kernels(const struct clc_program *prog)
{
	return prog->num_kernels;
}

const struct clc_kernel *clc_program_kernel(const struct clc_program *prog,
					    unsigned int index)
{
	return index < prog->num_kernels ? &prog->kernels[index] : NULL;
}

const struct clc_kernel *clc_program_find_kernel(const struct clc_program *prog,
						 const char *name)
{
	for (unsigned int i = 0; i < prog->num_kernels; i++)
		if (!strcmp(prog->kernels[i].name, name))
			return &prog->kernels[i];
	return NULL;
}
