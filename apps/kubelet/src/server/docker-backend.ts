/**
 * StreamingBackend on Docker: exec through Docker's exec API, attach through container attach (both
 * hijacked, demultiplexed when there is no TTY), port-forward by dialing the pod's IP from the kubelet.
 * Kept here rather than in docker/docker-streams.ts because it needs the exec object (for resize)
 * and the transports' stream shapes, which the probe path doesn't.
 */
import { connect, type Socket } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Pod } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type Labels } from '../container-runtime.ts';
import type { DockerRuntime } from '../docker-runtime.ts';
import { StreamError, type SessionResult, type SessionStreams, type StreamingBackend, type StreamRequest } from './streaming-backend.ts';

export interface DockerStreamingBackendOptions {
  runtime: DockerRuntime;
  findPod(namespace: string, name: string): Pod | undefined;
  logger: Logger;
}

export class DockerStreamingBackend implements StreamingBackend {
  readonly #runtime: DockerRuntime;
  readonly #findPod: DockerStreamingBackendOptions['findPod'];
  readonly #logger: Logger;

  constructor(opts: DockerStreamingBackendOptions) {
    this.#runtime = opts.runtime;
    this.#findPod = opts.findPod;
    this.#logger = opts.logger;
  }

  async validate(req: StreamRequest): Promise<void> {
    if (req.kind === 'portforward') {
      await this.#podIP(req);
      return;
    }
    await this.#runningContainer(req);
  }

  async exec(req: StreamRequest, streams: SessionStreams): Promise<SessionResult> {
    const id = await this.#runningContainer(req);
    if (!req.command?.length) throw new StreamError(400, 'BadRequest', 'you must specify at least 1 command');
    const docker = this.#runtime.docker;
    const exec = await docker.getContainer(id).exec({
      Cmd: req.command,
      AttachStdin: req.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: req.tty,
    });
    const stream = (await exec.start({ hijack: true, stdin: req.stdin, Tty: req.tty })) as Duplex;
    streams.resize?.on('resize', (size) => {
      exec.resize({ h: size.height, w: size.width }).catch((err: Error) => this.#logger.debug({ err: err.message }, 'exec resize failed'));
    });
    await pump(docker, stream, req.tty, req, streams);
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? 0 };
  }

  async attach(req: StreamRequest, streams: SessionStreams): Promise<SessionResult> {
    const id = await this.#runningContainer(req);
    const docker = this.#runtime.docker;
    const container = docker.getContainer(id);
    // The framing is the container's, fixed at create: a TTY container's output is one raw stream
    // whatever the client asked for, any other's is multiplexed.
    const tty = (await container.inspect()).Config?.Tty ?? false;
    const stream = (await container.attach({ stream: true, stdin: req.stdin, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    streams.resize?.on('resize', (size) => {
      container.resize({ h: size.height, w: size.width }).catch((err: Error) => this.#logger.debug({ err: err.message }, 'attach resize failed'));
    });
    await pump(docker, stream, tty, req, streams);
    // Upstream's attach reports no exit code: the session ended, which is success.
    return { exitCode: 0 };
  }

  async portForward(req: StreamRequest, port: number): Promise<Duplex> {
    const ip = await this.#podIP(req);
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: ip, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', (err) =>
        reject(new StreamError(500, 'InternalError', `error forwarding port ${port} to pod ${req.namespace}/${req.pod}: ${err.message}`)),
      );
    });
  }

  #pod(req: StreamRequest): Pod {
    const pod = this.#findPod(req.namespace, req.pod);
    if (!pod) throw new StreamError(404, 'NotFound', `pod "${req.pod}" not found in namespace "${req.namespace}"`);
    return pod;
  }

  /**
   * Where to dial: the IP of the pod's ready sandbox as the runtime reports it (the pod's network
   * namespace), never status.podIP, which a status writer could point anywhere. A host-network pod
   * shares the node's namespace: its ports are on the loopback.
   */
  async #podIP(req: StreamRequest): Promise<string> {
    const pod = this.#pod(req);
    const notRunning = () => new StreamError(400, 'BadRequest', `unable to do port forwarding: pod "${req.pod}" is not running`);
    const uid = pod.metadata?.uid;
    if (!uid) throw notRunning();
    const sandboxes = await this.#runtime.listPodSandboxes({ labels: { [LABEL_POD_UID]: uid }, state: 'SANDBOX_READY' });
    const newest = sandboxes.sort((a, b) => b.metadata.attempt - a.metadata.attempt)[0];
    if (!newest) throw notRunning();
    if (pod.spec?.hostNetwork) return '127.0.0.1';
    const ip = (await this.#runtime.podSandboxStatus(newest.id))?.ip;
    if (!ip) throw notRunning();
    return ip;
  }

  /** The running container named req.container of this very pod (by UID, so a namesake pod's leftovers never match). */
  async #runningContainer(req: StreamRequest): Promise<string> {
    const pod = this.#pod(req);
    const name = req.container ?? '';
    const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === name);
    if (!known) throw new StreamError(400, 'BadRequest', `container ${name} is not valid for pod ${req.pod}`);
    const labels: Labels = { [LABEL_POD_NAMESPACE]: req.namespace, [LABEL_POD_NAME]: req.pod, [LABEL_CONTAINER_NAME]: name };
    if (pod.metadata?.uid) labels[LABEL_POD_UID] = pod.metadata.uid;
    const running = await this.#runtime.listContainers({ labels, state: 'CONTAINER_RUNNING' });
    if (running.length === 0) throw new StreamError(400, 'BadRequest', `container not found ("${name}")`);
    return running.sort((a, b) => b.attempt - a.attempt)[0]!.id;
  }
}

/**
 * Copies the client's stdin into the hijacked connection (its end half-closes the connection, which
 * Docker turns into EOF on the process's stdin) and the process's output to the client, until Docker
 * ends the connection.
 */
async function pump(docker: Docker, stream: Duplex, tty: boolean, req: StreamRequest, streams: SessionStreams): Promise<void> {
  const stdout = streams.stdout ?? new PassThrough().resume();
  const stderr = streams.stderr ?? new PassThrough().resume();
  const done = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  if (tty) stream.on('data', (chunk: Buffer) => stdout.write(chunk));
  else docker.modem.demuxStream(stream, stdout, stderr);
  if (req.stdin && streams.stdin) {
    streams.stdin.on('data', (chunk: Buffer) => stream.write(chunk));
    streams.stdin.once('end', () => stream.end());
  }
  try {
    await done;
  } finally {
    streams.stdin?.removeAllListeners('data');
    stream.destroy();
  }
}
