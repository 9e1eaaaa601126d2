/**
 * `kubectl logs [-f] [-p] [-c C] [--tail N] [--since D] [--timestamps] (POD | TYPE/NAME | -l SEL)`:
 * streams pods/NAME/log. A workload names its first pod; -l prints every matching pod's log
 * (default --tail 10 there, as kubectl), following them all at once with -f.
 */
import type { Pod } from '@skiff/api';
import { registerCommand, type CommandContext } from '../command.ts';
import { parseDuration } from '../duration.ts';
import { CliError } from '../errors.ts';
import { pickContainer, podsForSelector, resolvePodTarget } from '../pod-target.ts';
import { openStream, type Query } from '../raw-stream.ts';

function logQuery(ctx: CommandContext, container: string, tailDefault: number): Query {
  const q: Query = [['container', container]];
  if (ctx.flags.bool('follow')) q.push(['follow', 'true']);
  if (ctx.flags.bool('previous')) q.push(['previous', 'true']);
  if (ctx.flags.bool('timestamps')) q.push(['timestamps', 'true']);
  const tail = ctx.flags.int('tail') ?? -1;
  const effectiveTail = ctx.flags.has('tail') ? tail : tailDefault;
  if (effectiveTail >= 0) q.push(['tailLines', String(effectiveTail)]);
  const since = ctx.flags.string('since');
  if (since) q.push(['sinceSeconds', String(Math.max(1, Math.ceil(parseDuration(since, 'since') / 1000)))]);
  const sinceTime = ctx.flags.string('since-time');
  if (sinceTime) q.push(['sinceTime', sinceTime]);
  const limit = ctx.flags.int('limit-bytes');
  if (limit !== undefined && limit > 0) q.push(['limitBytes', String(limit)]);
  return q;
}

async function streamLog(ctx: CommandContext, pod: Pod, container: string, tailDefault: number, prefix: string): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata!.namespace!)}/pods/${encodeURIComponent(pod.metadata!.name!)}/log`;
  const res = await openStream(ctx.client.config, path, logQuery(ctx, container, tailDefault));
  let partial = '';
  for await (const chunk of res) {
    if (!prefix) {
      ctx.out.write(chunk as Buffer);
      continue;
    }
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) ctx.out.write(`${prefix}${line}\n`);
  }
  if (prefix && partial) ctx.out.write(`${prefix}${partial}\n`);
}

function containersOf(ctx: CommandContext, pod: Pod): string[] {
  if (ctx.flags.bool('all-containers')) return (pod.spec?.containers ?? []).map((c) => c.name);
  return [pickContainer(ctx, pod, ctx.flags.string('container'))];
}

registerCommand({
  name: 'logs',
  summary: 'Print the logs for a container in a pod',
  long: 'Print the logs for a container in a pod or specified resource. If the pod has only one container, the container name is optional.',
  usage: 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]',
  examples: [
    '  # Return snapshot logs from pod nginx with only one container',
    '  kubectl logs nginx',
    '',
    '  # Return snapshot logs from pod nginx, prefixing each line with the source pod and container name',
    '  kubectl logs nginx --prefix',
    '',
    '  # Return snapshot logs from pod nginx with multi containers',
    '  kubectl logs nginx --all-containers=true',
    '',
    '  # Return snapshot logs from all containers in pods defined by label app=nginx',
    '  kubectl logs -l app=nginx --all-containers=true',
    '',
    '  # Return snapshot of previous terminated ruby container logs from pod web-1',
    '  kubectl logs -p -c ruby web-1',
    '',
    '  # Begin streaming the logs of the ruby container in pod web-1',
    '  kubectl logs -f -c ruby web-1',
    '',
    '  # Display only the most recent 20 lines of output in pod nginx',
    '  kubectl logs --tail=20 nginx',
    '',
    '  # Show all logs from pod nginx written in the last hour',
    '  kubectl logs --since=1h nginx',
    '',
    '  # Return snapshot logs from first container of a job named hello',
    '  kubectl logs job/hello',
  ].join('\n'),
  flags: [
    { name: 'follow', short: 'f', type: 'bool', usage: 'Specify if the logs should be streamed.' },
    { name: 'previous', short: 'p', type: 'bool', usage: 'If true, print the logs for the previous instance of the container in a pod if it exists.' },
    { name: 'container', short: 'c', type: 'string', usage: 'Print the logs of this container' },
    {
      name: 'tail',
      type: 'int',
      default: -1,
      usage: 'Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided.',
    },
    {
      name: 'since',
      type: 'string',
      usage: 'Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.',
    },
    {
      name: 'since-time',
      type: 'string',
      usage: 'Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.',
    },
    { name: 'timestamps', type: 'bool', usage: 'Include timestamps on each line in the log output' },
    { name: 'limit-bytes', type: 'int', usage: 'Maximum bytes of logs to return. Defaults to no limit.' },
    { name: 'all-containers', type: 'bool', usage: "Get all containers' logs in the pod(s)." },
    { name: 'prefix', type: 'bool', usage: 'Prefix each log line with the log source (pod name and container name)' },
    {
      name: 'max-log-requests',
      type: 'int',
      default: 5,
      usage: 'Specify maximum number of concurrent logs to follow when using by a selector. Defaults to 5.',
    },
  ],
  sharedFlags: ['selector'],
  async run(ctx, args) {
    if (ctx.flags.has('since') && ctx.flags.has('since-time')) throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
    const selector = ctx.flags.string('selector');
    const namespace = ctx.namespace;
    if (selector) {
      if (args.length > 0) throw new CliError('only a selector (-l) or a POD name is allowed');
      const pods = await podsForSelector(ctx, namespace, selector);
      if (pods.length === 0) {
        ctx.err.write(`No resources found in ${namespace} namespace.\n`);
        return 0;
      }
      const max = ctx.flags.int('max-log-requests') ?? 5;
      if (ctx.flags.bool('follow') && pods.length > max) {
        throw new CliError(
          `you are attempting to follow ${pods.length} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`,
        );
      }
      const jobs = pods.flatMap((pod) => containersOf(ctx, pod).map((c) => ({ pod, c })));
      const prefixOf = (pod: Pod, c: string) => (ctx.flags.bool('prefix') ? `[pod/${pod.metadata?.name}/${c}] ` : '');
      if (ctx.flags.bool('follow')) await Promise.all(jobs.map(({ pod, c }) => streamLog(ctx, pod, c, 10, prefixOf(pod, c))));
      else for (const { pod, c } of jobs) await streamLog(ctx, pod, c, 10, prefixOf(pod, c));
      return 0;
    }
    if (args.length === 0)
      throw new CliError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
    if (args.length > 2)
      throw new CliError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command");
    const { pod } = await resolvePodTarget(ctx, args[0], namespace);
    // `kubectl logs POD CONTAINER` (the old positional form) still works.
    if (args[1] && !ctx.flags.has('container')) ctx.flags.set('container', args[1]);
    for (const c of containersOf(ctx, pod)) await streamLog(ctx, pod, c, -1, ctx.flags.bool('prefix') ? `[pod/${pod.metadata?.name}/${c}] ` : '');
    return 0;
  },
});
