// SPDX-License-Identifier: MIT
/*
 * clc_frontend_cc1.cpp - clang's OpenCL C front end, in process.
 *
 * DOC: Overview
 *
 * clc_frontend.c decides the arguments (a cc1 command line: what
 * "clang-19 -target spir64 -emit-llvm -c" would pass to "clang -cc1");
 * this file runs them with libclang-cpp: a clang::CompilerInstance per
 * build, an EmitBCAction whose output stream is a memory buffer, and a
 * TextDiagnosticPrinter that writes into the build log. Running clang as
 * a process cost ~60 ms per build (exec, dynamic linking of libclang-cpp
 * and libLLVM, opencl-c-base.h) for ~12 ms of compiling; in process, the
 * libraries are already mapped (svmcl links libLLVM for the JIT anyway).
 *
 * Files: the main file "program.cl" lives in an InMemoryFileSystem laid
 * over the real file system, and both see @dir (the build's work
 * directory, where clc.c writes the embedded headers under inc/) as their
 * current directory. A VFS has its own working directory, so nothing
 * calls chdir(): relative -I directories and #include "x.h" resolve as
 * they did when clang ran in @dir, and diagnostics name "program.cl".
 *
 * Only the cc1 layer is used: the driver (clang::driver) is not, and
 * neither is llvm::cl::ParseCommandLineOptions (-mllvm), whose options
 * are process-global and would be shared with the JIT.
 *
 * DOC: Locking
 *
 * None: every build has its own CompilerInstance, file systems,
 * diagnostics and output buffer. clang keeps no mutable global state on
 * this path (the OpenCL built-in declarations, -fdeclare-opencl-builtins,
 * are generated tables).
 */
#include "config.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <dlfcn.h>
#include <sys/stat.h>

#include <clang/Basic/DiagnosticOptions.h>
#include <clang/Basic/Version.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <llvm/ADT/IntrusiveRefCntPtr.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/raw_ostream.h>

#include "compiler/clc_frontend.h"
extern "C" {
#include "compiler/clc_internal.h"
}

namespace {

/* The file system of one build: "program.cl" in memory over the disk. */
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
build_fs(const char *source, const char *dir)
{
	llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> disk(
		llvm::vfs::createPhysicalFileSystem().release());
	auto mem = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
	auto fs = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(disk);
	std::string main_path = std::string(dir) + "/" + CLC_MAIN_FILE;

	mem->addFile(main_path, 0,
		     llvm::MemoryBuffer::getMemBufferCopy(source,
							  CLC_MAIN_FILE));
	fs->pushOverlay(mem);
	if (fs->setCurrentWorkingDirectory(dir))
		return nullptr;
	return fs;
}

int compile(int argc, const char *const *argv, const char *source,
	    const char *dir, void **bc, size_t *bc_size, struct clc_log *log)
{
	std::string diag_text;
	llvm::raw_string_ostream diag_os(diag_text);
	llvm::SmallString<0> out;
	auto fs = build_fs(source, dir);
	clang::CompilerInstance ci;
	int ret = 0;

	if (!fs) {
		clc_log_printf(log, "error: cannot use the work directory %s\n",
			       dir);
		return -EIO;
	}

	/*
	 * Argument errors go through a printer with default options (the
	 * invocation's are not known yet), then the build's own printer.
	 */
	{
		auto opts = llvm::makeIntrusiveRefCnt<clang::DiagnosticOptions>();
		clang::TextDiagnosticPrinter printer(diag_os, opts.get());
		clang::DiagnosticsEngine diags(
			llvm::makeIntrusiveRefCnt<clang::DiagnosticIDs>(),
			opts, &printer, false);

		if (!clang::CompilerInvocation::CreateFromArgs(
			    ci.getInvocation(),
			    llvm::ArrayRef<const char *>(argv, argc), diags,
			    SVMCL_CLANG))
			ret = -EINVAL;
	}
	if (!ret) {
		ci.createDiagnostics(new clang::TextDiagnosticPrinter(
					     diag_os, &ci.getDiagnosticOpts()),
				     true);
		ci.createFileManager(fs);
		/* "N errors generated." is written here. */
		ci.setVerboseOutputStream(diag_os);
		ci.setOutputStream(
			std::make_unique<llvm::raw_svector_ostream>(out));

		clang::EmitBCAction action;

		if (!ci.ExecuteAction(action) ||
		    ci.getDiagnostics().hasErrorOccurred())
			ret = -EINVAL;
	}
	diag_os.flush();
	clc_log_append(log, diag_text.data(), diag_text.size());
	if (ret) {
		clc_log_printf(log, "error: OpenCL C compilation failed\n");
		return ret;
	}
	if (out.empty()) {
		clc_log_printf(log, "error: the front end produced no code\n");
		return -EINVAL;
	}
	*bc = malloc(out.size());
	if (!*bc)
		return -ENOMEM;
	memcpy(*bc, out.data(), out.size());
	*bc_size = out.size();
	return 0;
}

} /* namespace */

extern "C" int clc_cc1_compile(int argc, const char *const *argv,
			       const char *source, const char *dir, void **bc,
			       size_t *bc_size, struct clc_log *log)
{
	/* LLVM is built without exceptions: nothing to catch here. */
	*bc = NULL;
	*bc_size = 0;
	return compile(argc, argv, source, dir, bc, bc_size, log);
}

/*
 * What the build cache calls clang's identity: its version, the library
 * that holds the front end, and the OpenCL C header the front end reads
 * (the resource directory belongs to another package, clang-19's
 * libclang-common). Files by size, mtime and inode: an upgrade changes
 * them.
 */
extern "C" void clc_cc1_ident(char *buf, size_t len)
{
	std::string version = clang::getClangFullVersion();
	std::string header = std::string(SVMCL_CLANG_RESOURCE_DIR) +
			     "/include/opencl-c-base.h";
	struct stat lib_st = {}, hdr_st = {};
	Dl_info dli;

	if (dladdr(reinterpret_cast<void *>(&clang::getClangFullVersion),
		   &dli) && dli.dli_fname)
		stat(dli.dli_fname, &lib_st);
	else
		dli.dli_fname = "?";
	stat(header.c_str(), &hdr_st);
	snprintf(buf, len, "clang=%s lib=%s:%lld.%lld.%lld hdr=%s:%lld.%lld.%lld",
		 version.c_str(), dli.dli_fname, (long long)lib_st.st_size,
		 (long long)lib_st.st_mtime, (long long)lib_st.st_ino,
		 header.c_str(), (long long)hdr_st.st_size,
		 (long long)hdr_st.st_mtime, (long long)hdr_st.st_ino);
}
