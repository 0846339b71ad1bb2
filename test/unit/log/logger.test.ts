import { expect } from 'chai';
import pino from 'pino';
import { Writable } from 'node:stream';
import { partLogger } from '../../../src/log/logger';

/** Raw JSON lines as pino writes them (a parsed object would hide a repeated key). */
function capture(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  return { log: pino({ base: null }, sink).child({ component: 'bench' }), lines };
}

const occurrences = (line: string, key: string) => line.split(`"${key}":`).length - 1;

describe('logger: parts of a component', () => {
  it('names the part under its own key, so no key repeats in a line', async () => {
    const { log, lines } = capture();
    partLogger(log, 'agent').info('worker restored');
    await new Promise((r) => setImmediate(r));
    expect(lines).to.have.length(1);
    expect(occurrences(lines[0], 'component')).to.equal(1);
    expect(JSON.parse(lines[0])).to.include({ component: 'bench', part: 'agent', msg: 'worker restored' });
  });

  it('puts a part of a part under subpart', async () => {
    const { log, lines } = capture();
    partLogger(partLogger(log, 'agent'), 'criu').info('dumped');
    await new Promise((r) => setImmediate(r));
    expect(occurrences(lines[0], 'part')).to.equal(1);
    expect(JSON.parse(lines[0])).to.include({ component: 'bench', part: 'agent', subpart: 'criu' });
  });
});
