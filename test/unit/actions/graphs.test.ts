import { expect } from 'chai';
import type Graph from 'graphology';
import { requireAction, run } from './helpers';

type GraphBuilder = (seed: number, size: number) => Graph;
const builder = (name: string): GraphBuilder => requireAction(name).buildGraph as GraphBuilder;

/** Adjacency lists, read from the graph once; everything below is computed from these. */
function adjacency(graph: Graph): Map<string, string[]> {
  const adj = new Map<string, string[]>();
  graph.forEachNode((n) => adj.set(n, []));
  graph.forEachEdge((_e, _a, s, t) => {
    adj.get(s)!.push(t);
    adj.get(t)!.push(s);
  });
  return adj;
}

function bfsDepths(adj: Map<string, string[]>, root: string): Map<string, number> {
  const depth = new Map([[root, 0]]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const next of adj.get(queue[i])!) {
      if (!depth.has(next)) {
        depth.set(next, depth.get(queue[i])! + 1);
        queue.push(next);
      }
    }
  }
  return depth;
}

function edgeSet(graph: Graph): string[] {
  const edges: string[] = [];
  graph.forEachEdge((_e, _a, s, t) => edges.push([s, t].sort().join('-')));
  return edges.sort();
}

describe('graph actions (Barabási–Albert, m = 10)', () => {
  const SEED = 7;
  const SIZE = 80;

  it('build the same BA graph in bfs, dfs, mst and pagerank, with (n - m) * m edges and min degree m', () => {
    const reference = edgeSet(builder('bfs')(SEED, SIZE));
    expect(reference).to.have.length((SIZE - 10) * 10);
    for (const name of ['dfs', 'mst', 'pagerank']) expect(edgeSet(builder(name)(SEED, SIZE)), name).to.deep.equal(reference);
    const adj = adjacency(builder('bfs')(SEED, SIZE));
    for (const [node, nbrs] of adj) if (Number(node) >= 10) expect(nbrs.length, node).to.be.at.least(10);
    expect(edgeSet(builder('bfs')(SEED + 1, SIZE))).to.not.deep.equal(reference);
  });

  it('bfs: visits every node; depths match an independent BFS', async () => {
    const adj = adjacency(builder('bfs')(SEED, SIZE));
    const depths = [...bfsDepths(adj, '0').values()];
    const result = await run('bfs', { seed: SEED, size: SIZE });
    expect(result).to.deep.equal({
      nodes: SIZE,
      edges: (SIZE - 10) * 10,
      visited: SIZE,
      maxDepth: Math.max(...depths),
      depthSum: depths.reduce((a, b) => a + b, 0),
    });
  });

  it('dfs: visits every node once along tree edges, ending at a node whose depth is plausible', async () => {
    const result = await run('dfs', { seed: SEED, size: SIZE });
    expect(result).to.include({ nodes: SIZE, visited: SIZE });
    const adj = adjacency(builder('dfs')(SEED, SIZE));
    // A DFS tree is at least as deep as the BFS tree (shortest paths) and at most n - 1.
    const bfsMax = Math.max(...bfsDepths(adj, '0').values());
    expect(result.maxDepth as number).to.be.within(bfsMax, SIZE - 1);
    expect(adj.has(result.last as string)).to.equal(true);
    expect(await run('dfs', { seed: SEED, size: SIZE })).to.deep.equal(result);
  });

  it("mst: total weight equals Prim's algorithm computed independently", async () => {
    const graph = builder('mst')(SEED, SIZE);
    const weight = new Map<string, number>();
    graph.forEachEdge((_e, attrs, s, t) => {
      weight.set(`${s}|${t}`, attrs.weight as number);
      weight.set(`${t}|${s}`, attrs.weight as number);
    });
    const adj = adjacency(graph);
    const inTree = new Set(['0']);
    let total = 0;
    while (inTree.size < SIZE) {
      let best: [string, number] | undefined;
      for (const u of inTree) for (const v of adj.get(u)!) {
        if (inTree.has(v)) continue;
        const w = weight.get(`${u}|${v}`)!;
        if (!best || w < best[1]) best = [v, w];
      }
      inTree.add(best![0]);
      total += best![1];
    }
    expect(await run('mst', { seed: SEED, size: SIZE })).to.deep.equal({ nodes: SIZE, edges: (SIZE - 10) * 10, treeEdges: SIZE - 1, totalWeight: total });
  });

  it('pagerank: matches an independent power iteration', async () => {
    const adj = adjacency(builder('pagerank')(SEED, SIZE));
    const nodes = [...adj.keys()];
    let rank = new Map(nodes.map((n) => [n, 1 / SIZE]));
    for (let iter = 0; iter < 200; iter++) {
      const next = new Map(nodes.map((n) => [n, 0.15 / SIZE]));
      for (const [u, nbrs] of adj) for (const v of nbrs) next.set(v, next.get(v)! + (0.85 * rank.get(u)!) / nbrs.length);
      rank = next;
    }
    const expected = [...rank.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    const result = await run('pagerank', { seed: SEED, size: SIZE });
    const top = result.top as { node: string; rank: number }[];
    expect(top.map((t) => t.node)).to.deep.equal(expected.map((e) => e[0]));
    top.forEach((t, i) => expect(t.rank).to.be.closeTo(expected[i][1], 1e-6));
    expect(result.sum as number).to.be.closeTo(1, 1e-9);
  });

  it('handle graphs smaller than m + 1 nodes (the paper range starts at 10)', async () => {
    expect(await run('bfs', { seed: 1, size: 10 })).to.include({ nodes: 10, edges: 9, visited: 10 });
    expect(await run('mst', { seed: 1, size: 2 })).to.include({ nodes: 2, treeEdges: 1 });
  });
});
