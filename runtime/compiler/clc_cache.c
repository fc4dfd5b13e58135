/* SPDX-License-Identifier: MIT */
/*
 * clc_cache.c - the on-disk binary cache of the OpenCL C front end.
 *
 * DOC: Overview
 *
 * clang is the slow part of a build (the OpenCL C headers, the
 * front end). What it produces depends only on the source, the embedded
 * headers, the options, the device's language features and the compiler,
 * so clc_compile() keeps its output (the spir64 bitcode and clang's
 * diagnostics) in one file per input under
 *
 *	$XDG_CACHE_HOME/svmcl/		(when XDG_CACHE_HOME is absolute)
 *	$HOME/.cache/svmcl/		(otherwise)
 *
 * and a build that finds its entry skips clang (and its temporary
 * directory) altogether.
 *
 * Stage 3 (clc_build_bitcode(): built-in library, lowering, MMU
 * instrumentation, default<O2>) has entries of its own, "<hash>.jit": the
 * optimised module and the kernel descriptions (clc.c), keyed by the same
 * compiler identity, the host CPU and its features, SVMCL_MMU ("off" or
 * "on") and the whole input bitcode. Machine code is never cached: the
 * JIT generates it on every build, from the cached module.
 *
 * The key is the whole input, not only its hash: a format tag, the ELF
 * build id of svmcl's own library (any change of the compiler driver
 * changes it), clang's identity (its version, and path, size, mtime and
 * inode of libclang-cpp and of its opencl-c-base.h) and LLVM's
 * version, the device description, the options, the source and every
 * embedded header with its name. The entry file is named by two 64-bit
 * FNV-1a hashes of the key and stores the key itself, so a hash collision
 * is a miss, never a wrong program.
 *
 * Entry file: struct cache_entry_header, key, the stage's log, its blob
 * (clang's bitcode, or for ".jit" what clc.c stored). The
 * header's checksum covers the rest; a short, damaged or foreign file is
 * counted as corrupt, ignored, and replaced by the next store. Stores
 * write a temporary file in the same directory and rename() it over the
 * entry, so readers see the old entry or the new one, never half a file
 * (the rename is atomic; no fsync: after a power loss an entry may be
 * empty, which is just corrupt).
 *
 * Not cached: when SVMCL_CACHE=0 is in the environment, when neither
 * directory can be used, and for input that may read files the key does
 * not cover: an -I option, or an #include of an absolute path or of a
 * macro. (Embedded headers are in the key; clang's own headers are part
 * of clang's identity.)
 *
 * DOC: Locking
 *
 * No lock: the statistics are atomics, the build id is computed once
 * (pthread_once), and concurrent stores of one entry from several threads
 * or processes each rename a complete file.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/clc_frontend.h"
#include "compiler/clc_store.h"

#define CACHE_MAGIC "SVMCLCE1"
#define CACHE_FORMAT "svmcl-clc-cache-1"

struct cache_entry_header {
	char magic[8];
	uint64_t key_size;
	uint64_t log_size;	/* without a NUL */
	uint64_t bc_size;
	uint64_t checksum;	/* FNV-1a of key, log and bitcode */
};

static struct {
	atomic_ulong frontend_runs, hits, misses, corrupt, stores;
	atomic_ulong jit_hits, jit_misses, jit_stores;
} stats;

void clc_cache_get_stats(struct clc_cache_stats *s)
{
	s->frontend_runs = atomic_load(&stats.frontend_runs);
	s->hits = atomic_load(&stats.hits);
	s->misses = atomic_load(&stats.misses);
	s->corrupt = atomic_load(&stats.corrupt);
	s->stores = atomic_load(&stats.stores);
	s->jit_hits = atomic_load(&stats.jit_hits);
	s->jit_misses = atomic_load(&stats.jit_misses);
	s->jit_stores = atomic_load(&stats.jit_stores);
}

void clc_cache_count_frontend(void)
{
	atomic_fetch_add(&stats.frontend_runs, 1);
}

/* --- what identifies the compiler ---------------------------------------- */

static pthread_once_t ident_once = PTHREAD_ONCE_INIT;
static char ident[1024];

struct build_id_search {
	uintptr_t addr;		/* an address inside svmcl's library */
	char *out;
	size_t len;
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build_id_search *s = data;
	bool mine = false;

	for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		mine = ph->p_type == PT_LOAD && s->addr >= start &&
		       s->addr < start + ph->p_memsz;
	}
	if (!mine)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const void *)p;
			const unsigned char *desc = (const unsigned char *)p +
				sizeof(*n) + ((n->n_namesz + 3) & ~3u);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(p + sizeof(*n), "GNU", 4)) {
				size_t o = 0;

				for (unsigned int b = 0; b < n->n_descsz &&
				     o + 3 < s->len; b++)
					o += (size_t)snprintf(s->out + o,
							      s->len - o,
							      "%02x", desc[b]);
				return 1;
			}
			p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;	/* no build id: the caller falls back */
}

