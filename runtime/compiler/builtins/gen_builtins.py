#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate svmcl's OpenCL C built-in library and embed it.

Usage: gen_builtins.py --clang CLANG --src DIR --cl OUT.cl --bc OUT.bc --c OUT.c

The library is OpenCL C: the hand-written files of DIR (*.cl, in name order)
followed by what this script generates (the combinatorial families: every
element type x vector width x address space x rounding mode). It is compiled
once, at build time, by the same clang as the kernels (spir64, OpenCL C 3.0
with every feature the device reports), with clang's own built-in
declarations, so each definition gets exactly the mangled name a kernel's
call refers to. OUT.c embeds the bitcode (.incbin) for clc_builtins.c.

Vector forms are written lane by lane over the scalar form; after inlining
LLVM's SLP vectoriser may turn them back into vector code.
"""
import argparse
import os
import subprocess
import sys

INTS = [  # name, bits, signed, min, max
    ("char", 8, True, -(1 << 7), (1 << 7) - 1),
    ("uchar", 8, False, 0, (1 << 8) - 1),
    ("short", 16, True, -(1 << 15), (1 << 15) - 1),
    ("ushort", 16, False, 0, (1 << 16) - 1),
    ("int", 32, True, -(1 << 31), (1 << 31) - 1),
    ("uint", 32, False, 0, (1 << 32) - 1),
    ("long", 64, True, -(1 << 63), (1 << 63) - 1),
    ("ulong", 64, False, 0, (1 << 64) - 1),
]
INT_NAMES = [t[0] for t in INTS]
INFO = {t[0]: t for t in INTS}
FLOATS = ["float", "double"]
ALL = INT_NAMES + FLOATS
WIDTHS = [1, 2, 3, 4, 8, 16]
LANES = "0123456789abcdef"
BITS = {"char": 8, "uchar": 8, "short": 16, "ushort": 16, "int": 32,
        "uint": 32, "long": 64, "ulong": 64, "float": 32, "double": 64}
# Pointer address spaces of built-ins that take pointers: generic (OpenCL C
# 2.0/3.0) and the named ones (OpenCL C 1.x). "" is generic.
PTR_AS = ["", "__global", "__local", "__private"]

out = []


def emit(s):
    out.append(s)


def vt(t, n):
    return t if n == 1 else f"{t}{n}"


def unsigned_of(t):
    return t if t.startswith("u") else ("u" + t)


def signed_of(t):
    return t[1:] if t.startswith("u") else t


def int_of_size(bits, signed=True):
    n = {8: "char", 16: "short", 32: "int", 64: "long"}[bits]
    return n if signed else "u" + n


def lit(t, v):
    """A literal of integer type t with value v."""
    if t in ("long", "ulong") or abs(v) > (1 << 31) - 1:
        if v == -(1 << 63):
            return "((long)(-9223372036854775807L - 1))"
        if v < 0:
            return f"((long)({v}L))"
        return f"(({t})({v}UL))"
    if v == -(1 << 31):
        return "((int)(-2147483647 - 1))"
    return f"(({t})({v}))"


# --- element-wise vector forms ----------------------------------------------
#
# sig: return code then parameter codes. Codes: 'V' gentype of width n,
# 'S' the scalar element type (same for every lane), 'I' int of width n,
# 'i' scalar int, 'U' the unsigned type of width n, 'R<type>' a given
# element type of width n, 'r<type>' a given scalar type.


def code_type(code, t, n):
    if code == "V":
        return vt(t, n)
    if code == "S":
        return t
    if code == "I":
        return vt("int", n)
    if code == "i":
        return "int"
    if code == "U":
        return vt(unsigned_of(t), n)
    if code.startswith("R"):
        return vt(code[1:], n)
    if code.startswith("r"):
        return code[1:]
    raise ValueError(code)


def lane_arg(code, name, k, n):
    if code in ("S", "i") or code.startswith("r"):
        return name
    return f"{name}.s{LANES[k]}"


def ew(name, sig, t, widths=WIDTHS, scalar_body=None):
    """Scalar definition (if scalar_body) plus lane-wise vector forms."""
    names = "abcdefgh"
    if isinstance(sig, str):
        sig = list(sig)
    for n in widths:
        rt = code_type(sig[0], t, n)
        params = ", ".join(f"{code_type(c, t, n)} {names[i]}"
                           for i, c in enumerate(sig[1:]))
        if n == 1:
            if scalar_body is None:
                continue
            emit(f"{rt} OVL {name}({params}) {{ {scalar_body} }}")
            continue
        # Vector forms with only scalar parameters are not overloads.
        if all(c in ("S", "i") or c.startswith("r") for c in sig[1:]):
            continue
        body = [f"{rt} r;"]
        for k in range(n):
            args = ", ".join(lane_arg(c, names[i], k, n)
                             for i, c in enumerate(sig[1:]))
            body.append(f"r.s{LANES[k]} = {name}({args});")
        body.append("return r;")
        emit(f"{rt} OVL {name}({params}) {{ {' '.join(body)} }}")


def ew_vector_only(name, sig, t, widths=WIDTHS):
    ew(name, sig, t, [w for w in widths if w > 1])


# --- math -------------------------------------------------------------------

HOST_UNARY = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt",
              "cos", "cosh", "erf", "erfc", "exp", "exp2", "exp10", "expm1",
              "log", "log2", "log10", "log1p", "logb", "sin", "sinh", "tan",
              "tanh", "tgamma", "lgamma", "round"]
HOST_BINARY = ["atan2", "fmod", "hypot", "nextafter", "pow", "remainder"]


def hname(fn, t):
    return f"__svmcl_host_{fn}{'f' if t == 'float' else ''}"


def gen_host_declarations():
    for t in FLOATS:
        for fn in HOST_UNARY:
            emit(f"{t} {hname(fn, t)}({t});")
        for fn in HOST_BINARY:
            emit(f"{t} {hname(fn, t)}({t}, {t});")
        emit(f"{t} {hname('fma', t)}({t}, {t}, {t});")
        emit(f"{t} {hname('ldexp', t)}({t}, int);")
        emit(f"int {hname('ilogb', t)}({t});")
        emit(f"{t} {hname('frexp', t)}({t}, __private int *);")
        emit(f"{t} {hname('modf', t)}({t}, __private {t} *);")
        emit(f"{t} {hname('remquo', t)}({t}, {t}, __private int *);")
        emit(f"{t} {hname('lgamma_r', t)}({t}, __private int *);")
        emit(f"void {hname('sincos', t)}({t}, __private {t} *, "
             f"__private {t} *);")


def gen_math():
    for t in FLOATS:
        f = "f" if t == "float" else ""
        ut = "uint" if t == "float" else "ulong"
        for fn in HOST_UNARY:
            ew(fn, "VV", t, scalar_body=f"return {hname(fn, t)}(a);")
        for fn in HOST_BINARY:
            ew(fn, "VVV", t, scalar_body=f"return {hname(fn, t)}(a, b);")

        ew("fma", "VVVV", t, scalar_body=f"return {hname('fma', t)}(a, b, c);")
        ew("mad", "VVVV", t, scalar_body="return a * b + c;")
        ew("ceil", "VV", t, scalar_body=f"return __builtin_ceil{f}(a);")
        ew("floor", "VV", t, scalar_body=f"return __builtin_floor{f}(a);")
        ew("trunc", "VV", t, scalar_body=f"return __builtin_trunc{f}(a);")
        ew("rint", "VV", t, scalar_body=f"return __builtin_rint{f}(a);")
        ew("fabs", "VV", t, scalar_body=f"return __builtin_fabs{f}(a);")
        ew("sqrt", "VV", t, scalar_body=f"return __builtin_sqrt{f}(a);")
        ew("copysign", "VVV", t,
           scalar_body=f"return __builtin_copysign{f}(a, b);")
        for fn, b in (("fmax", "fmax"), ("fmin", "fmin")):
            ew(fn, "VVV", t, scalar_body=f"return __builtin_{b}{f}(a, b);")
            ew_vector_only(fn, "VVS", t)
        ew("fdim", "VVV", t, scalar_body=(
            "if (isnan(a) || isnan(b)) return a + b; "
            "return a > b ? a - b : 0;"))
        ew("maxmag", "VVV", t, scalar_body=(
            f"{t} x = fabs(a), y = fabs(b); "
            "return x > y ? a : y > x ? b : fmax(a, b);"))
        ew("minmag", "VVV", t, scalar_body=(
            f"{t} x = fabs(a), y = fabs(b); "
            "return x < y ? a : y < x ? b : fmin(a, b);"))
        ew("ldexp", "VVI", t, scalar_body=f"return {hname('ldexp', t)}(a, b);")
        ew_vector_only("ldexp", "VVi", t)
        ew("ilogb", "IV", t, scalar_body=(
            f"if (isnan(a)) return FP_ILOGBNAN; if (a == 0) return FP_ILOGB0; "
            f"return {hname('ilogb', t)}(a);"))
        ew("nan", ["V", "R" + ut], t, scalar_body=(
            f"return as_{t}(({ut})(as_{ut}(({t})NAN) | a));"))
        ew("rsqrt", "VV", t, scalar_body=(
            "return (float)(1.0 / __builtin_sqrt((double)a));"
            if t == "float" else "return 1.0 / __builtin_sqrt(a);"))
        # pi variants: float through double; double reduced exactly first.
        if t == "float":
            for fn, base in (("acospi", "acos"), ("asinpi", "asin"),
                             ("atanpi", "atan")):
                ew(fn, "VV", t, scalar_body=(
                    f"return (float)({hname(base, 'double')}((double)a) "
                    "* M_1_PI);"))
            ew("atan2pi", "VVV", t, scalar_body=(
                f"return (float)({hname('atan2', 'double')}((double)a, "
                "(double)b) * M_1_PI);"))
            # The helpers, not the double overloads: those are not
            # declared yet at this point of the library.
            for fn in ("sinpi", "cospi", "tanpi"):
                ew(fn, "VV", t,
                   scalar_body=f"return (float)__clcb_{fn}((double)a);")
            ew("pown", "VVI", t, scalar_body=(
                f"return (float){hname('pow', 'double')}((double)a, "
                "(double)b);"))
            ew("powr", "VVV", t, scalar_body=(
                "return (float)__clcb_powr((double)a, (double)b);"))
            ew("rootn", "VVI", t,
               scalar_body="return (float)__clcb_rootn((double)a, b);")
        else:
            for fn, base in (("acospi", "acos"), ("asinpi", "asin"),
                             ("atanpi", "atan")):
                ew(fn, "VV", t, scalar_body=(
                    f"return {hname(base, t)}(a) * M_1_PI;"))
            ew("atan2pi", "VVV", t, scalar_body=(
                f"return {hname('atan2', t)}(a, b) * M_1_PI;"))
            ew("sinpi", "VV", t, scalar_body="return __clcb_sinpi(a);")
            ew("cospi", "VV", t, scalar_body="return __clcb_cospi(a);")
            ew("tanpi", "VV", t, scalar_body="return __clcb_tanpi(a);")
            ew("pown", "VVI", t,
               scalar_body=f"return {hname('pow', t)}(a, (double)b);")
            ew("powr", "VVV", t, scalar_body="return __clcb_powr(a, b);")
            ew("rootn", "VVI", t, scalar_body="return __clcb_rootn(a, b);")
        # Pointer outputs, for every address space, through private helpers.
        emit(f"static {t} OVL __clcb_modf({t} a, __private {t} *b) "
             f"{{ return {hname('modf', t)}(a, b); }}")
        emit(f"static {t} OVL __clcb_frexp({t} a, __private int *b) {{ "
             "if (isinf(a) || isnan(a) || a == 0) { *b = 0; return a; } "
             f"return {hname('frexp', t)}(a, b); }}")
        emit(f"static {t} OVL __clcb_lgamma_r({t} a, __private int *b) "
             f"{{ return {hname('lgamma_r', t)}(a, b); }}")
        emit(f"static {t} OVL __clcb_remquo({t} a, {t} b, __private int *c) "
             f"{{ return {hname('remquo', t)}(a, b, c); }}")
        emit(f"static {t} OVL __clcb_sincos({t} a, __private {t} *b) "
             f"{{ {t} s; {hname('sincos', t)}(a, &s, b); return s; }}")
        for asq in PTR_AS:
            p = f"{asq} " if asq else ""
            for fn, ot in (("fract", t), ("modf", t), ("frexp", "int"),
                           ("lgamma_r", "int"), ("sincos", t)):
                emit(f"{t} OVL {fn}({t} a, {p}{ot} *b) {{ {ot} x; "
                     f"{t} r = __clcb_{fn}(a, &x); *b = x; return r; }}")
            emit(f"{t} OVL remquo({t} a, {t} b, {p}int *c) {{ int x; "
                 f"{t} r = __clcb_remquo(a, b, &x); *c = x; return r; }}")
            for n in WIDTHS[1:]:
                v, iv = vt(t, n), vt("int", n)
                for fn, ot in (("fract", v), ("modf", v), ("frexp", iv),
                               ("lgamma_r", iv), ("sincos", v)):
                    st = t if ot == v else "int"
                    body = [f"{v} r; {ot} o;"]
                    for k in range(n):
                        body.append(f"{{ {st} x; r.s{LANES[k]} = "
                                    f"__clcb_{fn}(a.s{LANES[k]}, &x); "
                                    f"o.s{LANES[k]} = x; }}")
                    emit(f"{v} OVL {fn}({v} a, {p}{ot} *b) {{ "
                         f"{' '.join(body)} *b = o; return r; }}")
                body = [f"{v} r; {iv} o;"]
                for k in range(n):
                    body.append(f"{{ int x; r.s{LANES[k]} = __clcb_remquo("
                                f"a.s{LANES[k]}, b.s{LANES[k]}, &x); "
                                f"o.s{LANES[k]} = x; }}")
                emit(f"{v} OVL remquo({v} a, {v} b, {p}{iv} *c) {{ "
                     f"{' '.join(body)} *c = o; return r; }}")

    # half_ and native_: float only; full precision is within their bounds.
    for pre in ("half_", "native_"):
        for fn in ("cos", "exp", "exp2", "exp10", "log", "log2", "log10",
                   "rsqrt", "sin", "sqrt", "tan"):
            ew(pre + fn, "VV", "float", scalar_body=f"return {fn}(a);")
        ew(pre + "divide", "VVV", "float", scalar_body="return a / b;")
        ew(pre + "recip", "VV", "float", scalar_body="return 1.0f / a;")
        ew(pre + "powr", "VVV", "float", scalar_body="return powr(a, b);")


# --- common -----------------------------------------------------------------

def gen_common():
    for t in FLOATS:
        one = "1.0f" if t == "float" else "1.0"
        ew("clamp", "VVVV", t, scalar_body="return fmin(fmax(a, b), c);")
        ew_vector_only("clamp", "VVSS", t)
        ew("degrees", "VV", t, scalar_body=f"return ({t})(M_1_PI * 180.0) * a;"
           if t == "double" else "return (float)(57.29577951308232 * (double)a);")
        ew("radians", "VV", t, scalar_body=f"return ({t})(M_PI / 180.0) * a;"
           if t == "double" else "return (float)(0.017453292519943295 * (double)a);")
        # max/min of floats: OpenCL leaves NaN handling to fmax/fmin.
        ew("max", "VVV", t, scalar_body="return fmax(a, b);")
        ew_vector_only("max", "VVS", t)
        ew("min", "VVV", t, scalar_body="return fmin(a, b);")
        ew_vector_only("min", "VVS", t)
        ew("mix", "VVVV", t, scalar_body="return a + (b - a) * c;")
        ew_vector_only("mix", "VVVS", t)
        ew("step", "VVV", t, scalar_body=f"return b < a ? 0 : {one};")
        ew_vector_only("step", "VSV", t)
        ew("smoothstep", "VVVV", t, scalar_body=(
            f"{t} x = clamp((c - a) / (b - a), ({t})0, ({t})1); "
            "return x * x * (3 - 2 * x);"))
        ew_vector_only("smoothstep", "VSSV", t)
        ew("sign", "VV", t, scalar_body=(
            f"if (isnan(a)) return 0; if (a > 0) return {one}; "
            f"if (a < 0) return -{one}; return a;"))


# --- geometric --------------------------------------------------------------

def gen_geometric():
    for t in FLOATS:
        for n in (1, 2, 3, 4):
            v = vt(t, n)
            lanes = [f"a.s{LANES[k]}" for k in range(n)] if n > 1 else ["a"]
            blanes = [f"b.s{LANES[k]}" for k in range(n)] if n > 1 else ["b"]
            emit(f"{t} OVL dot({v} a, {v} b) {{ return "
                 + " + ".join(f"{x} * {y}" for x, y in zip(lanes, blanes))
                 + "; }")
            if t == "float":
                # Accumulate in double: no overflow, no underflow.
                emit(f"float OVL length({v} a) {{ double s = 0; "
                     + " ".join(f"s += (double){x} * (double){x};"
                                for x in lanes)
                     + " return (float)__builtin_sqrt(s); }")
            else:
                emit(f"double OVL length({v} a) {{ double m = 0; "
                     + " ".join(f"m = fmax(m, fabs({x}));" for x in lanes)
                     + " if (m == 0 || isinf(m) || isnan(m)) return m; "
                     "double s = 0; "
                     + " ".join(f"s += ({x} / m) * ({x} / m);" for x in lanes)
                     + " return m * __builtin_sqrt(s); }")
            emit(f"{t} OVL distance({v} a, {v} b) {{ return length(a - b); }}")
            emit(f"{v} OVL normalize({v} a) {{ {t} l = length(a); "
                 "if (l == 0) return a; return a / l; }")
            if t == "float":
                emit(f"float OVL fast_length({v} a) {{ return length(a); }}")
                emit(f"float OVL fast_distance({v} a, {v} b) "
                     "{ return length(a - b); }")
                emit(f"{v} OVL fast_normalize({v} a) {{ return normalize(a); }}")
        for n in (3, 4):
            v = vt(t, n)
            tail = ", 0" if n == 4 else ""
            emit(f"{v} OVL cross({v} a, {v} b) {{ return ({v})("
                 "a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, "
                 f"a.x * b.y - a.y * b.x{tail}); }}")


# --- relational -------------------------------------------------------------

def gen_relational():
    for t in FLOATS:
        it = "int" if t == "float" else "long"
        ut = "uint" if t == "float" else "ulong"
        absmask = "0x7fffffff" if t == "float" else "0x7fffffffffffffffUL"
        inf = "0x7f800000" if t == "float" else "0x7ff0000000000000UL"
        minnorm = "0x00800000" if t == "float" else "0x0010000000000000UL"
        rels = {
            "isequal": "a == b", "isnotequal": "a != b",
            "isgreater": "a > b", "isgreaterequal": "a >= b",
            "isless": "a < b", "islessequal": "a <= b",
            "islessgreater": "(a < b) || (a > b)",
            "isordered": "(a == a) && (b == b)",
            "isunordered": "(a != a) || (b != b)",
        }
        for fn, e in rels.items():
            emit(f"int OVL {fn}({t} a, {t} b) {{ return ({e}) ? 1 : 0; }}")
            for n in WIDTHS[1:]:
                v, iv = vt(t, n), vt(it, n)
                ve = e.replace("||", "|").replace("&&", "&")
                emit(f"{iv} OVL {fn}({v} a, {v} b) {{ return ({iv})({ve}); }}")
        unary = {
            "isfinite": f"(as_{ut}(a) & {absmask}) < {inf}",
            "isinf": f"(as_{ut}(a) & {absmask}) == {inf}",
            "isnan": f"(as_{ut}(a) & {absmask}) > {inf}",
            "isnormal": f"(as_{ut}(a) & {absmask}) < {inf} && "
                        f"(as_{ut}(a) & {absmask}) >= {minnorm}",
            "signbit": f"as_{it}(a) < 0",
        }
        for fn, e in unary.items():
            emit(f"int OVL {fn}({t} a) {{ return ({e}) ? 1 : 0; }}")
            for n in WIDTHS[1:]:
                v, iv, uv = vt(t, n), vt(it, n), vt(ut, n)
                ve = (e.replace(f"as_{ut}(a)", f"as_{uv}(a)")
                      .replace(f"as_{it}(a)", f"as_{iv}(a)")
                      .replace("&&", "&"))
                emit(f"{iv} OVL {fn}({v} a) {{ return ({iv})({ve}); }}")
    for t in ("char", "short", "int", "long"):
        emit(f"int OVL any({t} a) {{ return a < 0; }}")
        emit(f"int OVL all({t} a) {{ return a < 0; }}")
        for n in WIDTHS[1:]:
            lanes = [f"a.s{LANES[k]}" for k in range(n)]
            emit(f"int OVL any({vt(t, n)} a) {{ return ("
                 + " | ".join(lanes) + ") < 0; }")
            emit(f"int OVL all({vt(t, n)} a) {{ return ("
                 + " & ".join(lanes) + ") < 0; }")
    for t in ALL:
        bits = BITS[t]
        u = int_of_size(bits, False)
        for n in WIDTHS:
            v, uv = vt(t, n), vt(u, n)
            if t in FLOATS:
                emit(f"{v} OVL bitselect({v} a, {v} b, {v} c) {{ return "
                     f"as_{v}((as_{uv}(a) & ~as_{uv}(c)) | "
                     f"(as_{uv}(b) & as_{uv}(c))); }}")
            else:
                emit(f"{v} OVL bitselect({v} a, {v} b, {v} c) "
                     "{ return (a & ~c) | (b & c); }")
            for ct in (int_of_size(bits, True), int_of_size(bits, False)):
                cv = vt(ct, n)
                if n == 1:
                    emit(f"{v} OVL select({v} a, {v} b, {cv} c) "
                         "{ return c ? b : a; }")
                    continue
                body = [f"{v} r;"]
                sct = int_of_size(bits, True)
                for k in range(n):
                    body.append(f"r.s{LANES[k]} = (({sct})c.s{LANES[k]} < 0) "
                                f"? b.s{LANES[k]} : a.s{LANES[k]};")
                emit(f"{v} OVL select({v} a, {v} b, {cv} c) {{ "
                     f"{' '.join(body)} return r; }}")


# --- integer ----------------------------------------------------------------

def gen_integer():
    for t in INT_NAMES:
        _, bits, signed, mn, mx = INFO[t]
        u = unsigned_of(t)
        wide = None if bits == 64 else int_of_size(bits * 2, signed)
        ew("abs", "UV", t, scalar_body=(
            f"return a < 0 ? ({u})0 - ({u})a : ({u})a;" if signed
            else "return a;"))
        ew("abs_diff", "UVV", t, scalar_body=(
            f"return a > b ? ({u})a - ({u})b : ({u})b - ({u})a;"))
        if wide:
            ws = int_of_size(bits * 2, True)	# holds a - b of unsigned too
            ew("add_sat", "VVV", t, scalar_body=(
                f"{ws} s = ({ws})a + ({ws})b; "
                f"return s > {lit(ws, mx)} ? {lit(t, mx)} : "
                f"s < {lit(ws, mn)} ? {lit(t, mn)} : ({t})s;"))
            ew("sub_sat", "VVV", t, scalar_body=(
                f"{ws} s = ({ws})a - ({ws})b; "
                f"return s > {lit(ws, mx)} ? {lit(t, mx)} : "
                f"s < {lit(ws, mn)} ? {lit(t, mn)} : ({t})s;"))
            ew("mul_hi", "VVV", t, scalar_body=(
                f"return ({t})((({wide})a * ({wide})b) >> {bits});"))
            ew("mad_sat", "VVVV", t, scalar_body=(
                f"{wide} s = ({wide})a * ({wide})b; "
                + (f"long w = (long)s + (long)c; "
                   f"return w > {lit('long', mx)} ? {lit(t, mx)} : "
                   f"w < {lit('long', mn)} ? {lit(t, mn)} : ({t})w;"
                   if bits < 32 or signed else
                   f"ulong w = (ulong)s + (ulong)c; "
                   f"return w > {lit('ulong', mx)} ? {lit(t, mx)} : ({t})w;")))
        else:
            if signed:
                ew("add_sat", "VVV", t, scalar_body=(
                    "long r; if (__builtin_add_overflow(a, b, &r)) "
                    "return a < 0 ? LONG_MIN : LONG_MAX; return r;"))
                ew("sub_sat", "VVV", t, scalar_body=(
                    "long r; if (__builtin_sub_overflow(a, b, &r)) "
                    "return a < 0 ? LONG_MIN : LONG_MAX; return r;"))
                ew("mul_hi", "VVV", t, scalar_body=(
                    "ulong h = __clcb_mulhu64((ulong)a, (ulong)b); "
                    "if (a < 0) h -= (ulong)b; if (b < 0) h -= (ulong)a; "
                    "return (long)h;"))
                ew("mad_sat", "VVVV", t, scalar_body=(
                    "long hi = mul_hi(a, b); ulong lo = (ulong)a * (ulong)b; "
                    "ulong l2 = lo + (ulong)c; "
                    "hi += (c < 0 ? -1 : 0) + (l2 < lo ? 1 : 0); "
                    "if (hi == 0 && (long)l2 >= 0) return (long)l2; "
                    "if (hi == -1 && (long)l2 < 0) return (long)l2; "
                    "return hi < 0 ? LONG_MIN : LONG_MAX;"))
            else:
                ew("add_sat", "VVV", t, scalar_body=(
                    "ulong r = a + b; return r < a ? ULONG_MAX : r;"))
                ew("sub_sat", "VVV", t, scalar_body=(
                    "return a > b ? a - b : 0;"))
                ew("mul_hi", "VVV", t,
                   scalar_body="return __clcb_mulhu64(a, b);")
                ew("mad_sat", "VVVV", t, scalar_body=(
                    "ulong hi = __clcb_mulhu64(a, b), lo = a * b; "
                    "ulong l2 = lo + c; if (l2 < lo) hi++; "
                    "return hi ? ULONG_MAX : l2;"))
        ew("mad_hi", "VVVV", t, scalar_body="return mul_hi(a, b) + c;")
        ew("hadd", "VVV", t, scalar_body="return (a >> 1) + (b >> 1) + (a & b & 1);")
        ew("rhadd", "VVV", t,
           scalar_body="return (a >> 1) + (b >> 1) + ((a | b) & 1);")
        ew("max", "VVV", t, scalar_body="return a > b ? a : b;")
        ew_vector_only("max", "VVS", t)
        ew("min", "VVV", t, scalar_body="return a < b ? a : b;")
        ew_vector_only("min", "VVS", t)
        ew("clamp", "VVVV", t, scalar_body="return min(max(a, b), c);")
        ew_vector_only("clamp", "VVSS", t)
        ew("clz", "VV", t, scalar_body=(
            f"return a == 0 ? {bits} : "
            f"({t})(__builtin_clzl((ulong)({u})a) - {64 - bits});"))
        ew("ctz", "VV", t, scalar_body=(
            f"return a == 0 ? {bits} : ({t})__builtin_ctzl((ulong)({u})a);"))
        ew("popcount", "VV", t,
           scalar_body=f"return ({t})__builtin_popcountl((ulong)({u})a);")
        ew("rotate", "VVV", t, scalar_body=(
            f"{u} x = ({u})a; uint n = (uint)(({u})b & {bits - 1}); "
            f"return n ? ({t})((x << n) | (x >> ({bits} - n))) : a;"))
        if bits < 64:
            w = int_of_size(bits * 2, signed)
            ew("upsample", ["R" + w, "V", "U"], t, scalar_body=(
                f"return (({w})a << {bits}) | ({w})b;"))
    for t in ("int", "uint"):
        if t == "int":
            m = "((a << 8) >> 8) * ((b << 8) >> 8)"
        else:
            m = "(a & 0xffffffu) * (b & 0xffffffu)"
        ew("mul24", "VVV", t, scalar_body=f"return {m};")
        ew("mad24", "VVVV", t, scalar_body=f"return {m} + c;")


# --- conversions ------------------------------------------------------------

MODES = ["", "_rte", "_rtz", "_rtp", "_rtn"]


def conv_scalar(dst, src, sat, mode):
    """Body of convert_<dst><sat><mode>(<src> a)."""
    if dst in INT_NAMES and src in INT_NAMES:
        if not sat:
            return f"return ({dst})a;"
        _, _, _, smin, smax = INFO[src]
        _, _, _, dmin, dmax = INFO[dst]
        s = []
        if smin < dmin:
            s.append(f"if (a < ({src}){lit(src, dmin)}) return {lit(dst, dmin)};")
        if smax > dmax:
            s.append(f"if (a > ({src}){lit(src, dmax)}) return {lit(dst, dmax)};")
        return " ".join(s) + f" return ({dst})a;"
    if dst in INT_NAMES:  # float -> int
        rnd = {"": "trunc", "_rtz": "trunc", "_rte": "rint", "_rtp": "ceil",
               "_rtn": "floor"}[mode]
        s = f"{src} r = {rnd}(a);"
        if not sat:
            return s + f" return ({dst})r;"
        _, bits, signed, dmin, dmax = INFO[dst]
        lo = f"-0x1p{bits - 1}" if signed else "0"
        hi = f"0x1p{bits - 1}" if signed else f"0x1p{bits}"
        return (s + f" if (isnan(r)) return 0; if (r < {lo}) return "
                f"{lit(dst, dmin)}; if (r >= {hi}) return {lit(dst, dmax)}; "
                f"return ({dst})r;")
    # float destination
    if src == dst:
        return "return a;"
    if mode in ("", "_rte"):
        return f"return ({dst})a;"
    if src in FLOATS:
        if dst == "double":
            return "return (double)a;"
        # double -> float, directed
        cmp = "double"
        check = "float r = (float)a; if (isnan(a) || (double)r == a) return r; "
        back = "(double)r"
    else:
        _, bits, signed, _, _ = INFO[src]
        if dst == "double" and bits <= 32 or dst == "float" and bits <= 16:
            return f"return ({dst})a;"
        # Exact comparison through the integer type (r is integral).
        if signed:
            check = (f"{dst} r = ({dst})a; int c; "
                     f"if (r >= 0x1p{bits - 1}) c = 1; "
                     f"else {{ {src} b = ({src})r; c = b > a ? 1 : b < a ? -1 : 0; }} "
                     "if (!c) return r; ")
        else:
            check = (f"{dst} r = ({dst})a; int c; "
                     f"if (r >= 0x1p{bits}) c = 1; "
                     f"else {{ {src} b = ({src})r; c = b > a ? 1 : b < a ? -1 : 0; }} "
                     "if (!c) return r; ")
        inf = "INFINITY"
        if mode == "_rtz":
            return check + (f"if ((a > 0 && c > 0) || (a < 0 && c < 0)) "
                            f"r = nextafter(r, ({dst})0); return r;")
        if mode == "_rtp":
            return check + f"if (c < 0) r = nextafter(r, ({dst}){inf}); return r;"
        return check + f"if (c > 0) r = nextafter(r, -({dst}){inf}); return r;"
    # double -> float directed
    if mode == "_rtz":
        return check + ("if (fabs(back) > fabs(a)) r = nextafter(r, 0.0f); "
                        "return r;").replace("back", back)
    if mode == "_rtp":
        return check + f"if ({back} < a) r = nextafter(r, INFINITY); return r;"
    return check + f"if ({back} > a) r = nextafter(r, -INFINITY); return r;"


def gen_conversions():
    for dst in ALL:
        for src in ALL:
            sats = ["", "_sat"] if dst in INT_NAMES else [""]
            for sat in sats:
                for mode in MODES:
                    name = f"convert_{dst}{sat}{mode}"
                    emit(f"{dst} OVL {name}({src} a) {{ "
                         f"{conv_scalar(dst, src, sat, mode)} }}")
                    for n in WIDTHS[1:]:
                        vname = f"convert_{dst}{n}{sat}{mode}"
                        body = [f"{vt(dst, n)} r;"]
                        for k in range(n):
                            body.append(f"r.s{LANES[k]} = {name}(a.s{LANES[k]});")
                        emit(f"{vt(dst, n)} OVL {vname}({vt(src, n)} a) {{ "
                             f"{' '.join(body)} return r; }}")


# --- vector data load and store ---------------------------------------------

def gen_vload_vstore():
    for t in ALL:
        for asq in PTR_AS + ["__constant"]:
            p = f"{asq} " if asq else ""
            for n in WIDTHS[1:]:
                v = vt(t, n)
                elems = ", ".join(f"q[{k}]" for k in range(n))
                emit(f"{v} OVL vload{n}(size_t i, const {p}{t} *p) {{ "
                     f"const {p}{t} *q = p + i * {n}; return ({v})({elems}); }}")
                if asq == "__constant":
                    continue
                stores = " ".join(f"q[{k}] = d.s{LANES[k]};" for k in range(n))
                emit(f"void OVL vstore{n}({v} d, size_t i, {p}{t} *p) {{ "
                     f"{p}{t} *q = p + i * {n}; {stores} }}")
    # half: stored as 16-bit patterns; conversions in __svmcl_half_*.
    for asq in PTR_AS + ["__constant"]:
        p = f"{asq} " if asq else ""
        emit(f"float OVL vload_half(size_t i, const {p}half *p) {{ return "
             f"__clcb_half_to_float(((const {p}ushort *)p)[i]); }}")
        for n in WIDTHS[1:]:
            v = vt("float", n)
            for aligned in (False, True):
                if aligned and n == 1:
                    continue
                stride = 4 if aligned and n == 3 else n
                name = f"vloada_half{n}" if aligned else f"vload_half{n}"
                elems = ", ".join(f"__clcb_half_to_float(q[{k}])"
                                  for k in range(n))
                emit(f"{v} OVL {name}(size_t i, const {p}half *p) {{ "
                     f"const {p}ushort *q = (const {p}ushort *)p + i * {stride}; "
                     f"return ({v})({elems}); }}")
        if asq == "__constant":
            continue
        emit(f"float OVL vloada_half(size_t i, const {p}half *p) {{ return "
             f"vload_half(i, p); }}")
        for t in FLOATS:
            for mode in MODES:
                md = {"": 0, "_rte": 0, "_rtz": 1, "_rtp": 2, "_rtn": 3}[mode]
                emit(f"void OVL vstore_half{mode}({t} d, size_t i, {p}half *p) "
                     f"{{ (({p}ushort *)p)[i] = __clcb_to_half((double)d, {md}); }}")
                emit(f"void OVL vstorea_half{mode}({t} d, size_t i, {p}half *p) "
                     f"{{ vstore_half{mode}(d, i, p); }}")
                for n in WIDTHS[1:]:
                    v = vt(t, n)
                    for aligned in (False, True):
                        stride = 4 if aligned and n == 3 else n
                        name = (f"vstorea_half{n}{mode}" if aligned
                                else f"vstore_half{n}{mode}")
                        stores = " ".join(
                            f"q[{k}] = __clcb_to_half((double)d.s{LANES[k]}, {md});"
                            for k in range(n))
                        emit(f"void OVL {name}({v} d, size_t i, {p}half *p) {{ "
                             f"{p}ushort *q = ({p}ushort *)p + i * {stride}; "
                             f"{stores} }}")


# --- shuffle ----------------------------------------------------------------

def gen_shuffle():
    for t in ALL:
        u = int_of_size(BITS[t], False)
        for n in (2, 4, 8, 16):
            for m in (2, 4, 8, 16):
                v, r, mv = vt(t, n), vt(t, m), vt(u, m)
                lanes = " ".join(f"o.s{LANES[k]} = x[mask.s{LANES[k]} & {n - 1}];"
                                 for k in range(m))
                emit(f"{r} OVL shuffle({v} x, {mv} mask) {{ {r} o; {lanes} "
                     "return o; }")
                lanes = " ".join(
                    f"{{ {u} k = mask.s{LANES[k]} & {2 * n - 1}; "
                    f"o.s{LANES[k]} = k < {n} ? x[k] : y[k - {n}]; }}"
                    for k in range(m))
                emit(f"{r} OVL shuffle2({v} x, {v} y, {mv} mask) {{ {r} o; "
                     f"{lanes} return o; }}")


# --- atomics ----------------------------------------------------------------

def gen_atomics():
    # OpenCL 1.x: atomic_* (32-bit, global and local, core since 1.1) and
    # atom_* (cl_khr_*_int32_* and cl_khr_int64_*), sequentially consistent.
    ops = {"add": "__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST)",
           "sub": "__atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST)",
           "xchg": "__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)",
           "min": "__atomic_fetch_min(p, v, __ATOMIC_SEQ_CST)",
           "max": "__atomic_fetch_max(p, v, __ATOMIC_SEQ_CST)",
           "and": "__atomic_fetch_and(p, v, __ATOMIC_SEQ_CST)",
           "or": "__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST)",
           "xor": "__atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST)"}
    for pre, types in (("atomic_", ("int", "uint")),
                       ("atom_", ("int", "uint", "long", "ulong"))):
        for asq in ("__global", "__local", ""):
            for t in types:
                pt = f"volatile {asq + ' ' if asq else ''}{t} *p"
                for op, e in ops.items():
                    emit(f"{t} OVL {pre}{op}({pt}, {t} v) {{ return {e}; }}")
                emit(f"{t} OVL {pre}inc({pt}) "
                     "{ return __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }")
                emit(f"{t} OVL {pre}dec({pt}) "
                     "{ return __atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST); }")
                emit(f"{t} OVL {pre}cmpxchg({pt}, {t} c, {t} v) {{ "
                     "__atomic_compare_exchange_n(p, &c, v, 0, "
                     "__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return c; }")
        if pre == "atomic_":
            for asq in ("__global", "__local", ""):
                pt = f"volatile {asq + ' ' if asq else ''}float *p"
                ip = pt.replace("float *p", "uint *")
                emit(f"float OVL atomic_xchg({pt}, float v) {{ return "
                     f"as_float(__atomic_exchange_n(({ip})p, as_uint(v), "
                     "__ATOMIC_SEQ_CST)); }")

    # OpenCL C 2.0+: C11-style atomics on generic pointers, every order and
    # scope (the scope is irrelevant on a CPU: all are coherent).
    c11 = [("int", "int"), ("uint", "uint"), ("long", "long"),
           ("ulong", "ulong"), ("float", None), ("double", None)]
    orders = "memory_order o"
    scope = "memory_scope s"
    for t, arith in c11:
        a = f"volatile atomic_{t} *p"
        emit(f"void OVL atomic_init({a}, {t} v) "
             "{ __opencl_atomic_init(p, v); }")
        for sfx, extra, args in (("", "", "memory_order_seq_cst, "
                                  "memory_scope_device"),
                                 ("_explicit", f", {orders}",
                                  "o, memory_scope_device"),
                                 ("_explicit", f", {orders}, {scope}", "o, s")):
            emit(f"void OVL atomic_store{sfx}({a}, {t} v{extra}) "
                 f"{{ __opencl_atomic_store(p, v, {args}); }}")
            emit(f"{t} OVL atomic_load{sfx}({a}{extra}) "
                 f"{{ return __opencl_atomic_load(p, {args}); }}")
            emit(f"{t} OVL atomic_exchange{sfx}({a}, {t} v{extra}) "
                 f"{{ return __opencl_atomic_exchange(p, v, {args}); }}")
        for strength in ("strong", "weak"):
            fn = f"atomic_compare_exchange_{strength}"
            bi = f"__opencl_atomic_compare_exchange_{strength}"
            for asq in PTR_AS:
                e = f"{asq + ' ' if asq else ''}{t} *e"
                emit(f"bool OVL {fn}({a}, {e}, {t} d) {{ {t} x = *e; "
                     f"bool r = {bi}(p, &x, d, memory_order_seq_cst, "
                     "memory_order_seq_cst, memory_scope_device); *e = x; "
                     "return r; }")
                emit(f"bool OVL {fn}_explicit({a}, {e}, {t} d, memory_order "
                     f"o, memory_order f) {{ {t} x = *e; bool r = {bi}(p, &x, "
                     "d, o, f, memory_scope_device); *e = x; return r; }")
                emit(f"bool OVL {fn}_explicit({a}, {e}, {t} d, memory_order "
                     f"o, memory_order f, memory_scope s) {{ {t} x = *e; "
                     f"bool r = {bi}(p, &x, d, o, f, s); *e = x; return r; }}")
        if not arith:
            continue
        ops = ["add", "sub", "or", "xor", "and", "min", "max"]
        operands = [(t, ops)]
        if t in ("long", "ulong"):
            # atomic_(u)intptr_t with a ptrdiff_t operand
            operands.append(("long" if t == "ulong" else "ulong",
                             ["add", "sub"]))
            if t == "ulong":
                operands.append(("long", []))
        for vt_, oplist in operands:
            for op in oplist:
                for sfx, extra, args in (("", "", "memory_order_seq_cst, "
                                          "memory_scope_device"),
                                         ("_explicit", f", {orders}",
                                          "o, memory_scope_device"),
                                         ("_explicit", f", {orders}, {scope}",
                                          "o, s")):
                    emit(f"{t} OVL atomic_fetch_{op}{sfx}({a}, {vt_} v{extra}) "
                         f"{{ return __opencl_atomic_fetch_{op}(p, ({t})v, "
                         f"{args}); }}")
    for sfx, extra, args in (("", "", "memory_order_seq_cst, memory_scope_device"),
                             ("_explicit", ", memory_order o",
                              "o, memory_scope_device"),
                             ("_explicit", ", memory_order o, memory_scope s",
                              "o, s")):
        emit(f"bool OVL atomic_flag_test_and_set{sfx}(volatile atomic_flag *p"
             f"{extra}) {{ return __opencl_atomic_exchange((volatile "
             f"atomic_int *)p, 1, {args}) != 0; }}")
        emit(f"void OVL atomic_flag_clear{sfx}(volatile atomic_flag *p{extra}) "
             f"{{ __opencl_atomic_store((volatile atomic_int *)p, 0, {args}); }}")


PRELUDE = """/* Generated by gen_builtins.py from builtins/ (*.cl): do not edit. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define OVL __attribute__((overloadable))
"""


def generate():
    emit("/* Generated by gen_builtins.py: do not edit. */")
    gen_math()
    gen_common()
    gen_geometric()
    gen_relational()
    gen_integer()
    gen_conversions()
    gen_vload_vstore()
    gen_shuffle()
    gen_atomics()


