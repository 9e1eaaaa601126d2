/**
 * GET /containerLogs/{namespace}/{pod}/{container}: which container instance to read follows
 * upstream's validateContainerLogStatus (the current instance, or the previous one), picked among
 * the runtime's containers of that pod, and its refusals are worded as upstream's, since kubectl
 * prints them verbatim.
 */
import type { ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import type { ContainerStatus, Pod } from '@skiff/api';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type Container as RuntimeContainer,
  type Labels,
} from '../container-runtime.ts';
import type { LogOptions } from '../docker/docker-streams.ts';
import type { DockerRuntime } from '../docker-runtime.ts';

export class LogRequestError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Unix ms. */
  sinceTime?: number;
  limitBytes?: number;
}

const isTrue = (v: string | null) => v !== null && ['1', 'true', 't', 'True', 'TRUE', 'T'].includes(v);

export function parseLogQuery(q: URLSearchParams, now = Date.now()): LogQuery {
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new LogRequestError(400, `invalid ${name}: "${v}"`);
    return Number(v);
  };
  const sinceSeconds = int('sinceSeconds');
  const sinceTimeText = q.get('sinceTime');
  let sinceTime: number | undefined;
  if (sinceTimeText) {
    sinceTime = Date.parse(sinceTimeText);
    if (Number.isNaN(sinceTime)) throw new LogRequestError(400, `invalid sinceTime: "${sinceTimeText}"`);
  } else if (sinceSeconds !== undefined) sinceTime = now - sinceSeconds * 1000;
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  return {
    follow: isTrue(q.get('follow')),
    previous: isTrue(q.get('previous')),
    timestamps: isTrue(q.get('timestamps')),
    ...(tailLines !== undefined && tailLines >= 0 ? { tailLines } : {}),
    ...(sinceTime !== undefined ? { sinceTime } : {}),
    ...(limitBytes !== undefined && limitBytes > 0 ? { limitBytes } : {}),
  };
}

/**
 * The Docker id of the container instance to read, or the error kubectl shows. The ids come from
 * the runtime (`instances`: this pod's containers of that name, found by the kubelet's labels),
 * never from status.containerID, which anyone allowed to write pod status could point at
 * another pod's container. The status only says which state the container is in.
 */
export function selectLogContainer(pod: Pod, containerName: string, previous: boolean, instances: readonly RuntimeContainer[]): string {
  const podName = pod.metadata?.name ?? '';
  const statuses: ContainerStatus[] = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const s = statuses.find((c) => c.name === containerName);
  if (!s) throw new LogRequestError(400, `container "${containerName}" in pod "${podName}" is not available`);
  const [newest, older] = [...instances].sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  const waiting = s.state?.waiting;
  if (previous) {
    // Waiting to restart, the newest instance is the one that last terminated; running, the one before it.
    const prev = waiting && newest?.state === 'CONTAINER_EXITED' ? newest : older;
    if (!prev) throw new LogRequestError(400, `previous terminated container "${containerName}" in pod "${podName}" not found`);
    return prev.id;
  }
  if (newest) return newest.id;
  if (s.state?.terminated || s.lastState?.terminated) {
    throw new LogRequestError(400, `container "${containerName}" in pod "${podName}" is terminated`);
  }
  if (waiting) {
    const reason =
      waiting.reason === 'ErrImagePull' ? "image can't be pulled" : waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason;
    throw new LogRequestError(400, `container "${containerName}" in pod "${podName}" is waiting to start: ${reason}`);
  }
  throw new LogRequestError(400, `container "${containerName}" in pod "${podName}" is waiting to start - no logs yet`);
}

/** Passes at most `limit` bytes, then ends (limitBytes). */
function limitBytes(limit: number): Transform {
  let left = limit;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (left <= 0) return cb();
      const part = chunk.subarray(0, left);
      left -= part.length;
      this.push(part);
      if (left <= 0) this.push(null);
      cb();
    },
  });
}

export async function serveContainerLogs(
  res: ServerResponse,
  runtime: DockerRuntime,
  findPod: (ns: string, name: string) => Pod | undefined,
  path: string[],
  query: URLSearchParams,
): Promise<void> {
  const [namespace, podName, containerName] = path;
  if (!namespace || !podName || !containerName) throw new LogRequestError(400, 'expected /containerLogs/{namespace}/{pod}/{container}');
  const pod = findPod(namespace, podName);
  if (!pod) throw new LogRequestError(404, `pod "${podName}" does not exist`);
  const inSpec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some(
    (c) => c.name === containerName,
  );
  if (!inSpec) throw new LogRequestError(404, `container "${containerName}" not found in pod "${podName}"`);
  const q = parseLogQuery(query);
  const labels: Labels = { [LABEL_POD_NAMESPACE]: namespace, [LABEL_POD_NAME]: podName, [LABEL_CONTAINER_NAME]: containerName };
  if (pod.metadata?.uid) labels[LABEL_POD_UID] = pod.metadata.uid;
  const id = selectLogContainer(pod, containerName, q.previous, await runtime.listContainers({ labels }));
  const opts: LogOptions = { follow: q.follow, timestamps: q.timestamps, tailLines: q.tailLines, sinceTime: q.sinceTime };
  let logs: NodeJS.ReadableStream;
  try {
    logs = await runtime.containerLogs(id, opts);
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404)
      throw new LogRequestError(404, `container "${containerName}" in pod "${podName}" not found (removed)`);
    throw err;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', ...(q.follow ? { 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' } : {}) });
  const source = q.limitBytes ? (logs.pipe(limitBytes(q.limitBytes)) as NodeJS.ReadableStream) : logs;
  res.on('close', () => (logs as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.());
  source.pipe(res);
}
