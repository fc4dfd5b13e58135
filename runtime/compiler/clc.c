/* SPDX-License-Identifier: MIT */
/*
 * clc.c - the kernel compiler driver and its JIT.
 *
 * DOC: Overview
 *
 * A build has three stages, each a function of its own so that the
 * runtime can run them separately (clCompileProgram, clLinkProgram,
 * binaries) and the binary cache can skip the first:
 *
 *  1. clc_compile(): front end (clang) to spir64 bitcode, or that bitcode
 *     from the binary cache (clc_cache.c). Embedded headers are written
 *     next to the source in clang's private work directory.
 *  2. clc_link(): LLVMLinkModules2 of several such modules (optional).
 *  3. clc_build_bitcode(): load the bitcode into a fresh LLVM context,
 *     lower to the compute-unit ABI, instrument device memory accesses,
 *     emit work-group entry points, check that nothing unsupported is
 *     left, verify, optimise with default<O2>, and hand the module to its
 *     own ORC LLJIT. Each program owns its LLJIT, so releasing a program
 *     releases its code and programs never see each other's symbols.
 *
 * clc_build() is 1 then 3. Program binaries (clc_binary.c) hold the
 * bitcode of stage 1 or 2, so a binary is built again by stage 3.
 *
 * Stage 3 is deterministic for its input, so clc_build_bitcode() keeps its
 * result in the binary cache too (a ".jit" entry, clc_cache.c): the
 * optimised module and the kernel descriptions, keyed by the input
 * bitcode, the host CPU, SVMCL_MMU and svmcl's build id. A hit parses that
 * module and only generates machine code; built-in linking, lowering,
 * instrumentation and default<O2> are skipped. The module holds no
 * address of this process (host functions are JIT symbols,
 * clc_builtins_define_host()), so an entry serves any later process.
 *
 * DOC: Locking
 *
 * None is needed: every build works in its own LLVM context and LLJIT.
 * LLVM's target registration runs once (pthread_once). Every context gets
 * a diagnostic handler that writes to that build's log (LLVM's default
 * handler would exit the process on a bad input).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Error.h>
#include <llvm-c/Linker.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "compiler/clc_hoist.h"
#include "compiler/clc_internal.h"
#include "compiler/clc_store.h"

#define SPIR_KERNEL_CC 76

struct clc_program {
	LLVMOrcLLJITRef jit;
	struct clc_kernel *kernels;
	unsigned int num_kernels;
	size_t global_size;	/* program-scope __global variables */
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

void clc_diag_handler(LLVMDiagnosticInfoRef info, void *log)
{
	char *msg = LLVMGetDiagInfoDescription(info);
	const char *sev;

	switch (LLVMGetDiagInfoSeverity(info)) {
	case LLVMDSError:
		sev = "error";
		break;
	case LLVMDSWarning:
		sev = "warning";
		break;
	default:
		LLVMDisposeMessage(msg);
		return;	/* remarks and notes are noise in a build log */
	}
	if (log)
		clc_log_printf(log, "%s: %s\n", sev, msg);
	LLVMDisposeMessage(msg);
}

/* --- bitcode in memory --------------------------------------------------- */

int clc_parse_bitcode(LLVMContextRef ctx, const void *bc, size_t size,
		      LLVMModuleRef *mod, struct clc_log *log)
{
	LLVMMemoryBufferRef buf;
	LLVMBool failed;

	*mod = NULL;
	/* A private copy: the reader wants aligned memory it can keep. */
	buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(bc, size, "program.bc");
	if (!buf)
		return -ENOMEM;
	failed = LLVMParseBitcodeInContext2(ctx, buf, mod);
	LLVMDisposeMemoryBuffer(buf);
	if (failed) {
		*mod = NULL;
		clc_log_printf(log, "error: unreadable LLVM bitcode\n");
		return -EINVAL;
	}
	return 0;
}

int clc_write_bitcode(LLVMModuleRef mod, void **bc, size_t *size)
{
	LLVMMemoryBufferRef buf = LLVMWriteBitcodeToMemoryBuffer(mod);
	size_t n;

	if (!buf)
		return -ENOMEM;
	n = LLVMGetBufferSize(buf);
	*bc = malloc(n ? n : 1);
	if (!*bc) {
		LLVMDisposeMemoryBuffer(buf);
		return -ENOMEM;
	}
	memcpy(*bc, LLVMGetBufferStart(buf), n);
	*size = n;
	LLVMDisposeMemoryBuffer(buf);
	return 0;
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
	if (clc_builtins_define_host(*out)) {
		clc_log_printf(log, "error: cannot define the host functions "
			       "in the JIT\n");
		LLVMOrcDisposeLLJIT(*out);
		return -ENODEV;
	}
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
		    LLVMGetIntrinsicID(f) || is_host_math(name, len) ||
		    (len > 13 && !strncmp(name, "__svmcl_host_", 13)))
			continue;
		clc_log_printf(m->log, "error: built-in function '%.*s' is "
			       "not supported by this device yet\n", (int)len,
			       name);
		ret = -EINVAL;
	}
	return ret;
}

