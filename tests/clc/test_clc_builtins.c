/* SPDX-License-Identifier: MIT */
/*
 * The built-in function families against host references: math (float
 * and double, within the OpenCL C 3.0 ULP bounds, edge cases included),
 * integer, conversions (saturation and rounding modes), common,
 * geometric, relational, vector load/store (half too), shuffle, select.
 */
#include "clc_util.h"

static const float finputs[] = {
	0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 0.25f, 2.0f, 3.14159265f,
	-2.7182817f, 10.0f, -10.0f, 100.5f, 1e-3f, 1e-20f, 1e-40f, 1e10f,
	-1e10f, 1e30f, 88.0f, -87.0f, 0.999f, 1.001f, 7.25f, 1234.5678f,
	INFINITY, -INFINITY, NAN,
};
#define NF ARRAY_SIZE(finputs)

struct math_case {
	const char *name;	/* OpenCL C expression in x (and y = x / 3 + 1) */
	double (*ref)(double, double);
	double ulps;		/* OpenCL C 3.0 table 6.15.2.2 (float) */
};

#define REF1(fn) \
	static double ref_##fn(double x, double y) { return fn(x); }
#define REF2(fn) \
	static double ref_##fn(double x, double y) { return fn(x, y); }
REF1(sin) REF1(cos) REF1(tan) REF1(exp) REF1(exp2) REF1(log) REF1(log2)
REF1(log10) REF1(sqrt) REF1(cbrt) REF1(atan) REF1(asin) REF1(acos)
REF1(sinh) REF1(cosh) REF1(tanh) REF1(erf) REF1(erfc) REF1(expm1)
REF1(log1p) REF1(floor) REF1(ceil) REF1(trunc) REF1(round) REF1(rint)
REF1(fabs) REF1(asinh) REF1(logb) REF2(pow) REF2(atan2) REF2(hypot)
REF2(fmod) REF2(fmin) REF2(fmax) REF2(copysign) REF2(fdim)
REF2(remainder)
static double ref_exp10(double x, double y) { return pow(10.0, x); }
static double ref_rsqrt(double x, double y) { return 1.0 / sqrt(x); }
static double ref_sinpi(double x, double y)
{
	double r = fmod(x, 2.0);

	return isinf(x) ? NAN : fabs(x) >= 0x1p23 ? copysign(0.0, x) :
	       (r == 0 || r == 1 || r == -1) ? copysign(0.0, x) * (r < 0 ? -1 : 1)
					     : sin(M_PI * r);
}
static double ref_cospi(double x, double y)
{
	double r = fmod(fabs(x), 2.0);

	return isinf(x) ? NAN : (r == 0.5 || r == 1.5) ? 0.0 : cos(M_PI * r);
}
static double ref_fract(double x, double y)
{
	return isnan(x) ? x : isinf(x) ? copysign(0.0, x) :
	       fmin(x - floor(x), 0x1.fffffep-1);
}
static double ref_mad(double x, double y) { return x * y + x; }
static double ref_acospi(double x, double y) { return acos(x) / M_PI; }

