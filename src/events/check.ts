/** `pronghorn events check`: one verdict per input line, with the sidecar's own validation code. */
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { parseEventMessage } from './parse';

export interface LineVerdict {
  line: number;
  ok: boolean;
  eventType: 'Activation' | 'Metric' | null;
  action: string | null;
  coldStart: boolean | null;
  error: string | null;
}

export function checkLine(text: string, line: number): LineVerdict {
  const r = parseEventMessage(text.trim());
  if (!r.ok) return { line, ok: false, eventType: r.eventType, action: null, coldStart: null, error: `${r.reason}: ${r.error}` };
  if (r.event.eventType === 'Metric') return { line, ok: true, eventType: 'Metric', action: null, coldStart: null, error: null };
  return { line, ok: true, eventType: 'Activation', action: r.event.body.name, coldStart: r.event.body.initTime > 0, error: null };
}

/** Yields one verdict per line of the stream (JSON lines). */
export async function* checkStream(input: Readable): AsyncGenerator<LineVerdict> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) yield checkLine(text, ++n);
}
