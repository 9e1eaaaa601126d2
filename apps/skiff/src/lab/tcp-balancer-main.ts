/** `node tcp-balancer-main.ts --listen=HOST:PORT --backends=HOST:PORT,...`: the lab's apiserver balancer. */
import { parseBackends, startBalancer } from './tcp-balancer.ts';

const flags = new Map(
  process.argv.slice(2).map((a) => {
    const eq = a.indexOf('=');
    return [a.slice(2, eq), a.slice(eq + 1)] as const;
  }),
);
const [listen] = parseBackends(flags.get('listen') ?? '');
const backends = parseBackends(flags.get('backends') ?? '');
if (!listen || backends.length === 0) {
  console.error('usage: tcp-balancer-main.ts --listen=HOST:PORT --backends=HOST:PORT[,HOST:PORT...]');
  process.exit(2);
}
const log = (message: string) => console.log(JSON.stringify({ time: Date.now(), msg: message }));
const balancer = await startBalancer({ host: listen.host, port: listen.port, backends, log });
log(`listening on ${listen.host}:${listen.port} for ${backends.map((b) => `${b.host}:${b.port}`).join(', ')}`);
// Open connections (watches) would hold close() open: clients reconnect anyway, so just go.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
void balancer;
