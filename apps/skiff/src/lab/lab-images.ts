/**
 * Images for lab nodes, as kind does it: saved from the host's engine and loaded into each node's,
 * so pods use them by name with no registry (nodes cannot pull from the internet). `lab load` also
 * pushes them to the lab registry (through a node's engine, which trusts it as insecure; the host's
 * engine is not ours to reconfigure).
 */
import type Docker from 'dockerode';
import type { LabLayout, LabNode } from './lab-layout.ts';
import { nodeDocker } from './lab-dockerd.ts';

async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** Reads a Docker progress stream to its end; throws on an error message in it. */
function drainProgress(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolveDone, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
      if (err) return reject(new Error(`${what}: ${err.message}`, { cause: err }));
      const failure = output.find((m) => m.error || m.errorDetail);
      if (failure) return reject(new Error(`${what}: ${failure.error ?? failure.errorDetail?.message}`));
      resolveDone();
    });
  });
}

/** Copies `ref` from the host engine into the node's unless the node has the same image id. */
export async function copyImageToNode(host: Docker, node: LabNode, ref: string): Promise<boolean> {
  const id = await imageId(host, ref);
  if (!id) throw new Error(`image ${ref}: not in the host's Docker engine (build or pull it there first)`);
  const target = nodeDocker(node);
  if ((await imageId(target, ref)) === id) return false;
  const tar = await host.getImage(ref).get();
  const response = await target.loadImage(tar, { quiet: true });
  await drainProgress(target, response, `${node.name}: loading ${ref}`);
  return true;
}

/** The registry's name for a host image: 10.250.<slot>.1:5000/<repository>:<tag>. */
export function registryRef(layout: LabLayout, ref: string): string {
  const withTag = /:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
  return `${layout.hostIp}:${layout.registryPort}/${withTag}`;
}

/** Tags the image in the node's engine with the registry's name and pushes it there. */
export async function pushFromNode(layout: LabLayout, node: LabNode, ref: string): Promise<string> {
  const docker = nodeDocker(node);
  const target = registryRef(layout, ref);
  const colon = target.lastIndexOf(':');
  await docker.getImage(ref).tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) });
  // Docker insists on an X-Registry-Auth header even for a registry without auth.
  const stream = await docker.getImage(target).push({ authconfig: { serveraddress: `${layout.hostIp}:${layout.registryPort}` } });
  await drainProgress(docker, stream, `pushing ${target}`);
  return target;
}
