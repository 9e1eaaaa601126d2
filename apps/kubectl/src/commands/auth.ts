/**
 * `kubectl auth can-i` (a SelfSubjectAccessReview; `--list`: a SelfSubjectRulesReview) and
 * `kubectl auth whoami` (a SelfSubjectReview). can-i prints yes or no and exits 0 or 1.
 * With the global --as/--as-group the reviews are sent impersonating that user, so they answer for them.
 */
import { ApiStatusError } from '@skiff/client';
import { registerCommand, type Command, type CommandContext } from '../command.ts';
import { parentCommand } from '../parent-command.ts';
import { CliError } from '../errors.ts';
import { findMapping } from '../rest-mapper.ts';
import { toJson, toYaml } from '../printers/object-printer.ts';
import { formatColumns } from '../printers/table-printer.ts';
import { formatRulesTable, goList, type RulesReviewStatus } from './auth-rules.ts';

const AUTHZ = '/apis/authorization.k8s.io/v1';
const resourceVerbs = new Set([
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'use',
  'bind',
  'impersonate',
  '*',
  'approve',
  'sign',
  'escalate',
  'attest',
]);
const nonResourceVerbs = new Set(['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*']);
/** Resources the server authorizes but does not serve (impersonating users and groups). */
const nonStandardResources = new Set(['users', 'groups']);

interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}
interface ResourceTarget {
  group: string;
  resource: string;
  namespaced: boolean | undefined;
}

function warn(ctx: CommandContext, message: string): void {
  ctx.err.write(`Warning: ${message}\n`);
}

/** kubectl's resourceFor: a served resource, else the argument as given with a warning. */
async function resourceFor(ctx: CommandContext, arg: string): Promise<ResourceTarget> {
  if (arg === '*') return { group: '', resource: '*', namespaced: undefined };
  const lower = arg.toLowerCase();
  const found = findMapping(await ctx.mapper.mappings(), lower);
  if (found) return { group: found.group, resource: found.resource, namespaced: found.namespaced };
  const dot = lower.indexOf('.');
  const resource = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? '' : lower.slice(dot + 1);
  if (!nonStandardResources.has(lower)) {
    warn(ctx, group ? `the server doesn't have a resource type '${resource}' in group '${group}'` : `the server doesn't have a resource type '${resource}'`);
  }
  return { group: '', resource: arg, namespaced: undefined };
}

async function canI(ctx: CommandContext, args: string[]): Promise<number> {
  const quiet = ctx.flags.bool('quiet');
  const allNamespaces = ctx.flags.bool('all-namespaces');
  const subresource = ctx.flags.string('subresource') ?? '';
  if (ctx.flags.bool('list')) {
    if (args.length !== 0) throw new CliError('list option must be specified with no arguments');
    if (quiet || allNamespaces || subresource) throw new CliError("list option can't be specified with neither quiet, all-namespaces nor subresource options");
    const answer = await ctx.client.request<{ status?: RulesReviewStatus }>('POST', `${AUTHZ}/selfsubjectrulesreviews`, {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ctx.namespace } },
    });
    const status = answer.status ?? {};
    if (status.incomplete) warn(ctx, `the list may be incomplete: ${status.evaluationError ?? ''}`);
    ctx.out.write(formatRulesTable(status, !ctx.flags.bool('no-headers')));
    return 0;
  }
  if (args.length !== 2) {
    throw new CliError("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.");
  }
  const [verb, target] = args;
  let spec: Record<string, unknown>;
  if (target.startsWith('/')) {
    if (subresource) throw new CliError('--subresource can not be used with NonResourceURL');
    if (!nonResourceVerbs.has(verb)) warn(ctx, `verb '${verb}' is not a known verb`);
    spec = { nonResourceAttributes: { verb, path: target } };
  } else {
    const slash = target.indexOf('/');
    const res = await resourceFor(ctx, slash < 0 ? target : target.slice(0, slash));
    const name = slash < 0 ? '' : target.slice(slash + 1);
    if (!allNamespaces && res.namespaced === false) {
      warn(
        ctx,
        res.group ? `resource '${res.resource}' is not namespace scoped in group '${res.group}'` : `resource '${res.resource}' is not namespace scoped`,
      );
    }
    if (!resourceVerbs.has(verb)) warn(ctx, `verb '${verb}' is not a known verb`);
    const attributes = { namespace: allNamespaces ? '' : ctx.namespace, verb, group: res.group, resource: res.resource, subresource, name };
    // Empty attributes are left out, as Go's omitempty does.
    spec = { resourceAttributes: Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== '')) };
  }
  if (ctx.flags.bool('no-headers')) throw new CliError('--no-headers cannot be set without --list specified');
  const answer = await ctx.client.request<{ status?: ReviewStatus }>('POST', `${AUTHZ}/selfsubjectaccessreviews`, {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec },
  });
  const status = answer.status ?? {};
  if (!quiet) {
    let line = status.allowed ? 'yes' : 'no';
    if (!status.allowed && status.reason) line += ` - ${status.reason}`;
    if (!status.allowed && status.evaluationError) line += ` - ${status.evaluationError}`;
    ctx.out.write(`${line}\n`);
  }
  return status.allowed ? 0 : 1;
}

interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

async function whoami(ctx: CommandContext): Promise<number> {
  const output = ctx.flags.string('output') ?? '';
  if (output && output !== 'yaml' && output !== 'json') {
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml`);
  }
  let answer: { status?: { userInfo?: UserInfo } };
  try {
    answer = await ctx.client.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
  } catch (err) {
    const code = err instanceof ApiStatusError ? err.code : undefined;
    if (code === 403) throw new CliError('the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it');
    if (code === 404) throw new CliError('the selfsubjectreviews API is not enabled in the cluster');
    throw err;
  }
  if (output === 'yaml') ctx.out.write(toYaml(answer));
  else if (output === 'json') ctx.out.write(toJson(answer));
  else ctx.out.write(formatUserInfo(answer.status?.userInfo ?? {}));
  return 0;
}

/** kubectl's ATTRIBUTE/VALUE table; absent attributes get no row. */
export function formatUserInfo(user: UserInfo): string {
  const rows = [['ATTRIBUTE', 'VALUE']];
  if (user.username) rows.push(['Username', user.username]);
  if (user.uid) rows.push(['UID', user.uid]);
  if (user.groups?.length) rows.push(['Groups', goList(user.groups)]);
  for (const key of Object.keys(user.extra ?? {}).sort()) rows.push([`Extra: ${key}`, goList(user.extra![key])]);
  return formatColumns(rows);
}

const canICommand: Command = {
  name: 'can-i',
  summary: 'Check whether an action is allowed',
  long: [
    'Check whether an action is allowed.',
    '',
    " VERB is a logical Kubernetes API verb like 'get', 'list', 'watch', 'delete', etc. TYPE is a Kubernetes resource. Shortcuts and groups will be resolved. NONRESOURCEURL is a partial URL that starts with \"/\". NAME is the name of a particular Kubernetes resource. This command pairs nicely with impersonation. See --as global flag.",
  ].join('\n'),
  usage: 'auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]',
  examples: [
    '  # Check to see if I can create pods in any namespace',
    '  kubectl auth can-i create pods --all-namespaces',
    '',
    '  # Check to see if I can list deployments in my current namespace',
    '  kubectl auth can-i list deployments.apps',
    '',
    '  # Check to see if I can do everything in my current namespace ("*" means all)',
    "  kubectl auth can-i '*' '*'",
    '',
    '  # Check to see if I can get the job named "bar" in namespace "foo"',
    '  kubectl auth can-i list jobs.batch/bar -n foo',
    '',
    '  # Check to see if I can read pod logs',
    '  kubectl auth can-i get pods --subresource=log',
    '',
    '  # Check to see if I can access the URL /logs/',
    '  kubectl auth can-i get /logs/',
    '',
    '  # List all allowed actions in namespace "foo"',
    '  kubectl auth can-i --list --namespace=foo',
  ].join('\n'),
  flags: [
    { name: 'quiet', short: 'q', type: 'bool', usage: 'If true, suppress output and just return the exit code.' },
    { name: 'subresource', type: 'string', usage: 'SubResource such as pod/log or deployment/scale' },
    { name: 'list', type: 'bool', usage: 'If true, prints all allowed actions.' },
    { name: 'no-headers', type: 'bool', usage: 'If true, prints allowed actions without headers' },
  ],
  sharedFlags: ['all-namespaces'],
  run: canI,
};

const whoamiCommand: Command = {
  name: 'whoami',
  summary: 'Experimental: Check self subject attributes',
  long: 'Experimental: Check who you are and your attributes (groups, extra).\n\n This command is helpful to get yourself aware of the current user attributes, especially when dynamic authentication, e.g., token webhook, auth proxy, or OIDC provider, is enabled in the Kubernetes cluster.',
  usage: 'auth whoami',
  sharedFlags: ['output'],
  examples: '  # Get your subject attributes\n  kubectl auth whoami\n\n  # Get your subject attributes in JSON format\n  kubectl auth whoami -o json',
  run: (ctx) => whoami(ctx),
};

registerCommand(
  parentCommand(
    {
      name: 'auth',
      summary: 'Inspect authorization',
      long: 'Inspect authorization.',
      usage: 'auth [flags] [options]',
    },
    [canICommand, whoamiCommand],
  ),
);
