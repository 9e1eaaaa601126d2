/**
 * `skiff certs check`: every certificate this installation keeps, with its subject and issuer
 * common names, its expiry and the days left, as `kubeadm certs check-expiration` does for
 * kubeadm's. It reads, under $SKIFF_HOME:
 *  - pki/ (the cluster CA, the front-proxy CA, etcd's, each leaf), recursively;
 *  - kubelet/pki/ (the kubelet's rotated client and serving certificates);
 *  - the client certificates embedded in kubeconfig and kubeconfigs/*.kubeconfig;
 *  - the same under lab/ (pki, kubeconfigs, and each lab node's kubelet) when a lab was brought up here.
 * A certificate with fewer than 30 days left is flagged WARNING; the exit code is 1 when any has
 * expired. `skiff certs rotate` renews every leaf at once (the server role does it by itself when
 * one is due; docs/operations.md, "Certificates").
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { renewCertificates } from '@skiff/pki';
import { resolveSkiffPaths, type SkiffPaths } from './paths.ts';
import { launcherKubeconfigs } from './roles/cert-renewer.ts';
import { CERTS_USAGE, CERTS_WARN_DAYS } from './usage.ts';

const WARN_DAYS = CERTS_WARN_DAYS;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates are a few KB; a bigger file in a pki directory is not one. */
const MAX_FILE_BYTES = 1024 * 1024;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface CertificateInfo {
  /** Where it is: a path relative to SKIFF_HOME, `#2` for a bundle's second certificate, `(user X)` in a kubeconfig. */
  source: string;
  subject: string;
  issuer: string;
  notAfter: Date;
}

/** A distinguished name's CN (X509Certificate gives `CN=x\nO=y`), else the whole name on one line. */
function commonName(name: string): string {
  const lines = name.split('\n');
  const cn = lines.find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : lines.join(', ');
}

/** The certificates of a PEM text (a bundle has several); a block that does not parse is left out. */
function certificatesIn(pem: string, source: string): CertificateInfo[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const out: CertificateInfo[] = [];
  blocks.forEach((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch {
      return;
    }
    out.push({
      source: blocks.length > 1 ? `${source}#${i + 1}` : source,
      subject: commonName(cert.subject),
      issuer: commonName(cert.issuer),
      notAfter: new Date(cert.validTo),
    });
  });
  return out;
}

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** PEM files (.crt, .pem, .cert) under `dir`, recursively, sorted; none when it does not exist. */
async function pemFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await pemFiles(path)));
    else if (/\.(crt|pem|cert)$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** The client certificates a kubeconfig embeds (`client-certificate-data`), one per user. */
function kubeconfigCertificates(text: string, source: string): CertificateInfo[] {
  let config: { users?: Array<{ name?: string; user?: Record<string, unknown> }> };
  try {
    config = parse(text) ?? {};
  } catch {
    return [];
  }
  const users = (config.users ?? []).filter((u) => typeof u.user?.['client-certificate-data'] === 'string');
  return users.flatMap((u) => {
    const pem = Buffer.from(u.user!['client-certificate-data'] as string, 'base64').toString('utf8');
    // Skiff's kubeconfigs hold one user each: the name is shown only when there are more.
    return certificatesIn(pem, users.length > 1 ? `${source} (user ${u.name ?? ''})` : source);
  });
}

async function kubeconfigFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.kubeconfig'))
    .sort()
    .map((n) => join(dir, n));
}

/** Every certificate of the installation at `paths` (and of its lab), in a stable order. */
export async function findCertificates(paths: SkiffPaths): Promise<CertificateInfo[]> {
  const lab = join(paths.home, 'lab');
  const labNodes = await readdir(join(lab, 'nodes')).catch(() => [] as string[]);
  const pemDirs = [paths.pkiDir, join(paths.home, 'kubelet', 'pki'), join(lab, 'pki'), ...labNodes.sort().map((n) => join(lab, 'nodes', n, 'kubelet', 'pki'))];
  const kubeconfigs = [
    paths.kubeconfig,
    ...(await kubeconfigFiles(paths.kubeconfigDir)),
    join(lab, 'kubeconfig'),
    ...(await kubeconfigFiles(join(lab, 'kubeconfigs'))),
  ];
  const found: CertificateInfo[] = [];
  const name = (path: string) => relative(paths.home, path);
  for (const dir of pemDirs) {
    for (const file of await pemFiles(dir)) {
      const text = await readSmall(file);
      if (text !== undefined) found.push(...certificatesIn(text, name(file)));
    }
  }
  for (const file of kubeconfigs) {
    const text = await readSmall(file);
    if (text !== undefined) found.push(...kubeconfigCertificates(text, name(file)));
  }
  return found;
}