/* --- build --------------------------------------------------------------- */

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
	free(k->attributes);
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

/* --- stage 1: the front end, with the cache ----------------------------- */

static int make_workdir(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/svmcl-clc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -errno;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* The work directory and whatever clang or the headers left in it. */
static void remove_workdir(const char *dir)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n <= 0) {
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	return close(fd) ? -errno : 0;
}

/*
 * A header name is a relative path without ".." components; anything
 * else would write outside the work directory, so it is left out (and an
 * #include of it fails to compile, with clang's message in the log).
 */
static bool header_name_ok(const char *name)
{
	const char *p = name;

	if (!name || !name[0] || name[0] == '/')
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if ((len == 2 && !strncmp(p, "..", 2)) || len == 0)
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return true;
}

/* @dir/inc/<name> for each embedded header; the first of a name wins. */
static int write_headers(const char *dir, const struct clc_header *headers,
			 unsigned int n, struct clc_log *log)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/inc", dir);
	if (mkdir(path, 0700))
		return -errno;
	for (unsigned int i = 0; i < n; i++) {
		int ret;

		if (!header_name_ok(headers[i].name)) {
			clc_log_printf(log, "warning: embedded header name "
				       "'%s' is not a relative path; ignored\n",
				       headers[i].name ? headers[i].name : "");
			continue;
		}
		snprintf(path, sizeof(path), "%s/inc/%s", dir, headers[i].name);
		if (access(path, F_OK) == 0)
			continue;
		/* Create the intermediate directories of "a/b/c.h". */
		for (char *slash = strchr(path + strlen(dir) + 5, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			if (mkdir(path, 0700) && errno != EEXIST)
				return -errno;
			*slash = '/';
		}
		ret = write_file(path, headers[i].source,
				 strlen(headers[i].source));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Options as the front end sees them. Dropped: options the specification
 * defines that have no effect on this device (-g: no device-side
 * enqueue; -cl-strict-aliasing: deprecated hint; -cl-no-subgroup-ifp: no
 * sub-groups). A relative -I directory is made absolute (clang runs in
 * its work directory) and quotes around it are removed. The embedded
 * headers' directory goes first: the specification searches it before
 * any -I directory. Return: malloc'd string or NULL.
 */
static char *frontend_options(const char *options, bool headers)
{
	size_t cap = strlen(options ? options : "") * 2 + 4200 + 16;
	char *out = malloc(cap), *copy, *save = NULL, cwd[4096];
	bool want_dir = false;
	size_t len = 0;

	if (!out)
		return NULL;
	out[0] = '\0';
	if (headers)
		len += (size_t)snprintf(out, cap, "-I inc");
	copy = strdup(options ? options : "");
	if (!copy) {
		free(out);
		return NULL;
	}
	for (char *tok = strtok_r(copy, " \t\n\r", &save); tok;
	     tok = strtok_r(NULL, " \t\n\r", &save)) {
		const char *dir = NULL;

		if (want_dir) {
			dir = tok;
			want_dir = false;
		} else if (!strcmp(tok, "-g") ||
			   !strcmp(tok, "-cl-strict-aliasing") ||
			   !strcmp(tok, "-cl-no-subgroup-ifp")) {
			continue;
		} else if (!strcmp(tok, "-I")) {
			want_dir = true;
			continue;
		} else if (!strncmp(tok, "-I", 2)) {
			dir = tok + 2;
		}
		if (!dir) {
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
						len ? " " : "", tok);
			continue;
		}
		if (dir[0] == '"') {
			size_t dl = strlen(dir);

			dir++;
			if (dl > 1 && dir[dl - 2] == '"')
				((char *)dir)[dl - 2] = '\0';
		}
		if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
			len += (size_t)snprintf(out + len, cap - len,
						"%s-I %s/%s", len ? " " : "",
						cwd, dir);
		else
			len += (size_t)snprintf(out + len, cap - len,
						"%s-I %s", len ? " " : "", dir);
		if (len >= cap)
			break;
	}
	if (want_dir)	/* "-I" without a directory: the front end says so */
		snprintf(out + len, cap - len, "%s-I", len ? " " : "");
	free(copy);
	if (len >= cap) {
		free(out);
		return NULL;
	}
	return out;
}

static int run_frontend(const char *source, const char *options,
			const struct clc_header *headers,
			unsigned int num_headers, void **bc, size_t *bc_size,
			struct clc_log *log)
{
	char dir[4096];
	char *opts;
	int ret;

	opts = frontend_options(options, num_headers > 0);
	if (!opts)
		return -ENOMEM;
	ret = make_workdir(dir, sizeof(dir));
	if (ret) {
		clc_log_printf(log, "error: cannot create a work directory: "
			       "%s\n", strerror(-ret));
		ret = -EIO;	/* a failed build, not a missing compiler */
		goto out_opts;
	}
	if (num_headers) {
		ret = write_headers(dir, headers, num_headers, log);
		if (ret) {
			clc_log_printf(log, "error: cannot write the embedded "
				       "headers: %s\n", strerror(-ret));
			goto out_dir;
		}
	}
	clc_cache_count_frontend();
	ret = clc_frontend_compile(source, opts, dir, bc, bc_size, log);
out_dir:
	remove_workdir(dir);
out_opts:
	free(opts);
	return ret;
}

int clc_compile(const char *source, const char *options,
		const struct clc_header *headers, unsigned int num_headers,
		const char *device, void **bc, size_t *bc_size, char **log_out)
{
	struct clc_log log = { 0 };
	struct clc_cache_key key;
	char *cached_log = NULL;
	bool cached;
	int ret;

	*bc = NULL;
	*bc_size = 0;
	clc_log_append(&log, "", 0);

	ret = clc_cache_key_init(&key, source, options, headers, num_headers,
				 device);
	if (ret == -ENOMEM)
		goto out;
	cached = ret == 0;
	if (cached && !clc_cache_lookup(&key, bc, bc_size, &cached_log)) {
		/* The same diagnostics as the build that filled the entry. */
		clc_log_append(&log, cached_log, strlen(cached_log));
		free(cached_log);
		ret = 0;
		goto out_key;
	}

	ret = run_frontend(source, options, headers, num_headers, bc, bc_size,
			   &log);
	if (!ret && cached)
		clc_cache_store(&key, *bc, *bc_size, log.buf);

out_key:
	if (cached)
		clc_cache_key_fini(&key);
out:
	*log_out = log.buf ? log.buf : strdup("");
	return ret;
}

/* --- stage 2: the linker ------------------------------------------------- */

int clc_link_options(const char *options, unsigned int *flags)
{
	char *copy = strdup(options ? options : ""), *save = NULL;
	unsigned int f = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, " \t\n\r", &save); tok;
	     tok = strtok_r(NULL, " \t\n\r", &save)) {
		if (!strcmp(tok, "-create-library"))
			f |= CLC_LINK_LIBRARY;
		else if (!strcmp(tok, "-enable-link-options"))
			f |= CLC_LINK_ENABLE_OPTIONS;
		else if (!strcmp(tok, "-cl-no-signed-zeros"))
			f |= CLC_LINK_NO_SIGNED_ZEROS;
		else if (!strcmp(tok, "-cl-unsafe-math-optimizations") ||
			 !strcmp(tok, "-cl-denorms-are-zero"))
			f |= CLC_LINK_UNSAFE_MATH;
		else if (!strcmp(tok, "-cl-finite-math-only"))
			f |= CLC_LINK_FINITE_MATH;
		else if (!strcmp(tok, "-cl-fast-relaxed-math"))
			f |= CLC_LINK_UNSAFE_MATH | CLC_LINK_FINITE_MATH |
			     CLC_LINK_NO_SIGNED_ZEROS;
		else if (strcmp(tok, "-cl-no-subgroup-ifp"))
			ret = -ENOTSUP;
	}
	free(copy);
	/* "This option must be specified with the create-library option." */
	if ((f & CLC_LINK_ENABLE_OPTIONS) && !(f & CLC_LINK_LIBRARY))
		ret = -ENOTSUP;
	*flags = f;
	return ret;
}

