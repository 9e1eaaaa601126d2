/**
 * `kubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t]`: the pods/attach WebSocket
 * (v5.channel.k8s.io, else v4) to the container's main process — its output as it runs, and with -i
 * our stdin to its stdin. As upstream: -t is dropped when the container allocated no TTY, forced
 * when it did; with -i -t on a terminal the terminal goes raw and Ctrl-P Ctrl-Q (--detach-keys)
 * detaches, after which kubectl says how to resume.
 */
import { Transform, type Readable } from 'node:stream';
import type { Container, Pod } from '@skiff/api';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import { exitOfSession, runTerminalSession } from '../exec-session.ts';
import { pickContainer, resolvePodTarget } from '../pod-target.ts';
import { openWebSocket, type Query } from '../raw-stream.ts';

/** `ctrl-p,ctrl-q` → [0x10, 0x11]; `ctrl-@`, `ctrl-[`… as Docker spells them; a single character as itself. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((key) => {
    const ctrl = /^ctrl-(.)$/.exec(key);
    if (ctrl) {
      const code = ctrl[1]!.toUpperCase().charCodeAt(0);
      if (code < 0x40 || code > 0x5f) throw new CliError(`could not bind detach keys: invalid detach key: ${key}`);
      return code & 0x1f;
    }
    if (key.length !== 1) throw new CliError(`could not bind detach keys: invalid detach key: ${key}`);
    return key.charCodeAt(0);
  });
}

/** Passes stdin through until the detach sequence arrives; then calls onDetach (the sequence itself is swallowed). */
export function detachableInput(input: Readable, keys: number[], onDetach: () => void): Transform {
  let matched = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const pass: number[] = [];
      for (const byte of chunk) {
        if (byte === keys[matched]) {
          matched++;
          if (matched === keys.length) {
            onDetach();
            return cb(null, Buffer.from(pass));
          }
          continue;
        }
        // A broken sequence was input after all: pass what was held back, then look at this byte afresh.
        pass.push(...keys.slice(0, matched));
        matched = byte === keys[0] ? 1 : 0;
        if (!matched) pass.push(byte);
      }
      cb(null, Buffer.from(pass));
    },
  });
  return input.pipe(out);
}

registerCommand({
  name: 'attach',
  summary: 'Attach to a running container',
  long: 'Attach to a process that is already running inside an existing container.',
  usage: 'attach (POD | TYPE/NAME) -c CONTAINER',
  examples: `  # Get output from running pod mypod; use the 'kubectl.kubernetes.io/default-container' annotation
  # for selecting the container to be attached or the first container in the pod will be chosen
  kubectl attach mypod

  # Get output from ruby-container from pod mypod
  kubectl attach mypod -c ruby-container

  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod
  # and sends stdout/stderr from 'bash' back to the client
  kubectl attach mypod -c ruby-container -i -t

  # Get output from the first pod of a replica set named nginx
  kubectl attach rs/nginx`,
  flags: [
    {
      name: 'container',
      short: 'c',
      type: 'string',
      usage:
        'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen',
    },
    { name: 'stdin', short: 'i', type: 'bool', usage: 'Pass stdin to the container' },
    { name: 'tty', short: 't', type: 'bool', usage: 'Stdin is a TTY' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only print output from the remote session' },
    { name: 'detach-keys', type: 'string', default: 'ctrl-p,ctrl-q', usage: 'Override the key sequence for detaching a container' },
    {
      name: 'pod-running-timeout',
      type: 'string',
      default: '1m0s',
      usage: 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running',
    },
  ],
  async run(ctx, args) {
    if (args.length === 0) throw new CliError('at least 1 argument is required for attach');
    if (args.length > 2) throw new CliError(`expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`);
    const { pod } = await resolvePodTarget(ctx, args.length === 2 ? `${args[0]}/${args[1]}` : args[0]!, ctx.namespace);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    const name = pickContainer(ctx, pod, ctx.flags.string('container'));
    return attachToContainer(ctx, pod, name, {
      stdin: ctx.flags.bool('stdin'),
      tty: ctx.flags.bool('tty'),
      quiet: ctx.flags.bool('quiet'),
      detachKeys: ctx.flags.string('detach-keys'),
    });
  },
});

export interface AttachOptions {
  /** -i: our stdin to the process's stdin. */
  stdin: boolean;
  /** -t: a raw terminal when our input is one (forced when the container has a TTY, dropped when not). */
  tty: boolean;
  quiet: boolean;
  detachKeys?: string;
}

/**
 * One attach session to container `name` of `pod` (kubectl attach's Run, which run -i/--attach
 * also uses): kubectl's notices on stderr, the process's output to ctx.out/ctx.err; answers the exit code.
 */
export async function attachToContainer(ctx: CommandContext, pod: Pod, name: string, opts: AttachOptions): Promise<number> {
  const { quiet, stdin } = opts;
  const container = findContainer(pod, name);
  let tty = opts.tty;
  if (tty && !container?.tty) {
    tty = false;
    if (!quiet) ctx.err.write(`error: Unable to use a TTY - container ${name} did not allocate one\n`);
  } else if (!tty && container?.tty) {
    // The container's output is a terminal's: reading it as multiplexed streams would garble it.
    tty = true;
  }
  const input = ctx.stdin as NodeJS.ReadStream;
  let raw = false;
  if (stdin && tty) {
    if (input.isTTY) raw = true;
    else if (!quiet) ctx.err.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  }
  const keys = parseDetachKeys(opts.detachKeys || 'ctrl-p,ctrl-q');
  const query: Query = [
    ['container', name],
    ['stdout', 'true'],
  ];
  if (stdin) query.push(['stdin', 'true']);
  if (!raw) query.push(['stderr', 'true']);
  if (raw) query.push(['tty', 'true']);
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata!.namespace!)}/pods/${encodeURIComponent(pod.metadata!.name!)}/attach`;
  const ws = await openWebSocket(ctx.client.config, path, query, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  if (!quiet) {
    ctx.err.write(
      'All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n',
    );
    ctx.err.write("If you don't see a command prompt, try pressing enter.\n");
  }
  const status = await runTerminalSession(
    ws,
    {
      stdin: stdin ? (raw ? detachableInput(input, keys, () => ws.close(1000)) : ctx.stdin) : undefined,
      stdout: ctx.out,
      stderr: ctx.err,
    },
    raw,
    input,
  );
  const code = exitOfSession(status, ctx.err, 'attach');
  if (code === 0 && !quiet && stdin && raw && !container?.stdinOnce) {
    // A stdinOnce container's stdin is closed now: there is nothing to resume.
    ctx.out.write(`Session ended, resume using 'kubectl attach ${pod.metadata!.name} -c ${name} -n ${pod.metadata!.namespace} -i -t' command\n`);
  }
  return code;
}

function findContainer(pod: Pod, name: string): Container | undefined {
  const spec = pod.spec as { containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] } | undefined;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])].find((c) => c.name === name);
}
