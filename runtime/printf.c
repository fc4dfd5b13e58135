/* SPDX-License-Identifier: MIT */
/*
 * printf.c - format the printf records of a completed command.
 *
 * DOC: Overview
 *
 * The compiler turns each printf call into a record (sgpu_abi.h): the
 * host addresses of the format string and of a descriptor of the
 * arguments, then the argument values. The format string and the
 * descriptor are constants of the program's JIT module, which outlives
 * the command (the command holds its kernel, the kernel its program).
 *
 * Formatting follows OpenCL C 3.0 section 6.15.14: the C99 conversions
 * plus the vector specifier vN (elements separated by commas) and the
 * length modifiers hh, h, hl and l, which give the element width of
 * integer conversions. Each conversion is handed to the C library's
 * printf with an explicit "ll" or double argument, so the host does the
 * number formatting. A conversion with no argument left prints nothing.
 *
 * DOC: Locking
 *
 * None: each thread has its own buffer (a pthread key frees it when the
 * thread exits), and a command's text reaches stdout in one fwrite.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "printf.h"

static pthread_key_t buffer_key;
static pthread_once_t buffer_once = PTHREAD_ONCE_INIT;
static bool buffer_key_ok;

static void buffer_key_create(void)
{
	buffer_key_ok = pthread_key_create(&buffer_key, free) == 0;
}

struct sgpu_printf_buf *svmcl_printf_buffer(void)
{
	struct sgpu_printf_buf *buf;

	pthread_once(&buffer_once, buffer_key_create);
	if (!buffer_key_ok)
		return NULL;
	buf = pthread_getspecific(buffer_key);
	if (!buf) {
		/* malloc, not calloc: pages are touched only when used */
		buf = malloc(sizeof(*buf) + SVMCL_PRINTF_BUFFER_SIZE);
		if (!buf)
			return NULL;
		buf->size = SVMCL_PRINTF_BUFFER_SIZE;
		if (pthread_setspecific(buffer_key, buf)) {
			free(buf);
			return NULL;
		}
	}
	__atomic_store_n(&buf->used, 0, __ATOMIC_RELAXED);
	return buf;
}

/* One conversion specification, as parsed. */
struct spec {
	char flags[8];
	char width[16];
	char precision[16];	/* with its '.' */
	unsigned int lanes;	/* 0: not a vector */
	unsigned int int_bits;	/* from hh/h/hl/l, 0 when none */
	char conv;
};

static const char *parse_spec(const char *p, struct spec *s)
{
	size_t n;

	memset(s, 0, sizeof(*s));
	for (n = 0; *p && strchr("-+ #0", *p) && n + 1 < sizeof(s->flags); p++)
		s->flags[n++] = *p;
	for (n = 0; *p >= '0' && *p <= '9' && n + 1 < sizeof(s->width); p++)
		s->width[n++] = *p;
	if (*p == '.') {
		s->precision[0] = *p++;
		for (n = 1; *p >= '0' && *p <= '9' &&
			    n + 1 < sizeof(s->precision); p++)
			s->precision[n++] = *p;
	}
	if (*p == 'v') {
		s->lanes = (unsigned int)strtoul(p + 1, (char **)&p, 10);
		if (s->lanes == 0)
			s->lanes = 1;
	}
	if (p[0] == 'h' && p[1] == 'h') {
		s->int_bits = 8;
		p += 2;
	} else if (p[0] == 'h' && p[1] == 'l') {
		s->int_bits = 32;
		p += 2;
	} else if (p[0] == 'h') {
		s->int_bits = 16;
		p++;
	} else if (p[0] == 'l') {
		s->int_bits = 64;
		p++;
	}
	s->conv = *p;
	return *p ? p + 1 : p;
}

static uint64_t read_uint(const unsigned char *p, unsigned int size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	double v;

	if (e == 0x1f)
		v = m ? __builtin_nan("") : __builtin_inf();
	else if (e == 0)
		v = m * 0x1p-24;
	else
		v = (1024 + m) * __builtin_ldexp(1.0, e - 25);
	return (h & 0x8000) ? -v : v;
}

static double read_float(const unsigned char *p, unsigned int size)
{
	float f;
	double d;

	if (size == 2)
		return half_to_double((uint16_t)read_uint(p, 2));
	if (size == 4) {
		memcpy(&f, p, 4);
		return f;
	}
	memcpy(&d, p, 8);
	return d;
}

