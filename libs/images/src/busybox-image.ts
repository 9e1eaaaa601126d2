/**
 * A busybox image for tests, built FROM scratch out of Debian's busybox-static so tests never pull
 * from a registry. The applets tests use get their own names as symlinks to /bin/busybox; `httpd`
 * serves HTTP, `nc` and `wget` probe it, `sh` runs scripts, `tar` serves `kubectl cp`. The image
 * carries a hash of its applet list as a label: a host whose image predates a change to the list
 * rebuilds it rather than keeping one without the new applets.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { TarEntry } from './tar-archive.ts';
import { buildImageFromContext } from './build-image.ts';

export const BUSYBOX_IMAGE = 'skiff/busybox:test';

const BUSYBOX_BINARY = '/bin/busybox';

const APPLETS = [
  'sh',
  'ash',
  'sleep',
  'httpd',
  'wget',
  'cat',
  'echo',
  'nc',
  'ls',
  'mkdir',
  'rm',
  'cp',
  'mv',
  'touch',
  'env',
  'id',
  'ps',
  'kill',
  'hostname',
  'ip',
  'ifconfig',
  'ping',
  'nslookup',
  'grep',
  'sed',
  'head',
  'tail',
  'wc',
  'date',
  'true',
  'false',
  'test',
  'printf',
  'tee',
  'sync',
  'chmod',
  'chown',
  'ln',
  'df',
  'du',
  'pwd',
  'uname',
  'whoami',
  'nproc',
  'free',
  'stat',
  'dd',
  'yes',
  'timeout',
  'tar',
];

const APPLETS_LABEL = 'io.skiff.busybox-applets';
const APPLETS_HASH = createHash('sha256').update(APPLETS.join(',')).digest('hex').slice(0, 16);

/** The applet hash of the image Docker has under `name`; undefined when it has none (a 404). */
async function builtAppletsHash(docker: Docker, name: string): Promise<string | undefined> {
  try {
    const image = await docker.getImage(name).inspect();
    return image.Config?.Labels?.[APPLETS_LABEL] ?? '';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new Error(`image ${name}: inspect failed`, { cause: err });
  }
}

/** Builds `name` (skiff/busybox:test) unless Docker already has it with today's applets; returns the image reference. */
export async function ensureBusyboxImage(docker: Docker, name = BUSYBOX_IMAGE): Promise<string> {
  if ((await builtAppletsHash(docker, name)) === APPLETS_HASH) return name;
  let busybox: Buffer;
  try {
    busybox = await readFile(BUSYBOX_BINARY);
  } catch (err) {
    throw new Error(`busybox image: ${BUSYBOX_BINARY} missing (install Debian's busybox-static)`, { cause: err });
  }
  const files: TarEntry[] = [
    // `COPY . /` would otherwise put the Dockerfile into the image's root.
    { name: '.dockerignore', data: Buffer.from('Dockerfile\n.dockerignore\n') },
    { name: 'bin', directory: true },
    { name: 'bin/busybox', data: busybox, mode: 0o755 },
    ...APPLETS.map((applet) => ({ name: `bin/${applet}`, linkTarget: 'busybox' })),
    { name: 'tmp', directory: true, mode: 0o1777 },
    { name: 'www', directory: true },
    { name: 'etc', directory: true },
    // httpd, id and whoami look users up; a scratch image has no passwd file of its own.
    { name: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n') },
    { name: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
  ];
  await buildImageFromContext(docker, name, 'FROM scratch\nCOPY . /\nENV PATH=/bin\nCMD ["sh"]\n', files, {
    'io.skiff.image': 'busybox',
    [APPLETS_LABEL]: APPLETS_HASH,
  });
  return name;
}
