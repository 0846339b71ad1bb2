/**
 * The Grafana dashboard queries only metrics the code exports, with the suffixes their types have,
 * and every exported metric has a panel.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const dashboardFile = path.join(root, 'deploy', 'grafana', 'pronghorn.json');
const metricSources = ['src/sidecar/metrics.ts', 'src/agent/metrics.ts'];

type MetricType = 'Counter' | 'Gauge' | 'Histogram' | 'Summary';

/** Metric names and types declared with prom-client (`new Counter({ name: '...' ...})`) in a source file. */
export function declaredMetrics(source: string): Map<string, MetricType> {
  const out = new Map<string, MetricType>();
  for (const m of source.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\s*\{[^}]*?\bname:\s*['"`]([a-zA-Z_:][a-zA-Z0-9_:]*)['"`]/gs)) {
    out.set(m[2], m[1] as MetricType);
  }
  return out;
}

/** The metric a series name in a query belongs to, or null if none is declared with that suffix. */
export function resolveSeries(series: string, metrics: Map<string, MetricType>): string | null {
  if (metrics.has(series)) {
    const t = metrics.get(series);
    return t === 'Counter' || t === 'Gauge' ? series : null;
  }
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const t = metrics.get(base);
    if (t === 'Histogram' || (t === 'Summary' && suffix !== '_bucket')) return base;
  }
  return null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Panel = Record<string, any>;

function panels(): Panel[] {
  const dash = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
  const flat: Panel[] = [];
  const walk = (ps: Panel[]) => {
    for (const p of ps) {
      flat.push(p);
      if (p.panels) walk(p.panels);
    }
  };
  walk(dash.panels);
  return flat;
}

describe('deploy: Grafana dashboard', () => {
  const metrics = new Map<string, MetricType>();
  before(() => {
    for (const file of metricSources) {
      const full = path.join(root, file);
      expect(fs.existsSync(full), `${file} declares the metrics the dashboard shows`).to.equal(true);
      for (const [k, v] of declaredMetrics(fs.readFileSync(full, 'utf8'))) metrics.set(k, v);
    }
  });

  it('finds the metrics the code declares', () => {
    expect(declaredMetrics("new Histogram({ name: 'x_ms', help: 'h', buckets: [1] })").get('x_ms')).to.equal('Histogram');
    expect(metrics.size).to.be.greaterThan(5);
  });

  it('is a dashboard with a Prometheus data source variable and laid-out panels', () => {
    const dash = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
    expect(dash.title).to.be.a('string');
    expect(dash.uid).to.match(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dash.schemaVersion).to.be.a('number');
    const ds = dash.templating.list.find((v: Panel) => v.type === 'datasource');
    expect(ds?.query).to.equal('prometheus');
    const ids = new Set<number>();
    for (const p of panels()) {
      expect(ids.has(p.id), `duplicate panel id ${p.id}`).to.equal(false);
      ids.add(p.id);
      expect(p.gridPos).to.include.all.keys('h', 'w', 'x', 'y');
      expect(p.gridPos.x + p.gridPos.w).to.be.at.most(24);
    }
  });

  it('queries in every panel only metrics the sidecar and the agent export', () => {
    const graphs = panels().filter((p) => p.type !== 'row');
    expect(graphs.length).to.be.greaterThan(5);
    for (const p of graphs) {
      expect(p.datasource?.uid, `${p.title}: data source`).to.equal('${datasource}');
      expect(p.targets?.length ?? 0, `${p.title}: targets`).to.be.greaterThan(0);
      for (const t of p.targets) {
        const series = [...String(t.expr).matchAll(/\bpronghorn_[a-z0-9_]+\b/g)].map((m) => m[0]);
        expect(series.length, `${p.title}: ${t.expr} names no Pronghorn metric`).to.be.greaterThan(0);
        for (const s of series) expect(resolveSeries(s, metrics), `${p.title}: ${s} is not exported (or has the wrong suffix)`).to.not.equal(null);
      }
    }
  });

  it('has a panel for every exported metric', () => {
    const used = new Set<string>();
    for (const p of panels()) {
      for (const t of p.targets ?? []) {
        for (const m of String(t.expr).matchAll(/\bpronghorn_[a-z0-9_]+\b/g)) {
          const base = resolveSeries(m[0], metrics);
          if (base) used.add(base);
        }
      }
    }
    expect([...metrics.keys()].filter((m) => !used.has(m))).to.deep.equal([]);
  });
});