/*
 * User functions are not mangled in OpenCL C; built-ins are (they are
 * overloadable), or are LLVM intrinsics or svmcl's own helpers. An
 * unmangled declaration that is still called after the link is therefore
 * a function no input defines.
 */
static int check_undefined(LLVMModuleRef mod, struct clc_log *log)
{
	int ret = 0;

	for (LLVMValueRef f = LLVMGetFirstFunction(mod); f;
	     f = LLVMGetNextFunction(f)) {
		size_t len;
		const char *name = LLVMGetValueName2(f, &len);

		if (!LLVMIsDeclaration(f) || !LLVMGetFirstUse(f) ||
		    LLVMGetIntrinsicID(f) || (len > 2 && !strncmp(name, "_Z", 2)) ||
		    (len > 2 && !strncmp(name, "__", 2)) ||
		    (len == 6 && !strncmp(name, "printf", 6)))
			continue;
		clc_log_printf(log, "error: undefined reference to '%.*s'\n",
			       (int)len, name);
		ret = -EINVAL;
	}
	return ret;
}

static void apply_link_math(LLVMContextRef ctx, LLVMModuleRef mod,
			    unsigned int flags)
{
	static const struct {
		unsigned int flag;
		const char *attr;
	} map[] = {
		{ CLC_LINK_NO_SIGNED_ZEROS, "no-signed-zeros-fp-math" },
		{ CLC_LINK_UNSAFE_MATH, "unsafe-fp-math" },
		{ CLC_LINK_UNSAFE_MATH, "no-signed-zeros-fp-math" },
		{ CLC_LINK_FINITE_MATH, "no-nans-fp-math" },
		{ CLC_LINK_FINITE_MATH, "no-infs-fp-math" },
	};

	for (LLVMValueRef f = LLVMGetFirstFunction(mod); f;
	     f = LLVMGetNextFunction(f)) {
		if (LLVMIsDeclaration(f))
			continue;
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			LLVMAttributeRef a;

			if (!(flags & map[i].flag))
				continue;
			a = LLVMCreateStringAttribute(ctx, map[i].attr,
					(unsigned)strlen(map[i].attr), "true", 4);
			LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, a);
		}
	}
}

