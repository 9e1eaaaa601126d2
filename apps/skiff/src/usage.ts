// What `./skiff CMD --help` prints, and the one place usage errors turn into exit 2. The texts live
// here, not beside each command, so help never loads (or runs) the command it describes.

/** A mistake in how a command was called: main prints it, then the command's usage, to stderr and exits 2. */
export class UsageError extends Error {}

/** certs check warns about a certificate with fewer days left than this. */
export const CERTS_WARN_DAYS = 30;

export const CERTS_USAGE = `usage: ./skiff certs check | ./skiff certs rotate

  check    list every certificate under $SKIFF_HOME (pki/, the kubelet's pki/, the client
           certificates in the kubeconfigs, and the lab's when there is one) with its subject,
           issuer, expiry and days left; WARNING under ${CERTS_WARN_DAYS} days; exit 1 when any has expired
  rotate   renew every leaf certificate under pki/ (the cluster's, the front-proxy's, etcd's) and
           the client certificates in the kubeconfigs now, as the server role does by itself when
           two thirds of a certificate's life have passed; prints what it renewed`;

export const LAB_USAGE = `usage: ./skiff lab <command>
  up --nodes N [--etcd 3] [--control-planes 2] [--slot 0] [--default-failover]
                         bridge skiff-lab0 (10.250.0.1/24), N nodes skiff-n1.. (netns + dockerd + an agent:
                         kubelet, kube-proxy, dns), etcd members, one server per control plane (apiserver,
                         controller-manager, scheduler; the apiservers behind a balancer), a registry on
                         10.250.0.1:5000; short node-failure timings unless --default-failover
  status                 processes and nodes
  stop-node NAME         power a node off (its agent and engine stop)
  start-node NAME        power it on again
  load IMAGE...          copy host images into every node's engine and push them to the lab registry
  down                   remove everything the lab made`;

