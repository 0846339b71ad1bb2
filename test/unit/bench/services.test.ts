/** The bench gives upload an object store and video an ffmpeg binary, through their params. */
import fs from 'node:fs';
import axios from 'axios';
import { expect } from 'chai';
import { startActionServices } from '../../../src/bench/services';
import { seededParams } from '../../../src/bench/environment';

describe('bench: services of the actions', () => {
  it('starts an object store only when an action needs one, and passes its endpoint to that action alone', async () => {
    const none = await startActionServices(['hash']);
    expect(none.paramsFor('hash')).to.deep.equal({});
    await none.close();

    const services = await startActionServices(['hash', 'upload', 'video']);
    try {
      const upload = services.paramsFor('upload');
      expect(upload.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+\//);
      // The endpoint is a live PUT target, not just a string.
      const put = await axios.put(`${String(upload.endpoint)}/probe.bin`, Buffer.from('abc'), { validateStatus: () => true });
      expect(put.status).to.be.within(200, 299);
      expect(fs.existsSync(String(services.paramsFor('video').ffmpeg))).to.equal(true);
      expect(services.paramsFor('hash')).to.deep.equal({});

      const params = seededParams(42, services.paramsFor);
      expect(params('upload', 0).endpoint).to.equal(upload.endpoint);
      expect(params('hash', 0)).to.not.have.property('endpoint');
    } finally {
      await services.close();
    }
  });
});