int clc_link(const void *const *inputs, const size_t *sizes, unsigned int n,
	     unsigned int flags, void **bc, size_t *bc_size, char **log_out)
{
	struct clc_log log = { 0 };
	LLVMContextRef ctx;
	LLVMModuleRef dst = NULL;
	int ret = 0;

	*bc = NULL;
	*bc_size = 0;
	clc_log_append(&log, "", 0);
	ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(ctx, clc_diag_handler, &log);

	for (unsigned int i = 0; i < n && !ret; i++) {
		LLVMModuleRef src;

		ret = clc_parse_bitcode(ctx, inputs[i], sizes[i], &src, &log);
		if (ret)
			break;
		if (!dst) {
			dst = src;
			continue;
		}
		/* Destroys @src; errors reach the log through the handler. */
		if (LLVMLinkModules2(dst, src)) {
			clc_log_printf(&log, "error: linking input %u failed\n",
				       i);
			ret = -EINVAL;
		}
	}
	if (!ret && !dst)
		ret = -EINVAL;
	if (!ret && !(flags & CLC_LINK_LIBRARY))
		ret = check_undefined(dst, &log);
	if (!ret && !(flags & CLC_LINK_LIBRARY))
		apply_link_math(ctx, dst, flags);
	if (!ret)
		ret = clc_write_bitcode(dst, bc, bc_size);

	if (dst)
		LLVMDisposeModule(dst);
	LLVMContextDispose(ctx);
	*log_out = log.buf ? log.buf : strdup("");
	return ret;
}

/* --- stage 3: lowering and the JIT --------------------------------------- */

static LLVMValueRef md_node(LLVMContextRef ctx, LLVMValueRef fn,
			    const char *kind_name)
{
	unsigned int kind = LLVMGetMDKindIDInContext(ctx, kind_name,
						     (unsigned)strlen(kind_name));
	LLVMValueMetadataEntry *entries;
	LLVMValueRef node = NULL;
	size_t n;

	entries = LLVMGlobalCopyAllMetadata(fn, &n);
	for (size_t i = 0; i < n; i++)
		if (LLVMValueMetadataEntriesGetKind(entries, (unsigned)i) == kind)
			node = LLVMMetadataAsValue(ctx,
				LLVMValueMetadataEntriesGetMetadata(entries,
								    (unsigned)i));
	if (entries)
		LLVMDisposeValueMetadataEntries(entries);
	return node;
}

/* Operands of a small metadata node; 0 when it is not one. */
static unsigned int md_ops(LLVMValueRef node, LLVMValueRef *ops,
			   unsigned int max)
{
	unsigned int n;

	if (!node)
		return 0;
	n = LLVMGetMDNodeNumOperands(node);
	if (n > max)
		return 0;
	LLVMGetMDNodeOperands(node, ops);
	return n;
}

static size_t print_size3(char *out, size_t len, bool sep, const char *name,
			  LLVMValueRef node)
{
	LLVMValueRef ops[3];
	unsigned long long v[3];

	if (md_ops(node, ops, 3) != 3)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!LLVMIsAConstantInt(ops[i]))
			return 0;
		v[i] = LLVMConstIntGetZExtValue(ops[i]);
	}
	return (size_t)snprintf(out, len, "%s%s(%llu,%llu,%llu)",
				sep ? " " : "", name, v[0], v[1], v[2]);
}

