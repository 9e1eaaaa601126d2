/**
 * Retries `check` until it stops throwing or timeoutMs passes, then rethrows its last
 * error — for state that converges (a restarted server, a recovering etcd quorum).
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
