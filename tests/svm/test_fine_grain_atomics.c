/* SPDX-License-Identifier: MIT */
/*
 * test_fine_grain_atomics.c - fine-grained SVM with SVM atomics: host
 * threads and device work-items exchange data through the same memory at
 * the same time, synchronised with C11 atomics at
 * memory_scope_all_svm_devices (OpenCL 3.0, 3.3.6 "Memory Model" and
 * 5.6.1; OpenCL C 3.0, 6.15.12 "Atomic Functions").
 *
 *  - The device reports what the tests rely on: CL_DEVICE_SVM_ATOMICS, the
 *    all-devices scope with acquire/release and seq_cst orders, the
 *    matching OpenCL C feature macros and the 64-bit atomics extensions
 *    (pointers are 64-bit).
 *  - A counter incremented by every work-item and two host threads at
 *    once ends exact.
 *  - A hash table of linked bins (lock-free insertion at the head with
 *    compare-exchange on pointers) built at the same time by a kernel and
 *    two host threads holds every item once, in its bin (1, 2 and 29 bins:
 *    every insertion contends, neighbours share a cache line, spread).
 *  - Sync buffers: a kernel searching an image publishes each hit with a
 *    release store the host sees with an acquire load while the kernel is
 *    still running; and a ping-pong handshake where the host and one
 *    work-item take turns, each reading data the other wrote plainly
 *    before its release store.
 * Every wait is bounded (SUITE_TIMEOUT); the kernels that wait for the
 * host also watch an abort word, so a failing host never leaves a kernel
 * spinning.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

static const char kernels[] =
	"kernel void count(volatile global atomic_uint *c, uint times)\n"
	"{\n"
	"	for (uint i = 0; i < times; i++)\n"
	"		atomic_fetch_add_explicit(c, 1u, memory_order_relaxed,\n"
	"			memory_scope_all_svm_devices);\n"
	"}\n"
	"\n"
	"typedef struct Bin {\n"
	"	uint value;\n"
	"	atomic_uintptr_t next;\n"
	"} Bin;\n"
	"\n"
	"kernel void hash_insert(global const uint *in, global Bin *nodes,\n"
	"			volatile global atomic_uint *used, uint nbins)\n"
	"{\n"
	"	uint i = (uint)get_global_id(0);\n"
	"	uint slot = atomic_fetch_add_explicit(used, 1u,\n"
	"		memory_order_relaxed, memory_scope_all_svm_devices);\n"
	"	global Bin *n = &nodes[slot];\n"
	"	global Bin *head = &nodes[in[i] % nbins];\n"
	"	uintptr_t old;\n"
	"\n"
	"	n->value = in[i];\n"
	"	old = atomic_load_explicit(&head->next, memory_order_acquire,\n"
	"		memory_scope_all_svm_devices);\n"
	"	do {\n"
	"		atomic_store_explicit(&n->next, old,\n"
	"			memory_order_relaxed, memory_scope_all_svm_devices);\n"
	"	} while (!atomic_compare_exchange_strong_explicit(&head->next,\n"
	"			&old, (uintptr_t)n, memory_order_acq_rel,\n"
	"			memory_order_acquire, memory_scope_all_svm_devices));\n"
	"}\n"
	"\n"
	"kernel void find_targets(global const uint *image, uint target,\n"
	"			 volatile global atomic_uint *found,\n"
	"			 volatile global atomic_uint *where)\n"
	"{\n"
	"	uint i = (uint)get_global_id(0);\n"
	"\n"
	"	if (image[i] == target) {\n"
	"		uint k = atomic_fetch_add_explicit(found, 1u,\n"
	"			memory_order_relaxed, memory_scope_device);\n"
	"		atomic_store_explicit(&where[k], i, memory_order_release,\n"
	"			memory_scope_all_svm_devices);\n"
	"	}\n"
	"}\n"
	"\n"
	"kernel void ping_pong(volatile global atomic_int *turn,\n"
	"		      global int *data, int rounds,\n"
	"		      volatile global atomic_int *abort_flag)\n"
	"{\n"
	"	for (int r = 0; r < rounds; r++) {\n"
	"		while (atomic_load_explicit(turn, memory_order_acquire,\n"
	"				memory_scope_all_svm_devices) != 2 * r + 1)\n"
	"			if (atomic_load_explicit(abort_flag,\n"
	"					memory_order_relaxed,\n"
	"					memory_scope_all_svm_devices))\n"
	"				return;\n"
	"		data[r] = data[r] * 2 + 1;\n"
	"		atomic_store_explicit(turn, 2 * r + 2,\n"
	"			memory_order_release, memory_scope_all_svm_devices);\n"
	"	}\n"
	"}\n";

static cl_kernel k_count, k_hash, k_find, k_ping;

static const cl_svm_mem_flags FINE_ATOMIC = CL_MEM_READ_WRITE |
	CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS;

static int setup(void **state)
{
	(void)state;
	if (suite_open(kernels))
		return -1;
	k_count = suite_kernel("count");
	k_hash = suite_kernel("hash_insert");
	k_find = suite_kernel("find_targets");
	k_ping = suite_kernel("ping_pong");
	return k_count && k_hash && k_find && k_ping ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (k_count)
		clReleaseKernel(k_count);
	if (k_hash)
		clReleaseKernel(k_hash);
	if (k_find)
		clReleaseKernel(k_find);
	if (k_ping)
		clReleaseKernel(k_ping);
	suite_close();
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void test_capabilities(void **state)
{
	const cl_device_atomic_capabilities need =
		CL_DEVICE_ATOMIC_ORDER_RELAXED | CL_DEVICE_ATOMIC_ORDER_ACQ_REL |
		CL_DEVICE_ATOMIC_ORDER_SEQ_CST |
		CL_DEVICE_ATOMIC_SCOPE_WORK_GROUP |
		CL_DEVICE_ATOMIC_SCOPE_DEVICE |
		CL_DEVICE_ATOMIC_SCOPE_ALL_DEVICES;
	static const char *const features[] = {
		"__opencl_c_atomic_order_acq_rel",
		"__opencl_c_atomic_order_seq_cst",
		"__opencl_c_atomic_scope_device",
		"__opencl_c_atomic_scope_all_devices",
	};
	cl_device_atomic_capabilities mem = 0, fence = 0;
	cl_name_version fv[128];
	size_t size = 0;
	char ext[8192] = "";

	(void)state;
	assert_true(suite_svm_caps() & CL_DEVICE_SVM_ATOMICS);
	assert_true(suite_svm_caps() & CL_DEVICE_SVM_FINE_GRAIN_BUFFER);
	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES,
			      sizeof(mem), &mem, NULL));
	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_ATOMIC_FENCE_CAPABILITIES,
			      sizeof(fence), &fence, NULL));
	assert_int_equal(mem & need, need);
	assert_int_equal(fence & need, need);

	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_OPENCL_C_FEATURES,
			      sizeof(fv), fv, &size));
	for (size_t f = 0; f < ARRAY_SIZE(features); f++) {
		bool found = false;

		for (size_t i = 0; i < size / sizeof(fv[0]); i++)
			found |= strcmp(fv[i].name, features[f]) == 0;
		if (!found)
			fail_msg("CL_DEVICE_OPENCL_C_FEATURES lacks %s",
				 features[f]);
	}
	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_EXTENSIONS, sizeof(ext), ext,
			      NULL));
	assert_true(has_word(ext, "cl_khr_int64_base_atomics"));
	assert_true(has_word(ext, "cl_khr_int64_extended_atomics"));
}

/* Deadline-bounded: false when @v did not reach @want in time. */
static bool wait_uint(_Atomic cl_uint *v, cl_uint want)
{
	double end = suite_seconds() + SUITE_TIMEOUT;
	unsigned int spins = 0;

	while (atomic_load_explicit(v, memory_order_acquire) < want) {
		if (++spins % 256 == 0) {
			if (suite_seconds() > end)
				return false;
			sched_yield();	/* the device may share our core */
		}
	}
	return true;
}