/* vec_type_hint(<type>): clang records an undef of the type and a sign. */
static size_t print_vec_hint(char *out, size_t len, bool sep,
			     LLVMValueRef node)
{
	LLVMValueRef ops[2];
	LLVMTypeRef ty, el;
	const char *base;
	unsigned int width = 1;
	bool is_signed = true;

	if (md_ops(node, ops, 2) != 2)
		return 0;
	ty = LLVMTypeOf(ops[0]);
	if (LLVMIsAConstantInt(ops[1]))
		is_signed = LLVMConstIntGetZExtValue(ops[1]) != 0;
	el = ty;
	if (LLVMGetTypeKind(ty) == LLVMVectorTypeKind) {
		el = LLVMGetElementType(ty);
		width = LLVMGetVectorSize(ty);
	}
	switch (LLVMGetTypeKind(el)) {
	case LLVMHalfTypeKind:
		base = "half";
		break;
	case LLVMFloatTypeKind:
		base = "float";
		break;
	case LLVMDoubleTypeKind:
		base = "double";
		break;
	case LLVMIntegerTypeKind:
		switch (LLVMGetIntTypeWidth(el)) {
		case 8:
			base = is_signed ? "char" : "uchar";
			break;
		case 16:
			base = is_signed ? "short" : "ushort";
			break;
		case 32:
			base = is_signed ? "int" : "uint";
			break;
		default:
			base = is_signed ? "long" : "ulong";
			break;
		}
		break;
	default:
		return 0;
	}
	if (width > 1)
		return (size_t)snprintf(out, len, "%svec_type_hint(%s%u)",
					sep ? " " : "", base, width);
	return (size_t)snprintf(out, len, "%svec_type_hint(%s)",
				sep ? " " : "", base);
}

struct kernel_attrs {
	char name[256];
	char attrs[256];
};

/*
 * CL_KERNEL_ATTRIBUTES of every kernel, from clang's metadata on the
 * spir64 module (before lowering replaces the kernel functions).
 */
static int collect_attributes(struct clc_module *m, struct kernel_attrs **out,
			      unsigned int *count)
{
	struct kernel_attrs *a;
	unsigned int n = 0, i = 0;

	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f;
	     f = LLVMGetNextFunction(f))
		if (!LLVMIsDeclaration(f) &&
		    LLVMGetFunctionCallConv(f) == SPIR_KERNEL_CC)
			n++;
	a = calloc(n ? n : 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (LLVMValueRef f = LLVMGetFirstFunction(m->mod); f && i < n;
	     f = LLVMGetNextFunction(f)) {
		size_t len, o = 0;
		const char *name;
		char *s = a[i].attrs;

		if (LLVMIsDeclaration(f) ||
		    LLVMGetFunctionCallConv(f) != SPIR_KERNEL_CC)
			continue;
		name = LLVMGetValueName2(f, &len);
		snprintf(a[i].name, sizeof(a[i].name), "%.*s", (int)len, name);
		o += print_size3(s + o, sizeof(a[i].attrs) - o, false,
				 "reqd_work_group_size",
				 md_node(m->ctx, f, "reqd_work_group_size"));
		if (o < sizeof(a[i].attrs))
			o += print_size3(s + o, sizeof(a[i].attrs) - o, o > 0,
					 "work_group_size_hint",
					 md_node(m->ctx, f,
						 "work_group_size_hint"));
		if (o < sizeof(a[i].attrs))
			print_vec_hint(s + o, sizeof(a[i].attrs) - o, o > 0,
				       md_node(m->ctx, f, "vec_type_hint"));
		i++;
	}
	*out = a;
	*count = i;
	return 0;
}

/* Program-scope variables in the global address space, spir64 sizes. */
static size_t global_variables_size(struct clc_module *m)
{
	LLVMTargetDataRef td = LLVMCreateTargetData(LLVMGetDataLayoutStr(m->mod));
	size_t total = 0;

	for (LLVMValueRef g = LLVMGetFirstGlobal(m->mod); g;
	     g = LLVMGetNextGlobal(g)) {
		size_t len;
		const char *name = LLVMGetValueName2(g, &len);

		if (LLVMIsDeclaration(g) ||
		    LLVMGetPointerAddressSpace(LLVMTypeOf(g)) != CLC_AS_GLOBAL ||
		    (len > 5 && !strncmp(name, "llvm.", 5)))
			continue;
		total += LLVMABISizeOfType(td, LLVMGlobalGetValueType(g));
	}
	LLVMDisposeTargetData(td);
	return total;
}

