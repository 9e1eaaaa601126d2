/** `kubectl version`: the client's and the server's (/version) versions; --client skips the server. */
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { toJson, toYaml } from '../printers/object-printer.ts';

/**
 * The Kubernetes version this kubectl speaks, as a client version report: the 1.30 API Skiff's
 * apiserver claims (its /version), so `kubectl version` against Skiff never warns of skew.
 */
export const CLIENT_VERSION = { major: '1', minor: '30', gitVersion: 'v1.30.0-skiff', platform: `${process.platform}/${process.arch}` };

interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
}

/** major.minor from gitVersion (`v1.30.0-skiff`), else from the major/minor fields (`32+`). */
function majorMinor(v: VersionInfo): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v.gitVersion ?? '');
  const [major, minor] = m ? [m[1], m[2]] : [v.major, v.minor];
  const parsed = [Number.parseInt(major ?? '', 10), Number.parseInt(minor ?? '', 10)] as [number, number];
  return parsed.some(Number.isNaN) ? undefined : parsed;
}

/** kubectl's warning when client and server are more than one minor version apart (or differ in major). */
export function versionSkewWarning(client: VersionInfo, server: VersionInfo): string | undefined {
  const c = majorMinor(client);
  const s = majorMinor(server);
  if (!c || !s) return undefined;
  if (c[0] === s[0] && Math.abs(c[1] - s[1]) <= 1) return undefined;
  return `WARNING: version difference between client (${c[0]}.${c[1]}) and server (${s[0]}.${s[1]}) exceeds the supported minor version skew of +/-1`;
}

registerCommand({
  name: 'version',
  summary: 'Print the client and server version information',
  long: 'Print the client and server version information for the current context.',
  usage: 'version [flags] [options]',
  examples: '  # Print the client and server versions for the current context\n  kubectl version',
  flags: [{ name: 'client', type: 'bool', usage: 'If true, shows client version only (no server required).' }],
  sharedFlags: ['output'],
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
    const warning = report.serverVersion ? versionSkewWarning(CLIENT_VERSION, report.serverVersion as VersionInfo) : undefined;
    if (warning) ctx.err.write(`${warning}\n`);
    return 0;
  },
});
