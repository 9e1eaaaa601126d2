/** `kubectl api-resources`: NAME SHORTNAMES APIVERSION NAMESPACED KIND, from discovery. */
import { apiVersionOf } from '@skiff/api';
import { registerCommand } from '../command.ts';
import { formatColumns } from '../printers/table-printer.ts';

registerCommand({
  name: 'api-resources',
  summary: 'Print the supported API resources on the server',
  long: 'Print the supported API resources on the server.',
  usage: 'api-resources [flags] [options]',
  examples: [
    '  # Print the supported API resources',
    '  kubectl api-resources',
    '',
    '  # Print the supported API resources with more information',
    '  kubectl api-resources -o wide',
    '',
    '  # Print the supported namespaced resources',
    '  kubectl api-resources --namespaced=true',
    '',
    '  # Print the supported non-namespaced resources',
    '  kubectl api-resources --namespaced=false',
    '',
    '  # Print the supported API resources with a specific APIGroup',
    '  kubectl api-resources --api-group=rbac.authorization.k8s.io',
  ].join('\n'),
  flags: [
    {
      name: 'namespaced',
      type: 'bool',
      default: true,
      usage: 'If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.',
    },
    { name: 'api-group', type: 'string', usage: 'Limit to resources in the specified API group.' },
    { name: 'no-headers', type: 'bool', usage: "When using the default or custom-column output format, don't print headers (default print headers)." },
  ],
  sharedFlags: ['output'],
  async run(ctx) {
    let mappings = await ctx.mapper.mappings();
    if (ctx.flags.has('namespaced')) mappings = mappings.filter((m) => m.namespaced === ctx.flags.bool('namespaced'));
    const group = ctx.flags.string('api-group');
    if (group !== undefined) mappings = mappings.filter((m) => m.group === group);
    mappings = [...mappings].sort((a, b) => a.resource.localeCompare(b.resource) || a.group.localeCompare(b.group));
    if (ctx.flags.string('output') === 'name') {
      ctx.out.write(mappings.map((m) => `${m.group ? `${m.resource}.${m.group}` : m.resource}\n`).join(''));
      return 0;
    }
    const rows = mappings.map((m) => [m.resource, m.shortNames.join(','), apiVersionOf(m), String(m.namespaced), m.kind]);
    if (!ctx.flags.bool('no-headers')) rows.unshift(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    ctx.out.write(formatColumns(rows));
    return 0;
  },
});