static void compute_ident(void)
{
	char build_id[128] = "";
	struct build_id_search s = {
		.addr = (uintptr_t)&compute_ident,
		.out = build_id,
		.len = sizeof(build_id),
	};
	struct stat lib_st = { 0 };
	char clang[512];
	Dl_info dli;

	dl_iterate_phdr(find_build_id, &s);
	/* Without a build id, the library file's identity will do. */
	if (!build_id[0] && dladdr((void *)&compute_ident, &dli) &&
	    dli.dli_fname)
		stat(dli.dli_fname, &lib_st);
	clc_cc1_ident(clang, sizeof(clang));
	snprintf(ident, sizeof(ident),
		 "%s svmcl=%s build-id=%s lib=%lld.%lld.%lld %s llvm=%s",
		 CACHE_FORMAT, SVMCL_VERSION, build_id,
		 (long long)lib_st.st_size, (long long)lib_st.st_mtime,
		 (long long)lib_st.st_ino, clang, SVMCL_LLVM_VERSION);
}

/* --- where ----------------------------------------------------------------- */

/* The cache directory, created if needed; false when there is none. */
static bool cache_dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	const char *env = getenv("SVMCL_CACHE");
	int n;

	if (env && !strcmp(env, "0"))
		return false;
	/* XDG: a relative XDG_CACHE_HOME is invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		n = snprintf(dir, len, "%s/svmcl", xdg);
		if (n < 0 || (size_t)n >= len)
			return false;
		mkdir(xdg, 0700);
	} else if (home && home[0] == '/') {
		n = snprintf(dir, len, "%s/.cache", home);
		if (n < 0 || (size_t)n + 6 >= len)
			return false;
		mkdir(dir, 0700);
		strcat(dir, "/svmcl");
	} else {
		return false;
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return false;
	return true;
}

static bool entry_path(const struct clc_cache_key *key, char *path,
		       size_t len)
{
	char dir[4096];
	int n;

	if (!cache_dir(dir, sizeof(dir)))
		return false;
	n = snprintf(path, len, "%s/%016llx%016llx.%s", dir,
		     (unsigned long long)key->hash[0],
		     (unsigned long long)key->hash[1], key->jit ? "jit" : "clc");
	return n > 0 && (size_t)n < len;
}

/* --- the key --------------------------------------------------------------- */

/* An #include whose target is absolute or computed by a macro. */
static bool reads_outside_files(const char *src)
{
	for (const char *p = src; (p = strchr(p, '#')); p++) {
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "include", 7))
			continue;
		q += 7;
		while (*q == ' ' || *q == '\t')
			q++;
		if ((*q != '"' && *q != '<') || q[1] == '/')
			return true;
	}
	return false;
}

static bool has_include_dir_option(const char *options)
{
	for (const char *p = options; p && (p = strstr(p, "-I")); p += 2)
		if (p == options || p[-1] == ' ' || p[-1] == '\t' ||
		    p[-1] == '\n' || p[-1] == '\r')
			return true;
	return false;
}

