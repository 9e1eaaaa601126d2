/** `kubectl cluster-info`: where the control plane answers, and cluster services labelled kubernetes.io/cluster-service. */
import { registerCommand } from '../command.ts';

registerCommand({
  name: 'cluster-info',
  summary: 'Display cluster information',
  long: 'Display addresses of the control plane and services with label kubernetes.io/cluster-service=true.',
  usage: 'cluster-info [flags] [options]',
  examples: '  # Print the address of the control plane and cluster services\n  kubectl cluster-info',
  async run(ctx) {
    const server = ctx.client.config.server;
    // Asking /version proves the server answers before we claim it runs.
    await ctx.client.request('GET', '/version');
    ctx.out.write(`Kubernetes control plane is running at ${server}\n`);
    const services = await ctx.client.list(await ctx.resolve('services'), 'kube-system', { labelSelector: 'kubernetes.io/cluster-service=true' });
    for (const svc of services.items) {
      const name = svc.metadata?.name ?? '';
      const label = svc.metadata?.labels?.['kubernetes.io/name'] ?? name;
      ctx.out.write(`${label} is running at ${server}/api/v1/namespaces/kube-system/services/${name}/proxy\n`);
    }
    ctx.out.write(`\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`);
    return 0;
  },
});