static uint64_t fn_stack_size(struct clc_module *m, LLVMValueRef fn)
{
	uint64_t total = 0;

	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb;
	     bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i;
		     i = LLVMGetNextInstruction(i)) {
			LLVMValueRef count;

			if (!LLVMIsAAllocaInst(i))
				continue;
			count = LLVMGetOperand(i, 0);
			total += LLVMABISizeOfType(m->td,
						   LLVMGetAllocatedType(i)) *
				 (LLVMIsAConstantInt(count) ?
				  LLVMConstIntGetZExtValue(count) : 1);
		}
	return total;
}

/*
 * CL_KERNEL_PRIVATE_MEM_SIZE: the stack the optimised work-group function
 * and the functions it calls directly allocate (what inlining left).
 */
static uint64_t private_mem_size(struct clc_module *m, const char *kernel)
{
	char name[512];
	LLVMValueRef wg;
	uint64_t total;

	snprintf(name, sizeof(name), "__svmcl_wg_%s", kernel);
	wg = LLVMGetNamedFunction(m->mod, name);
	if (!wg)
		return 0;
	total = fn_stack_size(m, wg);
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(wg); bb;
	     bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i;
		     i = LLVMGetNextInstruction(i)) {
			LLVMValueRef callee;

			if (!LLVMIsACallInst(i))
				continue;
			callee = LLVMGetCalledValue(i);
			if (LLVMIsAFunction(callee) && !LLVMIsDeclaration(callee))
				total += fn_stack_size(m, callee);
		}
	return total;
}

/* --- the stage-3 cache ---------------------------------------------------- */

/*
 * A stage-3 cache entry's blob (clc_cache.c keeps it with the build's
 * diagnostics): u64 size of the description, the description, then the
 * optimised module's bitcode. The description is global_size, the number
 * of kernels and each struct clc_kernel field by field (strings as u32
 * length and bytes), in host byte order: svmcl's build id is in the key,
 * so the reader is always the writer's code on the writer's host.
 */
struct blob {
	unsigned char *buf;
	size_t len, cap;
	bool oom;
};

static void blob_put(struct blob *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *buf;

		while (cap < b->len + len)
			cap *= 2;
		buf = realloc(b->buf, cap);
		if (!buf) {
			b->oom = true;
			return;
		}
		b->buf = buf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

static void blob_u32(struct blob *b, uint32_t v)
{
	blob_put(b, &v, sizeof(v));
}

static void blob_u64(struct blob *b, uint64_t v)
{
	blob_put(b, &v, sizeof(v));
}

static void blob_str(struct blob *b, const char *s)
{
	blob_u32(b, (uint32_t)strlen(s ? s : ""));
	blob_put(b, s ? s : "", strlen(s ? s : ""));
}

static void describe_program(struct blob *b, const struct clc_program *prog)
{
	blob_u64(b, prog->global_size);
	blob_u32(b, prog->num_kernels);
	for (unsigned int i = 0; i < prog->num_kernels; i++) {
		const struct clc_kernel *k = &prog->kernels[i];

		blob_str(b, k->name);
		blob_str(b, k->attributes);
		blob_u32(b, k->num_args);
		blob_u32(b, k->args_size);
		for (int d = 0; d < 3; d++)
			blob_u64(b, k->reqd_wg_size[d]);
		blob_u64(b, k->private_mem_size);
		blob_u32(b, k->local_mem_size);
		blob_u32(b, k->uses_barriers);
		for (unsigned int a = 0; a < k->num_args; a++) {
			const struct clc_arg *arg = &k->args[a];

			blob_str(b, arg->name);
			blob_str(b, arg->type_name);
			blob_u32(b, arg->space);
			blob_u32(b, arg->access_qual);
			blob_u32(b, arg->type_qual);
			blob_u32(b, arg->size);
			blob_u32(b, arg->offset);
		}
	}
}

/* Store the optimised module of @m and @prog's kernels; best effort. */
static void jit_cache_store(const struct clc_cache_key *key,
			    struct clc_module *m,
			    const struct clc_program *prog,
			    const char *log_text)
{
	struct blob b = { 0 };
	void *bc;
	size_t bc_size;

	blob_u64(&b, 0);	/* the description's size, set below */
	describe_program(&b, prog);
	if (b.oom || clc_write_bitcode(m->mod, &bc, &bc_size)) {
		free(b.buf);
		return;
	}
	*(uint64_t *)b.buf = b.len - sizeof(uint64_t);
	blob_put(&b, bc, bc_size);
	free(bc);
	if (!b.oom)
		clc_cache_store(key, b.buf, b.len, log_text);
	free(b.buf);
}

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static void rd(struct reader *r, void *out, size_t len)
{
	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = true;
		memset(out, 0, len);
		return;
	}
	memcpy(out, r->p, len);
	r->p += len;
}

