/**
 * What the disruption and autoscaling steps (issue #19 §4) share on their 3-node lab: filled in by
 * disruption.test.ts's `before`, read by each step inside its `it`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, type RestClient, type RestConfig } from '@skiff/client';
import { REPO_ROOT, kubectl, type KubectlBinary, type KubectlResult } from '../../harness/index.ts';
import type { Lab } from '../../harness/lab.ts';

/** Which kubectl a step drives: the newest upstream one, or Skiff's own (apps/kubectl, as `./skiff kubectl` runs it). */
export type KubectlFlavour = 'upstream' | 'skiff';

export interface DisruptionContext {
  lab: Lab;
  client: RestClient;
  /** The admin credentials, for raw requests whose HTTP status a step asserts (eviction's 201 and 429). */
  admin: RestConfig;
  /** The newest upstream kubectl. */
  bin: KubectlBinary;
  /** A kubectl against the lab, to completion; never rejects on a non-zero exit. */
  run(flavour: KubectlFlavour, args: string[], stdin?: string, timeoutMs?: number): Promise<KubectlResult>;
  /** Upstream kubectl against the lab; throws on a non-zero exit; its stdout. */
  kc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
  /** Skiff's own kubectl against the lab; throws on a non-zero exit; its stdout. */
  skiffKc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
}

const SKIFF_KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

/** The context, its kubectls wired to the lab's admin kubeconfig; the rest is set by the suite's `before`. */
export function disruptionContext(): DisruptionContext {
  const ctx = {} as DisruptionContext;
  ctx.run = (flavour, args, stdin, timeoutMs) => {
    const opts = { kubeconfig: ctx.lab.kubeconfigPath, stdin, timeoutMs };
    return flavour === 'upstream' ? kubectl(ctx.bin, args, opts) : kubectl(process.execPath, [SKIFF_KUBECTL, ...args], opts);
  };
  const ok = (flavour: KubectlFlavour) => async (args: string[], stdin?: string, timeoutMs?: number) => {
    const r = await ctx.run(flavour, args, stdin, timeoutMs);
    assert.equal(r.code, 0, `${flavour} kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  ctx.kc = ok('upstream');
  ctx.skiffKc = ok('skiff');
  return ctx;
}

/** A manifest from deploy/examples, as the README's tour applies it. */
export function example(name: string): string {
  return readFileSync(join(REPO_ROOT, 'deploy/examples', name), 'utf8');
}

/** "12.3 s since `since`", for the progress lines every e2e step prints. */
export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Calls `sample` every `intervalMs` (its errors are the sampler's to keep) until stop(), which waits for the call in flight. */
export function pollUntilStopped(sample: () => Promise<void>, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
