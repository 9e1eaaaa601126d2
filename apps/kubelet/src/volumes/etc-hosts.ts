/**
 * The kubelet-managed /etc/hosts of a pod (kubelet's managedHostsFileContent): loopback
 * entries, the pod IP with its hostname (and FQDN when spec.subdomain is set), then hostAliases.
 */
import type { Pod } from '@skiff/api';

export function renderEtcHosts(pod: Pod, podIP: string, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = pod.spec?.hostname || pod.metadata?.name || '';
  const subdomain = pod.spec?.subdomain;
  const ns = pod.metadata?.namespace ?? 'default';
  if (podIP) {
    lines.push(subdomain ? `${podIP}\t${hostname}.${subdomain}.${ns}.svc.${clusterDomain}\t${hostname}` : `${podIP}\t${hostname}`);
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const alias of aliases) lines.push(`${alias.ip}\t${(alias.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}
