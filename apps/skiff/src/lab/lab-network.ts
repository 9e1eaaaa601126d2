/**
 * The lab's network: a host bridge with the host's address on it, and per node a network namespace
 * joined to the bridge by a veth pair (eth0 inside), with loopback up, forwarding on, a default route
 * via the host, and the node-local DNS address on a dummy interface. Every step checks before it acts,
 * so `lab up` can be re-run after a partial failure; removal tolerates what is already gone.
 */
import { existsSync } from 'node:fs';
import { LAB_DNS_ADDRESS, LAB_DNS_INTERFACE, type LabLayout, type LabNode } from './lab-layout.ts';
import { runCommand, runInNetns, tryCommand, tryInNetns } from './run-command.ts';

async function linkExists(name: string): Promise<boolean> {
  return (await tryCommand('ip', ['link', 'show', 'dev', name])).code === 0;
}

/**
 * Docker sets the FORWARD policy to DROP, and with br_netfilter loaded frames bridged between two
 * node veths traverse FORWARD too: accept what enters and leaves the lab bridge. DOCKER-USER is the
 * chain Docker leaves to users (and jumps to first); plain FORWARD when Docker is not running.
 */
async function forwardChain(): Promise<string> {
  return (await tryCommand('iptables', ['-w', '-n', '-L', 'DOCKER-USER'])).code === 0 ? 'DOCKER-USER' : 'FORWARD';
}

function acceptRules(layout: LabLayout): string[][] {
  const comment = ['-m', 'comment', '--comment', `skiff-lab ${layout.bridge}`];
  return [
    ['-i', layout.bridge, '-o', layout.bridge, ...comment, '-j', 'ACCEPT'],
    ['-i', layout.bridge, ...comment, '-j', 'ACCEPT'],
    ['-o', layout.bridge, ...comment, '-j', 'ACCEPT'],
  ];
}

export async function ensureLabBridge(layout: LabLayout): Promise<void> {
  if (!(await linkExists(layout.bridge))) {
    await runCommand('ip', ['link', 'add', layout.bridge, 'type', 'bridge']);
  }
  const addrs = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', layout.bridge]);
  if (!addrs.includes(` ${layout.hostIp}/`)) {
    await runCommand('ip', ['addr', 'add', `${layout.hostIp}/${layout.prefixLength}`, 'dev', layout.bridge]);
  }
  await runCommand('ip', ['link', 'set', layout.bridge, 'up']);
  const chain = await forwardChain();
  for (const rule of acceptRules(layout)) {
    if ((await tryCommand('iptables', ['-w', '-C', chain, ...rule])).code !== 0) {
      await runCommand('iptables', ['-w', '-I', chain, '1', ...rule]);
    }
  }
}

export async function removeLabBridge(layout: LabLayout): Promise<void> {
  for (const chain of ['DOCKER-USER', 'FORWARD']) {
    for (const rule of acceptRules(layout)) {
      // A rule inserted twice (two ups racing) is deleted until none is left.
      while ((await tryCommand('iptables', ['-w', '-D', chain, ...rule])).code === 0);
    }
  }
  if (await linkExists(layout.bridge)) await runCommand('ip', ['link', 'del', layout.bridge]);
}

export async function ensureNodeNetwork(layout: LabLayout, node: LabNode): Promise<void> {
  if (!existsSync(node.netns)) await runCommand('ip', ['netns', 'add', node.name]);
  const hasEth0 = (await tryInNetns(node.netns, 'ip', ['link', 'show', 'dev', 'eth0'])).code === 0;
  if (!hasEth0) {
    if (await linkExists(node.hostVeth)) await runCommand('ip', ['link', 'del', node.hostVeth]);
    const peer = `${node.hostVeth}p`;
    await runCommand('ip', ['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', peer]);
    await runCommand('ip', ['link', 'set', peer, 'netns', node.name]);
    await runInNetns(node.netns, 'ip', ['link', 'set', peer, 'name', 'eth0']);
    await runInNetns(node.netns, 'ip', ['addr', 'add', `${node.ip}/${layout.prefixLength}`, 'dev', 'eth0']);
  }
  await runCommand('ip', ['link', 'set', node.hostVeth, 'master', layout.bridge]);
  await runCommand('ip', ['link', 'set', node.hostVeth, 'up']);
  await runInNetns(node.netns, 'ip', ['link', 'set', 'lo', 'up']);
  await runInNetns(node.netns, 'ip', ['link', 'set', 'eth0', 'up']);
  await runInNetns(node.netns, 'ip', ['route', 'replace', 'default', 'via', layout.hostIp, 'dev', 'eth0']);
  // /proc/sys/net belongs to the netns of whoever writes it: this turns forwarding on for the node only.
  await runInNetns(node.netns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  await ensureDnsAddress(node);
}

/**
 * The node-local DNS address on a dummy interface (skiff-dns0); kernels without the dummy driver
 * (some VM kernels) get it on loopback instead, which delivers locally just the same.
 */
async function ensureDnsAddress(node: LabNode): Promise<void> {
  let dev = LAB_DNS_INTERFACE;
  if ((await tryInNetns(node.netns, 'ip', ['link', 'show', 'dev', LAB_DNS_INTERFACE])).code !== 0) {
    const added = await tryInNetns(node.netns, 'ip', ['link', 'add', LAB_DNS_INTERFACE, 'type', 'dummy']);
    if (added.code !== 0) dev = 'lo';
  }
  const addrs = await runInNetns(node.netns, 'ip', ['-4', '-o', 'addr', 'show']);
  if (!addrs.includes(` ${LAB_DNS_ADDRESS}/`)) {
    await runInNetns(node.netns, 'ip', ['addr', 'add', `${LAB_DNS_ADDRESS}/32`, 'dev', dev]);
  }
  await runInNetns(node.netns, 'ip', ['link', 'set', dev, 'up']);
}

/** Deleting the netns deletes its end of the veth pair, and with it the host end. */
export async function removeNodeNetwork(node: LabNode): Promise<void> {
  if (existsSync(node.netns)) await runCommand('ip', ['netns', 'delete', node.name]);
  // The kernel removes the pair asynchronously: the host end may vanish between a check and a delete.
  if (await linkExists(node.hostVeth)) await tryCommand('ip', ['link', 'del', node.hostVeth]);
}

/** Cuts (or restores) the node's cable: the veth's host end down/up, as a node losing the network. */
export async function setNodeLink(node: LabNode, up: boolean): Promise<void> {
  await runCommand('ip', ['link', 'set', node.hostVeth, up ? 'up' : 'down']);
}

/** Host routes to the nodes' pod networks over the lab bridge (proto 211, as kube-proxy marks its own). */
export async function routePodNetworks(layout: LabLayout, routes: { cidr: string; via: string }[]): Promise<void> {
  for (const { cidr, via } of routes) {
    await runCommand('ip', ['route', 'replace', cidr, 'via', via, 'dev', layout.bridge, 'proto', '211']);
  }
}
