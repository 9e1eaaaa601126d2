/**
 * `kubectl describe quota` (describeQuota: scopes with their help text, then a Resource Used Hard
 * table of status.hard sorted by name) and `kubectl describe limits` (describeLimitRange: one row
 * per item and resource, `-` where a value is unset).
 */
import { canonicalQuantity } from '@skiff/api';
import type { Describer } from './describer.ts';

const scopeHelp: Record<string, string> = {
  Terminating: 'Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.',
  NotTerminating:
    'Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.',
  BestEffort: 'Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.',
  NotBestEffort: 'Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
};

const q = (v: unknown) => (v === undefined || v === null ? '0' : (canonicalQuantity(v as string) ?? String(v)));

export const describeResourceQuota: Describer = (w, o) => {
  w.add(0, `Name:\t${o.metadata?.name ?? ''}`);
  w.add(0, `Namespace:\t${o.metadata?.namespace ?? ''}`);
  const scopes = [...(o.spec?.scopes ?? [])].sort();
  if (scopes.length > 0) {
    w.add(0, `Scopes:\t${scopes.join(', ')}`);
    for (const scope of scopes) if (scopeHelp[scope]) w.add(0, ` * ${scopeHelp[scope]}`);
  }
  w.add(0, 'Resource\tUsed\tHard');
  w.add(0, '--------\t----\t----');
  const hard = o.status?.hard ?? {};
  for (const name of Object.keys(hard).sort()) w.add(0, `${name}\t${q(o.status?.used?.[name])}\t${q(hard[name])}`);
};

export const describeLimitRange: Describer = (w, o) => {
  w.add(0, `Name:\t${o.metadata?.name ?? ''}`);
  w.add(0, `Namespace:\t${o.metadata?.namespace ?? ''}`);
  w.add(0, 'Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio');
  w.add(0, '----\t--------\t---\t---\t---------------\t-------------\t-----------------------');
  for (const item of o.spec?.limits ?? []) {
    const fields = [item.min, item.max, item.defaultRequest, item.default, item.maxLimitRequestRatio];
    const names = [...new Set(fields.flatMap((f) => Object.keys(f ?? {})))].sort();
    for (const name of names) {
      const cells = fields.map((f) => (f?.[name] === undefined ? '-' : q(f[name])));
      w.add(0, [item.type, name, ...cells].join('\t'));
    }
  }
};
