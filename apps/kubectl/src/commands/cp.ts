/**
 * `kubectl cp <file-spec-src> <file-spec-dest>`: a file spec is a local path or `[namespace/]pod:path`.
 * Into a pod, a tar of the local tree is piped to `tar -xmf - -C DIR` over exec (into the directory
 * when the destination is one, as `test -d` tells); out of a pod, `tar cf - PATH` is read and
 * unpacked locally with the remote path's leading "/" and directories stripped, as upstream does.
 * As in upstream kubectl, the remote tar's own messages (e.g. busybox's "tar: removing leading '/'
 * from member names") are printed on stdout when copying from a pod. Unlike upstream — whose exit
 * code there is a race between the unpacking and the exec's failure — a failing remote tar always
 * ends the command with "command terminated with exit code N" and N.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { posix, basename, dirname, join, relative, isAbsolute } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Pod } from '@skiff/api';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import { execInContainer, exitOfSession, type ExecTarget, type StatusLike } from '../exec-session.ts';
import { pickContainer } from '../pod-target.ts';
import { packTar, TarExtractor, type EntrySink, type TarHeader } from '../tar.ts';

export interface FileSpec {
  namespace?: string;
  pod?: string;
  file: string;
}

const FORMAT = 'filespec must match the canonical format: [[namespace/]pod:]file/path';

function stripTrailingSlash(file: string): string {
  return file.length > 1 && file.endsWith('/') ? file.slice(0, -1) : file;
}

export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  if (i === 0) throw new CliError(FORMAT);
  if (i < 0) return { file: stripTrailingSlash(arg) };
  const pieces = arg.slice(0, i).split('/');
  const file = stripTrailingSlash(arg.slice(i + 1).replaceAll('\\', '/'));
  if (pieces.length === 1) return { pod: pieces[0], file };
  if (pieces.length === 2) return { namespace: pieces[0], pod: pieces[1], file };
  throw new CliError(FORMAT);
}

/** Drops leading "../" and a leftover "." / ".." or leading "/": remote paths never climb above the copy's root. */
export function stripPathShortcuts(p: string): string {
  let path = p;
  while (path.startsWith('../')) path = path.slice(3);
  if (path === '.' || path === '..') path = '';
  return path.startsWith('/') ? path.slice(1) : path;
}

/** What tar member names start with for remote `file`: tar drops the leading "/", and so do we. */
export function memberPrefix(file: string): string {
  return stripPathShortcuts(posix.normalize(file.replace(/^[/\\]+/, '') || '.').replace(/\/$/, ''));
}

/** The local path member `name` lands on, or undefined when it would escape `dest`. */
export function localTargetFor(dest: string, prefix: string, name: string): string | undefined {
  const rest = name.slice(prefix.length).replace(/\/+$/, '');
  const target = join(dest, rest);
  const rel = relative(dest, target);
  if (rel === '' || rel === '.') return target;
  if (isAbsolute(rel) || rel === '..' || rel.startsWith('../')) return undefined;
  return target;
}

/** The `tar cf -` a copy out of a pod runs; with --retries, resumable with tail at byte `from` (0-based). */
export function tarCreateCommand(file: string, retries: number, from: number): string[] {
  if (retries === 0) return ['tar', 'cf', '-', file];
  return ['sh', '-c', `tar cf - '${file.replaceAll("'", "'\\''")}' | tail -c+${from + 1}`];
}

async function targetPod(ctx: CommandContext, spec: FileSpec): Promise<ExecTarget> {
  const namespace = spec.namespace || ctx.namespace;
  const pod = await ctx.client.get<Pod>(await ctx.resolve('pods'), namespace, spec.pod!);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  return { namespace, pod: spec.pod!, container: pickContainer(ctx, pod, ctx.flags.string('container')) };
}

async function copyToPod(ctx: CommandContext, src: FileSpec, dest: FileSpec): Promise<number> {
  if (!existsSync(src.file)) throw new CliError(`${src.file} doesn't exist in local filesystem`);
  const target = await targetPod(ctx, dest);
  const discard = new Writable({ write: (_c, _e, cb) => cb() });
  let destFile = posix.normalize(dest.file);
  const isDir = await execInContainer(ctx.client.config, target, ['test', '-d', destFile], { stdout: discard, stderr: discard });
  if (isDir.status === 'Success') destFile = posix.join(destFile, basename(src.file));
  const command = ctx.flags.bool('no-preserve') ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-'];
  const destDir = posix.dirname(destFile);
  if (destDir) command.push('-C', destDir);
  const archive = Readable.from(packTar(src.file, posix.basename(destFile)));
  const status = await execInContainer(ctx.client.config, target, command, { stdin: archive, stdout: ctx.out, stderr: ctx.err });
  return exitOfSession(status, ctx.err, 'exec');
}

