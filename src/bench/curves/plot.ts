/** An SVG plot of one warm-up curve (vega-lite compiled and rendered by vega, no browser). */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export async function curveSvg(title: string, raw: readonly number[], curve: readonly number[]): Promise<string> {
  const values = raw.map((ms, i) => ({ n: i + 1, ms, curve: curve[i] }));
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: 'execution time per request number in one long-lived worker' },
    width: 640,
    height: 320,
    background: 'white',
    data: { values },
    encoding: { x: { field: 'n', type: 'quantitative', scale: { type: 'log', domain: [1, Math.max(2, raw.length)], nice: false }, title: 'request number (log scale)' } },
    layer: [
      {
        mark: { type: 'square', size: 5, opacity: 0.35, color: '#7a9cc6' },
        encoding: { y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency ms (log scale)' } },
      },
      {
        mark: { type: 'line', color: '#c0392b', strokeWidth: 2 },
        encoding: { y: { field: 'curve', type: 'quantitative' } },
      },
    ],
  };
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    // Coordinates to 0.1 px: the plot looks the same at a third of the size.
    return (await view.toSVG()).replace(/(\d+\.\d)\d+/g, '$1');
  } finally {
    view.finalize();
  }
}
