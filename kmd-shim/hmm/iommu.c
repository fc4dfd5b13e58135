/* SPDX-License-Identifier: MIT */
/* hmm/iommu.c: placeholder, filled in by the issue-3 work. */
#include "config.h"
