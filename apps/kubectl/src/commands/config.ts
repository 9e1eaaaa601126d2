/**
 * `kubectl config view|get-contexts|get-clusters|get-users|current-context|use-context|
 * set-context|rename-context|delete-context|delete-cluster|delete-user`: reads the kubeconfig
 * files kubectl reads (--kubeconfig, else $KUBECONFIG's list, else ~/.kube/config) and writes
 * each change to the file kubectl writes it to: an existing entry in the file that defines it,
 * a new one in the first file that exists, current-context in the first file that sets one.
 * None of these talks to the server.
 */
import { registerCommand, type Command, type CommandContext } from '../command.ts';
import { parentCommand } from '../parent-command.ts';
import { CliError } from '../errors.ts';
import {
  editKubeconfigFile,
  entriesOf,
  fileForCurrentContext,
  fileForEntry,
  defaultKubeconfigFile,
  mergeKubeconfigs,
  readKubeconfigFiles,
  removeEntry,
  upsertEntry,
  type Fields,
  type KubeconfigOptions,
  type KubeconfigSection,
  type Named,
} from '../kubeconfig.ts';
import { renderJsonPath } from '../printers/jsonpath.ts';
import { parseOutputFormat, toJson, toYaml } from '../printers/object-printer.ts';
import { formatColumns } from '../printers/table-printer.ts';
import { viewKubeconfig } from './config-view.ts';

/** --kubeconfig, else the invocation's KUBECONFIG. */
function pathOptions(ctx: CommandContext): KubeconfigOptions {
  return { kubeconfig: ctx.flags.string('kubeconfig'), env: ctx.env };
}

function loaded(ctx: CommandContext): { opts: KubeconfigOptions; files: ReturnType<typeof readKubeconfigFiles>; merged: Fields } {
  const opts = pathOptions(ctx);
  const files = readKubeconfigFiles(opts);
  return { opts, files, merged: mergeKubeconfigs(files.map((f) => f.doc)) };
}

/** The file kubectl names in its messages: the explicit one, else the default it would write to. */
function shownFile(opts: KubeconfigOptions): string {
  return opts.kubeconfig ?? defaultKubeconfigFile(opts);
}

function currentContextOf(merged: Fields): string {
  return typeof merged['current-context'] === 'string' ? merged['current-context'] : '';
}

function findEntry(merged: Fields, section: KubeconfigSection, name: string): Named | undefined {
  return entriesOf(merged, section).find((e) => e.name === name);
}

function expectArgs(args: string[], count: number, usage: string): void {
  if (args.length !== count) throw new CliError(`Unexpected args: [${args.join(' ')}]\nUsage:\n  kubectl config ${usage}`);
}

function setCurrentContext(ctx: CommandContext, name: string): void {
  const { opts, files } = loaded(ctx);
  editKubeconfigFile(fileForCurrentContext(files, opts), (doc) => {
    doc['current-context'] = name;
  });
}

const view: Command = {
  name: 'view',
  summary: 'Display merged kubeconfig settings or a specified kubeconfig file',
  long: 'Display merged kubeconfig settings or a specified kubeconfig file.\n\nYou can use --output jsonpath={...} to extract specific values using a jsonpath expression.',
  usage: 'config view [flags] [options]',
  examples: [
    '  # Show merged kubeconfig settings',
    '  kubectl config view',
    '',
    '  # Show merged kubeconfig settings, raw certificate data, and exposed secrets',
    '  kubectl config view --raw',
    '',
    '  # Get the password for the e2e user',
    `  kubectl config view -o jsonpath='{.users[?(@.name == "e2e")].user.password}'`,
  ].join('\n'),
  flags: [
    { name: 'minify', type: 'bool', usage: 'Remove all information not used by current-context from the output' },
    { name: 'raw', type: 'bool', usage: 'Display raw byte data and sensitive data' },
    {
      name: 'flatten',
      type: 'bool',
      usage: 'Flatten the resulting kubeconfig file into self-contained output (useful for creating portable kubeconfig files)',
    },
  ],
  sharedFlags: ['output'],
  async run(ctx) {
    const { files } = loaded(ctx);
    const doc = viewKubeconfig(files, {
      minify: ctx.flags.bool('minify'),
      flatten: ctx.flags.bool('flatten'),
      raw: ctx.flags.bool('raw'),
      context: ctx.flags.string('context'),
    });
    const format = parseOutputFormat(ctx.flags.string('output') || 'yaml');
    if (format.kind === 'json') ctx.out.write(toJson(doc));
    else if (format.kind === 'jsonpath') ctx.out.write(renderJsonPath(format.template, doc));
    else if (format.kind === 'yaml') ctx.out.write(toYaml(doc));
    else
      throw new CliError(`unable to match a printer suitable for the output format "${ctx.flags.string('output')}", allowed formats are: json, jsonpath, yaml`);
    return 0;
  },
};

