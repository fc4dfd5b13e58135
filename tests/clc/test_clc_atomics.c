/* SPDX-License-Identifier: MIT */
/*
 * Atomics: OpenCL 1.x atomic_* / atom_* (32 and 64 bit), C11-style
 * atomics with every order and scope on global and generic pointers,
 * atomic_flag as a lock, and host C11 atomics racing a kernel on the same
 * fine-grained SVM counters.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "clc_util.h"

#define ITEMS 4096

static void test_atomics_1x(void **state)
{
	const char *src =
		"#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable\n"
		"#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable\n"
		"kernel void a(global int *i, global long *l)\n"
		"{\n"
		"	int id = (int)get_global_id(0);\n"
		"	atomic_inc(&i[0]);\n"
		"	atomic_add(&i[1], id);\n"
		"	atomic_min(&i[2], id - 100);\n"
		"	atomic_max(&i[3], id);\n"
		"	atomic_or(&i[4], 1 << (id & 31));\n"
		"	atomic_dec(&i[5]);\n"
		"	atom_add(&l[0], (long)id << 32);\n"
		"	atom_max(&l[1], (long)id * 1000000000L);\n"
		"	atom_xor(&l[2], 1L << (id & 63));\n"
		"	/* a ticket through cmpxchg */\n"
		"	int old, t;\n"
		"	do { old = i[6]; t = atomic_cmpxchg(&i[6], old, old + 2); }\n"
		"	while (t != old);\n"
		"	atomic_xchg(&i[7], 42);\n"
		"	atom_inc((global ulong *)&l[3]);\n"
		"}\n";
	int *i = svm(16 * sizeof(int));
	int64_t *l = svm(8 * sizeof(int64_t));
	int64_t sum = 0;

	i[2] = 1 << 30;
	run_src(src, NULL, "a", ITEMS, 2, i, l, NULL);
	for (int k = 0; k < ITEMS; k++)
		sum += k;
	assert_int_equal(i[0], ITEMS);
	assert_int_equal(i[1], (int)sum);
	assert_int_equal(i[2], -100);
	assert_int_equal(i[3], ITEMS - 1);
	assert_int_equal((unsigned int)i[4], 0xffffffffu);
	assert_int_equal(i[5], -ITEMS);
	assert_true(l[0] == sum << 32);
	assert_true(l[1] == (int64_t)(ITEMS - 1) * 1000000000);
	assert_true(l[2] == 0);	/* each bit flipped ITEMS / 64 times */
	assert_int_equal(i[6], 2 * ITEMS);
	assert_int_equal(i[7], 42);
	assert_true(l[3] == ITEMS);
	clSVMFree(E.ctx, i);
	clSVMFree(E.ctx, l);
}

/* Every order and scope, through a generic pointer and a global one. */
static void test_atomics_c11(void **state)
{
	const char *src =
		"#if __OPENCL_C_VERSION__ < 300\n"
		"#define memory_scope_all_devices memory_scope_all_svm_devices\n"
		"#endif\n"
		"static int add_gen(volatile atomic_int *p, int v, memory_order o,\n"
		"		   memory_scope s)\n"
		"{ return atomic_fetch_add_explicit(p, v, o, s); }\n"
		"kernel void c(global atomic_int *a, global atomic_long *b,\n"
		"	       global int *o)\n"
		"{\n"
		"	size_t id = get_global_id(0);\n"
		"	memory_order ord[4] = { memory_order_relaxed,\n"
		"		memory_order_acq_rel, memory_order_seq_cst,\n"
		"		memory_order_relaxed };\n"
		"	memory_scope sc[4] = { memory_scope_work_group,\n"
		"		memory_scope_device, memory_scope_all_svm_devices,\n"
		"		memory_scope_all_devices };\n"
		"	add_gen(&a[0], 1, ord[id & 3], sc[(id >> 2) & 3]);\n"
		"	atomic_fetch_add(&a[1], 3);\n"
		"	atomic_fetch_sub_explicit(&a[2], 1, memory_order_release,\n"
		"				  memory_scope_device);\n"
		"	atomic_fetch_max_explicit(&a[3], (int)id,\n"
		"				  memory_order_acquire);\n"
		"	atomic_fetch_add_explicit(&b[0], 1L << 33,\n"
		"		memory_order_seq_cst, memory_scope_all_svm_devices);\n"
		"	atomic_fetch_or(&b[1], 1L << (id & 63));\n"
		"	long e = atomic_load_explicit(&b[2], memory_order_acquire);\n"
		"	while (!atomic_compare_exchange_weak_explicit(&b[2], &e, e + 5,\n"
		"		memory_order_acq_rel, memory_order_relaxed,\n"
		"		memory_scope_all_svm_devices))\n"
		"		;\n"
		"	int x = atomic_load(&a[4]);\n"
		"	while (!atomic_compare_exchange_strong(&a[4], &x, x + 1))\n"
		"		;\n"
		"	atomic_store_explicit(&a[5], 9, memory_order_release,\n"
		"			      memory_scope_device);\n"
		"	o[id] = atomic_exchange(&a[6], (int)id) >= 0;\n"
		"	atomic_work_item_fence(CLK_GLOBAL_MEM_FENCE,\n"
		"			       memory_order_seq_cst, memory_scope_device);\n"
		"}\n";
	int *a = svm(8 * sizeof(int)), *o = svm(ITEMS * sizeof(int));
	int64_t *b = svm(4 * sizeof(int64_t));

	for (const char *std = "-cl-std=CL2.0"; std;
	     std = strcmp(std, "-cl-std=CL2.0") ? NULL : "-cl-std=CL3.0") {
		memset(a, 0, 8 * sizeof(int));
		memset(b, 0, 4 * sizeof(int64_t));
		a[2] = ITEMS;
		run_src(src, std, "c", ITEMS, 3, a, b, o);
		assert_int_equal(a[0], ITEMS);
		assert_int_equal(a[1], 3 * ITEMS);
		assert_int_equal(a[2], 0);
		assert_int_equal(a[3], ITEMS - 1);
		assert_int_equal(a[4], ITEMS);
		assert_int_equal(a[5], 9);
		assert_true(a[6] >= 0 && a[6] < ITEMS);
		assert_true(b[0] == (int64_t)ITEMS << 33);
		assert_true(b[1] == -1);
		assert_true(b[2] == 5 * ITEMS);
		for (int k = 0; k < ITEMS; k++)
			assert_int_equal(o[k], 1);
	}
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, b);
	clSVMFree(E.ctx, o);
}

