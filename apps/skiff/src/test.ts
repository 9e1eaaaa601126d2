import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { findEtcdBinary } from '@skiff/etcd';
import { DEBIAN_KUBECTL } from './kubectl.ts';
import { REPO_ROOT } from './paths.ts';
import { parseFlags } from './usage.ts';

const PYTHON_CLIENT = '/usr/lib/python3/dist-packages/kubernetes';

type Suite = { name: string; command: string; args: string[] } | { name: string; error: string };

/** Every `*.test.ts` under `dir`, recursively, sorted; node_modules skipped. */
export async function findTestFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...(await findTestFiles(path)));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

async function findSourceTests(parent: string): Promise<string[]> {
  const root = join(REPO_ROOT, parent);
  if (!existsSync(root)) return [];
  const packages = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory());
  const files = await Promise.all(packages.map((p) => findTestFiles(join(root, p.name, 'src'))));
  return files.flat();
}

/** What `./skiff test` needs on the machine; ./skiff's bootstrap provides all of it. */
export function findMissingPrerequisites(): string[] {
  const missing: string[] = [];
  try {
    findEtcdBinary();
  } catch (err) {
    missing.push((err as Error).message);
  }
  if (!existsSync(DEBIAN_KUBECTL)) missing.push(`Debian's kubectl 1.20 is not at ${DEBIAN_KUBECTL}: run ./skiff (it fetches it)`);
  // The Python client test runs Debian's /usr/bin/python3 with Debian's package, whatever python3 is on PATH.
  if (!existsSync(PYTHON_CLIENT)) missing.push(`Debian's python3-kubernetes is not at ${PYTHON_CLIENT}: run ./skiff (it installs it)`);
  return missing;
}

/** Biome's lint and format check, no writes; warnings fail it too. `npm run format` applies its safe fixes. */
export const LINT_ARGS = ['check', '--error-on-warnings', '--diagnostic-level=warn'];

/** What `./skiff test` runs, in order; every suite runs even after one fails. */
export async function planSuites(): Promise<Suite[]> {
  const rel = (files: string[]) => files.map((f) => relative(REPO_ROOT, f));
  const unit = rel([...(await findSourceTests('libs')), ...(await findSourceTests('apps'))]);
  const integration = rel(await findTestFiles(join(REPO_ROOT, 'test/integration')));
  const e2e = rel(await findTestFiles(join(REPO_ROOT, 'test/e2e')));
  const node = process.execPath;
  const typescript = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const suite = (name: string, files: string[], args: string[]): Suite =>
    files.length > 0 ? { name, command: node, args: [...args, ...files] } : { name, error: 'no test files found' };
  const biome = join(REPO_ROOT, 'node_modules/@biomejs/biome/bin/biome');
  return [
    { name: 'lint (biome check)', command: node, args: [biome, ...LINT_ARGS] },
    { name: 'workspace dependencies', command: node, args: [join(REPO_ROOT, 'apps/skiff/src/workspace-deps.ts')] },
    { name: 'typecheck (tsc -b)', command: node, args: [typescript, '-b'] },
    suite('unit (libs/*/src, apps/*/src)', unit, ['--test']),
    // One file at a time: each integration file runs its own etcd cluster and apiserver.
    suite('integration (test/integration)', integration, ['--test', '--test-concurrency=1']),
    // Each end-to-end file brings up a multi-node lab (netns, dockerds): one at a time.
    suite('end-to-end (test/e2e)', e2e, ['--test', '--test-concurrency=1']),
  ];
}

const FAILURES_MARKER = '✖ failing tests:';
const RECAP_LINES = 120;

/**
 * The spec reporter's closing "✖ failing tests:" section, which names each failed assertion. The
 * summary repeats it: a failure early in a long run otherwise scrolls out of the tail a CI keeps.
 */
export function failureRecap(output: string): string[] {
  const at = output.lastIndexOf(FAILURES_MARKER);
  if (at < 0) return [];
  // Node's own stack frames (node:internal/...) say nothing about the failure.
  const lines = output
    .slice(at)
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s+at .*\(node:/.test(l));
  // Past the failures the reporter prints only its counters (ℹ tests, ℹ pass...): not worth repeating.
  const end = lines.findIndex((l) => l.startsWith('ℹ '));
  const section = end < 0 ? lines : lines.slice(0, end);
  return section.length > RECAP_LINES ? [...section.slice(0, RECAP_LINES), `… ${section.length - RECAP_LINES} more lines above`] : section;
}

/** Runs a suite with its output passed through as it comes, and kept to recap its failures. */
function runSuite(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    const env = { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'warn' };
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['inherit', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
      // Only the tail can hold the failures section; keep memory bounded on long suites.
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
    });
    child.on('error', (err) => {
      console.error(`cannot run ${command}: ${err.message}`);
      resolveRun({ code: 1, output });
    });
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
}

/** `skiff test`: lint, workspace dependencies, typecheck, unit, integration, end-to-end; every suite runs even after a failure. */
export async function runTest(args: string[]): Promise<number> {
  parseFlags(args, {});
  const missing = findMissingPrerequisites();
  if (missing.length > 0) {
    for (const m of missing) console.error(`skiff test: missing prerequisite: ${m}`);
    return 1;
  }
  const results: { name: string; ok: boolean; seconds: number; note?: string; recap?: string[] }[] = [];
  for (const suite of await planSuites()) {
    console.log(`\n=== ${suite.name}`);
    const started = Date.now();
    if ('error' in suite) {
      console.error(`FAILED: ${suite.error}`);
      results.push({ name: suite.name, ok: false, seconds: 0, note: suite.error });
      continue;
    }
    const { code, output } = await runSuite(suite.command, suite.args);
    results.push({ name: suite.name, ok: code === 0, seconds: (Date.now() - started) / 1000, recap: code === 0 ? [] : failureRecap(output) });
  }
  for (const r of results.filter((x) => x.recap && x.recap.length > 0)) {
    console.log(`\n=== failures in ${r.name}`);
    for (const line of r.recap ?? []) console.log(line);
  }
  console.log('\n=== summary');
  for (const r of results) {
    console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(1)} s)${r.note ? `  ${r.note}` : ''}`);
  }
  const ok = results.every((r) => r.ok);
  console.log(ok ? 'skiff test: all suites passed' : 'skiff test: FAILED');
  return ok ? 0 : 1;
}
