/** `kubectl version`: the client's and the server's (/version) versions; --client skips the server. */
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { toJson, toYaml } from '../printers/object-printer.ts';

/** The Kubernetes version this kubectl speaks, as a client version report. */
export const CLIENT_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-skiff', platform: `${process.platform}/${process.arch}` };

registerCommand({
  name: 'version',
  summary: 'Print the client and server version information',
  flags: [{ name: 'client', type: 'bool' }],
  async run(ctx) {
    const report: Record<string, unknown> = { clientVersion: CLIENT_VERSION };
    if (!ctx.flags.bool('client')) report.serverVersion = await ctx.client.request('GET', '/version');
    const output = ctx.flags.string('output');
    if (output === 'json') ctx.out.write(toJson(report));
    else if (output === 'yaml') ctx.out.write(toYaml(report));
    else if (output) throw new CliError(`--output must be 'yaml' or 'json'`);
    else {
      ctx.out.write(`Client Version: ${CLIENT_VERSION.gitVersion}\n`);
      const server = report.serverVersion as { gitVersion?: string } | undefined;
      if (server) ctx.out.write(`Server Version: ${server.gitVersion ?? 'unknown'}\n`);
    }
    return 0;
  },
});
