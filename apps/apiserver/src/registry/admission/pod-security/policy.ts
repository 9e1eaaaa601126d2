/**
 * Levels, versions and the namespace labels that choose them, as upstream's pod-security-admission
 * api package: `pod-security.kubernetes.io/<mode>` (privileged | baseline | restricted) and
 * `<mode>-version` (latest | v1.x) for the modes enforce, audit and warn. A label the parser does
 * not understand makes enforce restricted (fail closed), audit and warn privileged (fail open),
 * a version latest; the namespace write itself is refused with the label's error.
 */
import { baselineChecks } from './baseline-checks.ts';
import type { Level, PodMeta, Violation } from './check-helpers.ts';
import { restrictedChecks } from './restricted-checks.ts';
import type { PodSpec } from '@skiff/api';

export type { Level };

/** A label the parser could not read, as a field error of the namespace. */
export interface LabelError {
  reason: string;
  field: string;
  message: string;
}
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A level at a policy version; `minor` is Infinity for `latest`. */
export interface LevelVersion {
  level: Level;
  minor: number;
}

export type Mode = 'enforce' | 'audit' | 'warn';
export const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];

export type Policy = Record<Mode, LevelVersion>;

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${lv.minor === Infinity ? 'latest' : `v1.${lv.minor}`}`;

export const LEVEL_ERROR = `must be one of ${LEVELS.join(', ')}`;
export const VERSION_ERROR = 'must be "latest" or "v1.x"';

export const isLevel = (value: unknown): value is Level => LEVELS.includes(value as Level);

/** The minor of `latest` / `v1.x`, or undefined when the value is neither. */
export function parseVersion(value: string): number | undefined {
  if (value === 'latest') return Infinity;
  const match = /^v1\.(0|[1-9][0-9]*)$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

const invalidLabel = (label: string, value: string, message: string): LabelError => ({
  reason: 'FieldValueInvalid',
  field: `metadata.labels[${label}]`,
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
});

/** The namespace's policy: its labels over the cluster's defaults; `errors` lists the labels that could not be read. */
export function policyToEvaluate(labels: Record<string, string> | undefined, defaults: Policy): { policy: Policy; errors: LabelError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: LabelError[] = [];
  for (const mode of MODES) {
    const levelLabel = `${LABEL_PREFIX}${mode}`;
    const level = labels?.[levelLabel];
    if (level !== undefined) {
      if (isLevel(level)) policy[mode].level = level;
      else {
        policy[mode].level = mode === 'enforce' ? 'restricted' : 'privileged';
        errors.push(invalidLabel(levelLabel, level, LEVEL_ERROR));
      }
    }
    const versionLabel = `${levelLabel}-version`;
    const version = labels?.[versionLabel];
    if (version !== undefined) {
      const minor = parseVersion(version);
      policy[mode].minor = minor ?? Infinity;
      if (minor === undefined) errors.push(invalidLabel(versionLabel, version, VERSION_ERROR));
    }
  }
  return { policy, errors };
}

/** Every check in upstream's order (by check ID). */
const ALL_CHECKS = [...baselineChecks, ...restrictedChecks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** What the pod breaks at this level and version, in upstream's order (none at privileged). */
export function evaluatePod(lv: LevelVersion, meta: PodMeta, spec: PodSpec): Violation[] {
  if (lv.level === 'privileged') return [];
  const applicable = ALL_CHECKS.filter((c) => (c.level === 'baseline' || lv.level === 'restricted') && (c.since ?? 0) <= lv.minor);
  const overridden = new Set(applicable.flatMap((c) => c.overrides ?? []));
  const violations: Violation[] = [];
  for (const check of applicable) {
    if (overridden.has(check.id)) continue;
    const found = check.run(meta, spec, lv.minor);
    if (found) violations.push(found);
  }
  return violations;
}

/** `hostPath volumes (volume "root"), privileged (container "c" must not set securityContext.privileged=true)`. */
export const describeViolations = (violations: readonly Violation[]): string => violations.map((v) => `${v.reason} (${v.detail})`).join(', ');
