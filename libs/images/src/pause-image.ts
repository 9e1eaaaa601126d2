/**
 * The pause image, built on this machine from libs/images/pause/pause.c rather than pulled: Skiff
 * must run without a registry, and a static binary FROM scratch is the whole image.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { Logger } from '@skiff/log';
import { buildImageFromContext, hasImage } from './build-image.ts';

export const PAUSE_IMAGE = 'skiff/pause:3.9';

const PAUSE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '../pause/pause.c');

/** Where compiled helper binaries are cached: $SKIFF_HOME/cache, else the system temp dir. */
export function getImageCacheDir(): string {
  const home = process.env.SKIFF_HOME;
  return home ? join(home, 'cache', 'images') : join(tmpdir(), 'skiff-image-cache');
}

/** Builds skiff/pause:3.9 unless Docker already has it; returns the image reference. */
export async function ensurePauseImage(docker: Docker, logger: Logger, image = PAUSE_IMAGE): Promise<string> {
  if (await hasImage(docker, image)) return image;
  const binary = await compilePause(getImageCacheDir(), logger);
  logger.info({ image }, 'building the pause image');
  await buildImageFromContext(
    docker,
    image,
    'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n',
    [{ name: 'pause', data: await readFile(binary), mode: 0o755 }],
    { 'io.skiff.image': 'pause' },
  );
  return image;
}

/** Compiles pause.c into `cacheDir` when the cached binary is missing or older than the source. */
export async function compilePause(cacheDir: string, logger: Logger): Promise<string> {
  const binary = join(cacheDir, 'pause');
  const [source, cached] = await Promise.all([stat(PAUSE_SOURCE), stat(binary).catch(() => undefined)]);
  if (cached && cached.mtimeMs >= source.mtimeMs) return binary;
  await mkdir(cacheDir, { recursive: true });
  // Compile beside the target and rename, so a concurrent kubelet never runs a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  logger.info({ source: PAUSE_SOURCE, binary }, 'compiling pause');
  try {
    await promisify(execFile)('gcc', ['-Os', '-static', '-o', partial, PAUSE_SOURCE]);
  } catch (err) {
    throw new Error(`pause: gcc -static failed (are gcc and libc6-dev installed?): ${(err as { stderr?: string }).stderr ?? ''}`, { cause: err });
  }
  await rename(partial, binary);
  return binary;
}