static uint32_t rd_u32(struct reader *r)
{
	uint32_t v;

	rd(r, &v, sizeof(v));
	return v;
}

static uint64_t rd_u64(struct reader *r)
{
	uint64_t v;

	rd(r, &v, sizeof(v));
	return v;
}

/* malloc'd string, or NULL (r->bad set) when short or out of memory. */
static char *rd_str(struct reader *r)
{
	uint32_t len = rd_u32(r);
	char *s;

	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = true;
		return NULL;
	}
	s = malloc((size_t)len + 1);
	if (!s) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, r->p, len);
	s[len] = '\0';
	r->p += len;
	return s;
}

static int read_description(struct reader *r, struct clc_program *prog)
{
	uint32_t n;

	prog->global_size = rd_u64(r);
	n = rd_u32(r);
	/* Each kernel takes more than 32 bytes: a bound against garbage. */
	if (r->bad || n > (size_t)(r->end - r->p) / 32)
		return -EINVAL;
	prog->kernels = calloc(n ? n : 1, sizeof(*prog->kernels));
	if (!prog->kernels)
		return -ENOMEM;
	prog->num_kernels = n;
	for (unsigned int i = 0; i < n && !r->bad; i++) {
		struct clc_kernel *k = &prog->kernels[i];
		uint32_t nargs;

		k->name = rd_str(r);
		k->attributes = rd_str(r);
		nargs = rd_u32(r);
		k->args_size = rd_u32(r);
		for (int d = 0; d < 3; d++)
			k->reqd_wg_size[d] = rd_u64(r);
		k->private_mem_size = rd_u64(r);
		k->local_mem_size = rd_u32(r);
		k->uses_barriers = rd_u32(r) != 0;
		if (r->bad || nargs > (size_t)(r->end - r->p) / 28) {
			r->bad = true;
			break;
		}
		k->args = calloc(nargs ? nargs : 1, sizeof(*k->args));
		if (!k->args) {
			r->bad = true;
			break;
		}
		k->num_args = nargs;
		for (unsigned int a = 0; a < nargs; a++) {
			struct clc_arg *arg = &k->args[a];

			arg->name = rd_str(r);
			arg->type_name = rd_str(r);
			arg->space = (enum clc_arg_space)rd_u32(r);
			arg->access_qual = rd_u32(r);
			arg->type_qual = rd_u32(r);
			arg->size = rd_u32(r);
			arg->offset = rd_u32(r);
		}
	}
	return r->bad ? -EINVAL : 0;
}

static void drop_kernels(struct clc_program *prog)
{
	for (unsigned int i = 0; prog->kernels && i < prog->num_kernels; i++)
		free_kernel_info(&prog->kernels[i]);
	free(prog->kernels);
	prog->kernels = NULL;
	prog->num_kernels = 0;
}

/*
 * A hit: the optimised module into @m->mod and the kernels into @prog,
 * ready for the JIT. False (nothing left behind) on a miss or an entry
 * that does not decode, which the cold build then replaces.
 */
static bool jit_cache_load(const struct clc_cache_key *key,
			   struct clc_module *m, struct clc_program *prog,
			   struct clc_log *log)
{
	struct clc_log scratch = { 0 };
	void *blob;
	size_t size;
	char *text;
	struct reader r;
	uint64_t desc;
	bool ok = false;

	if (clc_cache_lookup(key, &blob, &size, &text))
		return false;
	r.p = blob;
	r.end = r.p + size;
	r.bad = false;
	desc = rd_u64(&r);
	if (r.bad || desc > size - sizeof(uint64_t))
		goto out;
	r.end = r.p + desc;
	if (read_description(&r, prog) || r.p != r.end)
		goto err_kernels;
	/* A bad module is a miss, not an error of this build. */
	LLVMContextSetDiagnosticHandler(m->ctx, clc_diag_handler, &scratch);
	if (clc_parse_bitcode(m->ctx, r.end, size - sizeof(uint64_t) - desc,
			      &m->mod, &scratch))
		goto err_diag;
	LLVMContextSetDiagnosticHandler(m->ctx, clc_diag_handler, log);
	/* The same diagnostics as the build that filled the entry. */
	clc_log_append(log, text, strlen(text));
	ok = true;
	goto out;

err_diag:
	LLVMContextSetDiagnosticHandler(m->ctx, clc_diag_handler, log);
	free(scratch.buf);
err_kernels:
	drop_kernels(prog);
out:
	free(blob);
	free(text);
	return ok;
}

