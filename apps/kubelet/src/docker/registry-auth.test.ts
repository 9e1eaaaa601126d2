import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRegistryAuth, getPullSecretAuth, getRegistryHost } from './registry-auth.ts';

test('getRegistryHost: Docker Hub unless the first component looks like a host', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io'],
    ['library/busybox:1', 'docker.io'],
    ['reg.example.com/a/b:1', 'reg.example.com'],
    ['localhost/x', 'localhost'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000'],
  ];
  for (const [image, host] of cases) assert.equal(getRegistryHost(image), host, image);
});

test('findRegistryAuth: picks the matching registry and decodes auth', () => {
  const secrets = [
    'not json',
    JSON.stringify({ auths: { 'https://index.docker.io/v1/': { username: 'hub', password: 'p1' } } }),
    JSON.stringify({ auths: { 'reg.example.com': { auth: Buffer.from('me:s3:cret').toString('base64') } } }),
  ];
  assert.deepEqual(findRegistryAuth('busybox', secrets), { username: 'hub', password: 'p1', serveraddress: 'https://index.docker.io/v1/' });
  assert.deepEqual(findRegistryAuth('reg.example.com/app:1', secrets), { username: 'me', password: 's3:cret', serveraddress: 'reg.example.com' });
  assert.equal(findRegistryAuth('other.io/app', secrets), undefined);
});

test("getPullSecretAuth: reads the pod's imagePullSecrets in order, skipping missing ones", async () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secrets: Record<string, { data?: Record<string, string> }> = {
    'ns1/reg': { data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { '127.0.0.1:5000': { username: 'u', password: 'p' } } })) } },
    'ns1/old': { data: { '.dockercfg': b64(JSON.stringify({ 'old.example.com': { auth: b64('o:q') } })) } },
  };
  const getSecret = async (ns: string, name: string) => secrets[`${ns}/${name}`];
  const pod = { metadata: { namespace: 'ns1' }, spec: { imagePullSecrets: [{ name: 'gone' }, { name: 'reg' }, { name: 'old' }] } };
  assert.deepEqual(await getPullSecretAuth(pod, '127.0.0.1:5000/k2/busybox:v1', getSecret), { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
  assert.deepEqual(await getPullSecretAuth(pod, 'old.example.com/x', getSecret), { username: 'o', password: 'q', serveraddress: 'old.example.com' });
  assert.equal(await getPullSecretAuth({ spec: {} }, '127.0.0.1:5000/x', getSecret), undefined);
});
