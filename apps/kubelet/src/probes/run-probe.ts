/**
 * Runs one probe of a container once (kubelet's prober.runProbe): resolves the target — the
 * pod IP unless the probe names a host, a port by number or by the container's port name —
 * and hands it to the prober of the probe's handler.
 */
import type { Container, Probe } from '@skiff/api';
import { probeExec } from './exec-probe.ts';
import { probeGrpc } from './grpc-probe.ts';
import { probeHttp } from './http-probe.ts';
import { probeTcp } from './tcp-probe.ts';
import { unknown, type ProbeExec, type ProbeOutcome } from './types.ts';

export interface ProbeTarget {
  container: Container;
  containerId: string;
  podIP: string;
  exec: ProbeExec;
}

export const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 };

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds || PROBE_DEFAULTS.timeoutSeconds) * 1000;
  try {
    if (probe.exec) return probeExec(target.exec, target.containerId, probe.exec.command ?? [], timeoutMs);
    if (probe.httpGet) {
      const get = probe.httpGet;
      const scheme = (get.scheme ?? 'HTTP').toUpperCase();
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') return Promise.resolve(unknown(`unsupported HTTP scheme ${JSON.stringify(get.scheme)}`));
      return probeHttp({
        scheme,
        host: get.host || requirePodIP(target),
        port: resolvePort(get.port, target.container),
        path: get.path ?? '/',
        headers: get.httpHeaders ?? [],
        timeoutMs,
      });
    }
    if (probe.tcpSocket) {
      return probeTcp(probe.tcpSocket.host || requirePodIP(target), resolvePort(probe.tcpSocket.port, target.container), timeoutMs);
    }
    if (probe.grpc) return probeGrpc(requirePodIP(target), probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
    return Promise.resolve(unknown('missing probe handler'));
  } catch (err) {
    return Promise.resolve(unknown(err instanceof Error ? err.message : String(err)));
  }
}

/** A port number, or the name of one of the container's ports (a numeric string is its number). */
export function resolvePort(port: number | string, container: Container): number {
  let value: number;
  if (typeof port === 'number') value = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) value = named.containerPort;
    else if (/^\d+$/.test(port)) value = Number(port);
    else throw new Error(`couldn't find port: ${port} in container ${JSON.stringify(container.name)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`invalid port number: ${value}`);
  return value;
}

function requirePodIP(target: ProbeTarget): string {
  if (!target.podIP) throw new Error('pod has no IP yet');
  return target.podIP;
}