struct key_buf {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void key_add(struct key_buf *k, const char *tag, const void *data,
		    size_t len)
{
	char prefix[64];
	int n = snprintf(prefix, sizeof(prefix), "\n%s %zu\n", tag, len);
	size_t need = k->len + (size_t)n + len;

	if (k->oom)
		return;
	if (need > k->cap) {
		size_t cap = k->cap ? k->cap : 1024;
		char *b;

		while (cap < need)
			cap *= 2;
		b = realloc(k->buf, cap);
		if (!b) {
			k->oom = true;
			return;
		}
		k->buf = b;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, prefix, (size_t)n);
	memcpy(k->buf + k->len + n, data, len);
	k->len = need;
}

static void key_add_str(struct key_buf *k, const char *tag, const char *s)
{
	key_add(k, tag, s ? s : "", strlen(s ? s : ""));
}

int clc_cache_key_init(struct clc_cache_key *key, const char *source,
		       const char *options, const struct clc_header *headers,
		       unsigned int num_headers, const char *device)
{
	struct key_buf k = { 0 };
	char dir[4096];

	memset(key, 0, sizeof(*key));
	if (!device || !cache_dir(dir, sizeof(dir)))
		return -ENOENT;
	if (has_include_dir_option(options) || reads_outside_files(source))
		return -ENOENT;
	for (unsigned int i = 0; i < num_headers; i++)
		if (reads_outside_files(headers[i].source))
			return -ENOENT;

	pthread_once(&ident_once, compute_ident);
	key_add_str(&k, "compiler", ident);
	key_add_str(&k, "device", device);
	key_add_str(&k, "options", options);
	key_add_str(&k, "source", source);
	for (unsigned int i = 0; i < num_headers; i++) {
		key_add_str(&k, "header-name", headers[i].name);
		key_add_str(&k, "header", headers[i].source);
	}
	if (k.oom) {
		free(k.buf);
		return -ENOMEM;
	}
	key->material = k.buf;
	key->len = k.len;
	key->hash[0] = clc_fnv1a(CLC_FNV_OFFSET, k.buf, k.len);
	/* A second hash of the same bytes, from another offset basis. */
	key->hash[1] = clc_fnv1a(0x84222325cbf29ce4ull ^ k.len, k.buf, k.len);
	return 0;
}

static void key_finish(struct clc_cache_key *key, struct key_buf *k)
{
	key->material = k->buf;
	key->len = k->len;
	key->hash[0] = clc_fnv1a(CLC_FNV_OFFSET, k->buf, k->len);
	/* A second hash of the same bytes, from another offset basis. */
	key->hash[1] = clc_fnv1a(0x84222325cbf29ce4ull ^ k->len, k->buf,
				 k->len);
}

int clc_cache_key_init_jit(struct clc_cache_key *key, const void *bc,
			   size_t bc_size, const char *target)
{
	const char *mmu = getenv("SVMCL_MMU");
	struct key_buf k = { 0 };
	char dir[4096];

	memset(key, 0, sizeof(*key));
	if (!cache_dir(dir, sizeof(dir)))
		return -ENOENT;
	pthread_once(&ident_once, compute_ident);
	key_add_str(&k, "compiler", ident);
	key_add_str(&k, "stage", "jit");
	key_add_str(&k, "target", target);
	/* Only "off" changes the instrumentation (clc_mmu.c). */
	key_add_str(&k, "mmu", mmu && !strcmp(mmu, "off") ? "off" : "on");
	key_add(&k, "input", bc, bc_size);
	if (k.oom) {
		free(k.buf);
		return -ENOMEM;
	}
	key_finish(key, &k);
	key->jit = true;
	return 0;
}

void clc_cache_key_fini(struct clc_cache_key *key)
{
	free(key->material);
	key->material = NULL;
}

/* --- lookup and store ------------------------------------------------------ */

static int read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* -EBADMSG: damaged; -ENOENT: absent or another key. */
static int read_entry(const struct clc_cache_key *key, const char *path,
		      void **bc, size_t *bc_size, char **log_text)
{
	struct cache_entry_header h;
	struct stat st;
	char *body = NULL, *log = NULL;
	void *code = NULL;
	size_t body_size;
	int fd, ret = -EBADMSG;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(h) ||
	    read_all(fd, &h, sizeof(h)) ||
	    memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)))
		goto out_close;
	body_size = (size_t)st.st_size - sizeof(h);
	if (h.key_size > body_size || h.log_size > body_size - h.key_size ||
	    h.bc_size != body_size - h.key_size - h.log_size || !h.bc_size)
		goto out_close;
	body = malloc(body_size);
	if (!body) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (read_all(fd, body, body_size) ||
	    clc_fnv1a(CLC_FNV_OFFSET, body, body_size) != h.checksum)
		goto out_free;
	if (h.key_size != key->len || memcmp(body, key->material, key->len)) {
		ret = -ENOENT;	/* a collision: not ours */
		goto out_free;
	}
	log = malloc(h.log_size + 1);
	code = malloc(h.bc_size);
	if (!log || !code) {
		free(log);
		free(code);
		ret = -ENOMEM;
		goto out_free;
	}
	memcpy(log, body + h.key_size, h.log_size);
	log[h.log_size] = '\0';
	memcpy(code, body + h.key_size + h.log_size, h.bc_size);
	*log_text = log;
	*bc = code;
	*bc_size = h.bc_size;
	ret = 0;
out_free:
	free(body);
out_close:
	close(fd);
	return ret;
}

int clc_cache_lookup(const struct clc_cache_key *key, void **bc,
		     size_t *bc_size, char **log_text)
{
	char path[4200];
	int ret;

	if (!key->material || !entry_path(key, path, sizeof(path)))
		return -ENOENT;
	ret = read_entry(key, path, bc, bc_size, log_text);
	if (!ret) {
		atomic_fetch_add(key->jit ? &stats.jit_hits : &stats.hits, 1);
		return 0;
	}
	if (ret == -EBADMSG)
		atomic_fetch_add(&stats.corrupt, 1);
	atomic_fetch_add(key->jit ? &stats.jit_misses : &stats.misses, 1);
	return -ENOENT;
}

void clc_cache_store(const struct clc_cache_key *key, const void *bc,
		     size_t bc_size, const char *log_text)
{
	struct cache_entry_header h = { 0 };
	size_t log_size = strlen(log_text ? log_text : "");
	char path[4200], tmp[4300];
	uint64_t sum;
	int fd;

	if (!key->material || !entry_path(key, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;

	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	h.key_size = key->len;
	h.log_size = log_size;
	h.bc_size = bc_size;
	sum = clc_fnv1a(CLC_FNV_OFFSET, key->material, key->len);
	sum = clc_fnv1a(sum, log_text ? log_text : "", log_size);
	h.checksum = clc_fnv1a(sum, bc, bc_size);

	if (write_all(fd, &h, sizeof(h)) ||
	    write_all(fd, key->material, key->len) ||
	    write_all(fd, log_text ? log_text : "", log_size) ||
	    write_all(fd, bc, bc_size))
		goto err_unlink;
	if (close(fd)) {
		fd = -1;
		goto err_unlink;
	}
	fd = -1;
	if (rename(tmp, path))
		goto err_unlink;
	atomic_fetch_add(key->jit ? &stats.jit_stores : &stats.stores, 1);
	return;

err_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
}
