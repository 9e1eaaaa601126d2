/**
 * Kubernetes' CEL format library (k8s.io/apiserver/pkg/cel/library/format.go):
 * `!format.dns1123Label().validate(self).hasValue()`, `format.named("uuid")`. validate() answers
 * none when the string is valid, else the list of problems in apimachinery's wording (for the
 * name formats; uri, uuid, byte, date and datetime say briefly what is wrong).
 */
import { Optional, type Environment } from '@marcbachmann/cel-js';
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain, checkLabelValue, checkQualifiedName } from '../names.ts';
import { matchesFormat } from '../structural/formats.ts';

/** The `format` constant: a receiver for format.named() and format.dns1123Label()... */
class FormatLibrary {}

class Format {
  readonly name: string;
  readonly check: (s: string) => string[];
  constructor(name: string, check: (s: string) => string[]) {
    this.name = name;
    this.check = check;
  }
}

/** "my-name-" is a valid prefix: a trailing dash stands for the characters a generated suffix adds. */
function asPrefix(check: (s: string) => string[]): (s: string) => string[] {
  return (s) => check(s.length > 1 && s.endsWith('-') ? `${s.slice(0, -1)}a` : s);
}

function byFormat(format: string, problem: string): (s: string) => string[] {
  return (s) => (matchesFormat(format, s) ? [] : [problem]);
}

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: checkDns1123Label,
  dns1123Subdomain: checkDns1123Subdomain,
  dns1035Label: checkDns1035Label,
  qualifiedName: checkQualifiedName,
  dns1123LabelPrefix: asPrefix(checkDns1123Label),
  dns1123SubdomainPrefix: asPrefix(checkDns1123Subdomain),
  dns1035LabelPrefix: asPrefix(checkDns1035Label),
  labelValue: checkLabelValue,
  uri: byFormat('uri', 'invalid URI'),
  uuid: byFormat('uuid', 'does not match the UUID format'),
  byte: byFormat('byte', 'invalid base64'),
  date: byFormat('date', 'invalid date'),
  datetime: byFormat('date-time', 'invalid datetime'),
};

export function registerFormatLibrary(env: Environment): Environment {
  env
    .registerType('FormatLibrary', FormatLibrary)
    .registerType('Format', Format)
    .registerConstant('format', 'FormatLibrary', new FormatLibrary())
    .registerFunction('FormatLibrary.named(string): optional<Format>', (_lib: FormatLibrary, name: string) =>
      FORMATS[name] ? Optional.of(new Format(name, FORMATS[name])) : Optional.none(),
    )
    .registerFunction('Format.validate(string): optional<list<string>>', (f: Format, s: string) => {
      const problems = f.check(s);
      return problems.length > 0 ? Optional.of(problems) : Optional.none();
    });
  for (const [name, check] of Object.entries(FORMATS)) {
    env.registerFunction(`FormatLibrary.${name}(): Format`, () => new Format(name, check));
  }
  return env;
}
