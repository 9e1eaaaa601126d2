/**
 * Authentication: who is asking. Client certificates signed by the client CA
 * (CN = user, O = groups) and static bearer tokens from --token-auth-file
 * (CSV `token,user,uid,"group1,group2"`), as kube-apiserver does. Every
 * authenticated user also gets `system:authenticated`.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { readFile } from 'node:fs/promises';
import type { UserInfo } from '../registry/handlers.ts';

export type Authenticator = (req: IncomingMessage) => UserInfo | undefined;

interface TokenEntry {
  user: string;
  uid: string;
  groups: string[];
}

/** Parses one CSV line, honouring double quotes (groups are quoted because they contain commas). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields.map((f) => f.trim());
}

export function parseTokenFile(text: string, source = 'token file'): Map<string, TokenEntry> {
  const tokens = new Map<string, TokenEntry>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [token, user, uid, groups] = splitCsvLine(line);
    if (!token || !user) throw new Error(`${source}: line ${i + 1}: want token,user,uid[,"groups"]`);
    tokens.set(token, {
      user,
      uid: uid ?? '',
      groups: groups
        ? groups
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean)
        : [],
    });
  });
  return tokens;
}

export async function loadTokenFile(path: string): Promise<Map<string, TokenEntry>> {
  return parseTokenFile(await readFile(path, 'utf8'), path);
}

/** The subject's O entries: node's PeerCertificate gives a string, or an array when there are several. */
function organizationsOf(cert: PeerCertificate): string[] {
  const o = cert.subject?.O as string | string[] | undefined;
  if (o === undefined) return [];
  return Array.isArray(o) ? o : [o];
}

function withAuthenticated(user: string, groups: string[]): UserInfo {
  return { username: user, groups: groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'] };
}

/**
 * The user a TLS connection's client certificate names. getPeerCertificate() parses the
 * certificate into a fresh object on every call (a tenth of the CPU of a POST in a
 * profile of `skiff bench api`), and a connection's certificate never changes, so the
 * answer is kept per socket for the life of the keep-alive connection.
 */
const certificateUsers = new WeakMap<TLSSocket, Readonly<UserInfo> | false>();

export function authenticateCertificate(req: IncomingMessage): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  // rejectUnauthorized is off so anonymous health probes get through; `authorized`
  // is true only when the peer's chain verified against the client CA.
  if (!socket.encrypted || !socket.authorized) return undefined;
  const known = certificateUsers.get(socket);
  if (known !== undefined) return known || undefined;
  const cert = socket.getPeerCertificate();
  const cn = cert?.subject?.CN as string | string[] | undefined;
  const user = Array.isArray(cn) ? cn[0] : cn;
  const info = user ? Object.freeze(withAuthenticated(user, organizationsOf(cert))) : undefined;
  certificateUsers.set(socket, info ?? false);
  return info;
}

export function createAuthenticator(tokens: Map<string, TokenEntry> | undefined): Authenticator {
  return (req) => {
    const header = req.headers.authorization;
    if (header && tokens) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const entry = m ? tokens.get(m[1]!) : undefined;
      // An invalid token is a failure, not a fall-back to the certificate: kube does the same.
      if (m) return entry ? withAuthenticated(entry.user, entry.groups) : undefined;
    }
    return authenticateCertificate(req);
  };
}