export const COMMAND_USAGE: Record<string, string> = {
  up: `usage: ./skiff up [--no-node] [--hollow-nodes N] [--disable ingress,network-policy]

Start a single-host cluster: etcd, the server role (apiserver, controller-manager, scheduler) and,
unless --no-node, this machine as a node (kubelet on Docker, kube-proxy, dns, the ingress controller on
:80/:443, network policy). Writes the admin kubeconfig (context "skiff"). Safe to run again.

flags:
  --no-node                 control plane only
  --hollow-nodes N          also N hollow nodes (fake runtime, one process), 0 to 10000
  --disable ADDONS          leave add-ons out: ingress, network-policy (comma-separated)`,
  down: `usage: ./skiff down [--purge]

Stop the cluster and remove its pod containers, bridge, rules, routes and DNS address.

flags:
  --purge                   also delete its etcd data, certificates, kubeconfigs and logs`,
  status: `usage: ./skiff status [-o json]

Each component's pid, whether it runs and is healthy, the nearest certificate expiry, and the nodes.
Exit 1 when a required component is down.

flags:
  -o, --output json         the same facts as one JSON object`,
  version: `usage: ./skiff version [-o json]

Skiff's version (and git commit), the Kubernetes API version it serves, Node.js's version, and the
running server's /version (or "Server: not running").

flags:
  -o, --output json         as one JSON object`,
  kubeconfig: `usage: ./skiff kubeconfig [--merge] [--lab]

Print the cluster's admin kubeconfig (as kind get kubeconfig does). With --merge, add its cluster,
user and context to $KUBECONFIG's first file, else ~/.kube/config (created with mode 0600; other
entries kept, same-named ones replaced) and make its context the current one.

flags:
  --merge                   merge into your kubeconfig instead of printing
  --lab                     the lab's kubeconfig (context skiff-lab-<slot>) instead of the single host's`,
  logs: `usage: ./skiff logs COMPONENT [-f] [--tail N] [--raw]

A component's log on this host, pretty-printed: a role (server, agent), a component of one (apiserver,
kubelet, ...), kubelet-hollow, etcd, dockerd, or audit (the apiserver's audit log). Follows rotation.

flags:
  -f, --follow              keep printing as the log grows
      --tail N              only the last N lines (default -1: all)
      --raw                 the lines as written, not pretty-printed`,
  deps: `usage: ./skiff deps [up|test]

Install what this machine needs and stop: up (default) what up, join and the agent need; test also what
./skiff test and ./skiff lab need (docker-registry, apache2-utils, vagrant, python3-kubernetes, Debian's
kubectl 1.20). The ./skiff script itself does this; test and lab do it on their own.`,
  test: `usage: ./skiff test

Run every test suite: lint (Biome, workspace dependencies), typecheck, unit, integration, end-to-end (a 3-node lab).`,
  bench: `usage: ./skiff bench <name> [args]

Run one benchmark from bench/; ./skiff bench (no name) lists them.`,
  lab: LAB_USAGE,
  token: `usage: ./skiff token create [--ttl 24h] [--description TEXT] [--server https://ADDR:PORT]

On the control plane: a bootstrap token for ./skiff join, and the CA pin.`,
  join: `usage: ./skiff join https://SERVER:PORT --token ID.SECRET --ca-cert-hash sha256:HEX [--node-name NAME]
       [--node-ip IP] [--cluster-cidr 10.244.0.0/16] [--bootstrap-only] [--discovery-token-unsafe-skip-ca-verification]

Make this machine a node of that cluster (TLS bootstrap, then kubelet, kube-proxy and dns as systemd
units, or detached processes without systemd).`,
  etcd: `usage: ./skiff etcd snapshot [FILE] [--endpoints URL] [--cacert F --cert F --key F]
       ./skiff etcd restore FILE [--data-dir DIR]

Back up the cluster's etcd; restore a snapshot into a new data dir (cluster stopped). A snapshot of an
https:// etcd without --cacert/--cert/--key uses pki/etcd/ca.crt and pki/etcd/healthcheck-client.crt.`,
  certs: CERTS_USAGE,
  server: `usage: ./skiff server --config=FILE [--restart-on-failure] [--pid-file=FILE]

The control-plane role: apiserver, controller-manager and scheduler in one process.`,
  agent: `usage: ./skiff agent --config=FILE [--restart-on-failure] [--pid-file=FILE]

The node role: kubelet, kube-proxy and dns in one process.`,
  run: `usage: ./skiff run COMPONENT [--flag=value ...]

One component alone in its process, for debugging (apiserver, controller-manager, scheduler, kubelet,
kube-proxy, dns).`,
};

/** The usage of `name`; undefined for a command that has none here. */
export function helpFor(name: string): string | undefined {
  return COMMAND_USAGE[name];
}

/** Whether the user asked for help: -h or --help anywhere before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Flags of a simple command: booleans by name, valued flags as `--f V`, `--f=V` (or a short alias);
 * anything else is a UsageError. Returns the flags given and the positional arguments.
 */
export function parseFlags(
  args: readonly string[],
  spec: { booleans?: readonly string[]; values?: readonly string[]; aliases?: Record<string, string>; positional?: number },
): { flags: Record<string, string | true>; positional: string[] } {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq === -1 ? arg : arg.slice(0, eq);
    const name = spec.aliases?.[written] ?? written.replace(/^--/, '');
    if (spec.booleans?.includes(name) && eq === -1) {
      flags[name] = true;
    } else if (spec.values?.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`flag needs an argument: ${written}`);
      flags[name] = value;
    } else {
      throw new UsageError(`unknown flag: ${written}`);
    }
  }
  if (positional.length > (spec.positional ?? 0)) throw new UsageError(`unexpected argument "${positional[spec.positional ?? 0]}"`);
  return { flags, positional };
}

/** `-o json` (the only output besides the table): true for json, false when not given. */
export function wantsJson(flags: Record<string, string | true>): boolean {
  const output = flags.output;
  if (output === undefined) return false;
  if (output !== 'json') throw new UsageError(`unable to match a printer suitable for the output format "${String(output)}", allowed formats are: json`);
  return true;
}