static const struct math_case fcases[] = {
	{ "sin(x)", ref_sin, 4 }, { "cos(x)", ref_cos, 4 },
	{ "tan(x)", ref_tan, 5 }, { "exp(x)", ref_exp, 3 },
	{ "exp2(x)", ref_exp2, 3 }, { "exp10(x)", ref_exp10, 3 },
	{ "log(x)", ref_log, 3 }, { "log2(x)", ref_log2, 3 },
	{ "log10(x)", ref_log10, 3 }, { "sqrt(x)", ref_sqrt, 3 },
	{ "cbrt(x)", ref_cbrt, 2 }, { "atan(x)", ref_atan, 5 },
	{ "asin(x)", ref_asin, 4 }, { "acos(x)", ref_acos, 4 },
	{ "sinh(x)", ref_sinh, 4 }, { "cosh(x)", ref_cosh, 4 },
	{ "tanh(x)", ref_tanh, 5 }, { "erf(x)", ref_erf, 16 },
	{ "erfc(x)", ref_erfc, 16 }, { "expm1(x)", ref_expm1, 3 },
	{ "log1p(x)", ref_log1p, 2 }, { "floor(x)", ref_floor, 0 },
	{ "ceil(x)", ref_ceil, 0 }, { "trunc(x)", ref_trunc, 0 },
	{ "round(x)", ref_round, 0 }, { "rint(x)", ref_rint, 0 },
	{ "fabs(x)", ref_fabs, 0 }, { "asinh(x)", ref_asinh, 4 },
	{ "logb(x)", ref_logb, 0 }, { "pow(x, y)", ref_pow, 16 },
	{ "atan2(x, y)", ref_atan2, 6 }, { "hypot(x, y)", ref_hypot, 4 },
	{ "fmod(x, y)", ref_fmod, 0 }, { "fmin(x, y)", ref_fmin, 0 },
	{ "fmax(x, y)", ref_fmax, 0 }, { "copysign(x, y)", ref_copysign, 0 },
	{ "fdim(x, y)", ref_fdim, 0 }, { "remainder(x, y)", ref_remainder, 0 },
	{ "rsqrt(x)", ref_rsqrt, 2 }, { "sinpi(x)", ref_sinpi, 4 },
	{ "cospi(x)", ref_cospi, 4 }, { "fract(x, &t)", ref_fract, 0 },
	{ "mad(x, y, x)", ref_mad, INFINITY }, { "acospi(x)", ref_acospi, 5 },
	{ "half_sin(x)", ref_sin, 8192 }, { "native_exp(x)", ref_exp, 8192 },
};

/* One kernel per family, every case over every input; vector forms too. */
static void test_math_float(void **state)
{
	size_t nc = ARRAY_SIZE(fcases), off = 0;
	size_t cap = 64 * 1024;
	char *src = malloc(cap);
	float *x = svm(NF * sizeof(float));
	float *out = svm(NF * nc * sizeof(float));
	float *vout = svm(NF * nc * sizeof(float));

	off += (size_t)snprintf(src + off, cap - off,
		"kernel void m(global const float *in, global float *o,"
		" global float *vo)\n{\n size_t i = get_global_id(0);\n"
		" float x = in[i], y = x / 3 + 1, t;\n"
		" float4 x4 = (float4)(x), y4 = x4 / 3 + 1, t4;\n"
		" (void)t; (void)t4; (void)y4;\n");
	for (size_t c = 0; c < nc; c++) {
		char vexpr[64];
		const char *p;
		size_t k = 0;

		/* the same expression on float4, lane 2 kept */
		for (p = fcases[c].name; *p && k + 3 < sizeof(vexpr); p++) {
			vexpr[k++] = *p;
			if ((*p == 'x' || *p == 'y' || *p == 't') &&
			    (p[1] == ')' || p[1] == ',' || p[1] == ' '))
				vexpr[k++] = '4';
		}
		vexpr[k] = 0;
		off += (size_t)snprintf(src + off, cap - off,
					" o[i * %zu + %zu] = %s;\n"
					" vo[i * %zu + %zu] = (%s).s2;\n",
					nc, c, fcases[c].name, nc, c, vexpr);
	}
	snprintf(src + off, cap - off, "}\n");
	memcpy(x, finputs, sizeof(finputs));
	run_src(src, NULL, "m", NF, 3, x, out, vout);

	for (size_t i = 0; i < NF; i++) {
		for (size_t c = 0; c < nc; c++) {
			double xx = finputs[i], yy = (double)(finputs[i] / 3 + 1);
			double ref = fcases[c].ref(xx, yy);
			float got = out[i * nc + c];
			double e = ulps_float(got, ref);

			if (isinf(fcases[c].ulps))
				continue;	/* mad: any accuracy, checked below */
			/* 0: correctly rounded, which is half an ulp */
			if (!(e <= fmax(fcases[c].ulps, 0.5)))
				fail_msg("%s with x = %a: got %a, want %a "
					 "(%.1f ulp > %.0f)", fcases[c].name,
					 (double)finputs[i], (double)got, ref, e,
					 fcases[c].ulps);
			if (memcmp(&got, &vout[i * nc + c], sizeof(got)) &&
			    !(isnan(got) && isnan(vout[i * nc + c])))
				fail_msg("%s on float4 differs at x = %a",
					 fcases[c].name, (double)finputs[i]);
		}
	}
	free(src);
	clSVMFree(E.ctx, x);
	clSVMFree(E.ctx, out);
	clSVMFree(E.ctx, vout);
}