struct counter_arg {
	_Atomic cl_uint *c;
	cl_uint times;
};

static void *host_count(void *p)
{
	const struct counter_arg *a = p;

	for (cl_uint i = 0; i < a->times; i++)
		atomic_fetch_add_explicit(a->c, 1, memory_order_relaxed);
	return NULL;
}

static void test_shared_counter(void **state)
{
	_Atomic cl_uint *c = clSVMAlloc(S.context, FINE_ATOMIC, sizeof(*c), 0);
	struct counter_arg arg;
	cl_uint times = 2000;
	size_t n = 512;
	pthread_t th[2];

	(void)state;
	assert_non_null(c);
	atomic_init(c, 0);
	arg = (struct counter_arg){ c, 200000 };
	CHECK(clSetKernelArgSVMPointer(k_count, 0, (void *)c));
	CHECK(clSetKernelArg(k_count, 1, sizeof(times), &times));
	CHECK(clEnqueueNDRangeKernel(S.queue, k_count, 1, NULL, &n, NULL, 0,
				     NULL, NULL));
	CHECK(clFlush(S.queue));
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, host_count, &arg),
				 0);
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	CHECK(clFinish(S.queue));
	assert_int_equal(atomic_load(c), 512 * 2000 + 2 * 200000);
	clSVMFree(S.context, (void *)c);
}

