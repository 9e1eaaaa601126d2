/** `./skiff bench netpol` (to be written): NetworkPolicy rule sync for 1,000 pods × 100 policies beside a raw iptables-restore of the same rules. */
export async function runNetpolBench(_args: string[]): Promise<void> {
  throw new Error('skiff bench netpol: not yet written');
}
