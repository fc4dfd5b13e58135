/* SPDX-License-Identifier: MIT */
/*
 * mmap_file - a file processed in place by the device.
 *
 * The host maps a file MAP_SHARED and hands the mapping to a kernel. With
 * fine-grained system SVM the device's page tables mirror the page-cache
 * pages of that mapping: the kernel's stores land in the page cache, and
 * after msync() the file itself holds the result. No buffer, no copy.
 *
 * The file holds RECORDS little records {key, value}; the kernel replaces
 * each value by a hash of its key and value. The host checks the file
 * through read(), not through the mapping, so the check sees what a later
 * process would see.
 *
 * Exit status: 0 when the file holds every expected record, 1 otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sample_util.h"

#define RECORDS (1u << 20)	/* 8 MiB of records: 2048 pages */

struct record {
	cl_uint key;
	cl_uint value;
};

static const char *kernel_source =
	"typedef struct record { uint key; uint value; } record_t;\n"
	"\n"
	"kernel void rehash(global record_t *r)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	uint h = r[i].key * 2654435761u;\n"
	"\n"
	"	r[i].value = (h ^ (h >> 15)) + r[i].value;\n"
	"}\n";

static cl_uint expected_value(cl_uint key, cl_uint value)
{
	cl_uint h = key * 2654435761u;

	return (h ^ (h >> 15)) + value;
}

static int make_file(char *path)
{
	struct record *chunk;
	const cl_uint per_chunk = 4096;
	int fd = mkstemp(path);

	if (fd < 0) {
		fprintf(stderr, "mkstemp(%s): %s\n", path, strerror(errno));
		exit(1);
	}
	chunk = malloc(per_chunk * sizeof(*chunk));
	if (!chunk)
		exit(1);
	for (cl_uint base = 0; base < RECORDS; base += per_chunk) {
		for (cl_uint i = 0; i < per_chunk; i++) {
			chunk[i].key = base + i;
			chunk[i].value = (base + i) ^ 0x5a5a5a5au;
		}
		if (write(fd, chunk, per_chunk * sizeof(*chunk)) !=
		    (ssize_t)(per_chunk * sizeof(*chunk))) {
			fprintf(stderr, "write %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	free(chunk);
	return fd;
}

/* Read the file back with pread(): what another process would see. */
static unsigned int check_file(int fd)
{
	struct record r;
	unsigned int bad = 0;

	for (cl_uint i = 0; i < RECORDS; i++) {
		if (pread(fd, &r, sizeof(r), (off_t)i * sizeof(r)) !=
		    (ssize_t)sizeof(r)) {
			fprintf(stderr, "pread: %s\n", strerror(errno));
			return RECORDS;
		}
		if (r.key != i ||
		    r.value != expected_value(i, i ^ 0x5a5a5a5au)) {
			if (bad++ < 10)
				fprintf(stderr, "record %u: {%u, %u}\n", i,
					r.key, r.value);
		}
	}
	return bad;
}

int main(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	size_t size = RECORDS * sizeof(struct record), global = RECORDS;
	struct sample_cl cl;
	struct record *map;
	cl_program prog;
	cl_kernel kernel;
	unsigned int bad;
	int fd;

	snprintf(path, sizeof(path), "%s/svmcl-mmap-file-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	sample_open(&cl, CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, NULL, NULL);
	fd = make_file(path);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mmap %s: %s\n", path, strerror(errno));
		return 1;
	}

	prog = sample_build(&cl, kernel_source, NULL);
	kernel = sample_kernel(prog, "rehash");
	sample_allow_system_pointers(kernel);
	CHECK(clSetKernelArgSVMPointer(kernel, 0, map));
	CHECK(clEnqueueNDRangeKernel(cl.queue, kernel, 1, NULL, &global, NULL,
				     0, NULL, NULL));
	CHECK(clFinish(cl.queue));

	if (msync(map, size, MS_SYNC) || munmap(map, size)) {
		fprintf(stderr, "msync/munmap: %s\n", strerror(errno));
		return 1;
	}
	bad = check_file(fd);
	printf("rehashed %u records of a %zu MiB MAP_SHARED file in place: %s\n",
	       RECORDS, size >> 20, bad ? "MISMATCH" : "file correct");

	clReleaseKernel(kernel);
	clReleaseProgram(prog);
	sample_close(&cl);
	close(fd);
	unlink(path);
	return bad ? 1 : 0;
}
