/* SPDX-License-Identifier: MIT */
/*
 * hmm_vma.c - VMA attributes for hmm_range_fault(): which addresses are
 * mapped, with which permissions, and with which page size.
 *
 * DOC: Overview
 *
 * The pagemap cannot tell a hole from an absent page, shows present pages
 * of PROT_NONE mappings as present, and says nothing of write permission
 * or hugetlb page sizes. Linux's walk reads all of that from the VMA, and
 * so do we:
 *
 * - PROCMAP_QUERY (an ioctl on /proc/self/maps, Linux 6.11) returns the VMA
 *   covering an address, or the next one: start, end, r/w/x/shared and
 *   the kernel page size (vma_kernel_pagesize(): the hugetlb page size, 4
 *   KiB otherwise). One call per VMA a range touches, about 0.25 us.
 * - Older kernels: /proc/self/smaps is parsed up to the VMA in question
 *   (its KernelPageSize line gives the page size). Slow, but only a
 *   fallback.
 *
 * DOC: Locking
 *
 * No locks. The maps fd is opened once and published with a
 * compare-and-swap; a fork child drops its inherited copy, which describes
 * the parent. "PROCMAP_QUERY is unsupported" and the tests' "force the
 * fallback" switch are relaxed atomic flags.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hmm/hmm.h"
#include "hmm/hmm_internal.h"

/* PROCMAP_QUERY (include/uapi/linux/fs.h, Linux 6.11), private names. */
struct hmm_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define HMM_PROCMAP_QUERY _IOWR('f', 17, struct hmm_procmap_query)
#define HMM_PROCMAP_VMA_READABLE 0x01
#define HMM_PROCMAP_VMA_WRITABLE 0x02
#define HMM_PROCMAP_VMA_EXECUTABLE 0x04
#define HMM_PROCMAP_VMA_SHARED 0x08
#define HMM_PROCMAP_COVERING_OR_NEXT_VMA 0x10

static atomic_int hmm_maps_fd = -1;
static pthread_once_t hmm_vma_atfork_once = PTHREAD_ONCE_INIT;
static atomic_bool hmm_procmap_unsupported;
static atomic_bool hmm_vma_fallback_forced;

void hmm_vma_forget_fd(void)
{
	int fd = atomic_exchange(&hmm_maps_fd, -1);

	if (fd >= 0)
		close(fd);
}

static void hmm_vma_atfork_register(void)
{
	pthread_atfork(NULL, NULL, hmm_vma_forget_fd);
}

