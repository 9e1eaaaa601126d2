/**
 * The exec prober: runs the command through the kubelet's ProbeExec; exit 0 succeeds, any other
 * exit fails with the command's output as the message, and a command that outlives the timeout
 * fails (`command "cat /tmp/ready" timed out`). Other exec errors (container gone, daemon
 * unreachable) are unknown: the result is thrown away, as upstream does.
 */
import { failure, success, unknown, type ProbeExec, type ProbeOutcome } from './types.ts';

/** Extra time the exec gets beyond its own timeout before we stop waiting for it. */
const GRACE_MS = 2000;

export async function probeExec(exec: ProbeExec, containerId: string, command: string[], timeoutMs: number): Promise<ProbeOutcome> {
  const timedOut = failure(`command ${JSON.stringify(command.join(' '))} timed out`);
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs + GRACE_MS);
  });
  try {
    const outcome = await Promise.race([exec(containerId, command, timeoutMs), expiry]);
    if (outcome === 'timeout') return timedOut;
    return outcome.exitCode === 0 ? success(outcome.output) : failure(outcome.output);
  } catch (err) {
    if (isTimeout(err)) return timedOut;
    return unknown(err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  return e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT' || /timed? ?out/i.test(e?.message ?? '');
}
