/**
 * The `pronghorn` command. Each subcommand lives in src/cli/commands/<name>.ts and exports
 * `register(program)`; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands';

export function buildProgram(): Command {
  const program = new Command('pronghorn')
    .description('Pronghorn for Apache OpenWhisk: CRIU snapshots so that JIT-heavy actions start hot.')
    .version(require('../../package.json').version as string)
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
