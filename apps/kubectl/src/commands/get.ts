/**
 * `kubectl get`: tables from the server's Table answers (-o wide, --show-labels,
 * --no-headers, -A), or full objects for -o yaml|json|name|jsonpath; several kinds at
 * once (`get deploy,svc`, `get all`, `get pod/a svc/b`), -l / --field-selector, -f, and
 * -w streaming rows as they change.
 */
import { ApiStatusError, resourcePath, type KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError, formatError } from '../errors.ts';
import { kindPrefix } from '../rest-mapper.ts';
import { isMultiKind, namespaceFor, noResourcesMessage, resolveFileTargets, resolveResourceArgs, type ResourceTarget } from '../resource-args.ts';
import { TableClient, type Table } from '../table-client.ts';
import { parseOutputFormat, printObjects, type OutputFormat } from '../printers/object-printer.ts';
import { columnWidths, formatColumns, rowCells, tableRows, type TableOptions } from '../printers/table-printer.ts';

const MISSING_TYPE = `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.`;

function selectorQuery(ctx: CommandContext): { labelSelector?: string; fieldSelector?: string } {
  return { labelSelector: ctx.flags.string('selector'), fieldSelector: ctx.flags.string('field-selector') };
}

async function targetsOf(ctx: CommandContext, args: string[]): Promise<ResourceTarget[]> {
  if (ctx.flags.list('filename').length > 0) return resolveFileTargets(ctx);
  if (args.length === 0) throw new CliError(MISSING_TYPE);
  return resolveResourceArgs(ctx, args);
}

/** Writes one error line per missing object and keeps going, as kubectl does. */
type Failures = { count: number };

async function getTables(ctx: CommandContext, tables: TableClient, target: ResourceTarget, failures: Failures): Promise<Table | undefined> {
  const { mapping } = target;
  if (target.names.length === 0) {
    return tables.get(resourcePath(mapping, namespaceFor(ctx, mapping)), selectorQuery(ctx));
  }
  let merged: Table | undefined;
  for (const [i, name] of target.names.entries()) {
    try {
      const t = await tables.get(resourcePath(mapping, namespaceFor(ctx, mapping, target.namespaces?.[i]), name));
      if (merged) merged.rows.push(...t.rows);
      else merged = t;
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (err.code === 404 && ctx.flags.bool('ignore-not-found')) continue;
      ctx.err.write(`${formatError(err)}\n`);
      failures.count++;
    }
  }
  return merged;
}

async function getObjects(ctx: CommandContext, target: ResourceTarget, failures: Failures): Promise<KubeObject[]> {
  const { mapping } = target;
  if (target.names.length === 0) {
    const list = await ctx.client.list(mapping, namespaceFor(ctx, mapping), selectorQuery(ctx));
    // Lists carry no kind per item; -o yaml/json should show it as kubectl does.
    return list.items.map((o) => ({ apiVersion: list.apiVersion, kind: mapping.kind, ...o }));
  }
  const out: KubeObject[] = [];
  for (const [i, name] of target.names.entries()) {
    try {
      out.push(await ctx.client.get(mapping, namespaceFor(ctx, mapping, target.namespaces?.[i]), name));
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (err.code === 404 && ctx.flags.bool('ignore-not-found')) continue;
      ctx.err.write(`${formatError(err)}\n`);
      failures.count++;
    }
  }
  return out;
}

function tableOptions(ctx: CommandContext, format: OutputFormat, target: ResourceTarget, multi: boolean): TableOptions {
  return {
    wide: format.kind === 'table' && format.wide,
    noHeaders: ctx.flags.bool('no-headers'),
    showLabels: ctx.flags.bool('show-labels'),
    withNamespace: target.mapping.namespaced && ctx.flags.bool('all-namespaces'),
    namePrefix: multi ? kindPrefix(target.mapping) : undefined,
  };
}

