/* SPDX-License-Identifier: MIT */
/*
 * uaccess.c - user copies that cannot crash (see uaccess.h).
 *
 * DOC: Overview
 *
 * process_vm_readv()/process_vm_writev() on our own pid: the kernel's
 * access checks, an EFAULT instead of a signal. Accessing one's own
 * address space always passes the ptrace check (same thread group), so
 * no capability or Yama setting can refuse it. A page registered with a
 * userfaultfd is resolved through it like any other access, which is what
 * a kernel copy_to_user() would do too.
 *
 * One iovec per side and at most one system call per MAX_RW_COUNT chunk;
 * a short transfer means the next byte is inaccessible (the kernel stops
 * at the first page it cannot pin).
 *
 * DOC: Locking
 *
 * None: the helpers have no state.
 */
#include "config.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dmirror/uaccess.h"

/* Linux caps one transfer at MAX_RW_COUNT (INT_MAX rounded to pages). */
#define KMD_COPY_CHUNK (1ul << 30)

static ssize_t kmd_vm_rw(void *local, uint64_t uaddr, size_t len, int to_user)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)uaddr, .iov_len = len };
	ssize_t n;

	do {
		n = to_user ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
			      process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	} while (n < 0 && errno == EINTR);
	return n;
}

size_t kmd_copy_partial(void *local, uint64_t uaddr, size_t len, int to_user)
{
	size_t done = 0;

	/* The user range must not wrap around the address space. */
	if (uaddr + len < uaddr)
		len = (size_t)(0 - uaddr);
	while (done < len) {
		size_t chunk = len - done < KMD_COPY_CHUNK ? len - done :
							      KMD_COPY_CHUNK;
		ssize_t n = kmd_vm_rw((char *)local + done, uaddr + done,
				      chunk, to_user);

		if (n <= 0)
			break;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	return done;
}

int kmd_copy_from_user(void *dst, uint64_t uaddr, size_t len)
{
	if (!len)
		return 0;
	if (!uaddr || uaddr + len < uaddr)
		return -EFAULT;
	return kmd_copy_partial(dst, uaddr, len, 0) == len ? 0 : -EFAULT;
}

int kmd_copy_to_user(uint64_t uaddr, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!uaddr || uaddr + len < uaddr)
		return -EFAULT;
	return kmd_copy_partial((void *)src, uaddr, len, 1) == len ? 0 : -EFAULT;
}
