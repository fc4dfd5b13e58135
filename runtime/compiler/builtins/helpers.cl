/* SPDX-License-Identifier: MIT */
/*
 * helpers.cl - the hand-written part of svmcl's built-in library.
 *
 * gen_builtins.py puts this after the host-function declarations and
 * before the generated families, which call the __clcb_* helpers below.
 * Host functions (__svmcl_host_<libm name>) are bound by clc_builtins.c to
 * the process's libm; everything else here is plain OpenCL C.
 *
 * Helpers are static: they are internal to the library and never named
 * by a kernel. Their names avoid the __svmcl_ prefix, which the compiler
 * reserves for its own helpers (clc_is_kernel_helper()).
 */

/* x - floor(x), never 1.0 (the largest float below 1 instead). */
static float OVL __clcb_fract(float x, __private float *ip)
{
	float fl = __builtin_floorf(x);

	*ip = fl;
	if (isnan(x))
		return x;
	if (isinf(x))
		return __builtin_copysignf(0.0f, x);
	return __builtin_fminf(x - fl, 0x1.fffffep-1f);
}

static double OVL __clcb_fract(double x, __private double *ip)
{
	double fl = __builtin_floor(x);

	*ip = fl;
	if (isnan(x))
		return x;
	if (isinf(x))
		return __builtin_copysign(0.0, x);
	return __builtin_fmin(x - fl, 0x1.fffffffffffffp-1);
}

/*
 * sinpi/cospi/tanpi: reduce x exactly to r in [-1, 1] (x - 2 * rint(x / 2)
 * is exact in binary floating point), then fold r into [0, 1/4] so that
 * the argument of sin/cos is never near a zero of the result.
 */
static double __clcb_reduce2(double x)
{
	return x - 2.0 * __builtin_rint(x * 0.5);
}

static double __clcb_sinpi(double x)
{
	double r, a, s;

	if (isinf(x) || isnan(x))
		return NAN;
	if (__builtin_fabs(x) >= 0x1p52)
		return __builtin_copysign(0.0, x);
	r = __clcb_reduce2(x);
	a = __builtin_fabs(r);
	if (a <= 0.25)
		s = __svmcl_host_sin(M_PI * a);
	else if (a <= 0.75)
		s = __svmcl_host_cos(M_PI * (0.5 - a));
	else
		s = __svmcl_host_sin(M_PI * (1.0 - a));
	if (s == 0.0)
		return __builtin_copysign(0.0, x);
	return r < 0 ? -s : s;
}

static double __clcb_cospi(double x)
{
	double a;

	if (isinf(x) || isnan(x))
		return NAN;
	if (__builtin_fabs(x) >= 0x1p53)
		return 1.0;
	a = __builtin_fabs(__clcb_reduce2(x));
	if (a <= 0.25)
		return __svmcl_host_cos(M_PI * a);
	if (a < 0.5)
		return __svmcl_host_sin(M_PI * (0.5 - a));
	if (a == 0.5)
		return 0.0;
	if (a <= 0.75)
		return -__svmcl_host_sin(M_PI * (a - 0.5));
	return -__svmcl_host_cos(M_PI * (1.0 - a));
}

static double __clcb_tanpi(double x)
{
	double s = __clcb_sinpi(x), c = __clcb_cospi(x);

	if (c == 0.0) {
		/* odd multiples of 1/2: +inf for 1/2 + 2k, -inf for 3/2 + 2k */
		double r = __clcb_reduce2(x);

		return (r > 0) == (__builtin_fabs(r) < 1.0) ? INFINITY : -INFINITY;
	}
	return s / c;
}

/* powr: pow for x >= 0 only (OpenCL C 3.0 table "powr"). */
static double __clcb_powr(double x, double y)
{
	if (x < 0 || isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && y == 0)
		return NAN;
	if (isinf(x) && y == 0)
		return NAN;
	if (x == 1 && isinf(y))
		return NAN;
	return __svmcl_host_pow(x, y);
}

static double __clcb_rootn(double x, int n)
{
	double r;

	if (n == 0 || isnan(x))
		return NAN;
	if (x < 0 && !(n & 1))
		return NAN;
	if (x == 0)
		return n > 0 ? x : (n & 1) ? __builtin_copysign(INFINITY, x)
					   : INFINITY;
	r = __svmcl_host_pow(__builtin_fabs(x), 1.0 / (double)n);
	return x < 0 ? -r : r;
}

/* High 64 bits of the 128-bit product, from 32-bit halves. */
static ulong __clcb_mulhu64(ulong a, ulong b)
{
	ulong al = a & 0xffffffffUL, ah = a >> 32;
	ulong bl = b & 0xffffffffUL, bh = b >> 32;
	ulong ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	ulong mid = (ll >> 32) + (lh & 0xffffffffUL) + (hl & 0xffffffffUL);

	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* --- half <-> float: bit patterns, every rounding mode -------------------- */

static float __clcb_half_to_float(ushort h)
{
	uint sign = (uint)(h & 0x8000) << 16;
	uint e = (h >> 10) & 0x1f, m = h & 0x3ff;
	float v;

	if (e == 0x1f)
		return as_float(sign | 0x7f800000u | (m << 13));
	if (e == 0)
		v = (float)m * 0x1p-24f;	/* exact: 10 significant bits */
	else
		return as_float(sign | ((e + 112) << 23) | (m << 13));
	return sign ? -v : v;
}

/*
 * @mode: 0 to nearest even, 1 toward zero, 2 toward +inf, 3 toward -inf.
 * The magnitude is scaled by the half quantum of its binade (a power of
 * two, so exactly), rounded to an integer, and scaled back.
 */
static ushort __clcb_to_half(double x, int mode)
{
	ushort sign = as_ulong(x) >> 63 ? 0x8000 : 0;
	double a = __builtin_fabs(x), q, t, h;
	int e, up;

	if (isnan(x))
		return sign | 0x7e00;
	if (isinf(x))
		return sign | 0x7c00;
	if (a == 0)
		return sign;
	e = (int)((as_ulong(a) >> 52) & 0x7ff) - 1023;
	q = as_double((ulong)((e - 10 > -24 ? e - 10 : -24) + 1023) << 52);
	t = a / q;
	/* magnitude rounding: up when the mode points away from zero */
	up = (mode == 2 && !sign) || (mode == 3 && sign);
	if (mode == 0)
		t = __builtin_rint(t);
	else if (up)
		t = __builtin_ceil(t);
	else
		t = __builtin_trunc(t);
	h = t * q;
	if (h > 65504.0) {
		if (mode == 0 || up)
			return sign | 0x7c00;
		return sign | 0x7bff;
	}
	if (h < 0x1p-14)
		return sign | (ushort)(h * 0x1p24);
	e = (int)((as_ulong(h) >> 52) & 0x7ff) - 1023;
	return sign | (ushort)((e + 15) << 10) |
	       (ushort)(h * as_double((ulong)(10 - e + 1023) << 52) - 1024.0);
}

/* --- synchronisation ----------------------------------------------------- */

/*
 * One compute unit runs a work-group's items in program order on one CPU
 * thread, and other units are other threads: a sequentially consistent
 * fence orders memory for every scope and address space.
 */
void OVL mem_fence(cl_mem_fence_flags flags)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void OVL read_mem_fence(cl_mem_fence_flags flags)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

void OVL write_mem_fence(cl_mem_fence_flags flags)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

void OVL atomic_work_item_fence(cl_mem_fence_flags flags, memory_order order,
				memory_scope scope)
{
	if (order != memory_order_relaxed)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
