import { findResourceByKind, type Node } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';

const NODES = findResourceByKind('v1', 'Node')!;

/** Sets spec.unschedulable; answers kubectl's `node/n1 cordoned` (or `already cordoned`). */
export async function setUnschedulable(client: RestClient, nodeName: string, unschedulable: boolean): Promise<string> {
  const node = await client.get<Node>(NODES, undefined, nodeName);
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  if ((node.spec?.unschedulable ?? false) === unschedulable) return `node/${nodeName} already ${verb}`;
  // A merge patch: null removes the field on uncordon, as kubectl's patch does.
  await client.patch(NODES, undefined, nodeName, 'merge', { spec: { unschedulable: unschedulable ? true : null } });
  return `node/${nodeName} ${verb}`;
}

for (const [name, value] of [
  ['cordon', true],
  ['uncordon', false],
] as const) {
  registerCommand({
    name,
    summary: value ? 'Mark node as unschedulable' : 'Mark node as schedulable',
    long: `${value ? 'Mark node as unschedulable' : 'Mark node as schedulable'}.`,
    usage: `${name} NODE [options]`,
    examples: `  # Mark node "foo" as ${value ? 'unschedulable' : 'schedulable'}\n  kubectl ${name} foo`,
    async run(ctx, args) {
      if (args.length === 0) throw new CliError('USAGE: ' + name + ' NODE [flags]');
      for (const node of args) ctx.out.write(`${await setUnschedulable(ctx.client, node.replace(/^nodes?\//, ''), value)}\n`);
      return 0;
    },
  });
}
