/**
 * Where everything of a lab lives: names, addresses, ports and paths, derived from the lab's slot so
 * two labs (a user's and a test's, or two test files) never share a bridge, a netns or a port.
 * Pure: nothing here touches the machine.
 */
import { join } from 'node:path';

export const MAX_LAB_NODES = 9;
export const MAX_CONTROL_PLANES = 3;
export const MAX_ETCD_MEMBERS = 5;
export const MAX_SLOT = 4;
/**
 * Slot s's pod network, 10.(245+s).0.0/16 (node-ipam hands each node a /24 of it); the single-host
 * default is 10.244.0.0/16. One per slot: the host routes each lab's pod networks to its nodes.
 */
export function labClusterCidr(slot: number): string {
  return `10.${245 + slot}.0.0/16`;
}
/** The node-local DNS address (on a dummy interface in every node's netns), the kubelet's --cluster-dns default. */
export const LAB_DNS_ADDRESS = '169.254.20.10';
export const LAB_DNS_INTERFACE = 'skiff-dns0';
export const LAB_REGISTRY_PORT = 5000;
/** Control-plane ports of slot s start here + 20·s (the range 27800–27899 is the lab's). */
const LAB_BASE_PORT = 27800;

export type LabOptions = {
  nodes: number;
  etcd: number;
  controlPlanes: number;
  slot: number;
  /** Short node-failure timings (grace 12 s, eviction after 10 s) instead of kube's 40 s / 300 s. */
  fastFailover: boolean;
  /** Extra host images to load into every node. */
  images: string[];
};

export type LabNodeInfo = {
  /** Also the Node object's name and the netns name. */
  name: string;
  /** The node's address on the lab network (InternalIP). */
  ip: string;
  /** /run/netns/<netns> */
  netns: string;
  /** unix:///run/skiff-lab/<name>/docker.sock */
  dockerHost: string;
};

export type LabNode = LabNodeInfo & {
  index: number;
  /** Host side of the node's veth pair (the netns side is eth0). */
  hostVeth: string;
  dir: string;
  dockerSocket: string;
  dockerExecRoot: string;
  dockerDataRoot: string;
  dockerPidFile: string;
};

export type LabEtcdMember = { name: string; clientPort: number; peerPort: number; dataDir: string };

export type LabLayout = {
  slot: number;
  dir: string;
  bridge: string;
  /** 10.250.<slot>.1 */
  hostIp: string;
  /** The pod network: labClusterCidr(slot). */
  clusterCidr: string;
  subnet: string;
  prefixLength: number;
  nodes: LabNode[];
  etcd: LabEtcdMember[];
  apiServerPorts: number[];
  controllerManagerPorts: number[];
  schedulerPorts: number[];
  /** The TCP load balancer in front of the apiservers. */
  balancerPort: number;
  registryPort: number;
  pkiDir: string;
  kubeconfigDir: string;
  /** Admin kubeconfig (server: the balancer). */
  kubeconfigPath: string;
  runDir: string;
  logDir: string;
  stateFile: string;
};

export function validateLabOptions(opts: LabOptions): void {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new Error(`skiff lab: ${message}`);
  };
  check(Number.isInteger(opts.nodes) && opts.nodes >= 1 && opts.nodes <= MAX_LAB_NODES, `--nodes wants 1 to ${MAX_LAB_NODES}, got ${opts.nodes}`);
  check(
    Number.isInteger(opts.etcd) && opts.etcd >= 1 && opts.etcd <= MAX_ETCD_MEMBERS && opts.etcd % 2 === 1,
    `--etcd wants an odd number from 1 to ${MAX_ETCD_MEMBERS}, got ${opts.etcd}`,
  );
  check(
    Number.isInteger(opts.controlPlanes) && opts.controlPlanes >= 1 && opts.controlPlanes <= MAX_CONTROL_PLANES,
    `--control-planes wants 1 to ${MAX_CONTROL_PLANES}, got ${opts.controlPlanes}`,
  );
  check(Number.isInteger(opts.slot) && opts.slot >= 0 && opts.slot <= MAX_SLOT, `--slot wants 0 to ${MAX_SLOT}, got ${opts.slot}`);
}

/** Node K of slot 0 is skiff-nK (the names users see); other slots prefix theirs so they never collide. */
export function labNodeName(slot: number, index: number): string {
  return slot === 0 ? `skiff-n${index}` : `skiff-s${slot}n${index}`;
}

export function computeLabLayout(home: string, opts: Pick<LabOptions, 'nodes' | 'etcd' | 'controlPlanes' | 'slot'>): LabLayout {
  const dir = join(home, 'lab');
  const { slot } = opts;
  const base = LAB_BASE_PORT + 20 * slot;
  const hostIp = `10.250.${slot}.1`;
  const nodes: LabNode[] = [];
  for (let index = 1; index <= opts.nodes; index++) {
    const name = labNodeName(slot, index);
    const nodeDir = join(dir, 'nodes', name);
    // /run keeps Docker's sockets short (sun_path is 108 bytes) and gone after a reboot, like the netns.
    const runDir = `/run/skiff-lab/${name}`;
    nodes.push({
      index,
      name,
      ip: `10.250.${slot}.${10 + index}`,
      netns: `/run/netns/${name}`,
      dockerHost: `unix://${runDir}/docker.sock`,
      // At most 15 characters (IFNAMSIZ): sl<slot>n<K>.
      hostVeth: `sl${slot}n${index}`,
      dir: nodeDir,
      dockerSocket: `${runDir}/docker.sock`,
      dockerExecRoot: `${runDir}/exec`,
      dockerDataRoot: join(nodeDir, 'docker'),
      dockerPidFile: `${runDir}/dockerd.pid`,
    });
  }
  const etcd: LabEtcdMember[] = [];
  for (let i = 0; i < opts.etcd; i++) {
    etcd.push({ name: `etcd-${i}`, clientPort: base + 2 * i, peerPort: base + 2 * i + 1, dataDir: join(dir, 'etcd', `etcd-${i}`) });
  }
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  return {
    slot,
    dir,
    bridge: `skiff-lab${slot}`,
    hostIp,
    clusterCidr: labClusterCidr(slot),
    subnet: `10.250.${slot}.0/24`,
    prefixLength: 24,
    nodes,
    etcd,
    apiServerPorts: range(base + 10, opts.controlPlanes),
    controllerManagerPorts: range(base + 13, opts.controlPlanes),
    schedulerPorts: range(base + 16, opts.controlPlanes),
    balancerPort: base + 19,
    registryPort: LAB_REGISTRY_PORT,
    pkiDir: join(dir, 'pki'),
    kubeconfigDir: join(dir, 'kubeconfigs'),
    kubeconfigPath: join(dir, 'kubeconfig'),
    runDir: join(dir, 'run'),
    logDir: join(dir, 'logs'),
    stateFile: join(dir, 'lab.json'),
  };
}

export function findLabNode(layout: LabLayout, name: string): LabNode {
  const node = layout.nodes.find((n) => n.name === name || n.name === `skiff-n${name.replace(/^n/, '')}`);
  if (!node) throw new Error(`skiff lab: no node "${name}" (nodes: ${layout.nodes.map((n) => n.name).join(', ')})`);
  return node;
}
