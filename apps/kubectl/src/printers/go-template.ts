/**
 * `-o go-template=...` / `-o template=...`: the part of Go's text/template that kubectl
 * users write. Actions {{pipeline}}, {{if}}/{{else if}}/{{else}}/{{end}}, {{range}} (with
 * `$i, $v :=` and {{else}}), {{with}}, variables ($x := / $x =), pipes, parentheses,
 * comments, trim markers ({{- -}}), and the functions and, or, not, len, index, print,
 * printf, println, eq, ne, lt, le, gt, ge plus kubectl's base64decode and exists. Data is
 * the object's JSON, as kubectl gives it: a missing key prints `<no value>`, maps print as
 * Go does (`map[app:web]`). {{define}}/{{template}}/{{block}} are refused with an error.
 */
import { CliError } from '../errors.ts';

type Operand =
  | { kind: 'field'; base: Operand | undefined; names: string[]; pos: number } // .a.b, $x.a, (pipe).a
  | { kind: 'dot'; pos: number }
  | { kind: 'var'; name: string; pos: number }
  | { kind: 'literal'; value: unknown; pos: number }
  | { kind: 'func'; name: string; pos: number }
  | { kind: 'pipe'; pipe: Pipeline; pos: number };
type Command = { operands: Operand[]; pos: number };
type Pipeline = { decl: string[]; assign: boolean; cmds: Command[]; pos: number };
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipe: Pipeline } | Block;
type Block = { kind: 'if' | 'with' | 'range'; pipe: Pipeline; body: Node[]; elseBody: Node[] };

/** A failure while executing: kubectl reports `template: output:L:C: executing "output" at <...>: why`. */
class ExecError extends Error {}

const NO_VALUE = '<no value>';

