/**
 * Asks one member's `/health`. etcd answers `{"health":"true"}` only when the member
 * sees a leader, so a healthy answer means the member can serve quorum reads.
 */
export async function isEtcdHealthy(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string | boolean };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

/** Waits until every endpoint reports healthy; throws naming the laggards after timeoutMs. */
export async function waitForEtcd(endpoints: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...endpoints];
  while (pending.length > 0) {
    const healthy = await Promise.all(pending.map((url) => isEtcdHealthy(url)));
    pending = pending.filter((_, i) => !healthy[i]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`etcd not healthy after ${timeoutMs} ms: ${pending.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
