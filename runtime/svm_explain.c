/* SPDX-License-Identifier: MIT */
/*
 * svm_explain.c - what an address is, for device memory error reports.
 *
 * DOC: Overview
 *
 * A device fault says where (address, access) and why in the kmd's terms
 * (-EFAULT: no CPU mapping, -EPERM: write to a read-only mapping, -EBUSY:
 * not serviced in time). What a person needs is what that address is.
 * svmcl_svm_explain() answers with one sentence, first match wins:
 *
 *  1. inside a live SVM allocation of the context: "inside SVM allocation
 *     0x...+N (size S, coarse-grained)";
 *  2. inside a mapping of the process (/proc/self/maps): a read-only one
 *     ("read-only mapping 0x...-0x... r--p [path] (write attempted)"),
 *     one without access ("mapping ... with no access (PROT_NONE)"), or
 *     any other (named, for faults that were not about the mapping);
 *  3. not mapped, inside one of the context's last freed SVM allocations:
 *     "inside SVM allocation 0x...+N freed by clSVMFree (size S)";
 *  4. never mapped: in the NULL-pointer region (below vm.mmap_min_addr,
 *     and at least the first 64 KiB), or outside the user address space
 *     (above 2^47), where nothing is mapped but on purpose or ever can be;
 *  5. otherwise "in an unmapped range 0x...-0x... (nearest mapping below:
 *     ..., N bytes before; above: ..., M bytes after)".
 *
 * **Decision**: "never mapped" is claimed only where the kernel cannot map
 * anything. svmcl does not record every munmap of the process, so an
 * address in a gap between mappings is "an unmapped range", which it may
 * or may not once have been; freed SVM allocations are the exception
 * because the runtime freed them itself.
 *
 * The fault-report switch (SVMCL_FAULT_REPORT) lives here too: it
 * decides whether reports go to stderr; pfn_notify always gets them.
 *
 * DOC: Locking
 *
 * None of its own; the registry lookups take the registry lock briefly.
 * Called with no runtime lock held (it reads a file).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "context.h"

#define USER_VA_END ((uint64_t)1 << 47)	/* x86-64, 4-level page tables */

struct vma {
	uint64_t start, end;
	char perms[5];
	char path[128];
};

static pthread_once_t report_once = PTHREAD_ONCE_INIT;
static bool report_on;		/* written once under report_once */

static void read_report_env(void)
{
	const char *env = getenv("SVMCL_FAULT_REPORT");

	report_on = !(env && (!strcmp(env, "0") || !strcmp(env, "off") ||
			      !strcmp(env, "none")));
}

bool svmcl_fault_report_on(void)
{
	pthread_once(&report_once, read_report_env);
	return report_on;
}

/*
 * The NULL-pointer region: below vm.mmap_min_addr, and at least the first
 * 64 KiB (x86's usual mmap_min_addr) even where the sysctl allows less:
 * nothing maps there but on purpose, and a mapping would be found first.
 */
static uint64_t null_region_end(void)
{
	unsigned long long v = 65536;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1 || v < 65536)
			v = 65536;
		fclose(f);
	}
	return v;
}

/* Parse one line of /proc/self/maps. Return: true on success. */
static bool parse_vma(const char *line, struct vma *v)
{
	unsigned long long s, e;
	int path_at = 0;

	if (sscanf(line, "%llx-%llx %4s %*s %*s %*s %n", &s, &e, v->perms,
		   &path_at) < 3)
		return false;
	v->start = s;
	v->end = e;
	v->path[0] = '\0';
	if (path_at > 0) {
		snprintf(v->path, sizeof(v->path), "%s", line + path_at);
		v->path[strcspn(v->path, "\n")] = '\0';
	}
	return true;
}

/*
 * The mapping containing @addr (*@in), or the nearest ones below and above
 * it. Return: -errno if the maps cannot be read, else 1 if @in is set, 0.
 */
static int find_vmas(uint64_t addr, struct vma *in, struct vma *below,
		     struct vma *above, bool *have_below, bool *have_above)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	struct vma v;
	int found = 0;

	*have_below = *have_above = false;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_vma(line, &v))
			continue;
		if (addr >= v.start && addr < v.end) {
			*in = v;
			found = 1;
			break;
		}
		if (v.end <= addr) {
			*below = v;
			*have_below = true;
		} else if (!*have_above) {
			*above = v;
			*have_above = true;
			break;	/* sorted by address */
		}
	}
	fclose(f);
	return found;
}

