/**
 * `kubectl exec [-i] [-t] [-c C] (POD | TYPE/NAME) -- COMMAND [args...]` over the apiserver's
 * pods/exec WebSocket (v5.channel.k8s.io, else v4). With -t on a terminal the local terminal
 * goes raw for the session and size changes are sent; the process exits with the remote code.
 */
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { exitOfSession, runTerminalSession } from '../exec-session.ts';
import { pickContainer, resolvePodTarget } from '../pod-target.ts';
import { openWebSocket, type Query } from '../raw-stream.ts';

registerCommand({
  name: 'exec',
  summary: 'Execute a command in a container',
  long: 'Execute a command in a container.',
  usage: 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]',
  examples: [
    "  # Get output from running the 'date' command from pod mypod, using the first container by default",
    '  kubectl exec mypod -- date',
    '',
    "  # Get output from running the 'date' command in ruby-container from pod mypod",
    '  kubectl exec mypod -c ruby-container -- date',
    '',
    "  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod",
    "  # and sends stdout/stderr from 'bash' back to the client",
    '  kubectl exec mypod -c ruby-container -i -t -- bash -il',
    '',
    "  # Get output from running 'date' command from the first pod of the deployment mydeployment, using the first container by default",
    '  kubectl exec deploy/mydeployment -- date',
    '',
    "  # Get output from running 'date' command from the first pod of the service myservice, using the first container by default",
    '  kubectl exec svc/myservice -- date',
  ].join('\n'),
  flags: [
    { name: 'stdin', short: 'i', type: 'bool', usage: 'Pass stdin to the container' },
    { name: 'tty', short: 't', type: 'bool', usage: 'Stdin is a TTY' },
    {
      name: 'container',
      short: 'c',
      type: 'string',
      usage:
        'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen',
    },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Only print output from the remote session' },
    {
      name: 'pod-running-timeout',
      type: 'string',
      usage: 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running',
    },
  ],
  async run(ctx, args) {
    if (args.length === 0)
      throw new CliError(
        "expected 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]'.\nPOD or TYPE/NAME is a required argument for the exec command",
      );
    const [target, ...command] = args;
    if (command.length === 0) throw new CliError('you must specify at least one command for the container');
    const { pod } = await resolvePodTarget(ctx, target, ctx.namespace);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const container = pickContainer(ctx, pod, ctx.flags.string('container'));
    const stdin = ctx.flags.bool('stdin');
    const input = ctx.stdin as NodeJS.ReadStream;
    let tty = ctx.flags.bool('tty');
    if (tty && !(stdin && input.isTTY)) {
      if (!ctx.flags.bool('quiet')) ctx.err.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      tty = false;
    }
    const query: Query = [...command.map((c): [string, string] => ['command', c]), ['container', container], ['stdout', 'true']];
    if (stdin) query.push(['stdin', 'true']);
    if (!tty) query.push(['stderr', 'true']);
    if (tty) query.push(['tty', 'true']);
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata!.namespace!)}/pods/${encodeURIComponent(pod.metadata!.name!)}/exec`;
    const ws = await openWebSocket(ctx.client.config, path, query, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    const status = await runTerminalSession(ws, { stdin: stdin ? ctx.stdin : undefined, stdout: ctx.out, stderr: ctx.err }, tty, input);
    return exitOfSession(status, ctx.err, 'exec');
  },
});
