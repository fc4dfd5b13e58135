/* SPDX-License-Identifier: MIT */
/*
 * clc_hoist.h - page-granular probe hoisting (clc_hoist.cpp), called from
 * the C pipeline of clc_build_bitcode().
 */
#ifndef SVMCL_CLC_HOIST_H
#define SVMCL_CLC_HOIST_H

#include <llvm-c/Core.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Runs on a module whose memory accesses are instrumented (clc_mmu.c) and
 * whose work-group functions exist (clc_wg.c), before the optimiser:
 * inlines each kernel into its work-group function, forwards the
 * work-item geometry, and strip-mines every innermost loop whose device
 * accesses are all affine into page-sized chunks probed once per page.
 * @hoisted (may be NULL) receives the number of loops strip-mined.
 * Return: 0, or -ENOMEM.
 */
int clc_hoist_probes(LLVMModuleRef mod, unsigned int *hoisted);

#ifdef __cplusplus
}
#endif

#endif /* SVMCL_CLC_HOIST_H */
