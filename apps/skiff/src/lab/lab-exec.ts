/** Running commands in a lab pod's container (through its node's engine) and in a node's netns. */
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '@skiff/api';
import { tryCommand } from './run-command.ts';

export type ExecResult = { exitCode: number; output: string };
export type PodRef = { namespace?: string; pod: string; container?: string };

/** The running app container of a pod (the named one, else any that is not the sandbox). */
export async function findPodContainer(docker: Docker, ref: PodRef): Promise<Docker.ContainerInfo | undefined> {
  const filters = {
    label: [`${LABEL_POD_NAME}=${ref.pod}`, `${LABEL_POD_NAMESPACE}=${ref.namespace ?? 'default'}`, 'skiff.sandbox=false'],
    status: ['running'],
  };
  const containers = await docker.listContainers({ filters: JSON.stringify(filters) });
  return containers.find((c) => !ref.container || c.Labels[LABEL_CONTAINER_NAME] === ref.container);
}

export async function execInContainer(docker: Docker, containerId: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, out, out);
  await new Promise<void>((resolveEnd, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`exec ${cmd.join(' ')}: no exit within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    stream.on('end', () => {
      clearTimeout(timer);
      resolveEnd();
    });
    stream.on('close', () => {
      clearTimeout(timer);
      resolveEnd();
    });
    stream.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString('utf8') };
}

export async function execInPod(docker: Docker, node: string, ref: PodRef, cmd: string[]): Promise<ExecResult> {
  const container = await findPodContainer(docker, ref);
  if (!container) throw new Error(`${node}: no running container of pod ${ref.namespace ?? 'default'}/${ref.pod}${ref.container ? ` (${ref.container})` : ''}`);
  return execInContainer(docker, container.Id, cmd);
}

export async function execInNetns(netns: string, cmd: string[]): Promise<ExecResult> {
  const r = await tryCommand('nsenter', [`--net=${netns}`, ...cmd]);
  return { exitCode: r.code, output: r.stdout + r.stderr };
}
