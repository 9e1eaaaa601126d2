/**
 * `kubectl certificate approve|deny (-f FILENAME | NAME...)`: adds the Approved (or Denied)
 * condition to each CertificateSigningRequest through its approval subresource, as kubectl
 * does: a CSR that already has the condition is left alone unless --force; one with the
 * opposite condition is an error; a conflict re-reads and retries (10 times). Each name is
 * tried even when another fails; the failures are printed and the exit code is 1.
 */
import { findResourceByKind } from '@skiff/api';
import { ApiStatusError, type KubeObject, type RestClient } from '@skiff/client';
import { registerCommand, type Command, type CommandContext } from '../command.ts';
import { parentCommand } from '../parent-command.ts';
import { CliError, formatError } from '../errors.ts';
import { readManifests } from '../manifests.ts';
import { printObjects } from '../printers/object-printer.ts';

const CSRS = findResourceByKind('certificates.k8s.io/v1', 'CertificateSigningRequest')!;
const PREFIX = 'certificatesigningrequest.certificates.k8s.io';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
}
type Csr = KubeObject & { status?: { conditions?: Condition[] } };

export interface Decision {
  /** 'Approved' or 'Denied'. */
  type: string;
  /** The condition that forbids this one. */
  opposite: string;
  reason: string;
  message: string;
  /** What kubectl prints after the name. */
  verb: string;
}

export const approve: Decision = {
  type: 'Approved',
  opposite: 'Denied',
  reason: 'KubectlApprove',
  message: 'This CSR was approved by kubectl certificate approve.',
  verb: 'approved',
};
export const deny: Decision = {
  type: 'Denied',
  opposite: 'Approved',
  reason: 'KubectlDeny',
  message: 'This CSR was denied by kubectl certificate deny.',
  verb: 'denied',
};

/**
 * The CSR with the decision's condition added, or undefined when it already has it.
 * Throws when the CSR carries the opposite decision (kubectl's addConditionIfNeeded).
 */
export function withDecision(csr: Csr, decision: Decision, now: Date): Csr | undefined {
  const conditions = csr.status?.conditions ?? [];
  const opposite = conditions.find((c) => c.type === decision.opposite);
  if (opposite) throw new CliError(`certificate signing request "${csr.metadata?.name ?? ''}" is already ${opposite.type}`);
  if (conditions.some((c) => c.type === decision.type)) return undefined;
  const condition: Condition = {
    type: decision.type,
    status: 'True',
    reason: decision.reason,
    message: decision.message,
    lastUpdateTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  return { ...csr, status: { ...csr.status, conditions: [...conditions, condition] } };
}

async function decide(client: RestClient, name: string, decision: Decision, force: boolean, now: Date): Promise<Csr> {
  for (let attempt = 0; ; attempt++) {
    const csr = await client.get<Csr>(CSRS, undefined, name);
    // --force sends the CSR even when the condition is there already, as kubectl does.
    const changed = withDecision(csr, decision, now) ?? (force ? csr : undefined);
    if (!changed) return csr;
    try {
      return await client.update<Csr>(CSRS, changed, { subresource: 'approval' });
    } catch (err) {
      if (err instanceof ApiStatusError && err.code === 409 && attempt < 10) continue;
      throw err;
    }
  }
}

async function csrNames(ctx: CommandContext, args: string[]): Promise<string[]> {
  const files = ctx.flags.list('filename');
  const names = [...args];
  if (files.length > 0) {
    for (const { object } of await readManifests(files, { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin })) {
      if (object.kind !== 'CertificateSigningRequest')
        throw new CliError(`can only handle CertificateSigningRequest.certificates.k8s.io objects, got ${object.kind ?? ''}`);
      names.push(object.metadata?.name ?? '');
    }
  }
  if (names.length === 0) throw new CliError('one or more CSRs must be specified as <name> or -f <filename>');
  return names;
}

function certificateCommand(name: 'approve' | 'deny', decision: Decision): Command {
  const what = name === 'approve' ? 'Approve' : 'Deny';
  return {
    name,
    summary: `${what} a certificate signing request`,
    long:
      name === 'approve'
        ? 'Approve a certificate signing request.\n\n kubectl certificate approve allows a cluster admin to approve a certificate signing request (CSR). This action tells a certificate signing controller to issue a certificate to the requester with the attributes requested in the CSR.\n\n SECURITY NOTICE: Depending on the requested attributes, the issued certificate can potentially grant a requester access to cluster resources or to authenticate as a requested identity. Before approving a CSR, ensure you understand what the signed certificate can do.'
        : 'Deny a certificate signing request.\n\n kubectl certificate deny allows a cluster admin to deny a certificate signing request (CSR). This action tells a certificate signing controller to not to issue a certificate to the requester.',
    usage: `certificate ${name} (-f FILENAME | NAME)`,
    examples: `  # ${what} CSR 'csr-sqgzp'\n  kubectl certificate ${name} csr-sqgzp`,
    flags: [{ name: 'force', type: 'bool', usage: `Update the CSR even if it is already ${decision.verb}.` }],
    sharedFlags: ['output', 'filename', 'recursive'],
    async run(ctx, args) {
      const output = ctx.flags.string('output') ?? '';
      if (output && output !== 'name' && output !== 'yaml' && output !== 'json') {
        throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, name, yaml`);
      }
      let failed = false;
      for (const csrName of await csrNames(ctx, args)) {
        try {
          const csr = await decide(ctx.client, csrName, decision, ctx.flags.bool('force'), new Date(ctx.now()));
          if (output === 'yaml' || output === 'json') ctx.out.write(printObjects([csr], { kind: output }, { single: true, prefixOf: () => PREFIX }));
          else ctx.out.write(`${PREFIX}/${csrName}${output === 'name' ? '' : ` ${decision.verb}`}\n`);
        } catch (err) {
          failed = true;
          ctx.err.write(`${formatError(err)}\n`);
        }
      }
      return failed ? 1 : 0;
    },
  };
}

registerCommand(
  parentCommand(
    {
      name: 'certificate',
      summary: 'Modify certificate resources',
      long: 'Modify certificate resources.',
      usage: 'certificate SUBCOMMAND [options]',
    },
    [certificateCommand('approve', approve), certificateCommand('deny', deny)],
  ),
);