static void test_math_double(void **state)
{
	const char *src =
		"kernel void d(global const double *in, global double *o)\n"
		"{\n"
		"	size_t i = get_global_id(0);\n"
		"	double x = in[i];\n"
		"	int e;\n"
		"	o[i * 8 + 0] = sin(x);\n"
		"	o[i * 8 + 1] = exp(x);\n"
		"	o[i * 8 + 2] = log(x);\n"
		"	o[i * 8 + 3] = pow(x, 1.5);\n"
		"	o[i * 8 + 4] = sqrt(x);\n"
		"	o[i * 8 + 5] = sinpi(x);\n"
		"	o[i * 8 + 6] = frexp(x, &e) + e;\n"
		"	o[i * 8 + 7] = fma(x, x, -1.0);\n"
		"}\n";
	static const double in[] = { 0.5, 1.0, 2.0, 3.25, 100.0, 1e-300,
				     1e300, -0.0, 0.125, 0.75 };
	double *x = svm(sizeof(in)), *o = svm(8 * sizeof(in));

	memcpy(x, in, sizeof(in));
	run_src(src, "-cl-std=CL3.0", "d", ARRAY_SIZE(in), 2, x, o, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		long double v = in[i];
		int e;
		long double fr = frexpl(v, &e);
		long double sp = fmodl(v, 2.0L);
		long double ref[8] = {
			sinl(v), expl(v), logl(v), powl(v, 1.5L), sqrtl(v),
			(sp == 0 || sp == 1) ? 0.0L : sinl(3.14159265358979323846264338L * sp),
			fr + e, fmal(v, v, -1.0L),
		};
		double bound[8] = { 4, 3, 3, 16, 0.5, 4, 0.5, 0.5 };

		for (int k = 0; k < 8; k++) {
			double err = ulps_double(o[i * 8 + k], ref[k]);

			if (k == 5 && ref[k] == 0 && o[i * 8 + k] == 0)
				continue;
			if (!(err <= bound[k]))
				fail_msg("double case %d x = %a: got %a (%.1f ulp)",
					 k, in[i], o[i * 8 + k], err);
		}
	}
	clSVMFree(E.ctx, x);
	clSVMFree(E.ctx, o);
}

static int64_t sat64(__int128 v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int64_t)v;
}

