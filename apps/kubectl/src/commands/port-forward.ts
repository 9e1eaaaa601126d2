/**
 * `kubectl port-forward (POD | TYPE/NAME) [LOCAL:]REMOTE...`: listens on localhost (127.0.0.1 and
 * ::1) and tunnels each accepted connection through its own pods/portforward WebSocket
 * (channel 0 data, 1 error; the server starts each channel with the port as uint16 LE).
 * For svc/NAME the port is a service port, mapped to the pod's targetPort as kubectl does.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Container, Pod, Service } from '@skiff/api';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { resolvePodTarget } from '../pod-target.ts';
import { openWebSocket } from '../raw-stream.ts';
import type { RestConfig } from '@skiff/client';

export interface PortPair {
  local: number;
  remote: string;
}

export function parsePortSpecs(specs: string[]): PortPair[] {
  return specs.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 2) throw new CliError(`invalid port format '${spec}'`);
    const [local, remote] = parts.length === 1 ? [parts[0], parts[0]] : parts;
    if (local !== '' && !/^\d+$/.test(local)) throw new CliError(`Error parsing local port '${local}': strconv.ParseUint: parsing "${local}": invalid syntax`);
    if (remote === '') throw new CliError(`Error parsing remote port '': strconv.ParseUint: parsing "": invalid syntax`);
    return { local: local === '' ? 0 : Number(local), remote };
  });
}

function containerPortByName(pod: Pod, name: string): number | undefined {
  for (const c of (pod.spec?.containers ?? []) as Container[]) {
    const port = c.ports?.find((p) => p.name === name);
    if (port) return port.containerPort;
  }
  return undefined;
}

/** The pod port for `remote`: a number or a container port name; for a service, its targetPort. */
export function podPortFor(pod: Pod, remote: string, service?: Service): number {
  if (service) {
    const sp = service.spec?.ports?.find((p) => String(p.port) === remote || p.name === remote);
    if (!sp) throw new CliError(`Service ${service.metadata?.name} does not have a service port ${remote}`);
    const target = sp.targetPort ?? sp.port;
    if (typeof target === 'number') return target;
    if (/^\d+$/.test(target)) return Number(target);
    const named = containerPortByName(pod, target);
    if (named === undefined) throw new CliError(`Pod '${pod.metadata?.name}' does not have a named port '${target}'`);
    return named;
  }
  if (/^\d+$/.test(remote)) return Number(remote);
  const named = containerPortByName(pod, remote);
  if (named === undefined) throw new CliError(`Pod '${pod.metadata?.name}' does not have a named port '${remote}'`);
  return named;
}

function tunnel(config: RestConfig, path: string, local: number, remote: number, socket: Socket, err: NodeJS.WritableStream): void {
  socket.pause();
  openWebSocket(config, path, [['ports', String(remote)]], ['v4.channel.k8s.io', 'portforward.k8s.io']).then(
    (ws) => {
      const skipped = [false, false];
      ws.on('message', (data: Buffer) => {
        const channel = data[0];
        let body = data.subarray(1);
        if ((channel === 0 || channel === 1) && !skipped[channel]) {
          skipped[channel] = true;
          body = body.subarray(2);
        }
        if (body.length === 0) return;
        if (channel === 0) socket.write(body);
        else if (channel === 1)
          err.write(`E${new Date().toISOString()} portforward.go: an error occurred forwarding ${local} -> ${remote}: ${body.toString('utf8')}\n`);
      });
      ws.on('close', () => socket.end());
      ws.resume();
      ws.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), chunk]));
      });
      socket.on('end', () => ws.close());
      socket.on('error', () => ws.close());
      socket.resume();
    },
    (e: Error) => {
      err.write(`E${new Date().toISOString()} portforward.go: an error occurred forwarding ${local} -> ${remote}: ${e.message}\n`);
      socket.destroy();
    },
  );
}

function listen(host: string, port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}

registerCommand({
  name: 'port-forward',
  summary: 'Forward one or more local ports to a pod',
  long: [
    'Forward one or more local ports to a pod.',
    '',
    " Use resource type/name such as deployment/mydeployment to select a pod. Resource type defaults to 'pod' if omitted.",
    '',
    ' If there are multiple pods matching the criteria, a pod will be selected automatically. The forwarding session ends when the selected pod terminates, and a rerun of the command is needed to resume forwarding.',
  ].join('\n'),
  usage: 'port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]',
  examples: [
    '  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod',
    '  kubectl port-forward pod/mypod 5000 6000',
    '',
    '  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in a pod selected by the deployment',
    '  kubectl port-forward deployment/mydeployment 5000 6000',
    '',
    '  # Listen on port 8443 locally, forwarding to the targetPort of the service\'s port named "https" in a pod selected by the service',
    '  kubectl port-forward service/myservice 8443:https',
    '',
    '  # Listen on port 8888 locally, forwarding to 5000 in the pod',
    '  kubectl port-forward pod/mypod 8888:5000',
    '',
    '  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod',
    '  kubectl port-forward --address 0.0.0.0 pod/mypod 8888:5000',
    '',
    '  # Listen on a random port locally, forwarding to 5000 in the pod',
    '  kubectl port-forward pod/mypod :5000',
  ].join('\n'),
  flags: [
    {
      name: 'address',
      type: 'array',
      usage:
        'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.',
    },
    {
      name: 'pod-running-timeout',
      type: 'string',
      usage: 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running',
    },
  ],
  async run(ctx, args) {
    if (args.length < 2) throw new CliError('TYPE/NAME and list of ports are required for port-forward');
    const { pod, owner } = await resolvePodTarget(ctx, args[0], ctx.namespace);
    if (pod.status?.phase !== 'Running')
      throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Unknown'}`);
    const service = owner?.kind === 'Service' ? (owner.object as Service) : undefined;
    const pairs = parsePortSpecs(args.slice(1)).map((p) => ({ ...p, podPort: podPortFor(pod, p.remote, service) }));
    const addresses = ctx.flags
      .list('address')
      .flatMap((a) => a.split(','))
      .filter(Boolean);
    const hosts = addresses.length > 0 ? addresses.map((a) => (a === 'localhost' ? '127.0.0.1' : a)) : ['127.0.0.1', '::1'];
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata!.namespace!)}/pods/${encodeURIComponent(pod.metadata!.name!)}/portforward`;
    const servers: Server[] = [];
    for (const pair of pairs) {
      let bound = 0;
      let port = pair.local;
      for (const host of hosts) {
        const server = await listen(host, port);
        if (!server) continue;
        const addr = server.address();
        if (addr && typeof addr === 'object') port = addr.port;
        bound++;
        servers.push(server);
        ctx.out.write(`Forwarding from ${host.includes(':') ? `[${host}]` : host}:${port} -> ${pair.podPort}\n`);
        const localPort = port;
        server.on('connection', (socket) => {
          ctx.out.write(`Handling connection for ${localPort}\n`);
          tunnel(ctx.client.config, path, localPort, pair.podPort, socket, ctx.err);
        });
      }
      if (bound === 0) {
        for (const s of servers) s.close();
        throw new CliError(`unable to listen on any of the requested ports: [{${pair.local} ${pair.podPort}}]`);
      }
    }
    // Runs until interrupted, as kubectl does.
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    for (const s of servers) s.close();
    return 0;
  },
});