const getContexts: Command = {
  name: 'get-contexts',
  summary: 'Describe one or many contexts',
  long: 'Display one or many contexts from the kubeconfig file.',
  usage: 'config get-contexts [(-o|--output=)name)]',
  examples:
    '  # List all the contexts in your kubeconfig file\n  kubectl config get-contexts\n\n  # Describe one context in your kubeconfig file\n  kubectl config get-contexts my-context',
  flags: [{ name: 'no-headers', type: 'bool', usage: "When using the default or custom-column output format, don't print headers (default print headers)." }],
  sharedFlags: ['output'],
  async run(ctx, args) {
    const output = ctx.flags.string('output') ?? '';
    if (output !== '' && output !== 'name') throw new CliError(`output must be one of '' or 'name': ${output}`);
    const { merged } = loaded(ctx);
    const current = currentContextOf(merged);
    const contexts = entriesOf(merged, 'contexts');
    const names = args.length > 0 ? args : contexts.map((c) => c.name).sort();
    const rows: string[][] = [];
    const missing: string[] = [];
    for (const name of names) {
      const entry = contexts.find((c) => c.name === name);
      if (!entry) {
        missing.push(`context ${name} not found`);
        continue;
      }
      const body = (entry.context ?? {}) as Fields;
      rows.push([name === current ? '*' : '', name, String(body.cluster ?? ''), String(body.user ?? ''), String(body.namespace ?? '')]);
    }
    if (output === 'name') ctx.out.write(rows.map((r) => `${r[1]}\n`).join(''));
    else if (ctx.flags.bool('no-headers')) ctx.out.write(rows.length > 0 ? formatColumns(rows) : '');
    else ctx.out.write(formatColumns([['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'], ...rows]));
    if (missing.length === 1) throw new CliError(missing[0]);
    if (missing.length > 1) throw new CliError(`[${missing.join(', ')}]`);
    return 0;
  },
};

function listNames(name: string, section: KubeconfigSection, what: string): Command {
  return {
    name,
    summary: `Display ${what} defined in the kubeconfig`,
    long: `Display ${what} defined in the kubeconfig.`,
    usage: `config ${name} [options]`,
    examples: `  # List the ${what} that kubectl knows about\n  kubectl config ${name}`,
    async run(ctx) {
      const { merged } = loaded(ctx);
      ctx.out.write(
        [
          'NAME',
          ...entriesOf(merged, section)
            .map((e) => e.name)
            .sort(),
        ]
          .map((n) => `${n}\n`)
          .join(''),
      );
      return 0;
    },
  };
}

const currentContext: Command = {
  name: 'current-context',
  summary: 'Display the current-context',
  long: 'Display the current-context.',
  usage: 'config current-context [options]',
  examples: '  # Display the current-context\n  kubectl config current-context',
  async run(ctx) {
    const current = currentContextOf(loaded(ctx).merged);
    if (!current) throw new CliError('current-context is not set');
    ctx.out.write(`${current}\n`);
    return 0;
  },
};

const useContext: Command = {
  name: 'use-context',
  aliases: ['use'],
  summary: 'Set the current-context in a kubeconfig file',
  long: 'Set the current-context in a kubeconfig file.',
  usage: 'config use-context CONTEXT_NAME [options]',
  examples: '  # Use the context for the minikube cluster\n  kubectl config use-context minikube',
  async run(ctx, args) {
    if (args.length !== 1 || !args[0]) throw new CliError('Unexpected args: [' + args.join(' ') + ']');
    const [name] = args;
    if (!findEntry(loaded(ctx).merged, 'contexts', name)) throw new CliError(`no context exists with the name: "${name}"`);
    setCurrentContext(ctx, name);
    ctx.out.write(`Switched to context "${name}".\n`);
    return 0;
  },
};

const setContext: Command = {
  name: 'set-context',
  summary: 'Set a context entry in kubeconfig',
  long: 'Set a context entry in kubeconfig.\n\nSpecifying a name that already exists will merge new fields on top of existing values for those fields.',
  usage: 'config set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [options]',
  examples: '  # Set the user field on the gce context entry without touching other values\n  kubectl config set-context gce --user=cluster-admin',
  flags: [
    { name: 'current', type: 'bool', usage: 'Modify the current context' },
    { name: 'cluster', type: 'string', usage: 'cluster for the context entry in kubeconfig' },
    { name: 'user', type: 'string', usage: 'user for the context entry in kubeconfig' },
    { name: 'namespace', short: 'n', type: 'string', usage: 'namespace for the context entry in kubeconfig' },
  ],
  async run(ctx, args) {
    if (args.length > 1) throw new CliError(`Unexpected args: [${args.join(' ')}]`);
    const { opts, files, merged } = loaded(ctx);
    let name = args[0] ?? '';
    if (ctx.flags.bool('current')) {
      if (name) throw new CliError('you cannot specify both a context name and --current');
      name = currentContextOf(merged);
      if (!name) throw new CliError('no current context is set');
    }
    if (!name) throw new CliError('you must specify a non-empty context name or --current');
    const existing = findEntry(merged, 'contexts', name);
    const body: Fields = { ...((existing?.context as Fields | undefined) ?? {}) };
    // A flag given empty clears the field, as kubectl's set-context does.
    for (const [flag, field] of [
      ['cluster', 'cluster'],
      ['user', 'user'],
      ['namespace', 'namespace'],
    ] as const) {
      if (!ctx.flags.has(flag)) continue;
      const value = ctx.flags.string(flag) ?? '';
      if (value) body[field] = value;
      else delete body[field];
    }
    editKubeconfigFile(fileForEntry(files, 'contexts', name, opts), (doc) => upsertEntry(doc, 'contexts', { ...existing, name, context: body }));
    ctx.out.write(`Context "${name}" ${existing ? 'modified' : 'created'}.\n`);
    return 0;
  },
};

