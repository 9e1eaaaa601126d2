import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causes, withPatch } from './testing.ts';

const uid = '4e9b9a2c-1111-2222-3333-444455556666';
// A Job as the server stores it after generating the selector.
const generatedLabels = {
  'batch.kubernetes.io/controller-uid': uid,
  'batch.kubernetes.io/job-name': 'pi',
  'controller-uid': uid,
  'job-name': 'pi',
};
const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', uid },
  spec: {
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    template: { metadata: { labels: generatedLabels }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } },
  },
};
const cronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: 'default' },
  spec: {
    schedule: '*/5 * * * *',
    jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
  },
};

test('Job: a generated selector is valid, a manual one must match its template', () => {
  assert.deepEqual(causes(job), []);
  const manual = withPatch(job, (o) => {
    o.spec.manualSelector = true;
    o.spec.selector = { matchLabels: { app: 'pi' } };
    o.spec.template.metadata.labels = { app: 'other' };
  });
  assert.deepEqual(causes(manual), ['spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`']);
  const notGenerated = withPatch(job, (o) => {
    o.spec.selector = { matchLabels: { 'controller-uid': 'someone-else' } };
  });
  assert.ok(causes(notGenerated).includes('spec.selector: Invalid value: {"matchLabels":{"controller-uid":"someone-else"}}: `selector` not auto-generated'));
  const wrongLabel = withPatch(job, (o) => {
    o.spec.template.metadata.labels['job-name'] = 'other';
  });
  assert.ok(causes(wrongLabel).includes('spec.template.metadata.labels[job-name]: Invalid value: "other": must be \'pi\''));
});

test('Job create: restartPolicy must be OnFailure or Never, counts not negative', () => {
  const cases: [string, (o: any) => void, string][] = [
    [
      'restartPolicy unset (defaults to Always)',
      (o) => {
        delete o.spec.template.spec.restartPolicy;
      },
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'restartPolicy Always',
      (o) => {
        o.spec.template.spec.restartPolicy = 'Always';
      },
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'restartPolicy unknown',
      (o) => {
        o.spec.template.spec.restartPolicy = 'Sometimes';
      },
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
    ],
    [
      'parallelism',
      (o) => {
        o.spec.parallelism = -1;
      },
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'completions',
      (o) => {
        o.spec.completions = -2;
      },
      'spec.completions: Invalid value: -2: must be greater than or equal to 0',
    ],
    [
      'backoffLimit',
      (o) => {
        o.spec.backoffLimit = -1;
      },
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'ttl',
      (o) => {
        o.spec.ttlSecondsAfterFinished = -5;
      },
      'spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0',
    ],
    [
      'completionMode',
      (o) => {
        o.spec.completionMode = 'Sometimes';
      },
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ],
    [
      'Indexed without completions',
      (o) => {
        o.spec.completionMode = 'Indexed';
        o.spec.parallelism = 2;
      },
      'spec.completions: Required value: when completion mode is Indexed',
    ],
    [
      'podReplacementPolicy',
      (o) => {
        o.spec.podReplacementPolicy = 'Never';
      },
      'spec.podReplacementPolicy: Unsupported value: "Never": supported values: "TerminatingOrFailed", "Failed"',
    ],
  ];
  for (const [name, patch, want] of cases) assert.ok(causes(withPatch(job, patch)).includes(want), `${name}: ${causes(withPatch(job, patch)).join('; ')}`);
});

test('Job: podFailurePolicy rules', () => {
  const rule = (r: unknown) =>
    withPatch(job, (o) => {
      o.spec.podFailurePolicy = { rules: [r] };
    });
  assert.deepEqual(causes(rule({ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2] } })), []);
  assert.deepEqual(causes(rule({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] })), []);
  assert.deepEqual(causes(rule({ action: 'Explode', onExitCodes: { operator: 'Maybe', values: [0, 3, 3, 1] } })), [
    'spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
    'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Maybe": supported values: "In", "NotIn"',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Invalid value: 1: must be ordered',
  ]);
  assert.deepEqual(causes(rule({ action: 'Count' })), [
    'spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
  ]);
  assert.ok(
    causes(rule({ action: 'FailJob', onExitCodes: { operator: 'In', values: [0] } })).includes(
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    ),
  );
  const onFailure = withPatch(rule({ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [0] } }), (o) => {
    o.spec.template.spec.restartPolicy = 'OnFailure';
  });
  assert.deepEqual(causes(onFailure), [
    'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  ]);
});