/** Unpacks members under `dest` as kubectl does: directories made, symlinks skipped with a warning, files written. */
function unpacker(ctx: CommandContext, src: FileSpec, dest: string): (h: TarHeader) => EntrySink | undefined {
  const prefix = memberPrefix(src.file);
  let warned = false;
  return (header) => {
    if (!header.name.startsWith(prefix)) throw new CliError('tar contents corrupted');
    const target = localTargetFor(dest, prefix, header.name);
    if (!target) {
      ctx.err.write(`warning: file ${JSON.stringify(join(dest, header.name.slice(prefix.length)))} is outside target destination, skipping\n`);
      return undefined;
    }
    mkdirSync(dirname(target), { recursive: true });
    if (header.type === '5') {
      mkdirSync(target, { recursive: true });
      return undefined;
    }
    if (header.type === '2') {
      const hint = warned
        ? ''
        : ` (consider using "kubectl exec -n ${JSON.stringify(src.namespace ?? '')} ${JSON.stringify(src.pod)} -- tar cf - ${JSON.stringify(src.file)} | tar xf -")`;
      warned = true;
      ctx.err.write(`warning: skipping symlink: ${JSON.stringify(target)} -> ${JSON.stringify(header.linkname)}${hint}\n`);
      return undefined;
    }
    if (header.type !== '0' && header.type !== '7') return undefined;
    const fd = openSync(target, 'w', 0o666);
    return { write: (chunk) => void writeSync(fd, chunk), end: () => closeSync(fd) };
  };
}

async function copyFromPod(ctx: CommandContext, src: FileSpec, dest: FileSpec): Promise<number> {
  const target = await targetPod(ctx, src);
  const retries = ctx.flags.int('retries') ?? 0;
  const extractor = new TarExtractor(unpacker(ctx, src, dest.file));
  let received = 0;
  for (let attempt = 0; ; attempt++) {
    const abort = new AbortController();
    let failure: unknown;
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (failure) return cb();
        try {
          if (!extractor.ended) extractor.write(chunk);
          received += chunk.length;
        } catch (err) {
          failure = err;
          abort.abort();
        }
        cb();
      },
    });
    let status: StatusLike | undefined;
    try {
      status = await execInContainer(ctx.client.config, target, tarCreateCommand(src.file, retries, received), { stdout, stderr: ctx.out }, abort.signal);
    } catch (err) {
      if (retries === 0) throw err;
    }
    if (failure) throw failure;
    const broken = !status || (status.status === 'Success' && extractor.midEntry);
    if (!broken) return exitOfSession(status!, ctx.err, 'exec');
    if (retries >= 0 && attempt >= retries) {
      if (retries !== 0) ctx.out.write(`Dropping out copy after ${attempt} retries\n`);
      throw new CliError('unexpected EOF');
    }
    ctx.out.write(`Resuming copy at ${received} bytes, retry ${attempt + 1}/${retries}\n`);
  }
}

registerCommand({
  name: 'cp',
  summary: 'Copy files and directories to and from containers',
  long: 'Copy files and directories to and from containers.',
  usage: 'cp <file-spec-src> <file-spec-dest>',
  examples: `  # !!!Important Note!!!
  # Requires that the 'tar' binary is present in your container
  # image.  If 'tar' is not present, 'kubectl cp' will fail.
  #
  # For advanced use cases, such as symlinks, wildcard expansion or
  # file mode preservation, consider using 'kubectl exec'.

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>
  tar cf - /tmp/foo | kubectl exec -i -n <some-namespace> <some-pod> -- tar xf - -C /tmp/bar

  # Copy /tmp/foo from a remote pod to /tmp/bar locally
  kubectl exec -n <some-namespace> <some-pod> -- tar cf - /tmp/foo | tar xf - -C /tmp/bar

  # Copy /tmp/foo_dir local directory to /tmp/bar_dir in a remote pod in the default namespace
  kubectl cp /tmp/foo_dir <some-pod>:/tmp/bar_dir

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in a specific container
  kubectl cp /tmp/foo <some-pod>:/tmp/bar -c <specific-container>

  # Copy /tmp/foo local file to /tmp/bar in a remote pod in namespace <some-namespace>
  kubectl cp /tmp/foo <some-namespace>/<some-pod>:/tmp/bar

  # Copy /tmp/foo from a remote pod to /tmp/bar locally
  kubectl cp <some-namespace>/<some-pod>:/tmp/foo /tmp/bar`,
  flags: [
    {
      name: 'container',
      short: 'c',
      type: 'string',
      usage:
        'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen',
    },
    { name: 'no-preserve', type: 'bool', usage: "The copied file/directory's ownership and permissions will not be preserved in the container" },
    {
      name: 'retries',
      type: 'int',
      default: 0,
      usage:
        'Set number of retries to complete a copy operation from a container. Specify 0 to disable or any negative value for infinite retrying. The default is 0 (no retry).',
    },
  ],
  async run(ctx, args) {
    if (args.length !== 2) throw new CliError('source and destination are required');
    const src = parseFileSpec(args[0]);
    const dest = parseFileSpec(args[1]);
    if (src.pod && dest.pod) throw new CliError('one of src or dest must be a local file specification');
    if (src.file === '' || dest.file === '') throw new CliError('filepath can not be empty');
    if (src.pod) return copyFromPod(ctx, src, dest);
    if (dest.pod) return copyToPod(ctx, src, dest);
    throw new CliError('one of src or dest must be a remote file specification');
  },
});