/* The host twin of the kernel's Bin. */
struct bin {
	cl_uint value;
	_Atomic uintptr_t next;
};

struct hash_arg {
	const cl_uint *in;
	size_t n;
	struct bin *nodes;
	_Atomic cl_uint *used;
	cl_uint nbins;
	bool timed_out;
};

static void *host_insert(void *p)
{
	struct hash_arg *a = p;

	/* Start once the device has: the two then insert side by side. */
	if (!wait_uint(a->used, a->nbins + 1)) {
		a->timed_out = true;
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++) {
		cl_uint slot = atomic_fetch_add_explicit(a->used, 1,
							 memory_order_relaxed);
		struct bin *n = &a->nodes[slot];
		struct bin *head = &a->nodes[a->in[i] % a->nbins];
		uintptr_t old;

		n->value = a->in[i];
		old = atomic_load_explicit(&head->next, memory_order_acquire);
		do {
			atomic_store_explicit(&n->next, old,
					      memory_order_relaxed);
		} while (!atomic_compare_exchange_strong_explicit(&head->next,
				&old, (uintptr_t)n, memory_order_acq_rel,
				memory_order_acquire));
	}
	return NULL;
}

static void hash_table(cl_uint nbins)
{
	const size_t n = 32768;		/* items per inserter */
	const size_t total = 3 * n;	/* the device, two host threads */
	cl_uint *in = clSVMAlloc(S.context, CL_MEM_READ_ONLY |
				 CL_MEM_SVM_FINE_GRAIN_BUFFER,
				 total * sizeof(cl_uint), 0);
	struct bin *nodes = clSVMAlloc(S.context, FINE_ATOMIC,
				       (total + nbins) * sizeof(struct bin), 0);
	_Atomic cl_uint *used = clSVMAlloc(S.context, FINE_ATOMIC,
					   sizeof(*used), 0);
	unsigned char *seen = calloc(total, 1);
	struct hash_arg args[2];
	pthread_t th[2];
	size_t items = 0;

	assert_non_null(in);
	assert_non_null(nodes);
	assert_non_null(used);
	assert_non_null(seen);
	for (size_t i = 0; i < total; i++)
		in[i] = (cl_uint)i;	/* device: 0..n-1, host: the rest */
	for (cl_uint b = 0; b < nbins; b++)
		atomic_init(&nodes[b].next, 0);
	atomic_init(used, nbins);

	for (int t = 0; t < 2; t++) {
		args[t] = (struct hash_arg){
			.in = in + (t + 1) * n, .n = n, .nodes = nodes,
			.used = used, .nbins = nbins,
		};
		assert_int_equal(pthread_create(&th[t], NULL, host_insert,
						&args[t]), 0);
	}
	CHECK(clSetKernelArgSVMPointer(k_hash, 0, in));
	CHECK(clSetKernelArgSVMPointer(k_hash, 1, nodes));
	CHECK(clSetKernelArgSVMPointer(k_hash, 2, (void *)used));
	CHECK(clSetKernelArg(k_hash, 3, sizeof(nbins), &nbins));
	CHECK(clEnqueueNDRangeKernel(S.queue, k_hash, 1, NULL, &n, NULL, 0,
				     NULL, NULL));
	CHECK(clFlush(S.queue));
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	CHECK(clFinish(S.queue));
	for (int t = 0; t < 2; t++)
		if (args[t].timed_out)
			fail_msg("host thread %d: the kernel never started", t);

	assert_int_equal(atomic_load(used), nbins + total);
	for (cl_uint b = 0; b < nbins; b++) {
		const struct bin *p = (const struct bin *)atomic_load(
			&nodes[b].next);

		for (; p; p = (const struct bin *)atomic_load(&p->next)) {
			if (p < nodes + nbins || p >= nodes + nbins + total)
				fail_msg("bin %u: node %p outside the table",
					 b, (const void *)p);
			if (p->value >= total || p->value % nbins != b)
				fail_msg("bin %u holds %u", b, p->value);
			if (seen[p->value]++)
				fail_msg("%u inserted twice", p->value);
			if (++items > total)
				fail_msg("bin %u: a cycle", b);
		}
	}
	assert_int_equal(items, total);
	/*
	 * How often consecutive slots went to different sides: more than a
	 * couple means the device and the host inserted at the same time.
	 * Reported, not asserted (the scheduler decides).
	 */
	{
		size_t switches = 0;

		for (size_t s = nbins + 1; s < nbins + total; s++)
			switches += (nodes[s].value < n) !=
				    (nodes[s - 1].value < n);
		printf("# note: %u bins: slots changed hands %zu times\n",
		       nbins, switches);
	}
	free(seen);
	clSVMFree(S.context, (void *)used);
	clSVMFree(S.context, nodes);
	clSVMFree(S.context, in);
}

