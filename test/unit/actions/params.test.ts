import { expect } from 'chai';
import { ACTION_NAMES } from '../../../src/bench/inputs';
import { requireAction } from './helpers';

describe('action parameter validation', () => {
  for (const name of ACTION_NAMES) {
    it(`${name}: bad params give an {error} result naming the parameter, not an exception`, async () => {
      const main = requireAction(name).main;
      const bad = await main({ seed: 1, size: 'many', ffmpeg: '/bin/false', endpoint: 'http://127.0.0.1:9/b' });
      expect(String(bad.error)).to.match(/^invalid params: .*size/);
      const negative = await main({ seed: 1, size: -3, ffmpeg: '/bin/false', endpoint: 'http://127.0.0.1:9/b' });
      expect(String(negative.error)).to.match(/size/);
    });
  }

  it('video needs the ffmpeg binary and upload the object store endpoint', async () => {
    expect(String((await requireAction('video').main({ size: 1 })).error)).to.match(/ffmpeg/);
    expect(String((await requireAction('upload').main({ size: 10 })).error)).to.match(/endpoint/);
    expect(String((await requireAction('upload').main({ size: 10, endpoint: 'not a url' })).error)).to.match(/endpoint/);
  });

  it('video reports a failing ffmpeg and upload an unreachable store as errors', async () => {
    expect(String((await requireAction('video').main({ size: 1, ffmpeg: '/bin/false' })).error)).to.match(/ffmpeg gif failed/);
    // Port 9 (discard) is closed on loopback here: the PUT is refused.
    expect(String((await requireAction('upload').main({ size: 10, endpoint: 'http://127.0.0.1:9/b' })).error)).to.match(/upload failed/);
  });
});
