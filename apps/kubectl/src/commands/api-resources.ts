/** `kubectl api-resources`: NAME SHORTNAMES APIVERSION NAMESPACED KIND, from discovery. */
import { apiVersionOf } from '@skiff/api';
import { registerCommand } from '../command.ts';
import { formatColumns } from '../printers/table-printer.ts';

registerCommand({
  name: 'api-resources',
  summary: 'Print the supported API resources on the server',
  flags: [
    { name: 'namespaced', type: 'bool', default: true },
    { name: 'api-group', type: 'string' },
    { name: 'no-headers', type: 'bool' },
  ],
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
