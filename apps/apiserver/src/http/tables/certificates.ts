/** CertificateSigningRequests as kubectl prints them (`kubectl get csr`). */
import { formatAge, humanDuration } from '@skiff/api';
import { ageColumn, column, field, list, str, type TablePrinter } from './table.ts';

/**
 * 'Approved,Issued', 'Denied', 'Pending': Denied over Approved over Pending, then Failed,
 * then Issued once a certificate is there. Like kubectl, a condition counts by its type.
 */
function csrCondition(csr: unknown): string {
  const types = new Set(list(csr, 'status', 'conditions').map((c) => c.type));
  const status = [types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending'];
  if (types.has('Failed')) status.push('Failed');
  if (str(csr, 'status', 'certificate')) status.push('Issued');
  return status.join(',');
}

export const certificateSigningRequestPrinter: TablePrinter = {
  columns: [
    ageColumn,
    column('SignerName', 'signerName indicates the requested signer.'),
    column('Requestor', 'The user that created the request.'),
    column('RequestedDuration', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    column('Condition', 'conditions applied to the request: Approved, Denied, Failed; Issued once signed.'),
  ],
  cells: (csr, now) => {
    const seconds = field(csr, 'spec', 'expirationSeconds');
    return [
      formatAge(csr.metadata.creationTimestamp, now),
      str(csr, 'spec', 'signerName') || '<none>',
      str(csr, 'spec', 'username'),
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(csr),
    ];
  },
};
