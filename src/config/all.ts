/**
 * Imports every module that declares settings, so that `pronghorn config` and the documentation test
 * see them all. Add a line here when a component declares a new settings group.
 */
export function loadAllSettingModules(): void {
  // e.g. require('../sidecar/settings');
  require('../infra/settings');
  require('../sidecar/settings');
  require('../openwhisk/settings');
  require('../status/settings');
  require('../log/settings');
  require('../sidecar/orchestration/settings');
  require('../bench/settings');
  require('../embedded/settings');
  require('../agent/settings');
  require('../runtime/settings');
}