static void test_hash_table_one_bin(void **state)
{
	(void)state;
	hash_table(1);
}

static void test_hash_table_two_bins(void **state)
{
	(void)state;
	hash_table(2);
}

static void test_hash_table_29_bins(void **state)
{
	(void)state;
	hash_table(29);
}

/* The host collects hits while the kernel that publishes them runs. */
static void test_sync_buffer_targets(void **state)
{
	const size_t n = 4u << 20;
	static const size_t hits[] = { 0, 3, 4097, 65536, 1000000, 3333333,
				       (4u << 20) - 1 };
	const cl_uint target = 777;
	cl_uint *image = clSVMAlloc(S.context, CL_MEM_READ_ONLY |
				    CL_MEM_SVM_FINE_GRAIN_BUFFER,
				    n * sizeof(cl_uint), 0);
	_Atomic cl_uint *found = clSVMAlloc(S.context, FINE_ATOMIC,
					    sizeof(*found), 0);
	_Atomic cl_uint *where = clSVMAlloc(S.context, FINE_ATOMIC,
					    64 * sizeof(cl_uint), 0);
	bool got[ARRAY_SIZE(hits)] = { false };
	double end = suite_seconds() + SUITE_TIMEOUT;
	size_t k = 0;
	cl_event done;
	cl_int status;

	(void)state;
	assert_non_null(image);
	assert_non_null(found);
	assert_non_null(where);
	memset(image, 0, n * sizeof(cl_uint));
	for (size_t i = 0; i < ARRAY_SIZE(hits); i++)
		image[hits[i]] = target;
	atomic_init(found, 0);
	for (int i = 0; i < 64; i++)
		atomic_init(&where[i], ~0u);	/* empty slot */

	CHECK(clSetKernelArgSVMPointer(k_find, 0, image));
	CHECK(clSetKernelArg(k_find, 1, sizeof(target), &target));
	CHECK(clSetKernelArgSVMPointer(k_find, 2, (void *)found));
	CHECK(clSetKernelArgSVMPointer(k_find, 3, (void *)where));
	CHECK(clEnqueueNDRangeKernel(S.queue, k_find, 1, NULL, &n, NULL, 0,
				     NULL, &done));
	CHECK(clFlush(S.queue));
	/* Take each slot as it is published; stop when complete and empty. */
	do {
		status = suite_event_status(done);
		while (k < 64) {
			cl_uint at = atomic_load_explicit(&where[k],
							  memory_order_acquire);

			if (at == ~0u)
				break;
			for (size_t i = 0; i < ARRAY_SIZE(hits); i++)
				if (hits[i] == at) {
					assert_false(got[i]);
					got[i] = true;
				}
			k++;
		}
		if (suite_seconds() > end)
			fail_msg("the kernel did not complete (status %d)",
				 status);
		sched_yield();
	} while (status != CL_COMPLETE);
	/* Final: status complete read before the last scan, all seen. */
	assert_int_equal(k, ARRAY_SIZE(hits));
	for (size_t i = 0; i < ARRAY_SIZE(hits); i++)
		assert_true(got[i]);
	assert_int_equal(atomic_load(found), ARRAY_SIZE(hits));
	CHECK(clReleaseEvent(done));
	CHECK(clFinish(S.queue));
	clSVMFree(S.context, (void *)where);
	clSVMFree(S.context, (void *)found);
	clSVMFree(S.context, image);
}

