/**
 * The local services some benchmark actions need, as the benchmarks provide them: an object store for
 * `upload` (a local HTTP PUT server) and an ffmpeg binary for `video` (shipped in an npm package).
 * Actions take them from their params (`endpoint`, `ffmpeg`), as they would take a real deployment's.
 */
import { benchmarkInput } from './inputs';
import { startLocalObjectStore, type LocalObjectStore } from './curves/objectStore';

export function ffmpegPath(): string {
  try {
    return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch (err) {
    throw new Error(`the video action needs ffmpeg from @ffmpeg-installer/ffmpeg (npm install): ${(err as Error).message}`);
  }
}

export interface ActionServices {
  /** Params to add to every request of `action` (empty when it needs no service). */
  paramsFor(action: string): Record<string, unknown>;
  close(): Promise<void>;
}

/** Starts what the given actions need (nothing for most); close() stops what was started. */
export async function startActionServices(actions: string[]): Promise<ActionServices> {
  const needs = new Set(actions.flatMap((a) => benchmarkInput(a).services ?? []));
  const ffmpeg = needs.has('ffmpeg') ? ffmpegPath() : undefined;
  const store: LocalObjectStore | undefined = needs.has('objectStore') ? await startLocalObjectStore() : undefined;
  return {
    paramsFor(action) {
      const wanted = benchmarkInput(action).services ?? [];
      const p: Record<string, unknown> = {};
      if (wanted.includes('ffmpeg') && ffmpeg) p.ffmpeg = ffmpeg;
      if (wanted.includes('objectStore') && store) p.endpoint = store.endpoint;
      return p;
    },
    close: async () => {
      if (store) await store.close();
    },
  };
}
