/**
 * dockerode loads two transports the kubelet never uses: BuildKit sessions over gRPC
 * (@grpc/grpc-js, @grpc/proto-loader) and Docker over SSH (ssh2): 139 modules and ~11 MB of RSS
 * in every agent (`./skiff bench footprint`). Importing this module first makes those requires,
 * when they come from dockerode or docker-modem, resolve to a stub whose members throw a clear
 * error if ever used; everything else (etcd3's gRPC in the apiserver, say) is untouched.
 */
import { registerHooks } from 'node:module';

const UNUSED = new Set(['@grpc/grpc-js', '@grpc/proto-loader', 'ssh2']);
const FROM_DOCKER_CLIENT = /[/\\]node_modules[/\\](dockerode|docker-modem)[/\\]/;
const STUB = 'skiff-unused-transport:';

function stubSource(name: string): string {
  return `const fail = (key) => function () {
  throw new Error(${JSON.stringify(name)} + '.' + String(key) + ': not loaded by the kubelet (it reaches Docker over a unix socket or tcp)');
};
module.exports = new Proxy({}, { get: (_target, key) => (key === '__esModule' ? false : fail(key)) });
`;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (UNUSED.has(specifier) && FROM_DOCKER_CLIENT.test(context.parentURL ?? '')) {
      return { url: `${STUB}${specifier}`, format: 'commonjs', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (url.startsWith(STUB)) return { format: 'commonjs', source: stubSource(url.slice(STUB.length)), shortCircuit: true };
    return nextLoad(url, context);
  },
});
