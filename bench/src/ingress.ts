/** `./skiff bench ingress` (to be written): requests/s and p99 through the built-in ingress beside the same load straight to the pod. */
export async function runIngressBench(_args: string[]): Promise<void> {
  throw new Error('skiff bench ingress: not yet written');
}
