/* SPDX-License-Identifier: MIT */
/*
 * clc_frontend.h - the in-process clang front end (clc_frontend_cc1.cpp),
 * driven by clc_frontend.c.
 */
#ifndef SVMCL_CLC_FRONTEND_H
#define SVMCL_CLC_FRONTEND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct clc_log;

/* The name diagnostics give the program's source. */
#define CLC_MAIN_FILE "program.cl"

/*
 * Runs the cc1 options @argv (what follows "clang -cc1"; the last is
 * CLC_MAIN_FILE) on @source, with @dir as the current
 * directory of its file system, and returns the spir64 bitcode in @bc
 * (malloc'd, @bc_size bytes). clang's diagnostics go to @log.
 * Return: 0; -EINVAL when the program does not compile; -ENOMEM; -EIO.
 */
int clc_cc1_compile(int argc, const char *const *argv, const char *source,
		    const char *dir, void **bc, size_t *bc_size,
		    struct clc_log *log);

/* The front end's identity for the build cache's key (NUL-terminated). */
void clc_cc1_ident(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SVMCL_CLC_FRONTEND_H */
