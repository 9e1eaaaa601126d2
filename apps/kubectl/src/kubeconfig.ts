/**
 * kubectl's kubeconfig loading: --kubeconfig, else $KUBECONFIG (a ':'-separated list merged
 * with "first file to set a name wins"), else ~/.kube/config; then --context and
 * --namespace on top. Resolution of one merged document is libs/client's.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { resolveKubeconfig, type RestConfig } from '@skiff/client';
import { CliError } from './errors.ts';
import { toYaml } from './printers/object-printer.ts';

export type Fields = Record<string, unknown>;
export interface Named {
  name: string;
  [key: string]: unknown;
}
export type KubeconfigSection = 'clusters' | 'users' | 'contexts';

export interface KubeconfigOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  env?: NodeJS.ProcessEnv;
}

/** The files kubectl would read, in precedence order. */
export function kubeconfigPaths(opts: KubeconfigOptions): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  const env = opts.env ?? process.env;
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

const fileKeys: Record<string, string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

/** Makes file references absolute against the file that holds them, so merged docs keep working. */
function absolutize(doc: Fields, baseDir: string): void {
  for (const [section, keys] of Object.entries(fileKeys)) {
    const entries = doc[section];
    if (!Array.isArray(entries)) continue;
    const inner = section === 'clusters' ? 'cluster' : 'user';
    for (const entry of entries as Named[]) {
      const body = entry[inner] as Fields | undefined;
      if (!body) continue;
      for (const key of keys) {
        const v = body[key];
        if (typeof v === 'string' && v && !isAbsolute(v)) body[key] = resolve(baseDir, v);
      }
    }
  }
}

/** Merges parsed kubeconfigs: for each named cluster/user/context and current-context, the first wins. */
export function mergeKubeconfigs(docs: Fields[]): Fields {
  const merged: Fields = { clusters: [], users: [], contexts: [] };
  for (const doc of docs) {
    if (merged['current-context'] === undefined && typeof doc['current-context'] === 'string' && doc['current-context']) {
      merged['current-context'] = doc['current-context'];
    }
    for (const section of ['clusters', 'users', 'contexts']) {
      const target = merged[section] as Named[];
      for (const entry of (doc[section] as Named[] | undefined) ?? []) {
        if (!target.some((t) => t.name === entry.name)) target.push(entry);
      }
    }
  }
  return merged;
}

/** One kubeconfig file as written: relative file references kept, a missing file read as empty. */
export interface KubeconfigFile {
  path: string;
  doc: Fields;
  exists: boolean;
}

function parseKubeconfigFile(path: string): Fields {
  try {
    return (parse(readFileSync(path, 'utf8'), { maxAliasCount: 50 }) as Fields | null) ?? {};
  } catch (err) {
    throw new CliError(`error loading config file "${path}": ${(err as Error).message}`);
  }
}

/** Reads every file kubectl would read, in precedence order, for `kubectl config` to show or edit. */
export function readKubeconfigFiles(opts: KubeconfigOptions): KubeconfigFile[] {
  return kubeconfigPaths(opts).map((path) => (existsSync(path) ? { path, doc: parseKubeconfigFile(path), exists: true } : { path, doc: {}, exists: false }));
}

/**
 * The file kubectl writes a new entry to (client-go's GetDefaultFilename): --kubeconfig; else
 * KUBECONFIG's only file, or its first file that exists, or its last; else ~/.kube/config.
 */
export function defaultKubeconfigFile(opts: KubeconfigOptions): string {
  const paths = kubeconfigPaths(opts);
  if (opts.kubeconfig || paths.length === 1) return paths[0];
  return paths.find((p) => existsSync(p)) ?? paths[paths.length - 1];
}

export function entriesOf(doc: Fields, section: KubeconfigSection): Named[] {
  const entries = doc[section];
  return Array.isArray(entries) ? (entries as Named[]) : [];
}

/** The file a named entry comes from (the first that defines it: that one wins the merge), else the default file. */
export function fileForEntry(files: KubeconfigFile[], section: KubeconfigSection, name: string, opts: KubeconfigOptions): string {
  return files.find((f) => entriesOf(f.doc, section).some((e) => e.name === name))?.path ?? defaultKubeconfigFile(opts);
}

/** Where current-context goes (client-go's writeCurrentContext): the first file that sets one, else the first that exists. */
export function fileForCurrentContext(files: KubeconfigFile[], opts: KubeconfigOptions): string {
  if (opts.kubeconfig) return opts.kubeconfig;
  const file = files.find((f) => typeof f.doc['current-context'] === 'string' && f.doc['current-context']) ?? files.find((f) => f.exists);
  if (!file) throw new CliError('no config found to write context');
  return file.path;
}

/**
 * Writes a kubeconfig as kubectl does: the whole document, keys sorted, every top-level field
 * present (`clusters: null` when there are none); a new file gets mode 0600 (an existing one keeps its mode).
 * Fields Skiff does not know are kept.
 */
export function writeKubeconfigFile(path: string, doc: Fields): void {
  const full: Fields = { apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': '', ...doc };
  for (const section of ['clusters', 'users', 'contexts']) {
    if (!Array.isArray(full[section]) || (full[section] as unknown[]).length === 0) full[section] = null;
  }
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, toYaml(full), { mode: 0o600 });
}

/** Changes one file: reads it as it is now, lets `edit` change the document, writes it back. */
export function editKubeconfigFile(path: string, edit: (doc: Fields) => void): void {
  const doc = existsSync(path) ? parseKubeconfigFile(path) : {};
  edit(doc);
  writeKubeconfigFile(path, doc);
}

/** Puts `entry` in place of the same-named one in the section, or appends it. */
export function upsertEntry(doc: Fields, section: KubeconfigSection, entry: Named): void {
  const entries = [...entriesOf(doc, section)];
  const i = entries.findIndex((e) => e.name === entry.name);
  if (i < 0) entries.push(entry);
  else entries[i] = entry;
  doc[section] = entries;
}

export function removeEntry(doc: Fields, section: KubeconfigSection, name: string): void {
  doc[section] = entriesOf(doc, section).filter((e) => e.name !== name);
}

/** Loads, merges and resolves the kubeconfig into a RestConfig with the namespace kubectl would use. */
export function loadMergedKubeconfig(opts: KubeconfigOptions): RestConfig {
  const paths = kubeconfigPaths(opts);
  const docs: Fields[] = [];
  for (const path of paths) {
    // kubectl ignores missing files listed in KUBECONFIG but not an explicit --kubeconfig.
    if (!existsSync(path)) {
      if (opts.kubeconfig) throw new CliError(`stat ${path}: no such file or directory`);
      continue;
    }
    const doc = parseKubeconfigFile(path);
    absolutize(doc, dirname(resolve(path)));
    docs.push(doc);
  }
  if (docs.length === 0) {
    throw new CliError('no configuration has been provided, try setting KUBECONFIG or passing --kubeconfig');
  }
  const merged = mergeKubeconfigs(docs);
  if (opts.context && !(merged.contexts as Named[]).some((c) => c.name === opts.context)) {
    throw new CliError(`context was not found for specified context: ${opts.context}`);
  }
  let config: RestConfig;
  try {
    config = resolveKubeconfig(merged, process.cwd(), opts.context, paths.join(delimiter));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return opts.namespace ? { ...config, namespace: opts.namespace } : config;
}