static void test_integer(void **state)
{
	const char *src =
		"kernel void n(global const long *in, global long *o)\n"
		"{\n"
		"	size_t i = get_global_id(0);\n"
		"	long a = in[i], b = in[(i + 3) % 16], c = in[(i + 7) % 16];\n"
		"	int ia = (int)a, ib = (int)b, ic = (int)c;\n"
		"	o[i * 16 + 0] = mad_sat(ia, ib, ic);\n"
		"	o[i * 16 + 1] = mad_sat(a, b, c);\n"
		"	o[i * 16 + 2] = (long)mad_sat((ulong)a, (ulong)b, (ulong)c);\n"
		"	o[i * 16 + 3] = rotate((uint)ia, (uint)ib);\n"
		"	o[i * 16 + 4] = rotate((uchar)ia, (uchar)ib);\n"
		"	o[i * 16 + 5] = clz(ia);\n"
		"	o[i * 16 + 6] = clz(a);\n"
		"	o[i * 16 + 7] = popcount(a);\n"
		"	o[i * 16 + 8] = add_sat((char)ia, (char)ib);\n"
		"	o[i * 16 + 9] = sub_sat((ushort)ia, (ushort)ib);\n"
		"	o[i * 16 + 10] = mul_hi(a, b);\n"
		"	o[i * 16 + 11] = (long)mul_hi((ulong)a, (ulong)b);\n"
		"	o[i * 16 + 12] = abs_diff(ia, ib);\n"
		"	o[i * 16 + 13] = rhadd(ia, ib);\n"
		"	o[i * 16 + 14] = upsample((short)ia, (ushort)ib);\n"
		"	o[i * 16 + 15] = popcount((int4)(ia)).s3 + ctz(ia) * 100;\n"
		"}\n";
	static const int64_t in[16] = {
		0, 1, -1, 7, 123456789, -987654321, INT32_MAX, INT32_MIN,
		INT64_MAX, INT64_MIN, 0x123456789abcdefll, -0x7edcba9876543210ll,
		255, 65535, 1ll << 40, -(1ll << 33) + 5,
	};
	int64_t *x = svm(sizeof(in)), *o = svm(16 * sizeof(in));

	memcpy(x, in, sizeof(in));
	run_src(src, "-cl-std=CL2.0", "n", 16, 2, x, o, NULL);
	for (int i = 0; i < 16; i++) {
		int64_t a = in[i], b = in[(i + 3) % 16], c = in[(i + 7) % 16];
		int32_t ia = (int32_t)a, ib = (int32_t)b, ic = (int32_t)c;
		uint64_t ua = (uint64_t)a, ub = (uint64_t)b, uc = (uint64_t)c;
		unsigned __int128 up = (unsigned __int128)ua * ub + uc;
		uint32_t r = (uint32_t)ib & 31;
		uint8_t ca = (uint8_t)ia, r8 = (uint8_t)ib & 7;
		int64_t want[16] = {
			sat64((__int128)ia * ib + ic, INT32_MIN, INT32_MAX),
			sat64((__int128)a * b + c, INT64_MIN, INT64_MAX),
			(int64_t)(up >> 64 ? UINT64_MAX : (uint64_t)up),
			r ? ((uint32_t)ia << r | (uint32_t)ia >> (32 - r)) : (uint32_t)ia,
			(uint8_t)(r8 ? (ca << r8 | ca >> (8 - r8)) : ca),
			ia ? __builtin_clz((uint32_t)ia) : 32,
			a ? __builtin_clzll((uint64_t)a) : 64,
			__builtin_popcountll((uint64_t)a),
			sat64((int8_t)ia + (int8_t)ib, -128, 127),
			(uint16_t)ia > (uint16_t)ib ? (uint16_t)ia - (uint16_t)ib : 0,
			(int64_t)(((__int128)a * b) >> 64),
			(int64_t)(uint64_t)(((unsigned __int128)ua * ub) >> 64),
			(uint32_t)(ia > ib ? (int64_t)ia - ib : (int64_t)ib - ia),
			(int32_t)(((int64_t)ia + ib + 1) >> 1),
			(int32_t)((uint32_t)(uint16_t)(int16_t)ia << 16 |
				  (uint16_t)ib),
			__builtin_popcount((uint32_t)ia) +
				(ia ? __builtin_ctz((uint32_t)ia) : 32) * 100,
		};

		want[14] = (int32_t)((int32_t)(int16_t)ia * 65536 +
				     (uint16_t)ib);
		for (int k = 0; k < 16; k++)
			if (o[i * 16 + k] != want[k])
				fail_msg("integer case %d, input %d: got %lld, "
					 "want %lld", k, i,
					 (long long)o[i * 16 + k],
					 (long long)want[k]);
	}
	clSVMFree(E.ctx, x);
	clSVMFree(E.ctx, o);
}