/* Host and one work-item take turns; each reads what the other wrote. */
static void test_sync_buffer_ping_pong(void **state)
{
	const int rounds = 1000;
	_Atomic int *turn = clSVMAlloc(S.context, FINE_ATOMIC,
				       2 * sizeof(*turn), 0);
	_Atomic int *abort_flag = turn + 1;
	int *data = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
			       CL_MEM_SVM_FINE_GRAIN_BUFFER,
			       rounds * sizeof(int), 0);
	double end = suite_seconds() + SUITE_TIMEOUT;
	size_t one = 1;
	int failed_round = -1;

	(void)state;
	assert_non_null(turn);
	assert_non_null(data);
	atomic_init(turn, 0);
	atomic_init(abort_flag, 0);
	CHECK(clSetKernelArgSVMPointer(k_ping, 0, (void *)turn));
	CHECK(clSetKernelArgSVMPointer(k_ping, 1, data));
	CHECK(clSetKernelArg(k_ping, 2, sizeof(rounds), &rounds));
	CHECK(clSetKernelArgSVMPointer(k_ping, 3, (void *)abort_flag));
	CHECK(clEnqueueNDRangeKernel(S.queue, k_ping, 1, NULL, &one, NULL, 0,
				     NULL, NULL));
	CHECK(clFlush(S.queue));
	for (int r = 0; r < rounds && failed_round < 0; r++) {
		unsigned int spins = 0;

		data[r] = r * 7;	/* plain store, published below */
		atomic_store_explicit(turn, 2 * r + 1, memory_order_release);
		while (atomic_load_explicit(turn, memory_order_acquire) !=
		       2 * r + 2) {
			if (++spins % 256 == 0) {
				if (suite_seconds() > end) {
					failed_round = r;
					break;
				}
				sched_yield();
			}
		}
		if (failed_round < 0 && data[r] != r * 14 + 1)
			failed_round = r;
	}
	if (failed_round >= 0)
		atomic_store(abort_flag, 1);	/* let the kernel go */
	CHECK(clFinish(S.queue));
	if (failed_round >= 0)
		fail_msg("round %d: turn %d, data %d", failed_round,
			 atomic_load(turn), data[failed_round]);
	clSVMFree(S.context, data);
	clSVMFree(S.context, (void *)turn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_shared_counter),
		cmocka_unit_test(test_hash_table_one_bin),
		cmocka_unit_test(test_hash_table_two_bins),
		cmocka_unit_test(test_hash_table_29_bins),
		cmocka_unit_test(test_sync_buffer_targets),
		cmocka_unit_test(test_sync_buffer_ping_pong),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