/** Whole days left (negative once expired). */
export function daysLeft(cert: CertificateInfo, now = Date.now()): number {
  return Math.floor((cert.notAfter.getTime() - now) / DAY_MS);
}

/** The certificate that expires first, if any. */
export function nearestExpiry(certs: CertificateInfo[]): CertificateInfo | undefined {
  return certs.reduce<CertificateInfo | undefined>((first, c) => (!first || c.notAfter < first.notAfter ? c : first), undefined);
}

const utcMinute = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** `2027-12-07 18:01 UTC (364 days left)`, `... (12 days left, WARNING)`, `... (EXPIRED)`. */
export function describeExpiry(cert: CertificateInfo, now = Date.now()): string {
  const when = utcMinute(cert.notAfter);
  if (cert.notAfter.getTime() <= now) return `${when} (EXPIRED)`;
  const days = daysLeft(cert, now);
  return `${when} (${days} days left${days < WARN_DAYS ? ', WARNING' : ''})`;
}

/** The table `certs check` prints, and whether any certificate has expired. */
export function renderCertificateTable(certs: CertificateInfo[], now = Date.now()): { lines: string[]; expired: number } {
  const width = Math.max(11, ...certs.map((c) => c.source.length)) + 2;
  const cnWidth = Math.max(10, ...certs.map((c) => Math.max(c.subject.length, c.issuer.length))) + 2;
  const lines = [`${'CERTIFICATE'.padEnd(width)}${'SUBJECT CN'.padEnd(cnWidth)}${'ISSUER CN'.padEnd(cnWidth)}${'EXPIRES'.padEnd(22)}DAYS LEFT`];
  let expired = 0;
  for (const c of certs) {
    const gone = c.notAfter.getTime() <= now;
    const days = daysLeft(c, now);
    if (gone) expired++;
    const note = gone ? 'EXPIRED' : days < WARN_DAYS ? `${days}  WARNING: expires in under ${WARN_DAYS} days` : String(days);
    lines.push(`${c.source.padEnd(width)}${c.subject.padEnd(cnWidth)}${c.issuer.padEnd(cnWidth)}${utcMinute(c.notAfter).padEnd(22)}${note}`);
  }
  return { lines, expired };
}

/** `skiff certs rotate`: every leaf now; the running components take them from disk as usual. */
async function rotate(paths: SkiffPaths, print: (line: string) => void): Promise<number> {
  const renewed = await renewCertificates({ pkiDir: paths.pkiDir, kubeconfigs: await launcherKubeconfigs(paths.home), force: true });
  if (renewed.length === 0) {
    print(`no certificates to renew under ${paths.pkiDir} (./skiff up makes them)`);
    return 0;
  }
  for (const r of renewed) print(`renewed ${r.source} (${r.subject}), valid until ${r.notAfter.toISOString()}`);
  print(`${renewed.length} certificate${renewed.length === 1 ? '' : 's'} renewed; running components take them within a minute, no restart needed`);
  return 0;
}

export async function runCerts(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    print(CERTS_USAGE);
    return 0;
  }
  if (sub === 'rotate' && rest.length === 0) return rotate(resolveSkiffPaths(env), print);
  if (sub !== 'check' || rest.length > 0) {
    printError(`skiff certs: ${sub === undefined ? 'missing subcommand' : `unexpected arguments: ${args.join(' ')}`}\n\n${CERTS_USAGE}`);
    return 2;
  }
  const paths = resolveSkiffPaths(env);
  const certs = await findCertificates(paths);
  if (certs.length === 0) {
    print(`no certificates under ${paths.home} (./skiff up makes them)`);
    return 0;
  }
  const { lines, expired } = renderCertificateTable(certs);
  for (const line of lines) print(line);
  print('');
  const nearest = nearestExpiry(certs)!;
  print(`nearest expiry: ${nearest.source} on ${describeExpiry(nearest)}`);
  if (expired > 0)
    print(`${expired} certificate${expired === 1 ? ' has' : 's have'} expired: components that use ${expired === 1 ? 'it' : 'them'} cannot connect`);
  return expired > 0 ? 1 : 0;
}