static void test_conversions(void **state)
{
	const char *src =
		"kernel void c(global int *o, global float *f)\n"
		"{\n"
		"	o[0] = convert_int_sat(3e9f);\n"
		"	o[1] = convert_int_sat(-3e9f);\n"
		"	o[2] = convert_int_sat(NAN);\n"
		"	o[3] = convert_uchar_sat(300);\n"
		"	o[4] = convert_uchar_sat(-5);\n"
		"	o[5] = convert_char_sat(200u);\n"
		"	o[6] = convert_int_rte(2.5f);\n"
		"	o[7] = convert_int_rte(3.5f);\n"
		"	o[8] = convert_int_rtn(-2.5f);\n"
		"	o[9] = convert_int_rtp(-2.5f);\n"
		"	o[10] = convert_int(-2.7f);\n"
		"	o[11] = convert_ushort_sat_rtp(65534.2f);\n"
		"	o[12] = (int)convert_uint_sat(-1.0f);\n"
		"	o[13] = (int)(convert_ulong_sat(1e30) == ULONG_MAX);\n"
		"	o[14] = (int)(convert_long_sat_rtn(-9.3e18f) == LONG_MIN);\n"
		"	int4 v = convert_int4_sat((float4)(1e10f, -1e10f, 1.5f, -1.5f));\n"
		"	o[15] = v.x; o[16] = v.y; o[17] = v.z; o[18] = v.w;\n"
		"	char4 c4 = convert_char4_sat((int4)(1000, -1000, 5, -5));\n"
		"	o[19] = c4.x; o[20] = c4.y; o[21] = c4.z; o[22] = c4.w;\n"
		"	f[0] = convert_float_rtz(16777217);\n"
		"	f[1] = convert_float_rtp(16777217);\n"
		"	f[2] = convert_float_rtn(-16777217);\n"
		"	f[3] = convert_float(16777219);\n"
		"	f[4] = convert_float_rtz((long)0x7fffffffffffffffL);\n"
		"	f[5] = convert_float_rtp(1.0 + 0x1p-40);\n"
		"	f[6] = convert_float_rtn(1.0 + 0x1p-40);\n"
		"	f[7] = convert_float_rtz(-(1.0 + 0x1p-40));\n"
		"	f[8] = convert_float_rtp(0xffffffffffffffffUL);\n"
		"}\n";
	static const int want[] = {
		INT32_MAX, INT32_MIN, 0, 255, 0, 127, 2, 4, -3, -2, -2, 65535,
		0, 1, 1, INT32_MAX, INT32_MIN, 1, -1, 127, -128, 5, -5,
	};
	const float fwant[] = {
		16777216.0f, 16777218.0f, -16777218.0f, 16777220.0f,
		0x1.fffffep62f, 0x1.000002p0f, 1.0f, -1.0f, 0x1p64f,
	};
	int *o = svm(sizeof(want));
	float *f = svm(sizeof(fwant));

	run_src(src, NULL, "c", 1, 2, o, f, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (o[i] != want[i])
			fail_msg("conversion %zu: got %d want %d", i, o[i],
				 want[i]);
	for (size_t i = 0; i < ARRAY_SIZE(fwant); i++)
		if (f[i] != fwant[i])
			fail_msg("float conversion %zu: got %a want %a", i,
				 (double)f[i], (double)fwant[i]);
	clSVMFree(E.ctx, o);
	clSVMFree(E.ctx, f);
}

static void test_common_geometric_relational(void **state)
{
	const char *src =
		"kernel void g(global float *f, global int *o)\n"
		"{\n"
		"	f[0] = clamp(5.0f, 1.0f, 3.0f);\n"
		"	f[1] = mix(2.0f, 4.0f, 0.25f);\n"
		"	f[2] = step(1.0f, 0.5f) + step(1.0f, 2.0f) * 10;\n"
		"	f[3] = smoothstep(0.0f, 2.0f, 1.0f);\n"
		"	f[4] = sign(-3.0f) + degrees((float)M_PI);\n"
		"	f[5] = dot((float4)(1, 2, 3, 4), (float4)(5, 6, 7, 8));\n"
		"	float3 c = cross((float3)(1, 0, 0), (float3)(0, 1, 0));\n"
		"	f[6] = c.x * 100 + c.y * 10 + c.z;\n"
		"	f[7] = length((float2)(3e30f, 4e30f));\n"
		"	f[8] = normalize((float2)(0, 5)).y;\n"
		"	f[9] = distance((float3)(1, 1, 1), (float3)(4, 5, 1));\n"
		"	int4 n = isnan((float4)(NAN, 1, INFINITY, -NAN));\n"
		"	o[0] = n.x; o[1] = n.y; o[2] = n.z; o[3] = n.w;\n"
		"	o[4] = isinf(-INFINITY) + signbit(-0.0f) * 10;\n"
		"	int4 s = signbit((float4)(-1, 1, -0.0f, 0));\n"
		"	o[5] = s.x + s.y * 10 + s.z * 100 + s.w * 1000;\n"
		"	int4 sel = select((int4)(1, 2, 3, 4), (int4)(5, 6, 7, 8),\n"
		"			  (int4)(-1, 0, 0x80000000, 1));\n"
		"	o[6] = sel.x * 1000 + sel.y * 100 + sel.z * 10 + sel.w;\n"
		"	o[7] = bitselect(0x0f0f, 0x3333, 0x00ff);\n"
		"	o[8] = any((int4)(0, 0, -1, 0)) * 10 + all((int4)(-1, -1, 1, -1));\n"
		"	o[9] = isgreater(2.0f, 1.0f) + isless(NAN, 1.0f) * 10 +\n"
		"	       isunordered(NAN, 1.0f) * 100;\n"
		"	double2 d = (double2)(1.0, NAN);\n"
		"	long2 dn = isnan(d);\n"
		"	o[10] = (int)dn.x * 10 + (int)dn.y;\n"
		"	o[11] = select(7, 9, 1) + select(7, 9, 0) * 100;\n"
		"}\n";
	float *f = svm(16 * sizeof(float));
	int *o = svm(16 * sizeof(int));
	const float fwant[] = { 3, 2.5f, 10, 0.5f, 179.0f, 70, 1, 5e30f, 1, 5 };
	const int want[] = { -1, 0, 0, -1, 11, -101, 5274, 0x0f33, 10, 101, -1,
			     709 };

	run_src(src, "-cl-std=CL3.0", "g", 1, 2, f, o, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(fwant); i++)
		if (ulps_float(f[i], fwant[i]) > 4)
			fail_msg("common/geometric %zu: got %a want %a", i,
				 (double)f[i], (double)fwant[i]);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (o[i] != want[i])
			fail_msg("relational %zu: got %d want %d", i, o[i],
				 want[i]);
	clSVMFree(E.ctx, f);
	clSVMFree(E.ctx, o);
}

static void test_vload_vstore(void **state)
{
	const char *src =
		"kernel void v(global float *f, global half *h, global int *o)\n"
		"{\n"
		"	float4 a = vload4(1, f);\n"
		"	vstore4(a * 2, 2, f);\n"
		"	float3 b = vload3(0, f + 1);\n"
		"	o[0] = (int)(b.x + b.y * 10 + b.z * 100);\n"
		"	vstore_half(1.0f, 0, h);\n"
		"	vstore_half(65504.0f, 1, h);\n"
		"	vstore_half_rte(65520.0f, 2, h);\n"
		"	vstore_half_rtz(65520.0f, 3, h);\n"
		"	vstore_half_rtz(1.0f / 3, 4, h);\n"
		"	vstore_half_rtp(1.0f / 3, 5, h);\n"
		"	vstore_half(0x1p-24f, 6, h);\n"
		"	vstore_half_rtn(-0x1p-30f, 7, h);\n"
		"	vstore_half4((float4)(0.5f, -2, NAN, INFINITY), 2, h);\n"
		"	float4 back = vload_half4(2, h);\n"
		"	o[1] = (int)(back.x * 10) + (int)back.y * 100;\n"
		"	o[2] = isnan(back.z) + isinf(back.w) * 10;\n"
		"	o[3] = (int)(vload_half(1, h));\n"
		"	vstorea_half3((float3)(1, 2, 3), 1, h + 16);\n"
		"	o[4] = (int)vloada_half3(1, h + 16).z;\n"
		"	double2 d = (double2)(0.1, 3.0);\n"
		"	vstore_half2_rtz(d, 12, h);\n"
		"}\n";
	float *f = svm(16 * sizeof(float));
	uint16_t *h = svm(64 * sizeof(uint16_t));
	int *o = svm(8 * sizeof(int));

	for (int i = 0; i < 16; i++)
		f[i] = (float)i;
	run_src(src, NULL, "v", 1, 3, f, h, o);
	for (int i = 0; i < 4; i++)
		assert_true(f[8 + i] == 2.0f * (float)(4 + i));
	assert_int_equal(o[0], 1 + 20 + 300);
	assert_int_equal(h[0], 0x3c00);
	assert_int_equal(h[1], 0x7bff);
	assert_int_equal(h[2], 0x7c00);
	assert_int_equal(h[3], 0x7bff);
	assert_int_equal(h[4], 0x3555);
	assert_int_equal(h[5], 0x3556);
	assert_int_equal(h[6], 0x0001);
	assert_int_equal(h[7], 0x8001);
	assert_int_equal(h[8], 0x3800);
	assert_int_equal(h[9], 0xc000);
	assert_int_equal(h[10] & 0x7c00, 0x7c00);
	assert_true(h[10] & 0x3ff);
	assert_int_equal(h[11], 0x7c00);
	assert_int_equal(o[1], 5 - 200);
	assert_int_equal(o[2], 11);
	assert_int_equal(o[3], 65504);
	assert_int_equal(h[16 + 4 + 2], 0x4200);
	assert_int_equal(o[4], 3);
	assert_int_equal(h[24], 0x2e66);	/* 0.1 toward zero */
	assert_int_equal(h[25], 0x4200);
	clSVMFree(E.ctx, f);
	clSVMFree(E.ctx, h);
	clSVMFree(E.ctx, o);
}

static void test_vload_generic(void **state)
{
	const char *src =
		"kernel void v(global int *g)\n"
		"{\n"
		"	int p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };\n"
		"	int *gen = get_global_id(0) ? (int *)p : (int *)g;\n"
		"	int4 a = vload4(1, gen);\n"
		"	vstore4(a + 1, 0, g + 8 + 4 * get_global_id(0));\n"
		"}\n";
	int *g = svm(32 * sizeof(int));

	for (int i = 0; i < 8; i++)
		g[i] = 100 + i;
	run_src(src, "-cl-std=CL3.0", "v", 2, 1, g, NULL, NULL);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(g[8 + i], 105 + i);
		assert_int_equal(g[12 + i], 6 + i);
	}
	clSVMFree(E.ctx, g);
}

