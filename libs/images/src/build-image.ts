/**
 * Builds the images Skiff makes itself (pause, busybox) from an in-memory build context, and checks
 * whether an image is already present so that building happens once per Docker host.
 */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { createTarArchive, type TarEntry } from './tar-archive.ts';

/** True when Docker has an image with this reference (a 404 from inspect means no). */
export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw new Error(`image ${ref}: inspect failed`, { cause: err });
  }
}

/**
 * Builds `tag` from a Dockerfile plus the given files. Docker reports build failures inside the
 * progress stream (an `error` message) with an HTTP 200, so the stream is read to the end and
 * checked; returns the new image's id.
 */
export async function buildImageFromContext(
  docker: Docker,
  tag: string,
  dockerfile: string,
  files: TarEntry[],
  labels: Record<string, string> = {},
): Promise<string> {
  const context = createTarArchive([{ name: 'Dockerfile', data: Buffer.from(dockerfile) }, ...files]);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(Readable.from([context]), { t: tag, labels, rm: true, forcerm: true });
  } catch (err) {
    throw new Error(`image ${tag}: build request failed`, { cause: err });
  }
  const messages = await new Promise<BuildMessage[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: BuildMessage[]) => (err ? reject(err) : resolve(output)));
  });
  const failure = messages.find((m) => m.error || m.errorDetail);
  if (failure) throw new Error(`image ${tag}: build failed: ${failure.error ?? failure.errorDetail?.message}`);
  const image = await docker.getImage(tag).inspect();
  return image.Id;
}

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}
