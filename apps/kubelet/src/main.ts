/**
 * `node apps/kubelet/src/main.ts --kubeconfig=PATH --node-name=NAME ...`: one node on Docker;
 * `--hollow-nodes=N`: N fake-runtime nodes in one process. SIGTERM/SIGINT stop the kubelet: a
 * Docker node's pods keep running and its Node stays registered; hollow nodes, which live only in
 * this process, delete their pods, Nodes and Leases.
 */
import { runComponentMain } from '@skiff/log';
import { kubeletComponent } from './component.ts';

await runComponentMain(kubeletComponent);
