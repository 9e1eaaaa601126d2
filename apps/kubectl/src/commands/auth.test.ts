import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRulesTable } from './auth-rules.ts';
import { formatUserInfo } from './auth.ts';
import { approve, deny, withDecision } from './certificate.ts';

describe('auth can-i --list table', () => {
  // Sorted by the rule's Go String(), `&PolicyRule{Verbs:[get list watch],...` before `[get list],` (space before ']').
  it('breaks rules down, folds verbs per resource, sorts as kubectl (verbs first) and combines groups', () => {
    const table = formatRulesTable(
      {
        resourceRules: [
          { verbs: ['get', 'list'], apiGroups: ['apps', ''], resources: ['deployments/scale'] },
          { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
          { verbs: ['watch'], apiGroups: ['apps'], resources: ['deployments/scale'] },
          { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }],
      },
      true,
    );
    assert.equal(
      table,
      [
        'Resources                                       Non-Resource URLs   Resource Names   Verbs',
        'selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]',
        'selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]',
        'deployments.apps/scale                          []                  []               [get list watch]',
        'deployments/scale                               []                  []               [get list]',
        '                                                [/api/*]            []               [get]',
        '                                                [/healthz]          []               [get]',
        'configmaps                                      []                  [a]              [get]',
        'configmaps                                      []                  [b]              [get]',
        '',
      ].join('\n'),
    );
    assert.equal(formatRulesTable({}, false), '');
  });
});

describe('auth whoami table', () => {
  it('prints the attributes that are set, groups and extras as Go lists', () => {
    assert.equal(
      formatUserInfo({ username: 'admin', groups: ['system:masters', 'system:authenticated'], extra: { 'b.io/x': ['1'], 'a.io/y': ['2', '3'] } }),
      [
        'ATTRIBUTE       VALUE',
        'Username        admin',
        'Groups          [system:masters system:authenticated]',
        'Extra: a.io/y   [2 3]',
        'Extra: b.io/x   [1]',
        '',
      ].join('\n'),
    );
  });
});

describe('certificate approve|deny conditions', () => {
  const now = new Date('2026-12-07T21:00:00.123Z');
  const csr = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c1' }, status: {} };

  it('adds the condition kubectl adds, once', () => {
    const approved = withDecision(csr, approve, now)!;
    assert.deepEqual(approved.status?.conditions, [
      {
        type: 'Approved',
        status: 'True',
        reason: 'KubectlApprove',
        message: 'This CSR was approved by kubectl certificate approve.',
        lastUpdateTime: '2026-12-07T21:00:00Z',
      },
    ]);
    assert.equal(withDecision(approved, approve, now), undefined);
  });

  it('refuses to deny an approved CSR', () => {
    assert.throws(() => withDecision(withDecision(csr, approve, now)!, deny, now), /certificate signing request "c1" is already Approved/);
  });
});
