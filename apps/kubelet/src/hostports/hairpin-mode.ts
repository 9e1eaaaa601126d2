/**
 * Hairpin mode on the pod bridge's ports (kubelet's --hairpin-mode=hairpin-veth, the CNI bridge
 * plugin's hairpinMode). A pod reaching its own hostPort through a node address is DNATed back to
 * itself; with br_netfilter (Docker loads it) that DNAT happens while the frame is still being
 * bridged, and a bridge never sends a frame back out the port it came in on unless the port is in
 * hairpin mode: the pod's connection would hang.
 *
 * Through `ip` (netlink), not /sys/class/net: a lab node's kubelet enters the node's network
 * namespace with `nsenter --net`, which keeps the host's /sys.
 */
import { runCommand, type CommandRunner } from '@skiff/netfilter';

interface IpLink {
  ifname: string;
  linkinfo?: { info_slave_data?: { hairpin?: boolean } };
}

/** Turns hairpin mode on for every port of `bridge` that has it off; returns the ports changed. */
export async function enableHairpinMode(bridge: string, run: CommandRunner = runCommand): Promise<string[]> {
  const list = await run('ip', ['-d', '-j', 'link', 'show', 'master', bridge]);
  if (list.code !== 0) throw new Error(`ip link show master ${bridge} failed (exit ${list.code}): ${list.stderr.trim()}`);
  const changed: string[] = [];
  for (const port of JSON.parse(list.stdout || '[]') as IpLink[]) {
    if (port.linkinfo?.info_slave_data?.hairpin !== false) continue;
    const r = await run('ip', ['link', 'set', 'dev', port.ifname, 'type', 'bridge_slave', 'hairpin', 'on']);
    // A port may go between the listing and the change (a sandbox stopping): skip it.
    if (r.code === 0) changed.push(port.ifname);
  }
  return changed;
}
