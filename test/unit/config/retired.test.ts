import { expect } from 'chai';
import { RETIRED_SETTINGS, allSettings, retiredSettingsIn } from '../../../src/config/settings';
import { loadAllSettingModules } from '../../../src/config/all';

describe('retired settings', () => {
  it('reports a retired variable that is still set, with the reason', () => {
    expect(retiredSettingsIn({ PRONGHORN_DEDUP_TTL_SEC: '7200', PRONGHORN_REDIS_URL: 'redis://x' })).to.deep.equal([
      { env: 'PRONGHORN_DEDUP_TTL_SEC', why: RETIRED_SETTINGS.PRONGHORN_DEDUP_TTL_SEC },
    ]);
    expect(retiredSettingsIn({})).to.deep.equal([]);
  });

  it('are no current setting', () => {
    loadAllSettingModules();
    const current = new Set([...allSettings().values()].flatMap((specs) => Object.values(specs).map((s) => s.env)));
    for (const name of Object.keys(RETIRED_SETTINGS)) expect(current.has(name), name).to.equal(false);
  });
});
