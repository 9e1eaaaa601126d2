import type { Deployment } from '@skiff/api';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import { parseDurationMs } from './drain.ts';
import { findRevision, formatHistory, formatRevision, listRevisions } from './rollout-history.ts';
import { setRolloutPaused } from './rollout-pause.ts';
import { restartRollout } from './rollout-restart.ts';
import { DEPLOYMENTS, waitForRollout } from './rollout-status.ts';
import { undoRollout } from './rollout-undo.ts';
import { resolveTargets } from './scale.ts';

const subcommands = ['status', 'history', 'undo', 'restart', 'pause', 'resume'];

/** The Deployments a rollout subcommand names (only Deployments roll out here). */
async function deploymentNames(ctx: CommandContext, args: string[]): Promise<string[]> {
  const targets = await resolveTargets((a) => ctx.resolve(a), args);
  for (const { res } of targets) {
    if (res.group !== 'apps' || res.kind !== 'Deployment') throw new CliError(`no rollout support for ${res.kind.toLowerCase()}: only deployments are supported`);
  }
  return targets.map((t) => t.name);
}

registerCommand({
  name: 'rollout',
  summary: 'Manage the rollout of a resource (status, history, undo, restart, pause, resume)',
  flags: [
    { name: 'timeout', type: 'string' },
    { name: 'revision', type: 'int', default: 0 },
    { name: 'to-revision', type: 'int', default: 0 },
  ],
  async run(ctx, args) {
    const [sub, ...rest] = args;
    if (!subcommands.includes(sub ?? '')) throw new CliError(`unknown command "${sub ?? ''}" for "kubectl rollout"`);
    const namespace = ctx.namespace;
    for (const name of await deploymentNames(ctx, rest)) {
      const ref = `deployment.apps/${name}`;
      if (sub === 'status') {
        const timeout = ctx.flags.string('timeout');
        await waitForRollout(ctx.client, namespace, name, {
          out: ctx.out,
          timeoutMs: timeout ? parseDurationMs(timeout) : undefined,
          watch: ctx.flags.has('watch') ? ctx.flags.bool('watch') : true,
        });
      } else if (sub === 'history') {
        const d = await ctx.client.get<Deployment>(DEPLOYMENTS, namespace, name);
        const revisions = await listRevisions(ctx.client, d);
        const revision = ctx.flags.int('revision') ?? 0;
        ctx.out.write(revision > 0 ? formatRevision(ref, findRevision(revisions, revision)) : formatHistory(ref, revisions));
      } else if (sub === 'undo') {
        ctx.out.write(`${await undoRollout(ctx.client, namespace, name, ctx.flags.int('to-revision') ?? 0)}\n`);
      } else if (sub === 'restart') {
        ctx.out.write(`${await restartRollout(ctx.client, namespace, name, new Date(ctx.now()))}\n`);
      } else {
        ctx.out.write(`${await setRolloutPaused(ctx.client, namespace, name, sub === 'pause')}\n`);
      }
    }
    return 0;
  },
});
