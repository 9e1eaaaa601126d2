/** CertificateSigningRequests as kubectl prints them (`kubectl get csr`). */
import { formatAge, humanDuration } from '@skiff/api';
import { ageColumn, column, field, list, str, type TablePrinter } from './table.ts';

/** 'Approved,Issued', 'Denied', 'Pending': the conditions, then Issued once a certificate is there. */
function csrCondition(csr: unknown): string {
  const conditions = list(csr, 'status', 'conditions').filter((c) => c.status !== 'False').map((c) => String(c.type));
  if (str(csr, 'status', 'certificate')) conditions.push('Issued');
  return conditions.length === 0 ? 'Pending' : conditions.join(',');
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
      formatAge(csr.metadata.creationTimestamp, now), str(csr, 'spec', 'signerName'), str(csr, 'spec', 'username'),
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>', csrCondition(csr),
    ];
  },
};
