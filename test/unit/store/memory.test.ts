import { MemoryStateStore } from '../../../src/store/memory';
import { stateStoreSuite } from './state-store-suite';

stateStoreSuite('memory', async (opts) => new MemoryStateStore(opts));
