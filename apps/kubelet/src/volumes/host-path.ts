/**
 * hostPath volumes: the node's path, checked against the volume's type with Kubernetes' own
 * messages (pkg/volume/hostpath checkType). The path itself may be a symlink, as upstream
 * allows: Docker binds what it resolves to. Mounting `/` is allowed, as in Kubernetes; keeping
 * hostPath away from untrusted users is admission's job (PodSecurity), not the kubelet's.
 */
import { chmod, mkdir, open, stat } from 'node:fs/promises';

export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        await chmod(path, 0o755);
        return;
      }
      return expect(st?.isDirectory(), `${path} is not a directory`);
    case 'Directory':
      return expect(st?.isDirectory(), `${path} is not a directory`);
    case 'FileOrCreate':
      if (!st) {
        await createFile(path);
        return;
      }
      return expect(st?.isFile(), `${path} is not a file`);
    case 'File':
      return expect(st?.isFile(), `${path} is not a file`);
    case 'Socket':
      return expect(st?.isSocket(), `${path} is not a socket file`);
    case 'CharDevice':
      return expect(st?.isCharacterDevice(), `${path} is not a character device`);
    case 'BlockDevice':
      return expect(st?.isBlockDevice(), `${path} is not a block device`);
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

function expect(ok: boolean | undefined, what: string): void {
  if (!ok) throw new Error(`hostPath type check failed: ${what}`);
}

/** FileOrCreate makes the file (0644) but not its parents' absence: upstream fails too then. */
async function createFile(path: string): Promise<void> {
  const fh = await open(path, 'a', 0o644);
  await fh.close();
}