/* atomic_flag as a spin lock around a plain read-modify-write. */
static void test_atomic_flag(void **state)
{
	const char *src =
		"kernel void f(global atomic_flag *lock, global int *n)\n"
		"{\n"
		"	while (atomic_flag_test_and_set_explicit(lock,\n"
		"		memory_order_acquire, memory_scope_device))\n"
		"		;\n"
		"	n[0] = n[0] + 1;\n"
		"	atomic_flag_clear_explicit(lock, memory_order_release,\n"
		"				   memory_scope_device);\n"
		"}\n";
	int *lock = svm(sizeof(int)), *n = svm(sizeof(int));

	run_src(src, "-cl-std=CL3.0", "f", ITEMS, 2, lock, n, NULL);
	assert_int_equal(*n, ITEMS);
	assert_int_equal(*lock, 0);
	clSVMFree(E.ctx, lock);
	clSVMFree(E.ctx, n);
}

/* --- host and device at the same time ------------------------------------ */

#define HOST_THREADS 2
#define HOST_ITERS 200000
#define DEV_ITEMS 2048
#define DEV_ITERS 200

struct racer {
	_Atomic int64_t *counters;
	_Atomic int *started;
	_Atomic int *device_seen;	/* device progress seen by the host */
};

static void *host_racer(void *arg)
{
	struct racer *r = arg;

	atomic_fetch_add(r->started, 1);
	for (int i = 0; i < HOST_ITERS; i++) {
		atomic_fetch_add(&r->counters[i & 3], 1);
		atomic_fetch_add_explicit(&r->counters[4], 2,
					  memory_order_relaxed);
		if (atomic_load(&r->counters[5]))
			atomic_store(r->device_seen, 1);
	}
	return NULL;
}

static void test_host_device_atomics(void **state)
{
	const char *src =
		"kernel void race(global atomic_long *c)\n"
		"{\n"
		"	for (int i = 0; i < 200; i++) {\n"
		"		atomic_fetch_add_explicit(&c[(get_global_id(0) + i) & 3],\n"
		"			1, memory_order_seq_cst,\n"
		"			memory_scope_all_svm_devices);\n"
		"		atomic_fetch_add_explicit(&c[4], 2,\n"
		"			memory_order_relaxed,\n"
		"			memory_scope_all_svm_devices);\n"
		"	}\n"
		"	atomic_store_explicit(&c[5], 1, memory_order_release,\n"
		"			      memory_scope_all_svm_devices);\n"
		"}\n";
	cl_device_svm_capabilities caps;
	_Atomic int started = 0, device_seen = 0;
	struct racer r;
	pthread_t th[HOST_THREADS];
	cl_program p;
	int64_t *c, total = 0;

	assert_int_equal(clGetDeviceInfo(E.dev, CL_DEVICE_SVM_CAPABILITIES,
					 sizeof(caps), &caps, NULL),
			 CL_SUCCESS);
	assert_true(caps & CL_DEVICE_SVM_ATOMICS);
	c = clSVMAlloc(E.ctx, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER |
		       CL_MEM_SVM_ATOMICS, 8 * sizeof(int64_t), 0);
	assert_non_null(c);
	memset(c, 0, 8 * sizeof(int64_t));
	p = build(src, "-cl-std=CL3.0");
	r.counters = (_Atomic int64_t *)c;
	r.started = &started;
	r.device_seen = &device_seen;
	for (int i = 0; i < HOST_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, host_racer, &r), 0);
	while (atomic_load(&started) < HOST_THREADS)
		;
	/* the kernel runs while the host threads add */
	assert_int_equal(run_kernel(p, "race", DEV_ITEMS, 1, c), CL_SUCCESS);
	for (int i = 0; i < HOST_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		total += c[i];
	assert_true(total == (int64_t)HOST_THREADS * HOST_ITERS +
			     (int64_t)DEV_ITEMS * DEV_ITERS);
	assert_true(c[4] == 2 * total);
	assert_true(c[5] == 1);
	clReleaseProgram(p);
	clSVMFree(E.ctx, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomics_1x),
		cmocka_unit_test(test_atomics_c11),
		cmocka_unit_test(test_atomic_flag),
		cmocka_unit_test(test_host_device_atomics),
	};

	return cmocka_run_group_tests(tests, clc_setup, clc_teardown);
}
