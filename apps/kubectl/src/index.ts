export { registerCommand, findCommand, listCommands, type Command, type CommandContext } from './command.ts';
export { parseArgs, findCommandName, Flags, globalFlags, type FlagSpec, type FlagType, type ParsedArgs } from './cli.ts';
export { CliError, formatError, formatStatusError, exitCodeOf } from './errors.ts';
export { loadMergedKubeconfig, mergeKubeconfigs, kubeconfigPaths, type KubeconfigOptions } from './kubeconfig.ts';
export { RestMapper, findMapping, mappingsFromDiscovery, splitResourceArg, displayName, kindPrefix, type ResourceMapping } from './rest-mapper.ts';
export { readManifests, parseManifests, expandFilenames, type Manifest } from './manifests.ts';
export { runCli, loadCommands, type RunOptions } from './run-cli.ts';
