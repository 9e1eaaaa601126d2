/**
 * `./skiff lab <up|status|stop-node|start-node|load|down>`: a multi-node cluster on this one machine,
 * each node a network namespace with its own Docker engine (see docs and lab-controller.ts).
 */
import { nodeAddress } from '@skiff/api';
import { describeNodeReady } from '../status.ts';
import { resolveSkiffHome } from '../paths.ts';
import { LabController } from './lab-controller.ts';
import type { LabOptions } from './lab-layout.ts';
import { LAB_USAGE, UsageError } from '../usage.ts';

function parseUp(args: string[]): LabOptions {
  const opts: LabOptions = { nodes: 0, etcd: 3, controlPlanes: 2, slot: 0, fastFailover: true, images: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--default-failover') {
      opts.fastFailover = false;
      continue;
    }
    const value = inline ?? args[++i];
    const num = Number(value);
    if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`up: ${flag} wants a number`);
    if (flag === '--nodes') opts.nodes = num;
    else if (flag === '--etcd') opts.etcd = num;
    else if (flag === '--control-planes') opts.controlPlanes = num;
    else if (flag === '--slot') opts.slot = num;
    else throw new UsageError(`up: unknown flag: ${flag}`);
  }
  if (opts.nodes === 0) throw new UsageError('up: --nodes N is required');
  return opts;
}

async function printStatus(lab: LabController): Promise<number> {
  const rows = await lab.componentStatus();
  console.log(`${'PROCESS'.padEnd(28)}${'PID'.padEnd(9)}HEALTHY`);
  for (const r of rows) console.log(`${r.name.padEnd(28)}${String(r.pid ?? '-').padEnd(9)}${r.healthy ? 'yes' : 'no'}`);
  const nodes = await lab.listNodes();
  console.log('');
  if (!nodes) {
    console.log('NODES: unknown (no apiserver answers through the balancer)');
  } else {
    console.log(`${'NODE'.padEnd(16)}${'STATUS'.padEnd(12)}${'ADDRESS'.padEnd(16)}POD CIDR`);
    for (const n of nodes) {
      const ip = nodeAddress(n, 'InternalIP') ?? '';
      console.log(`${(n.metadata?.name ?? '').padEnd(16)}${describeNodeReady(n).padEnd(12)}${ip.padEnd(16)}${n.spec?.podCIDR ?? ''}`);
    }
  }
  return rows.every((r) => r.healthy || r.name === 'registry') ? 0 : 1;
}

export async function runLab(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const lab = new LabController(resolveSkiffHome());
  try {
    switch (sub) {
      case 'up': {
        const state = await lab.up(parseUp(rest));
        console.log(`
The lab is up: ${state.nodes.length} nodes (${state.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}),
apiservers behind ${state.server}, pod network ${state.clusterCidr}.

  export KUBECONFIG=${state.kubeconfigPath}
  kubectl apply -f deploy/examples/web.yaml
  kubectl get pods -o wide
  curl http://${state.nodes[0]!.ip}:30080/      (the example's NodePort, on any node's address)

  ./skiff lab status | stop-node ${state.nodes[0]!.name} | start-node ${state.nodes[0]!.name} | load IMAGE | down`);
        return 0;
      }
      case 'status':
        return await printStatus(lab);
      case 'stop-node':
      case 'start-node': {
        if (rest.length !== 1) throw new UsageError(`${sub}: want one node name`);
        await (sub === 'stop-node' ? lab.stopNode(rest[0]!) : lab.startNode(rest[0]!));
        return 0;
      }
      case 'load':
        if (rest.length === 0) throw new UsageError('load: want at least one image');
        await lab.load(rest);
        return 0;
      case 'down':
        await lab.down();
        return 0;
      case 'help':
        console.log(LAB_USAGE);
        return 0;
      default:
        throw new UsageError(sub === undefined ? 'missing command' : `unknown command "${sub}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    console.error((err as Error).message);
    return 1;
  }
}
