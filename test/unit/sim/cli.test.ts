import { expect } from 'chai';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/main';

/** Runs the CLI in-process and returns what it wrote to stdout (and the error commander raised, if any). */
async function run(args: string[]): Promise<{ stdout: string; error: Error | null }> {
  const program = buildProgram().exitOverride();
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  let error: Error | null = null;
  try {
    await program.parseAsync(['node', 'pronghorn', ...args]);
  } catch (err) {
    error = err as Error;
  } finally {
    process.stdout.write = write;
  }
  return { stdout: chunks.join(''), error };
}

const curves = join(__dirname, '../../../bench/curves/synthetic');

describe('pronghorn simulate (CLI)', () => {
  it('--json prints exactly one document with one row per curve × policy × eviction', async () => {
    const { stdout, error } = await run([
      'simulate', '--curve', join(curves, 'exp-tau30.json'), '--curve', join(curves, 'flat-io.json'),
      '--policy', 'fixed:1', '--policy', 'pronghorn?capacity=4', '--eviction', '1', '--eviction', '4', '--requests', '200', '--seed', '3', '--json',
    ]);
    expect(error).to.equal(null);
    expect(stdout.trim().split('\n')).to.have.length(1);
    const doc = JSON.parse(stdout) as { results: Record<string, unknown>[] };
    expect(Object.keys(doc)).to.deep.equal(['results']);
    expect(doc.results).to.have.length(8);
    for (const r of doc.results) {
      expect(Object.keys(r)).to.have.members(['curve', 'policy', 'eviction', 'medianMs', 'p90Ms', 'p99Ms', 'improvementPct', 'convergenceRequests', 'snapshots', 'maxPool']);
      expect(r.medianMs).to.be.a('number');
      expect(r.p99Ms as number).to.be.at.least(r.p90Ms as number);
      expect(r.p90Ms as number).to.be.at.least(r.medianMs as number);
    }
    const fixed = doc.results.filter((r) => r.policy === 'fixed:1');
    for (const r of fixed) expect(r.improvementPct).to.equal(0);
    expect(doc.results.map((r) => r.curve)).to.include.members(['exp-tau30', 'flat-io']);
    // Deterministic: the same command gives the same document.
    const again = await run(['simulate', '--curve', join(curves, 'exp-tau30.json'), '--curve', join(curves, 'flat-io.json'), '--policy', 'fixed:1', '--policy', 'pronghorn?capacity=4', '--eviction', '1', '--eviction', '4', '--requests', '200', '--seed', '3', '--json']);
    expect(again.stdout).to.equal(stdout);
  });

  it('fails clearly on an unknown policy or a bad curve file, printing no JSON', async () => {
    const bad = await run(['simulate', '--policy', 'nope', '--json']);
    expect(bad.error?.message).to.match(/unknown policy "nope"; valid: cold, fixed:N, init, artifact, pronghorn/);
    expect(bad.stdout).to.equal('');
    const missing = await run(['simulate', '--curve', '/nonexistent.json', '--json']);
    expect(missing.error?.message).to.match(/cannot read/);
    const badE = await run(['simulate', '--eviction', '0']);
    expect(badE.error?.message).to.match(/--eviction must be a whole number >= 1/);
  });
});
