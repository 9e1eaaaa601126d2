/** Instruments of `./skiff bench scale`: a streaming watch, a memory sampler, an API latency probe. */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { ApiTarget } from '@skiff/test/harness';
import { apiRequest } from '@skiff/test/harness';

export interface WatchLine {
  type: string;
  object: any;
}

export interface StreamedWatch {
  /** Set when the stream ended or failed before close(): counts taken from it are incomplete. */
  failed: Error | undefined;
  close(): void;
}

/**
 * A watch that hands each event to `onEvent` and keeps nothing: tens of thousands of pod
 * events would make the harness' collecting watch the heaviest process in the run.
 */
export function streamWatch(target: ApiTarget, path: string, onEvent: (event: WatchLine) => void): Promise<StreamedWatch> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const handle: StreamedWatch = {
      failed: undefined,
      close: () => {
        closed = true;
        req.destroy();
      },
    };
    const fail = (err: Error) => {
      if (!closed && !handle.failed) handle.failed = err;
    };
    const req = request(
      new URL(path, target.server),
      { headers: { accept: 'application/json' }, ca: target.caCert, cert: target.clientCert, key: target.clientKey },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
          return;
        }
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            const event = JSON.parse(line) as WatchLine;
            if (event.type === 'ERROR') fail(new Error(`watch ${path}: ${JSON.stringify(event.object).slice(0, 300)}`));
            else onEvent(event);
          }
        });
        res.on('end', () => fail(new Error(`watch ${path}: the server ended the stream`)));
        res.on('error', (err) => fail(err));
        resolve(handle);
      },
    );
    req.on('error', (err) => {
      fail(err);
      reject(err);
    });
    req.end();
  });
}

/** kB figures of /proc/<pid>/status. */
function readMemoryKb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Peak resident memory per process: the kernel's high-water mark (VmHWM) when the process
 * is alive to be read, and the highest VmRSS seen by polling every 500 ms in any case.
 */
export class ProcessMemorySampler {
  readonly #pids = new Map<string, number>();
  readonly #peakKb = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.sample(), 500);
    this.#timer.unref();
  }

  track(name: string, pid: number | undefined): void {
    if (pid === undefined) throw new Error(`${name}: no pid to sample (not running?)`);
    this.#pids.set(name, pid);
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of this.#pids) {
      const mem = readMemoryKb(pid);
      if (mem) this.#peakKb.set(name, Math.max(this.#peakKb.get(name) ?? 0, mem.rss, mem.hwm));
    }
  }

  peakMb(name: string): number {
    this.sample();
    return (this.#peakKb.get(name) ?? Number.NaN) / 1024;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/**
 * What a user feels while the cluster is busy: every 100 ms one GET or one paged LIST
 * (alternating), timed from request to parsed answer.
 */
export class LatencyProbe {
  readonly samplesMs: number[] = [];
  errors = 0;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly #timer: NodeJS.Timeout;
  #inFlight = false;
  #tick = 0;

  constructor(target: ApiTarget, getPath: string, listPath: string) {
    this.#timer = setInterval(() => {
      // A slow answer delays the next probe instead of piling requests up.
      if (this.#inFlight) return;
      this.#inFlight = true;
      const path = this.#tick++ % 2 === 0 ? getPath : listPath;
      const t0 = performance.now();
      apiRequest(target, 'GET', path, { agent: this.#agent, timeoutMs: 30_000 })
        .then((res) => {
          if (res.status === 200) this.samplesMs.push(performance.now() - t0);
          else this.errors++;
        })
        .catch(() => this.errors++)
        .finally(() => (this.#inFlight = false));
    }, 100);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }
}
