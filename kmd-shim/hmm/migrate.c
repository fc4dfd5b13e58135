/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - placeholder until migration lands: reports that no page is
 * on a device, so hmm_range_fault() links and behaves as before.
 */
#include "config.h"

#include "hmm/migrate.h"

bool hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
		       struct hmm_devmem_page *out)
{
	(void)mm;
	(void)va;
	(void)out;
	return false;
}