/* Formats one element of argument @p (descriptor @d) with spec @s. */
static void format_one(FILE *out, const struct spec *s,
		       const unsigned char *d, const unsigned char *p)
{
	char fmt[64];
	unsigned int bits = s->int_bits ? s->int_bits : 32;
	uint64_t v;

	switch (s->conv) {
	case 'd':
	case 'i':
	case 'o':
	case 'u':
	case 'x':
	case 'X':
	case 'c':
		if (d[0] == 'f') {
			v = (uint64_t)(int64_t)read_float(p, d[1]);
		} else {
			v = read_uint(p, d[1]);
			/* sign-extend from the argument's own width */
			if (d[1] < 8 && (v >> (d[1] * 8 - 1)) & 1)
				v |= ~0ull << (d[1] * 8);
		}
		if (s->lanes && !s->int_bits)
			bits = d[1] * 8;
		if (bits < 64)
			v &= (1ull << bits) - 1;
		if (s->conv == 'c') {
			snprintf(fmt, sizeof(fmt), "%%%s%sc", s->flags, s->width);
			fprintf(out, fmt, (int)(unsigned char)v);
			return;
		}
		snprintf(fmt, sizeof(fmt), "%%%s%s%sll%c", s->flags, s->width,
			 s->precision, s->conv);
		if (s->conv == 'd' || s->conv == 'i') {
			int64_t sv = (int64_t)v;

			if (bits < 64 && (v >> (bits - 1)) & 1)
				sv = (int64_t)(v | (~0ull << bits));
			fprintf(out, fmt, (long long)sv);
		} else {
			fprintf(out, fmt, (unsigned long long)v);
		}
		return;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
	case 'a':
	case 'A':
		snprintf(fmt, sizeof(fmt), "%%%s%s%s%c", s->flags, s->width,
			 s->precision, s->conv);
		fprintf(out, fmt, d[0] == 'f' ? read_float(p, d[1]) :
						(double)(int64_t)read_uint(p, d[1]));
		return;
	case 'p':
		snprintf(fmt, sizeof(fmt), "%%%s%sp", s->flags, s->width);
		fprintf(out, fmt, (void *)(uintptr_t)read_uint(p, 8));
		return;
	case 's':
		snprintf(fmt, sizeof(fmt), "%%%s%s%ss", s->flags, s->width,
			 s->precision);
		v = read_uint(p, 8);
		fprintf(out, fmt, v ? (const char *)(uintptr_t)v : "(null)");
		return;
	default:
		return;
	}
}

static void format_record(FILE *out, const char *f, const unsigned char *desc,
			  const unsigned char *payload)
{
	const unsigned char *d = desc;
	size_t off = 0;

	while (*f) {
		struct spec s;

		if (*f != '%') {
			const char *next = strchr(f, '%');
			size_t n = next ? (size_t)(next - f) : strlen(f);

			fwrite(f, 1, n, out);
			f += n;
			continue;
		}
		if (f[1] == '%') {
			fputc('%', out);
			f += 2;
			continue;
		}
		f = parse_spec(f + 1, &s);
		if (!d[0])
			continue;	/* no argument left */
		{
			unsigned int lanes = d[2], esize = d[0] == 'p' ? 8 : d[1];

			for (unsigned int k = 0; k < lanes; k++) {
				if (k)
					fputc(',', out);
				format_one(out, &s, d, payload + off + k * esize);
			}
			off += ((size_t)esize * lanes + 7) & ~(size_t)7;
		}
		d += 3;
	}
}

bool svmcl_printf_format(const struct sgpu_printf_buf *buf, FILE *out)
{
	uint64_t used = __atomic_load_n(&buf->used, __ATOMIC_ACQUIRE);
	uint64_t end = used < buf->size ? used : buf->size;
	uint64_t pos = 0;

	while (pos + SGPU_PRINTF_HEADER <= end) {
		const unsigned char *rec = buf->data + pos;
		uint32_t len;
		uint64_t fmt, desc;

		memcpy(&len, rec, 4);
		memcpy(&fmt, rec + 8, 8);
		memcpy(&desc, rec + 16, 8);
		if (len < SGPU_PRINTF_HEADER || pos + len > end)
			break;
		format_record(out, (const char *)(uintptr_t)fmt,
			      (const unsigned char *)(uintptr_t)desc,
			      rec + SGPU_PRINTF_HEADER);
		pos += len;
	}
	return used > buf->size;
}

void svmcl_printf_flush(struct sgpu_printf_buf *buf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	if (!buf || !__atomic_load_n(&buf->used, __ATOMIC_ACQUIRE))
		return;
	mem = open_memstream(&text, &len);
	if (!mem) {
		svmcl_printf_format(buf, stdout);
	} else {
		svmcl_printf_format(buf, mem);
		fclose(mem);
		fwrite(text, 1, len, stdout);
		free(text);
	}
	fflush(stdout);
	buf->used = 0;
}
