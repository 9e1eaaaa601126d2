/** The tcpSocket prober: success when a TCP connection opens within the timeout; it is closed at once. */
import net from 'node:net';
import { describeDialError, joinHostPort } from './net-errors.ts';
import { failure, success, type ProbeOutcome } from './types.ts';

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => finish(failure(`dial tcp ${address}: i/o timeout`)), timeoutMs);
    function finish(outcome: ProbeOutcome): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    }
    socket.once('connect', () => finish(success()));
    socket.once('error', (err) => finish(failure(describeDialError(address, err))));
  });
}
