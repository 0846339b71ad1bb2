/**
 * DFS benchmark: builds a seeded Barabási–Albert graph (m = 10) of `size` nodes and traverses it
 * depth-first from node 0, as the paper's networkx DFS benchmark did.
 */
const Graph = require('graphology');
const { dfsFromNode } = require('graphology-traversal');
const prand = require('pure-rand');
const { z } = require('zod');

const EDGES_PER_NODE = 10;
const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(2).max(100000).default(505),
});

/**
 * Barabási–Albert graph as networkx's barabasi_albert_graph builds it: m initial nodes without edges,
 * then each new node links to m distinct targets drawn in proportion to degree (a list with one entry
 * per edge end). Kept identical in bfs, dfs, mst and pagerank: an action is deployed as one file.
 */
function barabasiAlbert(nodes, m, random) {
  const graph = new Graph({ type: 'undirected', multi: false });
  const links = Math.min(m, nodes - 1);
  for (let i = 0; i < nodes; i++) graph.addNode(String(i));
  let targets = [];
  for (let i = 0; i < links; i++) targets.push(i);
  const repeated = [];
  for (let source = links; source < nodes; source++) {
    for (const t of targets) graph.addEdge(String(source), String(t));
    for (const t of targets) repeated.push(t);
    for (let i = 0; i < links; i++) repeated.push(source);
    const chosen = new Set();
    while (chosen.size < links) chosen.add(repeated[Math.floor(random() * repeated.length)]);
    targets = [...chosen];
  }
  return graph;
}

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

function buildGraph(seed, size) {
  return barabasiAlbert(size, EDGES_PER_NODE, seededRandom(seed));
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size } = parsed.data;
  const graph = buildGraph(seed, size);
  const order = [];
  let maxDepth = 0;
  dfsFromNode(graph, '0', (node, _attributes, depth) => {
    order.push(node);
    if (depth > maxDepth) maxDepth = depth;
  });
  return { nodes: graph.order, edges: graph.size, visited: order.length, maxDepth, last: order[order.length - 1] };
}

module.exports = { main, buildGraph };
