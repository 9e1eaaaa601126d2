/**
 * `node apps/kubelet/src/main.ts --kubeconfig=PATH --node-name=NAME ...`: one node on Docker;
 * `--hollow-nodes=N`: N fake-runtime nodes in one process. SIGTERM/SIGINT stop the kubelet: a
 * Docker node's pods keep running and its Node stays registered; hollow nodes, which live only in
 * this process, delete their pods, Nodes and Leases.
 */
import { runComponentMain } from '@skiff/log';
import { FlagError, parseKubeletFlags } from './config.ts';
import { run } from './index.ts';

await runComponentMain({
  component: 'kubelet',
  parseFlags: parseKubeletFlags,
  isUsageError: (err) => err instanceof FlagError,
  run,
});
