/* SPDX-License-Identifier: MIT */
/* hmm/devmem.c: placeholder, filled in by the issue-3 work. */
#include "config.h"
