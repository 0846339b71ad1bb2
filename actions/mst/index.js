/**
 * MST benchmark: builds a seeded Barabási–Albert graph (m = 10) of `size` nodes with seeded integer
 * edge weights and computes a minimum spanning tree with Kruskal's algorithm, as the paper's networkx
 * MST benchmark did.
 */
const Graph = require('graphology');
const prand = require('pure-rand');
const { z } = require('zod');

const EDGES_PER_NODE = 10;
const MAX_WEIGHT = 1000;
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

/** The graph with a seeded integer weight in [1, MAX_WEIGHT] on every edge. */
function buildGraph(seed, size) {
  const random = seededRandom(seed);
  const graph = barabasiAlbert(size, EDGES_PER_NODE, random);
  graph.forEachEdge((edge) => graph.setEdgeAttribute(edge, 'weight', 1 + Math.floor(random() * MAX_WEIGHT)));
  return graph;
}

/** Kruskal: edges by weight, union-find with path halving and union by size. */
function minimumSpanningTree(graph) {
  const index = new Map();
  graph.forEachNode((node) => index.set(node, index.size));
  const parent = new Int32Array(index.size).map((_, i) => i);
  const setSize = new Int32Array(index.size).fill(1);
  const find = (x) => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const edges = [];
  graph.forEachEdge((_edge, attributes, source, target) => {
    edges.push({ a: index.get(source), b: index.get(target), weight: attributes.weight });
  });
  edges.sort((x, y) => x.weight - y.weight);
  const tree = [];
  for (const edge of edges) {
    let ra = find(edge.a);
    let rb = find(edge.b);
    if (ra === rb) continue;
    if (setSize[ra] < setSize[rb]) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    setSize[ra] += setSize[rb];
    tree.push(edge);
    if (tree.length === index.size - 1) break;
  }
  return tree;
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size } = parsed.data;
  const graph = buildGraph(seed, size);
  const tree = minimumSpanningTree(graph);
  const totalWeight = tree.reduce((sum, edge) => sum + edge.weight, 0);
  return { nodes: graph.order, edges: graph.size, treeEdges: tree.length, totalWeight };
}

module.exports = { main, buildGraph };
