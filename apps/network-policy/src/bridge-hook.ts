import type { Logger } from '@skiff/log';
import type { CommandResult } from './iptables.ts';

const SYSCTL = 'net.bridge.bridge-nf-call-iptables';

/**
 * Pod-to-pod traffic on one node crosses the Linux bridge and meets iptables only with
 * br_netfilter's hook on. It is per network namespace and on by default where br_netfilter is
 * loaded (Docker loads it), but a node may have turned it off: turn it on, and say so. Without
 * br_netfilter at all, same-node traffic cannot be filtered: warn (cross-node still is).
 */
export async function ensureBridgeHook(run: (bin: string, args: string[]) => Promise<CommandResult>, logger: Logger): Promise<void> {
  const read = await run('sysctl', ['-n', SYSCTL]);
  if (read.code !== 0) {
    logger.warn({ sysctl: SYSCTL }, 'br_netfilter is not loaded: traffic between pods on this node is not filtered (modprobe br_netfilter)');
    return;
  }
  if (read.stdout.trim() === '1') return;
  const write = await run('sysctl', ['-w', `${SYSCTL}=1`]);
  if (write.code !== 0)
    logger.warn({ sysctl: SYSCTL, stderr: write.stderr.trim() }, 'could not turn on the bridge hook: traffic between pods on this node is not filtered');
  else logger.info({ sysctl: SYSCTL }, 'turned on the bridge hook so traffic between pods on this node meets the policy rules');
}
