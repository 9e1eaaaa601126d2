/** A dockerode client for the --docker-host endpoint. */
import Docker from 'dockerode';

/** `unix:///path`, `tcp://host:port` or `http://host:port`; empty: dockerode's default (DOCKER_HOST or the local socket). */
export function createDockerClient(dockerHost: string): Docker {
  if (!dockerHost) return new Docker();
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375) });
}
