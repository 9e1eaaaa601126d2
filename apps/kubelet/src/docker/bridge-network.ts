/**
 * The node's own Docker bridge network on its pod CIDR: Docker's IPAM then hands out pod IPs
 * (the gateway takes the subnet's first address), as the CNI bridge plugin would. The Linux bridge
 * carries the network's name when it fits (15 characters), so `ip addr` shows `skiff0`.
 */
import type Docker from 'dockerode';
import type { Logger } from '@skiff/log';

export interface BridgeNetworkSpec {
  name: string;
  subnet: string;
  labels: Record<string, string>;
}

const MAX_INTERFACE_NAME = 15;

/** Creates the network, or re-creates it on a new subnet when no container is attached; returns its id. */
export async function ensureBridgeNetwork(docker: Docker, logger: Logger, spec: BridgeNetworkSpec): Promise<string> {
  const existing = await inspectNetwork(docker, spec.name);
  if (existing) {
    const subnets = (existing.IPAM?.Config ?? []).map((c: { Subnet?: string }) => c.Subnet);
    if (subnets.includes(spec.subnet)) return existing.Id;
    if (Object.keys(existing.Containers ?? {}).length > 0) {
      throw new Error(`network ${spec.name}: on ${subnets.join(',')} with containers attached, cannot move it to ${spec.subnet}`);
    }
    logger.info({ network: spec.name, from: subnets, to: spec.subnet }, 'pod CIDR changed: re-creating the bridge network');
    await docker.getNetwork(existing.Id).remove();
  }
  const options: Record<string, string> = {
    'com.docker.network.bridge.enable_icc': 'true',
    // Docker must not NAT pod traffic: pod-to-pod across nodes keeps its source, and kube-proxy's
    // SKIFF-POSTROUTING masquerades only what leaves the cluster CIDR.
    'com.docker.network.bridge.enable_ip_masquerade': 'false',
  };
  if (spec.name.length <= MAX_INTERFACE_NAME) options['com.docker.network.bridge.name'] = spec.name;
  try {
    const network = await docker.createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: spec.labels,
      Options: options,
      IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet }] },
    });
    logger.info({ network: spec.name, subnet: spec.subnet }, 'bridge network created');
    return network.id;
  } catch (err) {
    throw new Error(`network ${spec.name}: create on ${spec.subnet} failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Removes the network; a missing one is fine. */
export async function removeBridgeNetwork(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getNetwork(name).remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  try {
    const info = (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    // Docker resolves names by prefix of ids too; only an exact name is ours.
    return info.Name === name ? info : undefined;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
