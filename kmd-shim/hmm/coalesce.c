/* SPDX-License-Identifier: MIT */
/* hmm/coalesce.c: placeholder, filled in by the issue-3 work. */
#include "config.h"
