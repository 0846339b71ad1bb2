import { expect } from 'chai';
import { z } from 'zod';
import { allSettings, defineSettings } from '../../../src/config/settings';
import { agentSettings } from '../../../src/agent/settings';

describe('settings: empty values', () => {
  const group = defineSettings('test-empty-values', {
    plain: { env: 'TEST_EMPTY_PLAIN', schema: z.string(), default: 'fallback', description: 'empty means unset' },
    options: { env: 'TEST_EMPTY_OPTIONS', schema: z.string(), default: '--flag', description: 'empty means no options', emptyIsValue: true },
  });
  // This group is not a real component: keep it out of the registry that `pronghorn config` and the docs test read.
  after(() => (allSettings() as Map<string, unknown>).delete('test-empty-values'));

  it('an empty variable is unset (the default applies) unless the setting takes empty as a value', () => {
    expect(group.load({}, { TEST_EMPTY_PLAIN: '', TEST_EMPTY_OPTIONS: '' })).to.deep.equal({ plain: 'fallback', options: '' });
    expect(group.load({}, {})).to.deep.equal({ plain: 'fallback', options: '--flag' });
    expect(group.load({ options: '' }, { TEST_EMPTY_OPTIONS: '--other' }).options).to.equal('');
  });

  it('PRONGHORN_AGENT_RUNTIME_NODE_OPTIONS: runtimes get none by default (V8 defaults), and an operator\'s value as given', () => {
    expect(agentSettings.load({}, {}).runtimeNodeOptions).to.equal('');
    expect(agentSettings.load({}, { PRONGHORN_AGENT_RUNTIME_NODE_OPTIONS: '' }).runtimeNodeOptions).to.equal('');
    expect(agentSettings.load({}, { PRONGHORN_AGENT_RUNTIME_NODE_OPTIONS: '--max-semi-space-size=1' }).runtimeNodeOptions).to.equal('--max-semi-space-size=1');
  });
});
