/**
 * The example app's image, skiff/web:<version>: busybox's httpd serving one page that names the
 * version and the pod (its hostname), built on this machine from the busybox image so the example
 * needs no registry. On SIGTERM it keeps serving for DRAIN_SECONDS (default 5) before it exits, so a
 * rolling update loses no request while endpoints catch up (as a preStop sleep would).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '@skiff/log';
import { ensureBusyboxImage, ensurePauseImage, hasImage, BUSYBOX_IMAGE } from '@skiff/images';

export const WEB_VERSIONS = ['v1', 'v2'] as const;
export const WEB_PORT = 8080;

export function webImageRef(version: string): string {
  return `skiff/web:${version}`;
}

function webScript(version: string): string {
  return `#!/bin/sh
echo "skiff web ${version} on $(hostname)" > /www/index.html
echo ok > /www/healthz
httpd -f -p ${WEB_PORT} -h /www &
pid=$!
echo "skiff web ${version}: serving $(hostname) on :${WEB_PORT}"
trap 'sleep "\${DRAIN_SECONDS:-5}"; kill $pid; exit 0' TERM INT
wait $pid
`;
}

export async function ensureWebImage(docker: Docker, version: string): Promise<string> {
  const ref = webImageRef(version);
  if (await hasImage(docker, ref)) return ref;
  await ensureBusyboxImage(docker);
  const dir = await mkdtemp(join(tmpdir(), 'skiff-web-image-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nCOPY web.sh /web.sh\nEXPOSE ${WEB_PORT}\nCMD ["/web.sh"]\n`);
    await writeFile(join(dir, 'web.sh'), webScript(version), { mode: 0o755 });
    const stream = await docker.buildImage(
      { context: dir, src: ['Dockerfile', 'web.sh'] },
      {
        t: ref,
        rm: true,
        forcerm: true,
        labels: { 'io.skiff.image': 'web', 'io.skiff.version': version },
      },
    );
    // Docker reports build failures inside the stream, with an HTTP 200.
    const output = await new Promise<{ error?: string }[]>((resolveOut, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolveOut(out)));
    });
    const failure = output.find((m) => m.error);
    if (failure) throw new Error(`image ${ref}: build failed: ${failure.error}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return ref;
}

/** Every image a Skiff node needs locally: pause, busybox, and the example's web:v1 and web:v2. */
export async function ensureNodeImages(docker: Docker, logger: Logger): Promise<string[]> {
  const refs = [await ensurePauseImage(docker, logger), await ensureBusyboxImage(docker)];
  for (const version of WEB_VERSIONS) refs.push(await ensureWebImage(docker, version));
  return refs;
}