static int hmm_maps(void)
{
	int fd = atomic_load_explicit(&hmm_maps_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;
	pthread_once(&hmm_vma_atfork_once, hmm_vma_atfork_register);
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&hmm_maps_fd, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

void hmm_vma_force_fallback(bool force)
{
	atomic_store_explicit(&hmm_vma_fallback_forced, force,
			      memory_order_relaxed);
}

static unsigned int hmm_page_shift_of(uint64_t page_size)
{
	unsigned int shift = HMM_PAGE_SHIFT;

	if (!page_size || (page_size & (page_size - 1)))
		return HMM_PAGE_SHIFT;
	while ((1ull << shift) < page_size && shift < 40)
		shift++;
	return shift;
}

static void hmm_vma_hole(unsigned long addr, unsigned long next,
			 unsigned long limit, struct hmm_vma *out)
{
	out->start = addr;
	out->end = next < limit ? next : limit;
	out->flags = HMM_VMA_HOLE;
	out->page_shift = HMM_PAGE_SHIFT;
}

/*
 * "[vdso]", "[vvar]", "[vsyscall]"...: kernel-provided mappings, not
 * memory anyone may move. The heap, stacks and named anonymous memory
 * are ordinary.
 */
static bool hmm_vma_special_name(const char *name)
{
	if (!name || name[0] != '[')
		return false;
	return strcmp(name, "[heap]") && strncmp(name, "[stack", 6) &&
	       strncmp(name, "[anon:", 6);
}

/* Return: 0, -ENOTTY when the kernel lacks PROCMAP_QUERY, -errno. */
static int hmm_vma_query(unsigned long addr, unsigned long limit,
			 struct hmm_vma *out)
{
	char name[64];
	struct hmm_procmap_query q = {
		.size = sizeof(q),
		.query_flags = HMM_PROCMAP_COVERING_OR_NEXT_VMA,
		.query_addr = addr,
		.vma_name_size = sizeof(name),
		.vma_name_addr = (uintptr_t)name,
	};
	const char *qname = name;
	int fd = hmm_maps();
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, HMM_PROCMAP_QUERY, &q);
	if (ret && errno == ENAMETOOLONG) {
		/* A long path: a file, never a special mapping. */
		q.vma_name_size = 0;
		q.vma_name_addr = 0;
		qname = NULL;
		ret = ioctl(fd, HMM_PROCMAP_QUERY, &q);
	}
	if (ret) {
		int err = errno;

		if (err == ENOENT) {	/* no VMA at or above addr */
			hmm_vma_hole(addr, limit, limit, out);
			return 0;
		}
		return err == EINVAL || err == ENOTTY ? -ENOTTY : -err;
	}
	if (q.vma_start > addr) {
		hmm_vma_hole(addr, q.vma_start, limit, out);
		return 0;
	}
	if (qname && !q.vma_name_size)
		qname = NULL;
	out->start = q.vma_start;
	out->end = q.vma_end;
	out->flags = 0;
	if (q.vma_flags & HMM_PROCMAP_VMA_READABLE)
		out->flags |= HMM_VMA_READ;
	if (q.vma_flags & HMM_PROCMAP_VMA_WRITABLE)
		out->flags |= HMM_VMA_WRITE;
	if (q.vma_flags & HMM_PROCMAP_VMA_EXECUTABLE)
		out->flags |= HMM_VMA_EXEC;
	if (q.vma_flags & HMM_PROCMAP_VMA_SHARED)
		out->flags |= HMM_VMA_SHARED;
	if (q.inode)
		out->flags |= HMM_VMA_FILE;
	if (hmm_vma_special_name(qname))
		out->flags |= HMM_VMA_SPECIAL;
	out->page_shift = hmm_page_shift_of(q.vma_page_size);
	return 0;
}

/*
 * hmm_vma_parse_smaps() - the fallback: stream /proc/self/smaps until the
 * first VMA that ends above @addr. A VMA header line is
 * "start-end perms offset dev inode [name]"; the VMA's own lines follow,
 * KernelPageSize among them.
 */
static int hmm_vma_parse_smaps(unsigned long addr, unsigned long limit,
			       struct hmm_vma *out)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool found = false;

	if (!f)
		return -errno;
	hmm_vma_hole(addr, limit, limit, out);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, kps, off, ino;
		unsigned int maj, min;
		char perms[8];
		int name_at = 0;

		if (found) {
			if (sscanf(line, "KernelPageSize: %lu kB", &kps) == 1) {
				out->page_shift = hmm_page_shift_of((uint64_t)kps << 10);
				break;
			}
			continue;
		}
		/* Field lines ("Rss:  4 kB") never parse as "x-y perms ...". */
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &s, &e, perms,
			   &off, &maj, &min, &ino, &name_at) < 7 ||
		    strlen(perms) < 4)
			continue;
		if (e <= addr)
			continue;
		if (s > addr) {
			hmm_vma_hole(addr, s, limit, out);
			break;
		}
		out->start = s;
		out->end = e;
		out->flags = (perms[0] == 'r' ? HMM_VMA_READ : 0) |
			     (perms[1] == 'w' ? HMM_VMA_WRITE : 0) |
			     (perms[2] == 'x' ? HMM_VMA_EXEC : 0) |
			     (perms[3] == 's' ? HMM_VMA_SHARED : 0) |
			     (ino ? HMM_VMA_FILE : 0);
		if (name_at) {
			line[strcspn(line, "\n")] = '\0';
			if (hmm_vma_special_name(line + name_at))
				out->flags |= HMM_VMA_SPECIAL;
		}
		out->page_shift = HMM_PAGE_SHIFT;
		found = true;
	}
	fclose(f);
	return 0;
}

int hmm_vma_find(unsigned long addr, unsigned long limit, struct hmm_vma *out)
{
	int ret;

	if (!atomic_load_explicit(&hmm_vma_fallback_forced,
				  memory_order_relaxed) &&
	    !atomic_load_explicit(&hmm_procmap_unsupported,
				  memory_order_relaxed)) {
		ret = hmm_vma_query(addr, limit, out);
		if (ret != -ENOTTY)
			return ret;
		atomic_store_explicit(&hmm_procmap_unsupported, true,
				      memory_order_relaxed);
	}
	return hmm_vma_parse_smaps(addr, limit, out);
}
