/** Polls `check` until it holds; fails with "timed out waiting for <what>" after `ms`. */
export async function until(what: string, ms: number, check: () => boolean | Promise<boolean>, pollMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