static const char *vma_name(const struct vma *v)
{
	return v->path[0] ? v->path : "anonymous";
}

static const char *svm_kind(cl_svm_mem_flags flags)
{
	if (flags & CL_MEM_SVM_ATOMICS)
		return "fine-grained with atomics";
	if (flags & CL_MEM_SVM_FINE_GRAIN_BUFFER)
		return "fine-grained";
	return "coarse-grained";
}

void svmcl_svm_explain(cl_context ctx, uint64_t addr, int status, bool write,
		       char *buf, size_t size)
{
	struct vma in, below, above;
	bool have_below, have_above;
	struct svmcl_svm_alloc a;
	struct svmcl_svm_freed f;
	int ret;

	if (!size)
		return;
	if (svmcl_svm_lookup(ctx, (const void *)(uintptr_t)addr, &a)) {
		snprintf(buf, size,
			 "0x%" PRIx64 " is inside SVM allocation 0x%" PRIxPTR
			 "+%" PRIu64 " (size %zu, %s)",
			 addr, a.start, addr - a.start, a.size,
			 svm_kind(a.flags));
		return;
	}

	ret = find_vmas(addr, &in, &below, &above, &have_below, &have_above);
	if (ret > 0) {
		bool readonly = !strchr(in.perms, 'w');
		bool noaccess = !strchr(in.perms, 'r') && readonly &&
				!strchr(in.perms, 'x');

		if (noaccess)
			snprintf(buf, size,
				 "0x%" PRIx64 " is in mapping 0x%" PRIx64
				 "-0x%" PRIx64 " %s %s with no access (PROT_NONE)",
				 addr, in.start, in.end, in.perms,
				 vma_name(&in));
		else if (readonly && (write || status == -EPERM))
			snprintf(buf, size,
				 "0x%" PRIx64 " is in read-only mapping 0x%"
				 PRIx64 "-0x%" PRIx64 " %s %s (write attempted)",
				 addr, in.start, in.end, in.perms,
				 vma_name(&in));
		else
			snprintf(buf, size,
				 "0x%" PRIx64 " is in mapping 0x%" PRIx64
				 "-0x%" PRIx64 " %s %s",
				 addr, in.start, in.end, in.perms,
				 vma_name(&in));
		return;
	}

	if (svmcl_svm_freed_lookup(ctx, addr, &f)) {
		snprintf(buf, size,
			 "0x%" PRIx64 " is inside SVM allocation 0x%" PRIxPTR
			 "+%" PRIu64 " freed by %s (size %zu, %s)",
			 addr, f.start, addr - f.start, f.by, f.size,
			 svm_kind(f.flags));
		return;
	}

	if (addr < null_region_end()) {
		snprintf(buf, size,
			 "0x%" PRIx64 " was never mapped: it is in the NULL "
			 "pointer region (below 0x%" PRIx64 "), a NULL pointer + %"
			 PRIu64, addr, null_region_end(), addr);
		return;
	}
	if (addr >= USER_VA_END) {
		snprintf(buf, size,
			 "0x%" PRIx64 " was never mapped: it is outside the "
			 "user address space", addr);
		return;
	}
	if (ret < 0) {
		snprintf(buf, size, "0x%" PRIx64 " is not mapped (%s)", addr,
			 strerror(-ret));
		return;
	}

	{
		char lo[224] = "none", hi[224] = "none";

		if (have_below)
			snprintf(lo, sizeof(lo),
				 "0x%" PRIx64 "-0x%" PRIx64 " %s %s, %" PRIu64
				 " bytes before",
				 below.start, below.end, below.perms,
				 vma_name(&below), addr - below.end + 1);
		if (have_above)
			snprintf(hi, sizeof(hi),
				 "0x%" PRIx64 "-0x%" PRIx64 " %s %s, %" PRIu64
				 " bytes after",
				 above.start, above.end, above.perms,
				 vma_name(&above), above.start - addr);
		snprintf(buf, size,
			 "0x%" PRIx64 " is in an unmapped range 0x%" PRIx64
			 "-0x%" PRIx64 " (nearest mapping below: %s; above: %s)",
			 addr, have_below ? below.end : 0,
			 have_above ? above.start : USER_VA_END, lo, hi);
	}
}
