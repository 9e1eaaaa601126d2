/**
 * The images a Docker kubelet in a test runs, built through the same builders `./skiff up` uses
 * (@skiff/images), so every suite works on a machine where `up` never ran: CI starts from a bare
 * Debian, and `node --test one.test.ts` must pass on its own.
 */
import Docker from 'dockerode';
import { createLogger } from '@skiff/log';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureBusyboxImage, ensurePauseImage } from '@skiff/images';

export { BUSYBOX_IMAGE, PAUSE_IMAGE };

/**
 * Builds skiff/pause:3.9 and skiff/busybox:test in that engine unless it has them. The kubelet would
 * build the pause image itself, but only after it started, inside a test's readiness timeout; and it
 * never builds busybox, which pods name with `imagePullPolicy: Never` or a tag no registry has.
 */
export async function ensureTestImages(docker: Docker = new Docker()): Promise<string[]> {
  const logger = createLogger('test-images', 'warn');
  return [await ensurePauseImage(docker, logger), await ensureBusyboxImage(docker)];
}
