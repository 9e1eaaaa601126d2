/**
 * Network namespaces for the kernel suites (kube-proxy, NetworkPolicy, LoadBalancer, host-gw):
 * nodes and pods as namespaces joined by veth pairs and bridges, HTTP servers and one-shot clients
 * inside them. Everything goes through `ip`, as an operator would type it, so a failing step throws
 * with the command and its stderr. Names are the caller's: each suite keeps its own prefix.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Runs a command and returns its stdout; a non-zero exit throws with its stderr unless allowFail. */
export function sh(args: string[], allowFail = false): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `ip -n <ns> ...`: an ip command acting on a namespace's links, addresses and routes. */
export const inNetns = (ns: string, ...args: string[]): string => sh(['ip', '-n', ns, ...args]);

/** `ip netns exec <ns> ...`: any command run inside a namespace (iptables, sysctl, cat). */
export const execInNetns = (ns: string, ...args: string[]): string => sh(['ip', 'netns', 'exec', ns, ...args]);

/** Root, and an `ip` that knows netns: what every kernel suite needs before it can run. */
export function canUseNetns(): boolean {
  return process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
}

/** A fresh namespace with its loopback up. */
export function addNetns(ns: string): void {
  sh(['ip', 'netns', 'add', ns]);
  inNetns(ns, 'link', 'set', 'lo', 'up');
}

/** Removes namespaces, those that are not there included (before a build and in `after`). */
export function deleteNetns(...names: string[]): void {
  for (const ns of names) sh(['ip', 'netns', 'del', ns], true);
}

/**
 * A run that was killed (CI timeout, a machine restart) never reaches `after`, and its namespaces
 * carry its pid: removes every namespace `pattern` matches (group 1 the name, group 2 the pid)
 * whose run is no longer alive and is not this one.
 */
export function deleteStaleNetns(pattern: RegExp, ownPid: string): void {
  for (const line of sh(['ip', 'netns', 'list'], true).split('\n')) {
    const m = pattern.exec(line);
    if (!m || m[2] === ownPid) continue;
    if (isAlive(Number(m[2]))) continue; // that run may still be going
    sh(['ip', 'netns', 'del', m[1]!], true);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A bridge in `ns`, up, with `address` (CIDR) on it when given: a node's pod network or a switch. */
export function addBridge(ns: string, name: string, address?: string): void {
  inNetns(ns, 'link', 'add', name, 'type', 'bridge');
  if (address) inNetns(ns, 'addr', 'add', address, 'dev', name);
  inNetns(ns, 'link', 'set', name, 'up');
}

export interface VethLink {
  /** The namespace holding the host end (a node, or a switch). */
  ns: string;
  hostIf: string;
  /** Enslave the host end to this bridge; otherwise it stands alone (with hostAddress). */
  bridge?: string;
  hostAddress?: string;
  /** The namespace holding the other end (a pod, a client, a node on a switch). */
  peerNs: string;
  /** Default eth0, as a pod sees its interface. */
  peerIf?: string;
  /** CIDR on the peer end, e.g. 10.0.0.2/24. */
  peerAddress?: string;
  /** The peer's default route. */
  gateway?: string;
}

/** A veth pair from `ns` into `peerNs`, both ends up and addressed as asked. */
export function addVeth(link: VethLink): void {
  const peerIf = link.peerIf ?? 'eth0';
  inNetns(link.ns, 'link', 'add', link.hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', link.peerNs);
  if (link.hostAddress) inNetns(link.ns, 'addr', 'add', link.hostAddress, 'dev', link.hostIf);
  if (link.bridge) inNetns(link.ns, 'link', 'set', link.hostIf, 'master', link.bridge, 'up');
  else inNetns(link.ns, 'link', 'set', link.hostIf, 'up');
  if (link.peerAddress) inNetns(link.peerNs, 'addr', 'add', link.peerAddress, 'dev', peerIf);
  inNetns(link.peerNs, 'link', 'set', peerIf, 'up');
  if (link.gateway) inNetns(link.peerNs, 'route', 'add', 'default', 'via', link.gateway);
}

/**
 * A Node.js HTTP server inside `ns` on 0.0.0.0:port, resolved once it listens. It answers with
 * `body`, or without one with the client address it sees — which shows whether traffic was
 * masqueraded on its way. A server that does not start is killed, not left in the namespace.
 */
export function startHttpServerIn(ns: string, port: number, body?: string, timeoutMs = 30_000): Promise<ChildProcess> {
  const answer = body === undefined ? `q.socket.remoteAddress.replace(/^::ffff:/, '')` : JSON.stringify(body);
  const script = `require('node:http').createServer((q, s) => s.end(${answer})).listen(${port}, '0.0.0.0', () => console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server in ${ns} did not start`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`server in ${ns} exited ${code}`)));
  });
}

/**
 * One GET on a fresh connection from inside `ns` (or from the host without one):
 * `body:<text>` for a 200, `status:<code>:<text>` otherwise, or `error:<code>` (ECONNREFUSED,
 * TIMEOUT); white space is taken out of the text so JSON answers compare as one line.
 */
export function fetchFrom(ns: string | undefined, host: string, port: number, timeoutMs = 3000): string {
  const script = `require('node:http').get({ host: ${JSON.stringify(host)}, port: ${port}, agent: false, timeout: ${timeoutMs} }, (res) => {
      let b = ''; res.on('data', (d) => b += d); res.on('end', () => console.log((res.statusCode === 200 ? 'body:' : 'status:' + res.statusCode + ':') + b.replace(/\\s+/g, '')));
    }).on('timeout', function () { this.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })); })
      .on('error', (e) => console.log('error:' + (e.code ?? e.message)));`;
  const argv = ns ? ['ip', 'netns', 'exec', ns, process.execPath, '-e', script] : [process.execPath, '-e', script];
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 }).stdout.trim();
}