static void test_shuffle(void **state)
{
	const char *src =
		"kernel void s(global int *o)\n"
		"{\n"
		"	float4 a = (float4)(1, 2, 3, 4);\n"
		"	float4 r = shuffle(a, (uint4)(3, 2, 1, 0));\n"
		"	o[0] = (int)(r.x * 1000 + r.y * 100 + r.z * 10 + r.w);\n"
		"	int8 b = shuffle2((int4)(1, 2, 3, 4), (int4)(5, 6, 7, 8),\n"
		"			  (uint8)(0, 7, 1, 6, 2, 5, 3, 12));\n"
		"	o[1] = b.s0 * 10000000 + b.s1 * 1000000 + b.s2 * 100000 +\n"
		"	       b.s3 * 10000 + b.s4 * 1000 + b.s5 * 100 + b.s6 * 10 +\n"
		"	       b.s7;\n"
		"	uchar16 c = shuffle((uchar2)(7, 9), (uchar16)(1));\n"
		"	o[2] = c.sf;\n"
		"}\n";
	int *o = svm(4 * sizeof(int));

	run_src(src, NULL, "s", 1, 1, o, NULL, NULL);
	assert_int_equal(o[0], 4321);
	assert_int_equal(o[1], 18273645);
	assert_int_equal(o[2], 9);
	clSVMFree(E.ctx, o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_math_float),
		cmocka_unit_test(test_math_double),
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_common_geometric_relational),
		cmocka_unit_test(test_vload_vstore),
		cmocka_unit_test(test_vload_generic),
		cmocka_unit_test(test_shuffle),
	};

	return cmocka_run_group_tests(tests, clc_setup, clc_teardown);
}
