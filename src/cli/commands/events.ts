/** `pronghorn events check FILE|-`: validates EventMessages (JSON lines) with the sidecar's own code. */
import fs from 'node:fs';
import { Command } from 'commander';
import { checkStream } from '../../events/check';

export function register(program: Command): void {
  const events = program.command('events').description('work with OpenWhisk EventMessages (the `events` topic)');
  events
    .command('check')
    .description(
      'validate EventMessages, one JSON document per line, exactly as the sidecar does; prints one JSON verdict per line ' +
        '{"line","ok","eventType","action","coldStart","error"}; exit status 1 if any line was rejected',
    )
    .argument('<file>', 'JSON-lines file, or - for stdin')
    .action(async (file: string) => {
      const input = file === '-' ? process.stdin : fs.createReadStream(file);
      let rejected = 0;
      try {
        for await (const verdict of checkStream(input)) {
          if (!verdict.ok) rejected++;
          process.stdout.write(JSON.stringify(verdict) + '\n');
        }
      } catch (err) {
        process.stderr.write(`pronghorn events check: cannot read ${file}: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = rejected > 0 ? 1 : 0;
    });
}
