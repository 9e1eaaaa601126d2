import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { registerCommand, type Command } from '../command.ts';
import { CliError, unknownSubcommandError } from '../errors.ts';
import { formatCommandHelp } from '../help.ts';
import { objectRef, resolveTargets } from './scale.ts';

interface ContainerLike {
  name: string;
  image?: string;
}
interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

/** Where a kind keeps its pod spec: a Pod's own spec, or a workload's template. */
function podSpecOf(obj: KubeObject & { spec?: { template?: { spec?: PodSpecLike } } & PodSpecLike }): PodSpecLike | undefined {
  return obj.kind === 'Pod' ? obj.spec : obj.spec?.template?.spec;
}

/**
 * `kubectl set image deploy/web web=nginx:2`: a strategic merge patch naming only the
 * changed containers by their merge key, so other fields and containers stay as they are.
 * `*` sets every container. Unknown container names fail like kubectl's.
 */
export async function setImage(
  client: RestClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  images: Record<string, string>,
): Promise<string> {
  const obj = await client.get<KubeObject>(res, namespace, name);
  const spec = podSpecOf(obj);
  if (!spec) throw new CliError(`${objectRef(res, name)} has no pod template`);
  const patchList = (list: ContainerLike[] | undefined) =>
    (list ?? []).filter((c) => images[c.name] !== undefined || images['*'] !== undefined).map((c) => ({ name: c.name, image: images[c.name] ?? images['*'] }));
  const containers = patchList(spec.containers);
  const initContainers = patchList(spec.initContainers);
  const known = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
  for (const container of Object.keys(images)) {
    if (container !== '*' && !known.has(container)) throw new CliError(`unable to find container named "${container}"`);
  }
  const podPatch = { ...(containers.length ? { containers } : {}), ...(initContainers.length ? { initContainers } : {}) };
  const patch = obj.kind === 'Pod' ? { spec: podPatch } : { spec: { template: { spec: podPatch } } };
  await client.patch(res, namespace, name, 'strategic', patch);
  return `${objectRef(res, name)} image updated`;
}

/** `c1=img1 c2=img2` → {c1: img1, c2: img2}. */
export function parseImageArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw new CliError(`invalid image argument "${arg}": expected CONTAINER=IMAGE`);
    out[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return out;
}

const setCommand: Command = {
  name: 'set',
  summary: 'Set specific features on objects',
  long: 'Configure application resources.\n\n These commands help you make changes to existing application resources.',
  usage: 'set SUBCOMMAND [options]',
  subcommands: [
    {
      name: 'image',
      summary: 'Update the image of a pod template',
      long: 'Update existing container image(s) of resources.\n\n Possible resources include (case insensitive):\n\n        pod (po), deployment (deploy), daemonset (ds), statefulset (sts), replicaset (rs)',
      usage: 'set image (TYPE NAME | TYPE/NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]',
      examples: [
        "  # Set a deployment's nginx container image to 'nginx:1.9.1', and its busybox container image to 'busybox'",
        '  kubectl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1',
        '',
        "  # Update image of all containers of daemonset abc to 'nginx:1.9.1'",
        "  kubectl set image daemonset abc '*=nginx:1.9.1'",
      ].join('\n'),
    },
  ],
  async run(ctx, args) {
    const [what, ...rest] = args;
    if (what === undefined) {
      // kubectl's DefaultSubCommandRun: the help on stderr, exit 1.
      ctx.err.write(formatCommandHelp(setCommand));
      return 1;
    }
    if (what !== 'image') throw unknownSubcommandError('set', args);
    const split = rest.findIndex((a) => a.includes('='));
    if (split < 1) throw new CliError('you must specify a resource and at least one CONTAINER=IMAGE pair');
    const images = parseImageArgs(rest.slice(split));
    for (const { res, name } of await resolveTargets((a) => ctx.resolve(a), rest.slice(0, split))) {
      ctx.out.write(`${await setImage(ctx.client, res, res.namespaced ? ctx.namespace : undefined, name, images)}\n`);
    }
    return 0;
  },
};

registerCommand(setCommand);
