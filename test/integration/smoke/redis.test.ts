/** The Redis of the test environment is real: values and a Lua script go through ioredis. */
import { expect } from 'chai';
import Redis from 'ioredis';
import { redisUrl, testPrefix } from '../../support/env';

describe('smoke: Redis', () => {
  const prefix = testPrefix('smoke-redis');
  let client: Redis;

  before(() => {
    client = new Redis(redisUrl(), { maxRetriesPerRequest: 2 });
  });

  after(async () => {
    await client.del(`${prefix}hash`, `${prefix}counter`);
    client.disconnect();
  });

  it('round-trips a hash through the server', async () => {
    await client.hset(`${prefix}hash`, { slot: '7', mean: '12.5' });
    expect(await client.hgetall(`${prefix}hash`)).to.deep.equal({ slot: '7', mean: '12.5' });
  });

  it('runs a Lua script atomically on the server', async () => {
    const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    expect(await client.eval(script, 1, `${prefix}counter`, 5)).to.equal(5);
    expect(await client.eval(script, 1, `${prefix}counter`, 3)).to.equal(8);
  });
});
