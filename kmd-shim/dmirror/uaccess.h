/* SPDX-License-Identifier: MIT */
/*
 * uaccess.h - copy_from_user()/copy_to_user() for the kmd-shim.
 *
 * The kmd-shim runs in the caller's process, so a "user pointer" is any
 * address the application passed in, and a bad one must give -EFAULT, not
 * a SIGSEGV in the middle of the shim. These helpers copy with
 * process_vm_readv()/process_vm_writev() on the calling process itself:
 * the kernel walks the page tables with the same checks as a user access
 * (VMA permissions, no PROT_NONE, no holes) and reports a bad range as
 * EFAULT instead of raising a signal. Unlike a probe followed by memcpy()
 * there is no window in which another thread could unmap the memory.
 *
 * A transfer that crosses into a bad page copies what precedes it; the
 * return value says how far it got.
 */
#ifndef SVMCL_DMIRROR_UACCESS_H
#define SVMCL_DMIRROR_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * kmd_copy_from_user() / kmd_copy_to_user() - copy @len bytes between a
 * kmd-shim buffer and the application address @uaddr.
 * Return: 0, or -EFAULT if any byte of the user range is not accessible
 * (for reading, resp. writing) by the application.
 */
int kmd_copy_from_user(void *dst, uint64_t uaddr, size_t len);
int kmd_copy_to_user(uint64_t uaddr, const void *src, size_t len);

/*
 * kmd_copy_partial() - like the above, but report how many bytes were
 * copied before the first inaccessible byte.
 * @to_user: direction; @local is the kmd-shim side.
 * Return: bytes copied (== @len on success).
 */
size_t kmd_copy_partial(void *local, uint64_t uaddr, size_t len, int to_user);

#endif /* SVMCL_DMIRROR_UACCESS_H */