CL_EXT = ("-cl-ext=-all,+cl_khr_byte_addressable_store,+__opencl_c_int64,"
          "+cl_khr_fp64,+__opencl_c_fp64,+__opencl_c_generic_address_space,"
          "+__opencl_c_program_scope_global_variables,"
          "+__opencl_c_atomic_order_acq_rel,+__opencl_c_atomic_order_seq_cst,"
          "+__opencl_c_atomic_scope_device,+__opencl_c_atomic_scope_all_devices,"
          "+cl_khr_int64_base_atomics,+cl_khr_int64_extended_atomics,"
          "+cl_khr_global_int32_base_atomics,"
          "+cl_khr_global_int32_extended_atomics,"
          "+cl_khr_local_int32_base_atomics,+cl_khr_local_int32_extended_atomics")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clang", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--cl", required=True)
    ap.add_argument("--bc", required=True)
    ap.add_argument("--c", required=True)
    args = ap.parse_args()

    parts = []
    for name in sorted(os.listdir(args.src)):
        if name.endswith(".cl"):
            with open(os.path.join(args.src, name)) as f:
                parts.append(f"/* --- {name} --- */\n" + f.read())
    gen_host_declarations()
    decls = list(out)
    out.clear()
    generate()
    with open(args.cl, "w") as f:
        f.write(PRELUDE + "\n".join(decls) + "\n" + "\n".join(parts)
                + "\n" + "\n".join(out) + "\n")

    cmd = [args.clang, "-x", "cl", "-cl-std=CL3.0", "-target", "spir64",
           "-emit-llvm", "-c", "-O2", "-U__SPIR__",
           "-Xclang", "-fdeclare-opencl-builtins",
           "-Xclang", "-finclude-default-header", "-Xclang", CL_EXT,
           "-Wno-atomic-alignment", "-ffp-contract=off",
           "-o", args.bc, args.cl]
    r = subprocess.run(cmd)
    if r.returncode:
        return r.returncode
    size = os.path.getsize(args.bc)
    bc = os.path.abspath(args.bc).replace("\\", "\\\\").replace('"', '\\"')
    with open(args.c, "w") as f:
        f.write(f"""/* Generated by gen_builtins.py: do not edit. */
#include <stddef.h>

/* The built-in library's bitcode ({size} bytes), for clc_builtins.c. */
__asm__(".section .rodata\\n"
	".balign 16\\n"
	".globl svmcl_builtins_bc\\n"
	".hidden svmcl_builtins_bc\\n"
	"svmcl_builtins_bc:\\n"
	".incbin \\"{bc}\\"\\n"
	".previous\\n");

extern const unsigned char svmcl_builtins_bc[];
const unsigned char *svmcl_builtins_bc_data(void);
size_t svmcl_builtins_bc_size(void);

const unsigned char *svmcl_builtins_bc_data(void)
{{
	return svmcl_builtins_bc;
}}

size_t svmcl_builtins_bc_size(void)
{{
	return {size};
}}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
