/**
 * Node.js options the sidecar process is meant to run with. The deploy manifests set them as the
 * sidecar container's NODE_OPTIONS (a test keeps the two equal), and bench-ingest starts its sidecar
 * child with them, as deployed. V8 reads them only at process start, so the sidecar cannot set them on
 * itself.
 *
 * 32 MB young-generation semi-spaces (V8's default on 64-bit: 16 MB). The sidecar keeps up to three
 * fetched chunks of events in flight, so with the default many objects outlive a scavenge, are copied
 * and promoted, and the old generation fills and is compacted again and again: garbage collection took
 * 17-18 % of the sidecar's thread. With 32 MB, fewer objects survive: the GC share fell to about 11 %, the
 * rate rose by 10-19 % and the peak resident memory fell by about 10 MB (docs/sidecar.md, Benchmark).
 * 64 MB was no faster and took the peak to 233-286 MB.
 */
export const SIDECAR_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=32'];

/** The flag's name: `--max-semi-space-size=32` -> `--max-semi-space-size` (V8 also accepts underscores). */
const flagName = (option: string) => option.split('=')[0].replace(/_/g, '-');

/**
 * The SIDECAR_NODE_OPTIONS this process was started without (set neither on node's command line nor in
 * NODE_OPTIONS), for a warning at start-up. Any value of a flag counts as set: an operator may choose
 * another size on purpose.
 */
export function missingSidecarNodeOptions(execArgv: readonly string[], nodeOptionsEnv: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptionsEnv ?? '').split(/\s+/).filter(Boolean)].map(flagName));
  return SIDECAR_NODE_OPTIONS.filter((option) => !given.has(flagName(option)));
}
