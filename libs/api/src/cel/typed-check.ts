/**
 * Type-checking against declared variable types, as kube-apiserver compiles a CRD's
 * x-kubernetes-validations with `self` typed from the schema: `self.foo` on an object without a
 * `foo` property, or `self.replicas == 1.0` on an integer, is refused when the CRD is written.
 * Only checking: rules are still evaluated by the (dyn) programs of cel.ts, so a write pays
 * nothing for the declarations.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { describeCompileError, newCelEnvironment } from './cel.ts';
import { celEquals } from './kubernetes-library.ts';

/**
 * A declared CEL type: scalars, `dyn` (anything, e.g. int-or-string), lists and string-keyed maps
 * of a type, and objects whose fields are known (CEL message types).
 */
export type CelType = 'int' | 'double' | 'string' | 'bool' | 'dyn' | { list: CelType } | { map: CelType } | { fields: Record<string, CelType> };

export interface CelCheck {
  /** Kubernetes-style "ERROR: <input>:1:5: ..." when the expression does not compile. */
  error?: string;
  /** The expression's result type, e.g. 'bool', 'string', 'dyn'. */
  type?: string;
}

/** Frozen once cloned (the library's rule), so every checker shares its functions. */
let base: Environment | undefined;

/**
 * Registers object types (Object_1, Object_2... within this environment) and answers the type's
 * name; the same declaration object is one type, so `self` and `oldSelf` compare.
 */
function declare(env: Environment, t: CelType, names: Map<CelType, string>): string {
  if (typeof t === 'string') return t;
  if ('list' in t) return `list<${declare(env, t.list, names)}>`;
  if ('map' in t) return `map<string, ${declare(env, t.map, names)}>`;
  const known = names.get(t);
  if (known) return known;
  const fields: Record<string, string> = {};
  for (const [name, ft] of Object.entries(t.fields)) fields[name] = declare(env, ft, names);
  const name = `Object_${names.size + 1}`;
  names.set(t, name);
  env.registerType(name, { fields });
  // Objects compare field by field, as CEL messages do (`self == oldSelf`).
  env.registerOperator(`${name} == ${name}`, (a: unknown, b: unknown) => celEquals(a, b));
  return name;
}

/** A checker for expressions over variables of the given types (build once, check many rules). */
export function celTypeChecker(variables: Record<string, CelType>): (expression: string) => CelCheck {
  base ??= newCelEnvironment([]);
  const env = base.clone();
  const names = new Map<CelType, string>();
  for (const [name, t] of Object.entries(variables)) env.registerVariable(name, declare(env, t, names));
  return (expression) => {
    try {
      const checked = env.check(expression);
      if (checked.valid) return { type: String(checked.type) };
      return { error: describeCompileError(expression, checked.error ?? new Error('type check failed')) };
    } catch (err) {
      return { error: describeCompileError(expression, err as Error) };
    }
  };
}
