/**
 * `kubectl rollout status|history|undo|restart|pause|resume` for Deployments, StatefulSets
 * and DaemonSets (pause and resume: Deployments only, as upstream).
 */
import type { FlagSpec } from '../cli.ts';
import { registerCommand, type Command, type Subcommand } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf } from '../dry-run.ts';
import { unknownSubcommandError } from '../errors.ts';
import { formatCommandHelp } from '../help.ts';
import { parseDuration } from '../duration.ts';
import { assertHasHistory, findRevision, formatHistory, formatRevision, listRevisions } from './rollout-history.ts';
import { setRolloutPaused } from './rollout-pause.ts';
import { restartRollout } from './rollout-restart.ts';
import { waitForRollout } from './rollout-status.ts';
import { statusViewerFor } from './rollout-status-viewers.ts';
import { undoRollout } from './rollout-undo.ts';
import { objectRef, resolveTargets } from './scale.ts';

const TIMEOUT: FlagSpec = {
  name: 'timeout',
  type: 'string',
  usage: 'The length of time to wait before ending watch, zero means never. Any other values should contain a corresponding time unit (e.g. 1s, 2m, 3h).',
};
const REVISION: FlagSpec = { name: 'revision', type: 'int', default: 0, usage: 'See the details, including podTemplate of the revision specified' };
const TO_REVISION: FlagSpec = { name: 'to-revision', type: 'int', default: 0, usage: 'The revision to rollback to. Default to 0 (last revision).' };
const WATCH: FlagSpec = { name: 'watch', short: 'w', type: 'bool', default: true, usage: "Watch the status of the rollout until it's done." };

/** What `kubectl rollout SUB --help` describes; the run below dispatches. */
const rolloutSubcommands: Subcommand[] = [
  {
    name: 'status',
    summary: 'Show the status of the rollout',
    long: "Show the status of the rollout.\n\n By default 'rollout status' will watch the status of the latest rollout until it's done. If you don't want to wait for the rollout to finish then you can use --watch=false.",
    usage: 'rollout status (TYPE NAME | TYPE/NAME) [flags] [options]',
    examples: '  # Watch the rollout status of a deployment\n  kubectl rollout status deployment/nginx',
    flags: [TIMEOUT, WATCH],
  },
  {
    name: 'history',
    summary: 'View rollout history',
    long: 'View previous rollout revisions and configurations.',
    usage: 'rollout history (TYPE NAME | TYPE/NAME) [flags] [options]',
    examples:
      '  # View the rollout history of a deployment\n  kubectl rollout history deployment/abc\n\n  # View the details of daemonset revision 3\n  kubectl rollout history daemonset/abc --revision=3',
    flags: [REVISION],
  },
  {
    name: 'undo',
    summary: 'Undo a previous rollout',
    long: 'Roll back to a previous rollout.',
    usage: 'rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]',
    examples:
      '  # Roll back to the previous deployment\n  kubectl rollout undo deployment/abc\n\n  # Roll back to daemonset revision 3\n  kubectl rollout undo daemonset/abc --to-revision=3\n\n  # Roll back to the previous deployment with dry-run\n  kubectl rollout undo --dry-run=server deployment/abc',
    flags: [TO_REVISION, DRY_RUN_FLAG],
  },
  {
    name: 'restart',
    summary: 'Restart a resource',
    long: 'Restart a resource.\n\n        Resource rollout will be restarted.',
    usage: 'rollout restart RESOURCE [options]',
    examples: '  # Restart a deployment\n  kubectl rollout restart deployment/nginx\n\n  # Restart a daemon set\n  kubectl rollout restart daemonset/abc',
  },
  {
    name: 'pause',
    summary: 'Mark the provided resource as paused',
    long: 'Mark the provided resource as paused.\n\n Paused resources will not be reconciled by a controller. Use "kubectl rollout resume" to resume a paused resource. Currently only deployments support being paused.',
    usage: 'rollout pause RESOURCE [options]',
    examples:
      '  # Mark the nginx deployment as paused\n  # Any current state of the deployment will continue its function; new updates\n  # to the deployment will not have an effect as long as the deployment is paused\n  kubectl rollout pause deployment/nginx',
  },
  {
    name: 'resume',
    summary: 'Resume a paused resource',
    long: 'Resume a paused resource.\n\n Paused resources will not be reconciled by a controller. By resuming a resource, we allow it to be reconciled again. Currently only deployments support being resumed.',
    usage: 'rollout resume RESOURCE [options]',
    examples: '  # Resume an already paused deployment\n  kubectl rollout resume deployment/nginx',
  },
];
const subcommands = rolloutSubcommands.map((s) => s.name);

const rolloutCommand: Command = {
  name: 'rollout',
  summary: 'Manage the rollout of a resource',
  long: 'Manage the rollout of one or many resources.\n\n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets',
  usage: 'rollout SUBCOMMAND [options]',
  examples: [
    '  # Rollback to the previous deployment',
    '  kubectl rollout undo deployment/abc',
    '',
    '  # Check the rollout status of a daemonset',
    '  kubectl rollout status daemonset/foo',
    '',
    '  # Restart a deployment',
    '  kubectl rollout restart deployment/abc',
  ].join('\n'),
  subcommands: rolloutSubcommands,
  flags: [TIMEOUT, REVISION, TO_REVISION, DRY_RUN_FLAG],
  async run(ctx, args) {
    const [sub, ...rest] = args;
    if (sub === undefined) {
      // kubectl's DefaultSubCommandRun: the help on stderr, exit 1.
      ctx.err.write(formatCommandHelp(rolloutCommand));
      return 1;
    }
    if (!subcommands.includes(sub)) throw unknownSubcommandError('rollout', args);
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
          timeoutMs: timeout ? parseDuration(timeout) || 86_400_000 : undefined,
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
};

registerCommand(rolloutCommand);
