/**
 * The string formats Kubernetes checks in custom objects (kube-openapi's strfmt registry, as
 * apiextensions-apiserver uses it); unknown formats are accepted, as there.
 */
const patterns: Record<string, RegExp> = {
  // RFC 3339 full-date / date-time (Go's strfmt accepts a space for 'T' and lowercase t/z).
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  'date-time': /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uuid: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  uuid3: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?3[0-9a-fA-F]{3}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/,
  uuid4: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?4[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/,
  uuid5: /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?5[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$/,
  email: /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/,
  hostname: /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  mac: /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/,
  hexcolor: /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
  duration: /^(-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
};

function isIPv6(s: string): boolean {
  try {
    return s.includes(':') && new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

function isCIDR(s: string): boolean {
  const [ip, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  if (patterns.ipv4.test(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function isURI(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

/** Whether `value` (a string) is valid for `format`; formats we do not know are valid. */
export function matchesFormat(format: string, value: string): boolean {
  switch (format) {
    case 'ipv6':
      return isIPv6(value);
    case 'cidr':
      return isCIDR(value);
    case 'uri':
      return isURI(value);
    case 'datetime':
      return patterns['date-time'].test(value);
    default: {
      const re = patterns[format];
      return re ? re.test(value) : true;
    }
  }
}

/** Integer formats bound the value's range (int32); int64 is JSON's safe range here. */
export function fitsIntegerFormat(format: string, value: number): boolean {
  if (format === 'int32') return value >= -2147483648 && value <= 2147483647;
  if (format === 'int64') return Number.isSafeInteger(value) || Math.abs(value) <= 2 ** 63;
  return true;
}