const renameContext: Command = {
  name: 'rename-context',
  summary: 'Rename a context from the kubeconfig file',
  long: "Renames a context from the kubeconfig file.\n\nCONTEXT_NAME is the context name that you want to change.\n\nNEW_NAME is the new name you want to set.\n\nNote: If the context being renamed is the 'current-context', this field will also be updated.",
  usage: 'config rename-context CONTEXT_NAME NEW_NAME [options]',
  examples: "  # Rename the context 'old-name' to 'new-name' in your kubeconfig file\n  kubectl config rename-context old-name new-name",
  async run(ctx, args) {
    expectArgs(args, 2, 'rename-context CONTEXT_NAME NEW_NAME');
    const [from, to] = args;
    const { opts, files, merged } = loaded(ctx);
    const file = shownFile(opts);
    const existing = findEntry(merged, 'contexts', from);
    if (!existing) throw new CliError(`cannot rename the context "${from}", it's not in ${file}`);
    if (findEntry(merged, 'contexts', to)) throw new CliError(`cannot rename the context "${from}", the context "${to}" already exists in ${file}`);
    editKubeconfigFile(fileForEntry(files, 'contexts', from, opts), (doc) => {
      doc.contexts = entriesOf(doc, 'contexts').map((e) => (e.name === from ? { ...e, name: to } : e));
    });
    if (currentContextOf(merged) === from) setCurrentContext(ctx, to);
    ctx.out.write(`Context "${from}" renamed to "${to}".\n`);
    return 0;
  },
};

function deleteEntry(section: KubeconfigSection, what: string): Command {
  return {
    name: `delete-${what}`,
    summary: `Delete the specified ${what} from the kubeconfig`,
    long: `Delete the specified ${what} from the kubeconfig.`,
    usage: `config delete-${what} NAME [options]`,
    examples: `  # Delete the ${what} named minikube\n  kubectl config delete-${what} minikube`,
    async run(ctx, args) {
      expectArgs(args, 1, `delete-${what} NAME`);
      const [name] = args;
      const { opts, files, merged } = loaded(ctx);
      const file = shownFile(opts);
      if (!findEntry(merged, section, name)) throw new CliError(`cannot delete ${what} ${name}, not in ${file}`);
      if (section === 'contexts' && currentContextOf(merged) === name) {
        ctx.err.write('warning: this removed your active context, use "kubectl config use-context" to select a different one\n');
      }
      editKubeconfigFile(fileForEntry(files, section, name, opts), (doc) => removeEntry(doc, section, name));
      ctx.out.write(`deleted ${what} ${name} from ${file}\n`);
      return 0;
    },
  };
}

const subcommands: Command[] = [
  currentContext,
  deleteEntry('clusters', 'cluster'),
  deleteEntry('contexts', 'context'),
  deleteEntry('users', 'user'),
  listNames('get-clusters', 'clusters', 'clusters'),
  getContexts,
  listNames('get-users', 'users', 'users'),
  renameContext,
  setContext,
  useContext,
  view,
];

registerCommand(
  parentCommand(
    {
      name: 'config',
      summary: 'Modify kubeconfig files',
      long: [
        'Modify kubeconfig files using subcommands like "kubectl config set-context my-context".',
        '',
        'The loading order follows these rules:',
        '',
        '  1. If the --kubeconfig flag is set, then only that file is loaded. The flag may only be set once and no merging takes place.',
        '  2. If $KUBECONFIG environment variable is set, then it is used as a list of paths (normal path delimiting rules for your system). These paths are merged. When a value is modified, it is modified in the file that defines the stanza. When a value is created, it is created in the first file that exists. If no files in the chain exist, then it creates the last file in the list.',
        '  3. Otherwise, ${HOME}/.kube/config is used and no merging takes place.',
      ].join('\n'),
      usage: 'config SUBCOMMAND [options]',
    },
    subcommands,
  ),
);