async function watchTarget(ctx: CommandContext, tables: TableClient, target: ResourceTarget, format: OutputFormat): Promise<number> {
  const { mapping } = target;
  const ns = namespaceFor(ctx, mapping);
  const query: Record<string, string | undefined> = { ...selectorQuery(ctx) };
  if (target.names.length === 1) query.fieldSelector = `metadata.name=${target.names[0]}`;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const initial = await tables.get(resourcePath(mapping, ns), query);
    const opts = tableOptions(ctx, format, target, false);
    let columns = initial.columnDefinitions;
    const rows = tableRows(initial, opts);
    const widths = columnWidths(rows);
    if (!ctx.flags.bool('watch-only')) {
      if (initial.rows.length === 0) ctx.err.write(noResourcesMessage(ctx, [target]));
      else ctx.out.write(formatColumns(rows, widths));
    }
    let resourceVersion = initial.metadata?.resourceVersion;
    // The server ends each watch at its timeout; keep watching from where we left off.
    while (!stop.signal.aborted) {
      for await (const ev of tables.watch(resourcePath(mapping, ns), { ...query, resourceVersion, allowWatchBookmarks: 'true' }, stop.signal)) {
        if (ev.type === 'ERROR') throw new CliError(String(ev.object.message ?? 'watch failed'));
        if (ev.type === 'BOOKMARK') {
          resourceVersion = (ev.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? resourceVersion;
          continue;
        }
        const table = ev.object as Table;
        if (table.columnDefinitions.length > 0) columns = table.columnDefinitions;
        const withColumns: Table = { ...table, columnDefinitions: columns };
        for (const row of table.rows) {
          ctx.out.write(formatColumns([rowCells(withColumns, row, opts)], widths));
          resourceVersion = row.object?.metadata?.resourceVersion ?? resourceVersion;
        }
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runGet(ctx: CommandContext, args: string[]): Promise<number> {
  const format = parseOutputFormat(ctx.flags.string('output'), ctx.flags.string('template'));
  const targets = await targetsOf(ctx, args);
  const failures: Failures = { count: 0 };
  const multi = ctx.flags.list('filename').length > 0 ? new Set(targets.map((t) => t.mapping)).size > 1 : isMultiKind(targets, args);

  if (ctx.flags.bool('watch') || ctx.flags.bool('watch-only')) {
    if (targets.length !== 1) throw new CliError('you may only specify a single resource type');
    if (format.kind !== 'table') throw new CliError('--watch is only supported with the default and wide output formats');
    const tables = new TableClient(ctx.client.config);
    try {
      return await watchTarget(ctx, tables, targets[0], format);
    } finally {
      tables.close();
    }
  }

  if (format.kind !== 'table') {
    const objects: KubeObject[] = [];
    for (const target of targets) {
      for (const obj of await getObjects(ctx, target, failures)) objects.push(obj);
    }
    const single = targets.length === 1 && targets[0].names.length === 1 && !args.some((a) => a === 'all');
    const prefixes = new Map(targets.map((t) => [t.mapping.kind, kindPrefix(t.mapping)]));
    if (objects.length > 0 || format.kind !== 'name') {
      ctx.out.write(
        printObjects(objects, format, {
          single,
          noHeaders: ctx.flags.bool('no-headers'),
          prefixOf: (o) => prefixes.get(o.kind ?? '') ?? (o.kind ?? '').toLowerCase(),
        }),
      );
    }
    if (objects.length === 0 && failures.count === 0 && format.kind === 'name') ctx.err.write(noResourcesMessage(ctx, targets));
    return failures.count > 0 ? 1 : 0;
  }

  const tables = new TableClient(ctx.client.config);
  try {
    let printed = 0;
    for (const target of targets) {
      const table = await getTables(ctx, tables, target, failures);
      if (!table || table.rows.length === 0) continue;
      if (printed > 0) ctx.out.write('\n');
      ctx.out.write(formatColumns(tableRows(table, tableOptions(ctx, format, target, multi))));
      printed++;
    }
    if (printed === 0 && failures.count === 0) ctx.err.write(noResourcesMessage(ctx, targets));
    return failures.count > 0 ? 1 : 0;
  } finally {
    tables.close();
  }
}

registerCommand({
  name: 'get',
  summary: 'Display one or many resources',
  long: [
    'Display one or many resources.',
    '',
    " Prints a table of the most important information about the specified resources. You can filter the list using a label selector and the --selector flag. If the desired resource type is namespaced you will only see results in the current namespace if you don't specify any namespace.",
    '',
    'Use "kubectl api-resources" for a complete list of supported resources.',
  ].join('\n'),
  usage:
    'get [(-o|--output=)json|yaml|name|wide|custom-columns=...|custom-columns-file=...|jsonpath=...|go-template=...|go-template-file=...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]',
  examples: [
    '  # List all pods in ps output format',
    '  kubectl get pods',
    '',
    '  # List all pods in ps output format with more information (such as node name)',
    '  kubectl get pods -o wide',
    '',
    '  # List deployments in JSON output format, in the "v1" version of the "apps" API group',
    '  kubectl get deployments.v1.apps -o json',
    '',
    '  # List a single pod in JSON output format',
    '  kubectl get -o json pod web-pod-13je7',
    '',
    '  # List a pod identified by type and name specified in "pod.yaml" in JSON output format',
    '  kubectl get -f pod.yaml -o json',
    '',
    '  # List resource information in custom columns',
    '  kubectl get pod test-pod -o custom-columns=CONTAINER:.spec.containers[0].name,IMAGE:.spec.containers[0].image',
    '',
    '  # List all deployments and services together in ps output format',
    '  kubectl get deployments,services',
    '',
    '  # List one or more resources by their type and names',
    '  kubectl get deploy/web service/frontend pods/web-pod-13je7',
    '',
    '  # List all pods existing in all namespaces',
    '  kubectl get pods --all-namespaces',
  ].join('\n'),
  flags: [
    { name: 'no-headers', type: 'bool', usage: "When using the default or custom-column output format, don't print headers (default print headers)." },
    { name: 'show-labels', type: 'bool', usage: 'When printing, show all labels as the last column (default hide labels column)' },
    { name: 'watch-only', type: 'bool', usage: 'Watch for changes to the requested object(s), without listing/getting first.' },
    { name: 'ignore-not-found', type: 'bool', usage: 'If the requested object does not exist the command will return exit code 0.' },
    {
      name: 'template',
      type: 'string',
      usage:
        'Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].',
    },
  ],
  sharedFlags: ['all-namespaces', 'field-selector', 'filename', 'output', 'recursive', 'selector', 'watch'],
  run: runGet,
});
