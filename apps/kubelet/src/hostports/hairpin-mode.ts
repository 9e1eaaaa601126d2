/**
 * Hairpin mode on the pod bridge's ports (kubelet's --hairpin-mode=hairpin-veth, the CNI bridge
 * plugin's hairpinMode). A pod reaching its own hostPort through a node address is DNATed back to
 * itself; with br_netfilter (Docker loads it) that DNAT happens while the frame is still being
 * bridged, and a bridge never sends a frame back out the port it came in on unless the port is in
 * hairpin mode: the pod's connection would hang.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Turns hairpin mode on for every port of `bridge` that has it off; returns the ports changed. */
export async function enableHairpinMode(bridge: string, sysClassNet = '/sys/class/net'): Promise<string[]> {
  const dir = join(sysClassNet, bridge, 'brif');
  const changed: string[] = [];
  for (const port of await readdir(dir)) {
    const file = join(dir, port, 'hairpin_mode');
    // A port may go between the listing and the write (a sandbox stopping): skip it.
    const now = await readFile(file, 'utf8').catch(() => undefined);
    if (now === undefined || now.trim() === '1') continue;
    await writeFile(file, '1');
    changed.push(port);
  }
  return changed;
}
