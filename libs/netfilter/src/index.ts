/** The iptables plumbing kube-proxy, network-policy and the kubelet's hostPorts share. */
export { runCommand, type CommandResult, type CommandRunner, type RunCommandOptions } from './run-command.ts';
export { IptablesRunner, type IptablesRunnerOptions, type ChainRule } from './iptables-runner.ts';
export { chainsByTable, chainsIn, flushAndDeletePayload } from './iptables-dump.ts';
export { chainHash, encodeBase32 } from './chain-hash.ts';