/** Go's %v of JSON data: maps as map[k:v ...] with sorted keys, lists as [a b], null as <nil>. */
export function formatGoValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(formatGoValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${k}:${formatGoValue((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

// ---- lexing and parsing -------------------------------------------------------------

interface Token {
  text: string;
  pos: number;
}

function tokenize(src: string, base: number, fail: (why: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      if (i >= src.length) fail('unterminated quoted string');
      i++;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i < 0) fail('unterminated raw quoted string');
      i++;
    } else if (c === ':' && src[i + 1] === '=') i += 2;
    else if ('|(),='.includes(c)) i++;
    else {
      while (i < src.length && !/[\s|(),"`]/.test(src[i]) && !(src[i] === ':' && src[i + 1] === '=') && !(src[i] === '=' && i > start)) i++;
      // `.items` directly after `)` belongs to the parenthesised operand.
    }
    out.push({ text: src.slice(start, i), pos: base + start });
  }
  return out;
}

function unquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
}

class Parser {
  readonly #template: string;
  constructor(template: string) {
    this.#template = template;
  }

  fail(why: string, pos?: number): never {
    const line = pos === undefined ? 1 : this.#template.slice(0, pos).split('\n').length;
    throw new CliError(`error parsing template ${this.#template}, template: output:${line}: ${why}`);
  }

  parse(): Node[] {
    const t = this.#template;
    const root: Node[] = [];
    const stack: { nodes: Node[]; block?: Block; inElse: boolean }[] = [{ nodes: root, inElse: false }];
    let i = 0;
    let trimNext = false;
    while (i <= t.length) {
      const open = t.indexOf('{{', i);
      let text = t.slice(i, open < 0 ? t.length : open);
      if (trimNext) text = text.replace(/^\s+/, '');
      if (open >= 0 && t.startsWith('{{- ', open)) text = text.replace(/\s+$/, '');
      if (text) stack.at(-1)!.nodes.push({ kind: 'text', text });
      if (open < 0) break;
      let start = open + 2;
      if (t.startsWith('- ', start)) start += 2;
      let close = this.#findClose(start);
      if (close < 0) this.fail('unclosed action', open);
      const end = close + 2;
      trimNext = false;
      if (t.slice(close - 2, close) === ' -') {
        close -= 2;
        trimNext = true;
      }
      i = end;
      const body = t.slice(start, close).trim();
      if (body.startsWith('/*')) continue;
      const words = body.split(/\s+/);
      const keyword = words[0];
      const rest = body.slice(keyword.length);
      const afterKeyword = start + t.slice(start, close).indexOf(keyword) + keyword.length;
      const restPos = afterKeyword + (t.slice(afterKeyword, close).length - t.slice(afterKeyword, close).trimStart().length);
      const top = stack.at(-1)!;
      if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
        const node: Block = { kind: keyword, pipe: this.pipeline(rest, restPos, keyword === 'range'), body: [], elseBody: [] };
        top.nodes.push(node);
        stack.push({ nodes: node.body, block: node, inElse: false });
      } else if (keyword === 'else') {
        if (!top.block || top.inElse) this.fail('unexpected {{else}}', open);
        top.nodes = top.block.elseBody;
        top.inElse = true;
        if (words[1] === 'if' || words[1] === 'with') {
          // {{else if x}} is {{else}}{{if x}} ... with one shared {{end}}.
          const node: Block = {
            kind: words[1] as 'if' | 'with',
            pipe: this.pipeline(rest.trim().slice(words[1].length), restPos, false),
            body: [],
            elseBody: [],
          };
          top.nodes.push(node);
          top.nodes = node.body;
          top.block = node;
          top.inElse = false;
        }
      } else if (keyword === 'end') {
        if (stack.length === 1) this.fail('unexpected {{end}}', open);
        stack.pop();
      } else if (['define', 'template', 'block', 'break', 'continue'].includes(keyword)) {
        this.fail(`{{${keyword}}} is not supported by this kubectl`, open);
      } else {
        top.nodes.push({ kind: 'action', pipe: this.pipeline(body, start + t.slice(start, close).indexOf(body[0] ?? ''), false) });
      }
      void end;
    }
    if (stack.length > 1) this.fail(`unexpected EOF`, t.length);
    return root;
  }

  #findClose(from: number): number {
    const t = this.#template;
    for (let j = from; j < t.length; j++) {
      const c = t[j];
      if (c === '"') {
        j++;
        while (j < t.length && t[j] !== '"') j += t[j] === '\\' ? 2 : 1;
      } else if (c === '`') j = t.indexOf('`', j + 1) < 0 ? t.length : t.indexOf('`', j + 1);
      else if (c === '}' && t[j + 1] === '}') return j;
    }
    return -1;
  }

  pipeline(src: string, pos: number, range: boolean): Pipeline {
    const tokens = tokenize(src, pos, (why) => this.fail(why, pos));
    const pipe: Pipeline = { decl: [], assign: false, cmds: [], pos };
    // $x := ..., $x = ..., range $i, $v := ...
    const declEnd = tokens.findIndex((tk) => tk.text === ':=' || tk.text === '=');
    if (declEnd > 0 && tokens.slice(0, declEnd).every((tk) => tk.text.startsWith('$') || tk.text === ',')) {
      pipe.decl = tokens
        .slice(0, declEnd)
        .filter((tk) => tk.text !== ',')
        .map((tk) => tk.text);
      pipe.assign = tokens[declEnd].text === '=';
      if (pipe.decl.length > (range ? 2 : 1)) this.fail('too many declarations in command', pos);
      tokens.splice(0, declEnd + 1);
    }
    if (tokens.length === 0) this.fail('missing value for command', pos);
    const state = { i: 0 };
    pipe.cmds = this.#commands(tokens, state, false);
    return pipe;
  }

  #commands(tokens: Token[], state: { i: number }, inParens: boolean): Command[] {
    const cmds: Command[] = [];
    let cur: Command = { operands: [], pos: tokens[state.i]?.pos ?? 0 };
    while (state.i < tokens.length) {
      const tk = tokens[state.i];
      if (tk.text === ')') {
        if (!inParens) this.fail('unexpected right paren', tk.pos);
        break;
      }
      state.i++;
      if (tk.text === '|') {
        if (cur.operands.length === 0) this.fail('missing command', tk.pos);
        cmds.push(cur);
        cur = { operands: [], pos: tokens[state.i]?.pos ?? tk.pos };
        continue;
      }
      cur.operands.push(this.#operand(tk, tokens, state));
    }
    if (cur.operands.length === 0) this.fail('missing command', cur.pos);
    cmds.push(cur);
    return cmds;
  }

  #operand(tk: Token, tokens: Token[], state: { i: number }): Operand {
    const { text, pos } = tk;
    if (text === '(') {
      const pipe: Pipeline = { decl: [], assign: false, cmds: this.#commands(tokens, state, true), pos };
      if (tokens[state.i]?.text !== ')') this.fail('unclosed left paren', pos);
      state.i++;
      const operand: Operand = { kind: 'pipe', pipe, pos };
      const next = tokens[state.i];
      if (next && next.text.startsWith('.') && next.pos === tokens[state.i - 1].pos + 1) {
        state.i++;
        return { kind: 'field', base: operand, names: next.text.slice(1).split('.'), pos };
      }
      return operand;
    }
    if (text === '.') return { kind: 'dot', pos };
    if (text.startsWith('.')) return { kind: 'field', base: undefined, names: text.slice(1).split('.'), pos };
    if (text.startsWith('$')) {
      const [name, ...names] = text.split('.');
      const v: Operand = { kind: 'var', name, pos };
      return names.length > 0 ? { kind: 'field', base: v, names, pos } : v;
    }
    if (text.startsWith('"') || text.startsWith('`')) {
      try {
        return { kind: 'literal', value: unquote(text), pos };
      } catch {
        this.fail(`bad quoted string ${text}`, pos);
      }
    }
    if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true', pos };
    if (text === 'nil') return { kind: 'literal', value: null, pos };
    if (/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|0[xX][0-9a-fA-F]+)$/.test(text)) return { kind: 'literal', value: Number(text), pos };
    if (/^[A-Za-z_]\w*$/.test(text)) {
      if (!(text in functions)) this.fail(`function "${text}" not defined`, pos);
      return { kind: 'func', name: text, pos };
    }
    this.fail(`unexpected "${text}" in command`, pos);
  }
}

