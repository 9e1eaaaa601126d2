/**
 * Image pulls per imagePullPolicy, as kubelet's image manager does them: Never uses only what
 * is present, IfNotPresent pulls when missing, Always pulls every time (which, for an image
 * already present, costs a registry round trip and no download). A failed pull backs off per
 * pod and image: ErrImagePull the first time, ImagePullBackOff while the delay runs.
 */
import type { Container as KubeContainer, Pod } from '@skiff/api';
import type { ContainerRuntime } from '../container-runtime.ts';
import { getPullSecretAuth } from '../docker/registry-auth.ts';
import type { Backoff } from './backoff.ts';
import type { PodEvent } from './sync-pod.ts';

export class ContainerStartError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export interface ImagePullDeps {
  runtime: ContainerRuntime;
  imageBackoff: Backoff;
  now: () => number;
  /** Whether the image is on the node; without it every pull policy pulls (but Never). */
  imagePresent?: (image: string) => Promise<boolean>;
  /** Secret lookups for the pod's imagePullSecrets (kubernetes.io/dockerconfigjson). */
  env?: { getSecret(namespace: string, name: string): Promise<{ data?: Record<string, string> } | undefined> };
}

/** The last pull error per back-off key, so ImagePullBackOff can say what the registry answered. */
const lastPullError = new Map<string, string>();

/** Pull back-off is per pod and image, as in the kubelet. */
export function getImageBackoffKey(pod: Pod, image: string): string {
  return `${pod.metadata?.uid ?? ''}/${image}`;
}

/** Defaulting as the apiserver does it: `:latest` or no tag → Always, anything else → IfNotPresent. */
export function getImagePullPolicy(container: KubeContainer): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Ensures the container's image is on the node; returns its reference, or throws ContainerStartError. */
export async function ensureImage(pod: Pod, container: KubeContainer, deps: ImagePullDeps, events: PodEvent[], fieldPath: string): Promise<string> {
  const image = container.image ?? '';
  const policy = getImagePullPolicy(container);
  const present = deps.imagePresent ? await deps.imagePresent(image) : false;
  const event = (type: PodEvent['type'], reason: string, message: string) => events.push({ type, reason, message, fieldPath });
  if (policy === 'Never' && !present && deps.imagePresent) {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    event('Warning', 'ErrImageNeverPull', message);
    throw new ContainerStartError('ErrImageNeverPull', message);
  }
  if ((present && policy !== 'Always') || policy === 'Never') {
    event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    return image;
  }
  const key = getImageBackoffKey(pod, image);
  const now = deps.now();
  if (deps.imageBackoff.isInBackOffSinceUpdate(key, now)) {
    const last = lastPullError.get(key);
    const message = `Back-off pulling image "${image}"${last ? `: ErrImagePull: ${last}` : ''}`;
    event('Normal', 'BackOff', message);
    throw new ContainerStartError('ImagePullBackOff', message);
  }
  event('Normal', 'Pulling', `Pulling image "${image}"`);
  try {
    const auth = deps.env ? await getPullSecretAuth(pod, image, (ns, name) => deps.env!.getSecret(ns, name)) : undefined;
    const ref = await deps.runtime.pullImage(image, auth);
    lastPullError.delete(key);
    event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${deps.now() - now}ms`);
    return ref;
  } catch (err) {
    deps.imageBackoff.next(key, deps.now());
    const message = `Failed to pull image "${image}": ${(err as Error).message}`;
    lastPullError.set(key, (err as Error).message);
    event('Warning', 'Failed', message);
    event('Warning', 'Failed', 'Error: ErrImagePull');
    throw new ContainerStartError('ErrImagePull', message, { cause: err });
  }
}
