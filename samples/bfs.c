/* SPDX-License-Identifier: MIT */
/*
 * bfs - breadth-first search over a pointer-based graph in plain host memory.
 *
 * The host builds an undirected random graph the way a CPU program would:
 * every vertex is its own malloc() block and holds a malloc'd array of
 * pointers to its neighbours. Nothing is copied or flattened for the
 * device. With fine-grained system SVM the kernel follows the same
 * pointers, so the graph a debugger shows on the host is exactly the one
 * the device walks.
 *
 * The search is level-synchronous: launch k gives every vertex of level k
 * to one work-item, which labels its unvisited neighbours k + 1. Two
 * work-items may label the same neighbour in one launch; both write the
 * same value, so no atomics are needed. The host loops while a launch
 * labelled something, then checks every level against a CPU BFS.
 *
 * Exit status: 0 when every level matches, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

#define VERTICES 20000
#define EDGES (VERTICES * 4)	/* undirected: average degree 8 */

struct vertex {
	cl_int level;		/* -1 until reached */
	cl_int degree;
	struct vertex **adj;
};

static const char *kernel_source =
	"typedef struct vertex {\n"
	"	int level;\n"
	"	int degree;\n"
	"	global struct vertex *global *adj;\n"
	"} vertex_t;\n"
	"\n"
	"/* OpenCL C forbids pointer-to-pointer kernel parameters. */\n"
	"typedef struct { global vertex_t *v; } vertex_ref_t;\n"
	"\n"
	"kernel void bfs_level(global vertex_ref_t *verts, int level,\n"
	"		      global int *labelled)\n"
	"{\n"
	"	global vertex_t *v = verts[get_global_id(0)].v;\n"
	"\n"
	"	if (v->level != level)\n"
	"		return;\n"
	"	for (int e = 0; e < v->degree; e++) {\n"
	"		global vertex_t *n = v->adj[e];\n"
	"\n"
	"		if (n->level < 0) {\n"
	"			n->level = level + 1;\n"
	"			*labelled = 1;\n"
	"		}\n"
	"	}\n"
	"}\n";

static uint64_t lcg_state = 0x2545F4914F6CDD1Dull;

static uint32_t lcg_next(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 33);
}

static void add_edge(struct vertex *a, struct vertex *b, cl_int *capacity_a)
{
	if (a->degree == *capacity_a) {
		*capacity_a = *capacity_a ? 2 * *capacity_a : 4;
		a->adj = realloc(a->adj, *capacity_a * sizeof(*a->adj));
		if (!a->adj)
			exit(1);
	}
	a->adj[a->degree++] = b;
}

/* The reference: a CPU BFS from vertex 0 over the same pointers. */
static void cpu_bfs(struct vertex **verts, cl_int *expect)
{
	struct vertex **queue = malloc(VERTICES * sizeof(*queue));
	size_t head = 0, tail = 0;

	if (!queue)
		exit(1);
	for (int i = 0; i < VERTICES; i++)
		expect[i] = -1;
	/* The index of a vertex is kept in its level slot while searching. */
	for (int i = 0; i < VERTICES; i++)
		verts[i]->level = i;
	expect[0] = 0;
	queue[tail++] = verts[0];
	while (head < tail) {
		struct vertex *v = queue[head++];

		for (int e = 0; e < v->degree; e++) {
			struct vertex *n = v->adj[e];

			if (expect[n->level] < 0) {
				expect[n->level] = expect[v->level] + 1;
				queue[tail++] = n;
			}
		}
	}
	free(queue);
}

int main(void)
{
	struct sample_cl cl;
	struct vertex **verts;
	cl_int *capacity, *expect, *labelled;
	cl_program prog;
	cl_kernel kernel;
	size_t global = VERTICES;
	int levels = 0, reached = 0, bad = 0;

	sample_open(&cl, CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, NULL, NULL);

	verts = malloc(VERTICES * sizeof(*verts));
	capacity = calloc(VERTICES, sizeof(*capacity));
	expect = malloc(VERTICES * sizeof(*expect));
	labelled = malloc(sizeof(*labelled));
	if (!verts || !capacity || !expect || !labelled)
		return 1;
	for (int i = 0; i < VERTICES; i++) {
		verts[i] = calloc(1, sizeof(**verts));
		if (!verts[i])
			return 1;
	}
	for (int e = 0; e < EDGES; e++) {
		uint32_t a = lcg_next() % VERTICES, b = lcg_next() % VERTICES;

		add_edge(verts[a], verts[b], &capacity[a]);
		add_edge(verts[b], verts[a], &capacity[b]);
	}
	cpu_bfs(verts, expect);

	for (int i = 0; i < VERTICES; i++)
		verts[i]->level = -1;
	verts[0]->level = 0;

	prog = sample_build(&cl, kernel_source, NULL);
	kernel = sample_kernel(prog, "bfs_level");
	sample_allow_system_pointers(kernel);
	CHECK(clSetKernelArgSVMPointer(kernel, 0, verts));
	CHECK(clSetKernelArgSVMPointer(kernel, 2, labelled));
	do {
		*labelled = 0;
		CHECK(clSetKernelArg(kernel, 1, sizeof(levels), &levels));
		CHECK(clEnqueueNDRangeKernel(cl.queue, kernel, 1, NULL, &global,
					     NULL, 0, NULL, NULL));
		CHECK(clFinish(cl.queue));
		levels++;
	} while (*labelled);

	for (int i = 0; i < VERTICES; i++) {
		if (verts[i]->level >= 0)
			reached++;
		if (verts[i]->level != expect[i] && bad++ < 10)
			fprintf(stderr, "vertex %d: level %d, expected %d\n", i,
				verts[i]->level, expect[i]);
	}
	printf("BFS over %d malloc'd vertices, %d edges: %d reached in %d levels: %s\n",
	       VERTICES, EDGES, reached, levels - 1,
	       bad ? "MISMATCH" : "all levels correct");

	clReleaseKernel(kernel);
	clReleaseProgram(prog);
	sample_close(&cl);
	for (int i = 0; i < VERTICES; i++) {
		free(verts[i]->adj);
		free(verts[i]);
	}
	free(verts);
	free(capacity);
	free(expect);
	free(labelled);
	return bad ? 1 : 0;
}
