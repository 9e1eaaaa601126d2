// The launcher behind ./skiff (which has already installed what this needs). One file per command,
// each loaded only when asked for so `./skiff status` does not pay for `./skiff bench`.

import { helpFor, UsageError, wantsHelp } from './usage.ts';

const USAGE = `usage: ./skiff <command> [args]

commands:
  up [--no-node] [--hollow-nodes N] [--disable ingress,network-policy]
                     start a single-host cluster: etcd, apiserver, controller-manager, scheduler, and
                     this machine as a node (kubelet on Docker, kube-proxy, dns, the ingress controller
                     on :80/:443, network policy) unless --no-node; --disable leaves add-ons out;
                     write an admin kubeconfig; with N, also N hollow nodes (fake runtime, one process)
  down [--purge]     stop it and remove its pod containers, bridge, rules, routes and DNS address;
                     --purge also deletes its data, certificates, kubeconfig and logs
  status [-o json]   show each component's pid, whether it runs and is healthy, and the nodes
  version [-o json]  Skiff's version, the Kubernetes API version it serves, Node.js's, the server's
  kubeconfig [--merge] [--lab]
                     print the admin kubeconfig; --merge adds it to ~/.kube/config (as kind does)
  logs COMPONENT [-f] [--tail N] [--raw]
                     a component's log, pretty-printed; -f follows it
  test               run every test suite: lint, typecheck, unit, integration, end-to-end (3-node lab)
  deps [up|test]     install what up and join need, or also what test and lab need, then stop
  bench <name>       run a benchmark (./skiff bench lists them)
  kubectl ...        run kubectl against this cluster's admin kubeconfig
  lab <up|status|stop-node|start-node|load|down>
                     a multi-node cluster on this machine (netns + dockerd per node); ./skiff lab help

  token create [--ttl 24h]
                     on the control plane: a bootstrap token for ./skiff join, and the CA pin
  join https://SERVER:PORT --token ID.SECRET --ca-cert-hash sha256:HEX [--node-name N]
                     make this machine a node of that cluster (TLS bootstrap, then kubelet,
                     kube-proxy and dns as systemd units, or detached processes without systemd)
  etcd snapshot [FILE] | etcd restore FILE
                     back up the cluster's etcd; restore into a new data dir (cluster stopped)
  certs check        list every certificate (pki, kubelet, kubeconfigs, the lab's) with its expiry;
                     WARNING under 30 days, exit 1 when one has expired
  certs rotate       renew every leaf certificate now (the server role renews each by itself
                     when two thirds of its life have passed)

  server --config=FILE
                     the control-plane role: apiserver, controller-manager and scheduler in one
                     process (up and the systemd units start it; FILE is $SKIFF_HOME/roles/server.json)
  agent --config=FILE
                     the node role: kubelet, kube-proxy and dns in one process
  run COMPONENT [--flag=value ...]
                     one component alone in its process, for debugging (apiserver, controller-manager,
                     scheduler, kubelet, kube-proxy, dns)

State lives in $SKIFF_HOME (default /var/lib/skiff as root, ~/.skiff otherwise).
./skiff help COMMAND or ./skiff COMMAND --help prints a command's usage. Exit codes: 0 ok, 1 failure,
2 usage error.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./up.ts')).runUp,
  down: async () => (await import('./down.ts')).runDown,
  status: async () => (await import('./status.ts')).runStatus,
  test: async () => (await import('./test.ts')).runTest,
  bench: async () => (await import('./bench.ts')).runBench,
  kubectl: async () => (await import('./kubectl.ts')).runKubectl,
  lab: async () => (await import('./lab/lab-command.ts')).runLab,
  token: async () => (await import('./token.ts')).runToken,
  join: async () => (await import('./join.ts')).runJoin,
  etcd: async () => (await import('./etcd-backup.ts')).runEtcd,
  certs: async () => async (args) => (await import('./certs.ts')).runCerts(args),
  logs: async () => (await import('./logs.ts')).runLogs,
  // The ./skiff script installs and exits before main.ts; only `deps --help` gets here.
  deps: async () => async () => {
    console.error('skiff deps: run it as ./skiff deps [up|test] (the script installs; Node.js is not needed for it)');
    return 2;
  },
  version: async () => (await import('./version.ts')).runVersion,
  kubeconfig: async () => (await import('./kubeconfig-merge.ts')).runKubeconfig,
  server: async () => async (args) => (await import('./roles/role-main.ts')).runRole('server', args),
  agent: async () => async (args) => (await import('./roles/role-main.ts')).runRole('agent', args),
  run: async () => (await import('./roles/role-main.ts')).runSingleComponent,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    console.log(USAGE);
    return 0;
  }
  // `help CMD` is `CMD --help`; kubectl's help is kubectl's own.
  const [command, commandArgs] = name === 'help' ? [args[0]!, ['--help']] : [name, args];
  const load = commands[command];
  if (!load) {
    console.error(`skiff: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (command !== 'kubectl' && wantsHelp(commandArgs)) {
    console.log(helpFor(command));
    return 0;
  }
  try {
    return await (await load())(commandArgs);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`skiff ${command}: ${err.message}\n\n${helpFor(command)}`);
    return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Errors carry their context (component, file, log tail); a stack trace would only bury it.
  console.error(`skiff: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.SKIFF_DEBUG) console.error(err);
  process.exitCode = 1;
}
