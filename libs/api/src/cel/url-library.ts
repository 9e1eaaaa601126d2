/**
 * Kubernetes' CEL URL library (k8s.io/apiserver/pkg/cel/library/urls.go): `isURL(s)`,
 * `url(s).getScheme()`, getHost, getHostname, getPort, getEscapedPath, getQuery. Like Go's
 * url.ParseRequestURI, a URL is absolute (`https://...`, `mailto:...`) or an absolute path
 * (`/a/b?c=d`), and parts are answered as written (no lower-casing or path clean-up).
 */
import { EvaluationError, type Environment } from '@marcbachmann/cel-js';

class CelURL {
  readonly scheme: string;
  /** Authority without user info: `example.com:8080`, `[::1]:80`. */
  readonly host: string;
  readonly path: string;
  readonly query: string;
  constructor(scheme: string, host: string, path: string, query: string) {
    this.scheme = scheme;
    this.host = host;
    this.path = path;
    this.query = query;
  }
}

const SHAPE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?]*))?([^?]*)(?:\?(.*))?$/s;

function parseUrl(s: string): CelURL | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f ]/.test(s) || /%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const m = SHAPE.exec(s);
  if (!m) return undefined;
  const [, scheme = '', authority, path = '', query = ''] = m;
  if (!scheme && !path.startsWith('/')) return undefined;
  const host = authority === undefined ? '' : authority.slice(authority.lastIndexOf('@') + 1);
  return new CelURL(scheme, host, path, query);
}

function toUrl(s: string): CelURL {
  const u = parseUrl(s);
  if (!u) throw new EvaluationError(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
  return u;
}

/** The host without brackets and port: `[::1]:80` → `::1`. */
function hostname(u: CelURL): string {
  if (u.host.startsWith('[')) return u.host.slice(1, u.host.indexOf(']'));
  const colon = u.host.lastIndexOf(':');
  return colon < 0 ? u.host : u.host.slice(0, colon);
}

function port(u: CelURL): string {
  const afterBracket = u.host.startsWith('[') ? u.host.slice(u.host.indexOf(']') + 1) : u.host;
  const colon = afterBracket.lastIndexOf(':');
  return colon < 0 ? '' : afterBracket.slice(colon + 1);
}

function query(u: CelURL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(u.query)) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export function registerURLLibrary(env: Environment): Environment {
  return env
    .registerType('URL', CelURL)
    .registerFunction('isURL(string): bool', (s: string) => parseUrl(s) !== undefined)
    .registerFunction('url(string): URL', toUrl)
    .registerFunction('URL.getScheme(): string', (u: CelURL) => u.scheme)
    .registerFunction('URL.getHost(): string', (u: CelURL) => u.host)
    .registerFunction('URL.getHostname(): string', hostname)
    .registerFunction('URL.getPort(): string', port)
    .registerFunction('URL.getEscapedPath(): string', (u: CelURL) => u.path)
    .registerFunction('URL.getQuery(): map<string, list<string>>', query);
}