// ---- functions ------------------------------------------------------------------------

function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  return Object.keys(v as object).length > 0;
}

function typeName(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'interface {}';
}

function lengthOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw new ExecError(`error calling len: len of ${v === undefined || v === null ? 'nil pointer' : `type ${typeName(v)}`}`);
}

function indexOf(item: unknown, ...keys: unknown[]): unknown {
  let cur = item;
  for (const key of keys) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      if (typeof key !== 'number' || !Number.isInteger(key)) throw new ExecError(`error calling index: cannot index slice/array with type ${typeName(key)}`);
      if (key < 0 || key >= cur.length) throw new ExecError(`error calling index: index out of range: ${key}`);
      cur = cur[key];
    } else if (cur !== null && typeof cur === 'object') {
      cur = (cur as Record<string, unknown>)[String(key)];
    } else {
      throw new ExecError(`error calling index: index of untyped nil`);
    }
  }
  return cur;
}

function compare(name: string, a: unknown, b: unknown): number {
  if (typeof a !== typeof b || (typeof a !== 'string' && typeof a !== 'number'))
    throw new ExecError(`error calling ${name}: incompatible types for comparison`);
  const [x, y] = [a as string, b as string];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Go's fmt verbs users put in printf: %s %v %d %q %t %f %x %o %c %% with width, '-' and precision. */
export function goSprintf(format: string, args: unknown[]): string {
  let n = 0;
  const out = format.replace(/%([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[n++];
    let s: string;
    switch (verb) {
      case 'v':
      case 's':
        s = typeof arg === 'string' ? arg : formatGoValue(arg);
        break;
      case 'q':
        s = JSON.stringify(typeof arg === 'string' ? arg : formatGoValue(arg));
        break;
      case 'd':
        s = typeof arg === 'number' && Number.isInteger(arg) ? String(arg) : `%!d(${typeName(arg)}=${formatGoValue(arg)})`;
        break;
      case 't':
        s = typeof arg === 'boolean' ? String(arg) : `%!t(${typeName(arg)}=${formatGoValue(arg)})`;
        break;
      case 'f':
      case 'F':
        s = typeof arg === 'number' ? arg.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${typeName(arg)}=${formatGoValue(arg)})`;
        break;
      case 'x':
      case 'X':
        s = typeof arg === 'number' ? arg.toString(16) : Buffer.from(String(arg)).toString('hex');
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 'o':
        s = typeof arg === 'number' ? arg.toString(8) : formatGoValue(arg);
        break;
      case 'c':
        s = typeof arg === 'number' ? String.fromCodePoint(arg) : formatGoValue(arg);
        break;
      default:
        s = `%!${verb}(${typeName(arg)}=${formatGoValue(arg)})`;
    }
    if (prec !== undefined && (verb === 's' || verb === 'v')) s = s.slice(0, Number(prec));
    const w = Number(width || 0);
    if (s.length < w) s = flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
    return s;
  });
  return n < args.length
    ? `${out}%!(EXTRA ${args
        .slice(n)
        .map((a) => `${typeName(a)}=${formatGoValue(a)}`)
        .join(', ')})`
    : out;
}

/** fmt.Sprint: spaces only between operands when neither is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += typeof a === 'string' ? a : formatGoValue(a);
  });
  return out;
}

type Fn = (...args: unknown[]) => unknown;
const functions: Record<string, Fn> = {
  and: (...args) => args.find((a) => !truth(a)) ?? args.at(-1),
  or: (...args) => args.find((a) => truth(a)) ?? args.at(-1),
  not: (a) => !truth(a),
  len: (a) => lengthOf(a),
  index: (item, ...keys) => indexOf(item, ...keys),
  print: (...args) => goSprint(args),
  printf: (format, ...args) => goSprintf(String(format), args),
  println: (...args) => `${args.map((a) => (typeof a === 'string' ? a : formatGoValue(a))).join(' ')}\n`,
  eq: (a, ...bs) => bs.some((b) => (typeof a === 'object' || typeof b === 'object' ? compare('eq', a, b) : a === b)),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare('lt', a, b) < 0,
  le: (a, b) => compare('le', a, b) <= 0,
  gt: (a, b) => compare('gt', a, b) > 0,
  ge: (a, b) => compare('ge', a, b) >= 0,
  base64decode: (a) => {
    if (typeof a !== 'string') throw new ExecError('error calling base64decode: expected a string');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a) || a.length % 4 !== 0)
      throw new ExecError(`error calling base64decode: base64 decode failed: illegal base64 data at input byte ${a.length}`);
    return Buffer.from(a, 'base64').toString('utf8');
  },
  exists: (item, ...keys) => {
    let cur = item;
    for (const key of keys) {
      if (cur === null || typeof cur !== 'object' || !(String(key) in (cur as object))) return false;
      cur = (cur as Record<string, unknown>)[String(key)];
    }
    return true;
  },
};

// ---- execution ------------------------------------------------------------------------

class Executor {
  readonly #template: string;
  #out = '';
  constructor(template: string) {
    this.#template = template;
  }

  fail(pos: number, at: string, why: string): never {
    const before = this.#template.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - (before.lastIndexOf('\n') + 1);
    throw new CliError(`error executing template "${this.#template}": template: output:${line}:${col}: executing "output" at <${at}>: ${why}`);
  }

  run(nodes: Node[], dot: unknown, vars: Map<string, unknown>): string {
    this.#walk(nodes, dot, vars);
    return this.#out;
  }

  #walk(nodes: Node[], dot: unknown, vars: Map<string, unknown>): void {
    for (const node of nodes) {
      if (node.kind === 'text') this.#out += node.text;
      else if (node.kind === 'action') {
        const v = this.#pipe(node.pipe, dot, vars);
        if (node.pipe.decl.length === 0) this.#out += v === undefined || v === null ? NO_VALUE : typeof v === 'string' ? v : formatGoValue(v);
      } else if (node.kind === 'if' || node.kind === 'with') {
        const scope = new Map(vars);
        const v = this.#pipe(node.pipe, dot, scope);
        if (truth(v)) this.#walk(node.body, node.kind === 'with' ? v : dot, scope);
        else this.#walk(node.elseBody, dot, scope);
      } else {
        this.#range(node, dot, vars);
      }
    }
  }

  #range(node: Block, dot: unknown, vars: Map<string, unknown>): void {
    const decl = node.pipe.decl;
    const v = this.#pipe({ ...node.pipe, decl: [] }, dot, vars);
    let entries: [unknown, unknown][];
    if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (v !== null && typeof v === 'object')
      entries = Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
    else if (v === undefined || v === null) entries = [];
    else this.fail(node.pipe.pos, this.#source(node.pipe), `range can't iterate over ${formatGoValue(v)}`);
    if (entries.length === 0) {
      this.#walk(node.elseBody, dot, new Map(vars));
      return;
    }
    for (const [key, item] of entries) {
      const scope = new Map(vars);
      if (decl.length === 1) scope.set(decl[0], item);
      if (decl.length === 2) {
        scope.set(decl[0], key);
        scope.set(decl[1], item);
      }
      this.#walk(node.body, item, scope);
    }
  }

  #source(pipe: Pipeline): string {
    const end = this.#template.indexOf('}}', pipe.pos);
    return this.#template
      .slice(pipe.pos, end < 0 ? undefined : end)
      .trim()
      .replace(/\s*-$/, '');
  }

  #pipe(pipe: Pipeline, dot: unknown, vars: Map<string, unknown>): unknown {
    let value: unknown;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.#command(cmd, dot, vars, first ? [] : [value]);
      first = false;
    }
    if (pipe.decl.length === 1) {
      const name = pipe.decl[0];
      if (pipe.assign && !vars.has(name)) this.fail(pipe.pos, name, `undefined variable: ${name}`);
      vars.set(name, value);
    }
    return value;
  }

  #command(cmd: Command, dot: unknown, vars: Map<string, unknown>, piped: unknown[]): unknown {
    const [head, ...rest] = cmd.operands;
    if (head.kind === 'func') {
      const args = [...rest.map((o) => this.#operand(o, dot, vars)), ...piped];
      try {
        return functions[head.name](...args);
      } catch (err) {
        if (err instanceof ExecError)
          this.fail(
            cmd.pos,
            this.#template
              .slice(cmd.pos)
              .split(/}}|\)|\|/)[0]
              .trim(),
            err.message,
          );
        throw err;
      }
    }
    if (rest.length > 0 || piped.length > 0)
      this.fail(
        head.pos,
        this.#template.slice(head.pos).split(/[\s})|]/)[0],
        `can't give argument to non-function ${this.#template.slice(head.pos).split(/[\s})|]/)[0]}`,
      );
    if (head.kind === 'literal' && head.value === null) this.fail(head.pos, 'nil', 'nil is not a command');
    return this.#operand(head, dot, vars);
  }

  #operand(op: Operand, dot: unknown, vars: Map<string, unknown>): unknown {
    switch (op.kind) {
      case 'dot':
        return dot;
      case 'literal':
        return op.value;
      case 'var':
        if (op.name === '$') return vars.get('$');
        if (!vars.has(op.name)) this.fail(op.pos, op.name, `undefined variable: ${op.name}`);
        return vars.get(op.name);
      case 'pipe':
        return this.#pipe(op.pipe, dot, vars);
      case 'func':
        return functions[op.name]();
      case 'field': {
        let cur = op.base ? this.#operand(op.base, dot, vars) : dot;
        for (const name of op.names) {
          if (cur === undefined || cur === null) return undefined;
          if (typeof cur !== 'object' || Array.isArray(cur))
            this.fail(op.pos, `.${op.names.join('.')}`, `can't evaluate field ${name} in type ${Array.isArray(cur) ? '[]interface {}' : typeName(cur)}`);
          cur = (cur as Record<string, unknown>)[name];
        }
        return cur;
      }
    }
  }
}

/** Parses a template once; throws kubectl's "error parsing template" on bad syntax. */
export function compileGoTemplate(template: string): (data: unknown) => string {
  const nodes = new Parser(template).parse();
  return (data) => new Executor(template).run(nodes, data, new Map([['$', data]]));
}

export function renderGoTemplate(template: string, data: unknown): string {
  return compileGoTemplate(template)(data);
}
