/**
 * `kubectl rollout status|history|undo|restart|pause|resume` for Deployments, StatefulSets
 * and DaemonSets (pause and resume: Deployments only, as upstream).
 */
import { registerCommand } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { parseDuration } from '../duration.ts';
import { assertHasHistory, findRevision, formatHistory, formatRevision, listRevisions } from './rollout-history.ts';
import { setRolloutPaused } from './rollout-pause.ts';
import { restartRollout } from './rollout-restart.ts';
import { waitForRollout } from './rollout-status.ts';
import { statusViewerFor } from './rollout-status-viewers.ts';
import { undoRollout } from './rollout-undo.ts';
import { objectRef, resolveTargets } from './scale.ts';

const subcommands = ['status', 'history', 'undo', 'restart', 'pause', 'resume'];

registerCommand({
  name: 'rollout',
  summary: 'Manage the rollout of a deployment, statefulset or daemonset (status, history, undo, restart, pause, resume)',
  flags: [
    { name: 'timeout', type: 'string' },
    { name: 'revision', type: 'int', default: 0 },
    { name: 'to-revision', type: 'int', default: 0 },
    DRY_RUN_FLAG,
  ],
  async run(ctx, args) {
    const [sub, ...rest] = args;
    if (!subcommands.includes(sub ?? '')) throw new CliError(`unknown command "${sub ?? ''}" for "kubectl rollout"`);
    const namespace = ctx.namespace;
    const targets = await resolveTargets((a) => ctx.resolve(a), rest);
    // Like kubectl, refuse an unsupported kind before acting on any of the objects.
    for (const { res } of targets) {
      if (sub === 'status') statusViewerFor(res);
      if (sub === 'history') assertHasHistory(res, 'history viewer');
      if (sub === 'undo') assertHasHistory(res, 'rollbacker');
    }
    for (const { res, name } of targets) {
      if (sub === 'status') {
        const timeout = ctx.flags.string('timeout');
        await waitForRollout(ctx.client, res, namespace, name, {
          out: ctx.out,
          // 0 means no limit: a day.
          timeoutMs: timeout ? (parseDuration(timeout) || 86_400_000) : undefined,
          watch: ctx.flags.has('watch') ? ctx.flags.bool('watch') : true,
        });
      } else if (sub === 'history') {
        const obj = await ctx.client.get(res, namespace, name);
        const revisions = await listRevisions(ctx.client, res, obj);
        const revision = ctx.flags.int('revision') ?? 0;
        const ref = objectRef(res, name);
        ctx.out.write(revision > 0 ? formatRevision(ref, findRevision(revisions, revision)) : formatHistory(ref, revisions));
      } else if (sub === 'undo') {
        ctx.out.write(`${await undoRollout(ctx.client, res, namespace, name, ctx.flags.int('to-revision') ?? 0, dryRunOf(ctx.flags.string('dry-run')))}\n`);
      } else if (sub === 'restart') {
        ctx.out.write(`${await restartRollout(ctx.client, res, namespace, name, new Date(ctx.now()))}\n`);
      } else {
        ctx.out.write(`${await setRolloutPaused(ctx.client, res, namespace, name, sub === 'pause')}\n`);
      }
    }
    return 0;
  },
});
