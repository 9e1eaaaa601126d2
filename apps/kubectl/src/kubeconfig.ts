/**
 * kubectl's kubeconfig loading: --kubeconfig, else $KUBECONFIG (a ':'-separated list merged
 * with "first file to set a name wins"), else ~/.kube/config; then --context and
 * --namespace on top. Resolution of one merged document is libs/client's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { resolveKubeconfig, type RestConfig } from '@skiff/client';
import { CliError } from './errors.ts';

type Fields = Record<string, unknown>;
interface Named { name: string; [key: string]: unknown }

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
    let doc: Fields;
    try {
      doc = (parse(readFileSync(path, 'utf8'), { maxAliasCount: 50 }) as Fields | null) ?? {};
    } catch (err) {
      throw new CliError(`error loading config file "${path}": ${(err as Error).message}`);
    }
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