test('Job update: selector, template, completions and completionMode are fixed; parallelism is not', () => {
  // Clients update what they read back, where completions was defaulted to 1.
  assert.deepEqual(
    causes(
      withPatch(job, (o) => {
        o.spec.completions = 1;
        o.spec.parallelism = 4;
        o.spec.suspend = true;
      }),
      job,
    ),
    [],
  );
  const image = withPatch(job, (o) => {
    o.spec.template.spec.containers[0].image = 'perl:5.36';
  });
  assert.equal(causes(image, job).length, 1);
  assert.match(causes(image, job)[0]!, /^spec\.template: Invalid value: .*: field is immutable$/);
  assert.deepEqual(
    causes(
      withPatch(job, (o) => {
        o.spec.completions = 3;
      }),
      job,
    ),
    ['spec.completions: Invalid value: 3: field is immutable'],
  );
  const elastic = withPatch(job, (o) => {
    o.spec.completionMode = 'Indexed';
    o.spec.completions = 2;
    o.spec.parallelism = 2;
  });
  assert.deepEqual(
    causes(
      withPatch(elastic, (o) => {
        o.spec.completions = 4;
        o.spec.parallelism = 4;
      }),
      elastic,
    ),
    [],
  );
});

test('CronJob: schedule, time zone, policies, job template and name length', () => {
  assert.deepEqual(causes(cronJob), []);
  const cases: [string, (o: any) => void, string][] = [
    [
      'no schedule',
      (o) => {
        delete o.spec.schedule;
      },
      'spec.schedule: Required value',
    ],
    [
      'bad schedule',
      (o) => {
        o.spec.schedule = 'every minute';
      },
      'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: every minute',
    ],
    [
      'TZ in schedule',
      (o) => {
        o.spec.schedule = 'TZ=UTC 0 * * * *';
      },
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ],
    [
      'unknown zone',
      (o) => {
        o.spec.timeZone = 'Mars/Olympus';
      },
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    ],
    [
      'Local zone',
      (o) => {
        o.spec.timeZone = 'Local';
      },
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ],
    [
      'concurrencyPolicy',
      (o) => {
        o.spec.concurrencyPolicy = 'Sometimes';
      },
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ],
    [
      'startingDeadlineSeconds',
      (o) => {
        o.spec.startingDeadlineSeconds = -1;
      },
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'history',
      (o) => {
        o.spec.failedJobsHistoryLimit = -1;
      },
      'spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'template restartPolicy',
      (o) => {
        delete o.spec.jobTemplate.spec.template.spec.restartPolicy;
      },
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'template parallelism',
      (o) => {
        o.spec.jobTemplate.spec.parallelism = -1;
      },
      'spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'template selector',
      (o) => {
        o.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
      },
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    ],
    [
      'template manualSelector',
      (o) => {
        o.spec.jobTemplate.spec.manualSelector = true;
      },
      'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
    ],
    [
      'long name',
      (o) => {
        o.metadata.name = 'x'.repeat(53);
      },
      `metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`,
    ],
  ];
  for (const [name, patch, want] of cases)
    assert.ok(causes(withPatch(cronJob, patch)).includes(want), `${name}: ${causes(withPatch(cronJob, patch)).join('; ')}`);
  assert.deepEqual(
    causes(
      withPatch(cronJob, (o) => {
        o.spec.schedule = '@hourly';
        o.spec.timeZone = 'Europe/Paris';
      }),
    ),
    [],
  );
});

test('Job update: a suspended Job that never started may be told where to run, nothing else', () => {
  const suspended = withPatch(job, (o) => {
    o.spec.suspend = true;
  });
  const placed = withPatch(suspended, (o) => {
    o.spec.template.metadata.labels.queue = 'a';
    o.spec.template.metadata.annotations = { 'kueue.x-k8s.io/flavor': 'default' };
    o.spec.template.spec.nodeSelector = { zone: 'a' };
    o.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Exists' }];
    o.spec.template.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
      },
    };
  });
  assert.deepEqual(causes(placed, suspended), []);
  const started = withPatch(suspended, (o) => {
    o.status = { startTime: '2024-05-01T10:00:00Z' };
  });
  assert.match(causes(placed, started)[0] ?? '', /^spec\.template: Invalid value: .*: field is immutable$/);
  const image = withPatch(suspended, (o) => {
    o.spec.template.spec.containers[0].image = 'perl:5.36';
  });
  assert.match(causes(image, suspended)[0] ?? '', /^spec\.template: Invalid value: .*: field is immutable$/);
});