/* The host CPU and its features: O2 and the JIT's code depend on them. */
static char *host_target(void)
{
	char *cpu = LLVMGetHostCPUName();
	char *features = LLVMGetHostCPUFeatures();
	size_t len = strlen(cpu) + strlen(features) + 2;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s %s", cpu, features);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return s;
}

static int build_bitcode(const void *bc, size_t bc_size, bool use_cache,
			 struct clc_program **out, char **log_out)
{
	struct clc_cache_key key = { 0 };
	bool have_key = false;
	struct clc_log log = { 0 };
	struct clc_module m = { 0 };
	struct clc_program *prog;
	struct kernel_attrs *attrs = NULL;
	unsigned int num_attrs = 0;
	LLVMOrcThreadSafeContextRef tsc = NULL;
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

	ret = create_jit(&prog->jit, &log);
	if (ret)
		goto err_prog;

	tsc = LLVMOrcCreateNewThreadSafeContext();
	m.ctx = LLVMOrcThreadSafeContextGetContext(tsc);
	LLVMContextSetDiagnosticHandler(m.ctx, clc_diag_handler, &log);
	if (use_cache) {
		char *target = host_target();

		have_key = target && !clc_cache_key_init_jit(&key, bc, bc_size,
							     target);
		free(target);
	}
	if (have_key && jit_cache_load(&key, &m, prog, &log))
		goto jit;
	ret = clc_parse_bitcode(m.ctx, bc, bc_size, &m.mod, &log);
	ret = ret ? ret : clc_link_builtins(&m);
	if (ret)
		goto err_tsc;
	prog->global_size = global_variables_size(&m);
	ret = collect_attributes(&m, &attrs, &num_attrs);
	if (ret)
		goto err_module;
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
		ret = run_passes(&m, "function(sroa,early-cse,instcombine<"
				 "no-verify-fixpoint>,simplifycfg)", &log);
	if (!ret)
		ret = clc_instrument_memory(&m);
	if (!ret)
		ret = clc_emit_wg_functions(&m);
	if (!ret)
		ret = verify(&m);
	/* One probe per page for affine accesses in loops (clc_hoist.cpp). */
	if (!ret)
		ret = clc_hoist_probes(m.mod, NULL);
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
		struct clc_kernel *k = &prog->kernels[i];
		const char *a = "";

		*k = m.kernels[i].info;
		memset(&m.kernels[i].info, 0, sizeof(m.kernels[i].info));
		for (unsigned int j = 0; j < num_attrs; j++)
			if (!strcmp(attrs[j].name, k->name))
				a = attrs[j].attrs;
		k->attributes = strdup(a);
		if (!k->attributes) {
			ret = -ENOMEM;
			goto err_module;
		}
		k->private_mem_size = private_mem_size(&m, k->name);
	}
	if (have_key)
		jit_cache_store(&key, &m, prog, log.buf);
jit:
	ret = jit_module(&m, tsc, prog);
	if (ret)
		goto err_module;

	if (m.td)
		LLVMDisposeTargetData(m.td);
	free(m.kernels);
	free(attrs);
	if (have_key)
		clc_cache_key_fini(&key);
	/* The JIT keeps the context; the log it points to does not live on. */
	LLVMContextSetDiagnosticHandler(m.ctx, NULL, NULL);
	LLVMOrcDisposeThreadSafeContext(tsc);
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
	free(attrs);
err_tsc:
	LLVMContextSetDiagnosticHandler(m.ctx, NULL, NULL);
	LLVMOrcDisposeThreadSafeContext(tsc);
	if (have_key)
		clc_cache_key_fini(&key);
err_prog:
	clc_program_destroy(prog);
out_log:
	*log_out = log.buf ? log.buf : strdup("");
	return ret;
}

int clc_build_bitcode(const void *bc, size_t bc_size,
		      struct clc_program **out, char **log_out)
{
	return build_bitcode(bc, bc_size, true, out, log_out);
}

/* Concatenate two logs (either may be empty) into one malloc'd string. */
static char *join_logs(char *a, char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a ? a : "", la);
		memcpy(s + la, b ? b : "", lb + 1);
	}
	free(a);
	free(b);
	return s ? s : strdup("");
}

int clc_build(const char *source, const char *options,
	      struct clc_program **out, char **log_out)
{
	char *log1 = NULL, *log2 = NULL;
	void *bc;
	size_t bc_size;
	int ret;

	*out = NULL;
	ret = clc_compile(source, options, NULL, 0, NULL, &bc, &bc_size, &log1);
	if (!ret) {
		ret = build_bitcode(bc, bc_size, false, out, &log2);
		free(bc);
	}
	*log_out = join_logs(log1, log2);
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

size_t clc_program_global_size(const struct clc_program *prog)
{
	return prog->global_size;
}
