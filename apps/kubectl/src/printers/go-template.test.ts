import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoValue, goSprintf, renderGoTemplate } from './go-template.ts';

const deploy = {
  kind: 'Deployment',
  metadata: { name: 'web', labels: { tier: 'front', app: 'web' } },
  spec: {
    replicas: 2,
    paused: false,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27' },
          { name: 'side', image: 'busybox' },
        ],
      },
    },
  },
};
const list = { kind: 'List', apiVersion: 'v1', items: [deploy, { kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 1 } }] };

describe('go-template printer', () => {
  const cases: [string, unknown, string][] = [
    ['{{.metadata.name}}', deploy, 'web'],
    ['{{range .items}}{{.metadata.name}}={{.spec.replicas}}{{"\\n"}}{{end}}', list, 'web=2\napi=1\n'],
    ['{{.metadata.labels}}', deploy, 'map[app:web tier:front]'],
    ['{{.nope}}|{{.a.b}}|{{index .metadata.labels "x"}}', deploy, '<no value>|<no value>|<no value>'],
    ['{{index .metadata.labels "app"}} {{len .spec.template.spec.containers}}', deploy, 'web 2'],
    ['{{if .spec.paused}}P{{else if eq .kind "Deployment"}}D{{else}}X{{end}}', deploy, 'D'],
    ['{{with .metadata}}{{.name}}{{end}}{{with .nope}}x{{else}}none{{end}}', deploy, 'webnone'],
    ['{{$n := .metadata.name}}{{range $i, $c := .spec.template.spec.containers}}{{$n}}/{{$i}}={{$c.image}} {{end}}', deploy, 'web/0=nginx:1.27 web/1=busybox '],
    ['{{range .items}}x{{else}}empty{{end}}', { kind: 'List', items: [] }, 'empty'],
    ['{{printf "%s-%d-%5s|%-4s|%q" .metadata.name .spec.replicas "ab" "cd" "x"}}', deploy, 'web-2-   ab|cd  |"x"'],
    ['{{.metadata.name | printf "%s!"}} {{(index .spec.template.spec.containers 1).name}}', deploy, 'web! side'],
    ['{{- "a" -}}   {{/* note */}} {{ `raw\\n` }}', {}, 'a raw\\n'],
    ['{{.data.pw | base64decode}} {{base64decode .data.pw}}', { data: { pw: 'aGVsbG8=' } }, 'hello hello'],
    ['{{not .a}} {{or .a "d"}} {{and 1 2}} {{lt 1 2}} {{ne "a" "b"}} {{exists . "a"}}', { a: '' }, 'true d 2 true true true'],
  ];
  for (const [template, data, want] of cases) {
    it(template, () => assert.equal(renderGoTemplate(template, data), want));
  }

  it('refuses syntax it does not know, in kubectl words', () => {
    assert.throws(() => renderGoTemplate('{{.metadata.name', {}), /error parsing template \{\{\.metadata\.name, template: output:1: unclosed action/);
    assert.throws(() => renderGoTemplate('{{foo .x}}', {}), /function "foo" not defined/);
    assert.throws(() => renderGoTemplate('{{define "x"}}{{end}}', {}), /not supported/);
    assert.throws(() => renderGoTemplate('{{if .a}}', {}), /unexpected EOF/);
  });

  it('reports execution errors with the position, as Go does', () => {
    assert.throws(
      () => renderGoTemplate('{{len .kind}} {{len 3}}', { kind: 'Pod' }),
      /template: output:1:16: executing "output" at <len 3>: error calling len: len of type int/,
    );
    assert.throws(
      () => renderGoTemplate('{{range .kind}}x{{end}}', { kind: 'Pod' }),
      /output:1:8: executing "output" at <\.kind>: range can't iterate over Pod/,
    );
  });

  it('formats values as Go fmt does', () => {
    assert.equal(formatGoValue([{ b: 1, a: null }, 'x']), '[map[a:<nil> b:1] x]');
    assert.equal(goSprintf('%v %t %.2f %x %%', [3, true, 1.5, 255]), '3 true 1.50 ff %');
  });
});
