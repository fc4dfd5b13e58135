/* SPDX-License-Identifier: MIT */
/* hmm/migrate.c: placeholder, filled in by the issue-3 work. */
#include "config.h"
