/* SPDX-License-Identifier: MIT */
/*
 * clc_binary.c - program binaries: what CL_PROGRAM_BINARIES returns and
 * clCreateProgramWithBinary takes.
 *
 * DOC: Overview
 *
 * A binary is a fixed header, two strings and spir64 LLVM bitcode:
 *
 *	struct clc_binary_header	magic "SVMCLBIN", format version,
 *					stage (object, library, executable),
 *					LLVM major version, sizes, checksum
 *	device description		what the device's OpenCL C offers
 *	build options			for clBuildProgram(options = NULL)
 *	bitcode				the stage's module, before lowering
 *
 * The bitcode is the front end's (object), the linker's (library,
 * executable) output: lowering, instrumentation and the JIT run again
 * when the binary is built, so the binary carries no host machine code
 * and survives a change of host CPU. What it cannot survive is another
 * device description (a kernel compiled for features the device no longer
 * reports), another binary format or a newer LLVM bitcode: those are
 * -ENOEXEC, which the runtime reports as CL_INVALID_BINARY like a
 * damaged binary (-EINVAL). The checksum (FNV-1a over everything after
 * the header) catches truncation and bit flips; the bitcode is parsed
 * once to be sure LLVM can read it.
 *
 * DOC: Locking
 *
 * None: pure functions over caller-owned memory.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>

#include "compiler/clc_store.h"

#define CLC_BINARY_MAGIC "SVMCLBIN"
#define CLC_BINARY_VERSION 1u

struct clc_binary_header {
	char magic[8];
	uint32_t version;
	uint32_t type;		/* enum clc_binary_type */
	uint32_t llvm_major;
	uint32_t device_size;	/* with its NUL */
	uint32_t options_size;	/* with its NUL */
	uint32_t reserved;
	uint64_t bc_size;
	uint64_t checksum;
};

static uint32_t llvm_major(void)
{
	unsigned int major, minor, patch;

	LLVMGetVersion(&major, &minor, &patch);
	return major;
}

int clc_binary_pack(enum clc_binary_type type, const char *device,
		    const char *options, const void *bc, size_t bc_size,
		    void **out, size_t *out_size)
{
	struct clc_binary_header h = { 0 };
	size_t dlen = strlen(device ? device : "") + 1;
	size_t olen = strlen(options ? options : "") + 1;
	size_t total = sizeof(h) + dlen + olen + bc_size;
	char *buf, *p;

	if (dlen > UINT32_MAX || olen > UINT32_MAX)
		return -EINVAL;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(h.magic, CLC_BINARY_MAGIC, sizeof(h.magic));
	h.version = CLC_BINARY_VERSION;
	h.type = type;
	h.llvm_major = llvm_major();
	h.device_size = (uint32_t)dlen;
	h.options_size = (uint32_t)olen;
	h.bc_size = bc_size;

	p = buf + sizeof(h);
	memcpy(p, device ? device : "", dlen);
	p += dlen;
	memcpy(p, options ? options : "", olen);
	p += olen;
	memcpy(p, bc, bc_size);
	h.checksum = clc_fnv1a(CLC_FNV_OFFSET, buf + sizeof(h),
			       total - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	*out = buf;
	*out_size = total;
	return 0;
}

/* LLVM can read it (in a throw-away context that logs nowhere). */
static int bitcode_readable(const void *bc, size_t size)
{
	struct clc_log log = { 0 };
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = NULL;
	int ret;

	LLVMContextSetDiagnosticHandler(ctx, clc_diag_handler, &log);
	ret = clc_parse_bitcode(ctx, bc, size, &mod, &log);
	if (mod)
		LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	free(log.buf);
	return ret;
}

int clc_binary_unpack(const void *bin, size_t size, const char *device,
		      enum clc_binary_type *type, const void **bc,
		      size_t *bc_size, char **options)
{
	struct clc_binary_header h;
	const char *p = (const char *)bin + sizeof(h);
	const char *dev, *opts;
	int ret;

	if (!bin || size < sizeof(h))
		return -EINVAL;
	memcpy(&h, bin, sizeof(h));
	if (memcmp(h.magic, CLC_BINARY_MAGIC, sizeof(h.magic)))
		return -EINVAL;
	if (h.version != CLC_BINARY_VERSION || h.llvm_major != llvm_major())
		return -ENOEXEC;
	if (h.type < CLC_BINARY_OBJECT || h.type > CLC_BINARY_EXECUTABLE ||
	    !h.device_size || !h.options_size ||
	    size - sizeof(h) < (uint64_t)h.device_size + h.options_size ||
	    h.bc_size != size - sizeof(h) - h.device_size - h.options_size)
		return -EINVAL;
	if (clc_fnv1a(CLC_FNV_OFFSET, p, size - sizeof(h)) != h.checksum)
		return -EINVAL;
	dev = p;
	opts = p + h.device_size;
	if (dev[h.device_size - 1] || opts[h.options_size - 1])
		return -EINVAL;
	if (strcmp(dev, device ? device : ""))
		return -ENOEXEC;
	ret = bitcode_readable(opts + h.options_size, h.bc_size);
	if (ret)
		return ret;

	if (options) {
		*options = strdup(opts);
		if (!*options)
			return -ENOMEM;
	}
	*type = (enum clc_binary_type)h.type;
	*bc = opts + h.options_size;
	*bc_size = h.bc_size;
	return 0;
}
