/**
 * Common Expression Language for CRD validation rules (x-kubernetes-validations) and
 * ValidatingAdmissionPolicy: compile once, evaluate many times. Programs are cached by
 * expression text and declared variables, so callers need no cache of their own.
 */
import { Environment, type ParseError, type TypeError } from '@marcbachmann/cel-js';
import { fromCelValue, toCelValue } from './cel-values.ts';
import { registerFormatLibrary } from './format-library.ts';
import { registerIPLibrary } from './ip-library.ts';
import { registerKubernetesLibrary } from './kubernetes-library.ts';
import { registerQuantityLibrary } from './quantity-library.ts';
import { registerURLLibrary } from './url-library.ts';

/** An expression that failed while evaluating (no such key, division by zero, bad overload...). */
export class CelError extends Error {
  override name = 'CelError';
}

export interface CelOptions {
  /**
   * The variables the expression may name (e.g. ['self', 'oldSelf']); any other identifier is a
   * compile error, as in Kubernetes. Without it, every identifier is accepted and looked up at
   * evaluation.
   */
  variables?: readonly string[];
}

type Program = (context: Record<string, unknown>) => unknown;

interface Compiled {
  program?: Program;
  error?: string;
}

const environments = new Map<string, Environment>();
const MAX_PROGRAMS = 4096;

/** Compiled programs by expression, one table per set of declared variables. */
const tablesByKey = new Map<string, Map<string, Compiled>>();
/** The same tables keyed by the caller's variables array, so a constant array costs no join per call. */
const tablesByArray = new WeakMap<readonly string[], Map<string, Compiled>>();

function programTable(variables: readonly string[] | undefined): Map<string, Compiled> {
  let table = variables && tablesByArray.get(variables);
  if (table) return table;
  const key = variables ? variables.join(',') : '*';
  table = tablesByKey.get(key);
  if (!table) {
    table = new Map();
    tablesByKey.set(key, table);
  }
  if (variables) tablesByArray.set(variables, table);
  return table;
}

/** An environment with Kubernetes' libraries; `declared` lists the variables (others are a compile error). */
export function newCelEnvironment(declared: readonly string[] | undefined): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: !declared,
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  });
  for (const name of declared ?? []) env.registerVariable(name, 'dyn');
  registerKubernetesLibrary(env);
  registerQuantityLibrary(env);
  registerFormatLibrary(env);
  registerIPLibrary(env);
  registerURLLibrary(env);
  return env;
}

function environmentFor(variables: readonly string[] | undefined): Environment {
  const key = variables ? variables.join(',') : '*';
  let env = environments.get(key);
  if (!env) {
    env = newCelEnvironment(variables);
    environments.set(key, env);
  }
  return env;
}

/**
 * Kubernetes' "ERROR: <input>:1:9: ..." shape, with the library's one-line summary. A field the
 * declared type lacks reads as cel-go's "undefined field 'x'", placed like cel-go at the dot.
 */
export function describeCompileError(expression: string, err: ParseError | TypeError | Error): string {
  let summary = 'summary' in err && typeof err.summary === 'string' ? err.summary : err.message.split('\n')[0];
  let start = 'range' in err ? (err.range as { start?: number } | undefined)?.start : undefined;
  const field = /^No such key: (.*)$/.exec(summary);
  if (field) {
    summary = `undefined field '${field[1]}'`;
    if (start !== undefined && expression[start - 1] === '.') start--;
  }
  const variable = /^Unknown variable: (.*)$/.exec(summary);
  if (variable) summary = `undeclared reference to '${variable[1]}' (in container '')`;
  if (start === undefined) return `ERROR: <input>: ${summary}`;
  const before = expression.slice(0, start).split('\n');
  return `ERROR: <input>:${before.length}:${before[before.length - 1].length + 1}: ${summary}`;
}

function compile(expression: string, options: CelOptions | undefined): Compiled {
  const programs = programTable(options?.variables);
  let compiled = programs.get(expression);
  if (compiled) return compiled;
  const env = environmentFor(options?.variables);
  try {
    const program = env.parse(expression);
    const checked = program.check();
    compiled = checked.valid ? { program } : { error: describeCompileError(expression, checked.error ?? new Error('type check failed')) };
  } catch (err) {
    compiled = { error: describeCompileError(expression, err as Error) };
  }
  // A crude bound: expressions come from stored objects, so the set is small unless someone churns them.
  if (programs.size >= MAX_PROGRAMS) programs.clear();
  programs.set(expression, compiled);
  return compiled;
}

/** A node of the CEL library's syntax tree: `{ op: '.', args: [operand, 'field'] }`, `{ op: 'id', args: 'self' }`... */
export interface CelNode {
  op: string;
  args: unknown;
}

/** The syntax tree of an expression that compiles (for cost estimates), else undefined. */
export function parseCel(expression: string, options?: CelOptions): CelNode | undefined {
  const { program } = compile(expression, options);
  return (program as { ast?: CelNode } | undefined)?.ast;
}

/** Parses and type-checks; `error` is set (Kubernetes-style text) when the expression is not valid. */
export function compileCel(expression: string, options?: CelOptions): { error?: string } {
  const { error } = compile(expression, options);
  return error ? { error } : {};
}

/**
 * Evaluates with JSON variables (integers are CEL ints, other numbers doubles) and answers a JSON-
 * friendly value (ints as numbers). Throws CelError when the expression does not compile or fails.
 */
export function evaluateCel(expression: string, variables: Record<string, unknown>, options?: CelOptions): unknown {
  const context: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) context[name] = toCelValue(value);
  return fromCelValue(evaluateCelRaw(expression, context, options));
}

/**
 * Evaluates with variables already in CEL form (see toCelValue) and answers the raw CEL value;
 * for callers that convert once and evaluate many rules against the same values.
 */
export function evaluateCelRaw(expression: string, context: Record<string, unknown>, options?: CelOptions): unknown {
  const { program, error } = compile(expression, options);
  if (!program) throw new CelError(`compilation failed: ${error}`);
  try {
    return program(context);
  } catch (err) {
    const e = err as Error & { summary?: string };
    const summary = e.summary ?? e.message.split('\n')[0];
    // cel-go's messages, which clients see, start in lower case ("no such key: x"); acronyms stay ("IP Address...").
    const text = /^[A-Z][a-z]/.test(summary) ? summary.charAt(0).toLowerCase() + summary.slice(1) : summary;
    throw new CelError(text, { cause: err });
  }
}
