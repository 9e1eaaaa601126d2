/**
 * `node apps/kubelet/src/main.ts --kubeconfig=PATH --node-name=NAME ...`: one node on Docker;
 * `--hollow-nodes=N`: N fake-runtime nodes in one process. SIGTERM/SIGINT stop the kubelet;
 * pods keep running and the Node stays registered.
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
