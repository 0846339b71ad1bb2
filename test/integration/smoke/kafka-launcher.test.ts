/** A broker that dies while starting is reported at once, with its own log's last lines. */
import { expect } from 'chai';
import { InfraError } from '../../../src/infra/errors';
import { startKafkaBroker } from '../../../src/infra/kafka';

describe('smoke: Kafka launcher reports a broker that exits early', function () {
  this.timeout(60_000);

  it('fails with exited-early and the JVM error from the broker log', async () => {
    // A maximum heap below the initial one: the real JVM refuses to start.
    const err = await startKafkaBroker({ heap: '1m', readyTimeoutMs: 45_000 }).then(
      (broker) => broker.stop().then(() => undefined),
      (e: unknown) => e,
    );
    // 'exited-early', not 'not-ready': it was noticed when the JVM died, not when the wait ran out.
    expect(err).to.be.instanceOf(InfraError);
    expect((err as InfraError).failure, (err as InfraError).message).to.equal('exited-early');
    expect((err as InfraError).message).to.contain('exited early').and.to.match(/heap/i);
  });
});
