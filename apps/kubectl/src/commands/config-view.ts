/**
 * What `kubectl config view` shows of the merged kubeconfig: --minify keeps the current
 * context and what it names, --flatten embeds referenced files as *-data, and unless --raw
 * (or --flatten) secrets are hidden as client-go's ShortenConfig hides them: certificate and
 * key data as DATA+OMITTED, tokens and passwords as REDACTED.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CliError } from '../errors.ts';
import { entriesOf, type Fields, type KubeconfigFile, type KubeconfigSection, type Named } from '../kubeconfig.ts';

const sections: KubeconfigSection[] = ['clusters', 'users', 'contexts'];
const bodyKey: Record<KubeconfigSection, string> = { clusters: 'cluster', users: 'user', contexts: 'context' };

/** Field order of client-go's clientcmdapi/v1 structs, which `-o json` follows; unknown fields come after. */
const fieldOrder: Record<string, string[]> = {
  config: ['kind', 'apiVersion', 'preferences', 'clusters', 'users', 'contexts', 'current-context', 'extensions'],
  cluster: [
    'server',
    'tls-server-name',
    'insecure-skip-tls-verify',
    'certificate-authority',
    'certificate-authority-data',
    'proxy-url',
    'disable-compression',
    'extensions',
  ],
  user: [
    'client-certificate',
    'client-certificate-data',
    'client-key',
    'client-key-data',
    'token',
    'tokenFile',
    'as',
    'as-uid',
    'as-groups',
    'as-user-extra',
    'username',
    'password',
    'auth-provider',
    'exec',
    'extensions',
  ],
  context: ['cluster', 'user', 'namespace', 'extensions'],
};

export interface ViewOptions {
  minify: boolean;
  flatten: boolean;
  raw: boolean;
  /** --context: the context --minify keeps instead of current-context. */
  context?: string;
}

/** The merged document with each entry's own file, for --flatten to read references relative to it. */
interface Origin {
  entry: Named;
  path: string;
}

function mergeWithOrigins(files: KubeconfigFile[]): { currentContext: string; entries: Record<KubeconfigSection, Origin[]> } {
  const entries: Record<KubeconfigSection, Origin[]> = { clusters: [], users: [], contexts: [] };
  let currentContext = '';
  for (const file of files) {
    const cc = file.doc['current-context'];
    if (!currentContext && typeof cc === 'string') currentContext = cc;
    for (const section of sections) {
      for (const entry of entriesOf(file.doc, section)) {
        if (!entries[section].some((o) => o.entry.name === entry.name)) entries[section].push({ entry: structuredClone(entry), path: file.path });
      }
    }
  }
  return { currentContext, entries };
}

function minify(merged: ReturnType<typeof mergeWithOrigins>, context: string | undefined): void {
  const name = context || merged.currentContext;
  if (!name) throw new CliError('current-context must exist in order to minify');
  const ctx = merged.entries.contexts.find((o) => o.entry.name === name);
  if (!ctx) throw new CliError(`cannot locate context ${name}`);
  const body = (ctx.entry.context ?? {}) as Fields;
  const cluster = merged.entries.clusters.find((o) => o.entry.name === body.cluster);
  if (!cluster) throw new CliError(`cannot locate cluster ${String(body.cluster ?? '')}`);
  merged.currentContext = name;
  merged.entries = { contexts: [ctx], clusters: [cluster], users: merged.entries.users.filter((o) => o.entry.name === body.user) };
}

const embedded: Record<string, [string, string][]> = {
  clusters: [['certificate-authority', 'certificate-authority-data']],
  users: [
    ['client-certificate', 'client-certificate-data'],
    ['client-key', 'client-key-data'],
  ],
};

/** --flatten: file references become base64 data, read relative to the file that named them. */
function flatten(merged: ReturnType<typeof mergeWithOrigins>): void {
  for (const section of ['clusters', 'users'] as const) {
    for (const { entry, path } of merged.entries[section]) {
      const body = entry[bodyKey[section]] as Fields | undefined;
      if (!body) continue;
      for (const [fileKey, dataKey] of embedded[section]) {
        const ref = body[fileKey];
        if (typeof ref !== 'string' || !ref) continue;
        const file = isAbsolute(ref) ? ref : resolve(dirname(resolve(path)), ref);
        try {
          body[dataKey] = readFileSync(file).toString('base64');
        } catch (err) {
          throw new CliError(`open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
        }
        delete body[fileKey];
      }
    }
  }
}

/** ShortenConfig: data fields say DATA+OMITTED, secrets REDACTED. */
function shorten(merged: ReturnType<typeof mergeWithOrigins>): void {
  for (const { entry } of merged.entries.clusters) {
    const body = entry.cluster as Fields | undefined;
    if (body?.['certificate-authority-data']) body['certificate-authority-data'] = 'DATA+OMITTED';
  }
  for (const { entry } of merged.entries.users) {
    const body = entry.user as Fields | undefined;
    if (!body) continue;
    for (const key of ['client-certificate-data', 'client-key-data']) if (body[key]) body[key] = 'DATA+OMITTED';
    for (const key of ['token', 'password']) if (body[key]) body[key] = 'REDACTED';
  }
}

function ordered(fields: Fields, order: string[]): Fields {
  const out: Fields = {};
  for (const key of order) if (key in fields) out[key] = fields[key];
  for (const [key, value] of Object.entries(fields)) if (!(key in out)) out[key] = value;
  return out;
}

/** The document `config view` prints: every section present (null when empty), as kubectl's Config struct. */
export function viewKubeconfig(files: KubeconfigFile[], opts: ViewOptions): Fields {
  const merged = mergeWithOrigins(files);
  if (opts.minify) minify(merged, opts.context);
  if (opts.flatten) flatten(merged);
  else if (!opts.raw) shorten(merged);
  const doc: Fields = { kind: 'Config', apiVersion: 'v1', preferences: {}, 'current-context': merged.currentContext };
  for (const section of sections) {
    const entries = merged.entries[section].map(({ entry }) => {
      const body = entry[bodyKey[section]] as Fields | undefined;
      return ordered({ ...entry, ...(body ? { [bodyKey[section]]: ordered(body, fieldOrder[bodyKey[section]]) } : {}) }, ['name', bodyKey[section]]);
    });
    doc[section] = entries.length > 0 ? entries : null;
  }
  return ordered(doc, fieldOrder.config);
}
