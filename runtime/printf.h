/* SPDX-License-Identifier: MIT */
/*
 * printf.h - the host side of the OpenCL C printf built-in.
 *
 * DOC: Overview
 *
 * Kernels append binary records to the dispatch's printf buffer
 * (struct sgpu_printf_buf, sgpu_abi.h); when the command completes the
 * runtime formats them here, in the order the work-items reserved them,
 * and writes the text to stdout in one piece.
 */
#ifndef SVMCL_PRINTF_H
#define SVMCL_PRINTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "svmcl/sgpu_abi.h"

/* Bytes of a dispatch's printf buffer (CL_DEVICE_PRINTF_BUFFER_SIZE). */
#define SVMCL_PRINTF_BUFFER_SIZE (1024 * 1024)

/**
 * svmcl_printf_buffer() - the calling thread's printf buffer, emptied.
 *
 * Commands run on one thread at a time each, so one buffer per thread
 * that runs commands is enough; it is freed when the thread exits.
 * Return: the buffer, or NULL without memory (printf then returns -1).
 */
struct sgpu_printf_buf *svmcl_printf_buffer(void);

/**
 * svmcl_printf_format() - format the records of @buf to @out.
 * Return: true when some records did not fit in the buffer (their printf
 * returned -1 and printed nothing).
 */
bool svmcl_printf_format(const struct sgpu_printf_buf *buf, FILE *out);

/* Formats @buf to stdout and flushes it (nothing when empty). */
void svmcl_printf_flush(struct sgpu_printf_buf *buf);

#endif /* SVMCL_PRINTF_H */
