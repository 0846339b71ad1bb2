/** The list of subcommands. Each module exports `register(program)`. */
import type { Command } from 'commander';
import * as config from './config';
import * as events from './events';
import * as sidecar from './sidecar';
import * as benchIngest from './bench-ingest';
import * as up from './up';
import * as status from './status';
import * as benchCurves from './bench-curves';
import * as simulate from './simulate';
import * as benchPolicy from './bench-policy';
import * as bench from './bench';
import * as agent from './agent';
import * as benchSnapshot from './bench-snapshot';

export const commands: ((program: Command) => void)[] = [config.register, events.register, sidecar.register, benchIngest.register, up.register, status.register, benchCurves.register, simulate.register, benchPolicy.register, bench.register, agent.register, benchSnapshot.register];
