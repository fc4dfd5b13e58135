/* SPDX-License-Identifier: MIT */
/*
 * clc_store.h - what the compiler driver, program binaries and the binary
 * cache share: a hash, LLVM diagnostics into the build log, and the
 * cache's interface towards clc_compile().
 */
#ifndef SVMCL_CLC_STORE_H
#define SVMCL_CLC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/LLJIT.h>

#include "compiler/clc.h"
#include "compiler/clc_internal.h"

#define CLC_FNV_OFFSET 0xcbf29ce484222325ull

/* 64-bit FNV-1a of @len bytes, continuing from @h (start: CLC_FNV_OFFSET). */
static inline uint64_t clc_fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * LLVM diagnostics of a context into a struct clc_log (the handler's
 * context argument). Every context that reads untrusted bitcode or links
 * must have it: LLVM's default handler exits the process on an error.
 */
void clc_diag_handler(LLVMDiagnosticInfoRef info, void *log);

/* Parse @size bytes of bitcode into @ctx; -EINVAL (logged) when invalid. */
int clc_parse_bitcode(LLVMContextRef ctx, const void *bc, size_t size,
		      LLVMModuleRef *mod, struct clc_log *log);

/* Serialise @mod into a malloc'd buffer. */
int clc_write_bitcode(LLVMModuleRef mod, void **bc, size_t *size);

/*
 * clc_builtins.c: define every __svmcl_host_<f> in @jit as the process's
 * own <f> (absolute symbols). Return: 0 or -EINVAL.
 */
int clc_builtins_define_host(LLVMOrcLLJITRef jit);

/* --- clc_cache.c --------------------------------------------------------- */

/* What identifies one front-end run, and where its entry lives. */
struct clc_cache_key {
	char *material;		/* everything the output depends on */
	size_t len;
	uint64_t hash[2];	/* names the entry file */
	bool jit;		/* a stage-3 entry (".jit"), not clang's */
};

/*
 * clc_cache_key_init() - the key of compiling @source with @options and
 * @headers for @device.
 * Return: 0; -ENOENT when the cache is off (SVMCL_CACHE=0, no cache
 * directory, no @device) or the input can read files the key cannot
 * cover (-I options, absolute or computed #include); -ENOMEM.
 */
int clc_cache_key_init(struct clc_cache_key *key, const char *source,
		       const char *options, const struct clc_header *headers,
		       unsigned int num_headers, const char *device);
void clc_cache_key_fini(struct clc_cache_key *key);

/*
 * clc_cache_key_init_jit() - the key of building (stage 3) spir64 bitcode
 * @bc for the host @target (CPU name and features): svmcl's identity,
 * SVMCL_MMU and the whole input. The entry holds the optimised module and
 * the kernel descriptions (clc.c). Return: as clc_cache_key_init().
 */
int clc_cache_key_init_jit(struct clc_cache_key *key, const void *bc,
			   size_t bc_size, const char *target);

/*
 * clc_cache_lookup() - clang's bitcode and diagnostics for @key (for a
 * stage-3 key: the entry's blob and the build's diagnostics).
 * Return: 0 on a hit (malloc'd @bc and @log_text), -ENOENT on a miss or a
 * corrupt entry (which the next store replaces).
 */
int clc_cache_lookup(const struct clc_cache_key *key, void **bc,
		     size_t *bc_size, char **log_text);

/* Store an entry atomically (temporary file, then rename); best effort. */
void clc_cache_store(const struct clc_cache_key *key, const void *bc,
		     size_t bc_size, const char *log_text);

/* Count one clang subprocess (for struct clc_cache_stats). */
void clc_cache_count_frontend(void);

#endif /* SVMCL_CLC_STORE_H */
