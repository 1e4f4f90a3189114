import { Finding, finding } from '../common/finding';
import { FieldPath, Locator } from '../common/source';
import { IpFamily, parseIP, parseIPv4 } from '../common/ip';
import { NameRule, isDns1123Label, isDns1123Subdomain, objectNameProblem } from './names';
import { LabelSelector, LabelSelectorRequirement, ObjectMeta, Protocol, PROTOCOLS } from './types';

/**
 * Reads fields of one raw object with the API server's type rules, reporting each violation
 * with the exact range and returning `undefined` so decoding goes on with the rest.
 */
export class FieldReader {
  constructor(
    readonly data: Record<string, unknown>,
    readonly locator: Locator,
    readonly findings: Finding[],
    /** What the object is called in messages: `Service default/web`. */
    readonly what: string,
  ) {}

  get(path: FieldPath): unknown {
    let v: unknown = this.data;
    for (const seg of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v;
  }

  has(path: FieldPath): boolean {
    const v = this.get(path);
    return v !== undefined && v !== null;
  }

  report(code: string, message: string, path: FieldPath, severity: Finding['severity'] = 'error'): void {
    this.findings.push(finding(code, severity, `${this.what}: ${message}`, this.locator.at(path)));
  }

  invalidType(path: FieldPath, expected: string): void {
    const v = this.get(path);
    // kubectl reads YAML 1.1: unquoted yes/no/on/off/y/n are booleans, not strings.
    const hint = typeof v === 'boolean' && /string/.test(expected) ? ' (unquoted yes/no/on/off/y/n are booleans in YAML 1.1, which kubectl uses: quote it)' : '';
    this.report('invalid-type', `${pathText(path)} must be ${expected}, not ${describe(v)}${hint}`, path);
  }

  str(path: FieldPath, opts: { required?: boolean } = {}): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (opts.required) this.report('missing-field', `${pathText(path)} is required`, path);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.invalidType(path, 'a string');
      return undefined;
    }
    return v;
  }

  int(path: FieldPath, opts: { min?: number; max?: number; required?: boolean; what?: string } = {}): number | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (opts.required) this.report('missing-field', `${pathText(path)} is required`, path);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) {
        // The API server's JSON decoding rejects a string where an integer goes.
        this.report('invalid-type', `${pathText(path)} must be ${opts.what ?? 'an integer'}, not the string "${v}"; remove the quotes`, path);
      } else {
        this.invalidType(path, opts.what ?? 'an integer');
      }
      return undefined;
    }
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
      this.report('invalid-value', `${pathText(path)} is ${v}; it must be ${rangeText(opts.min, opts.max)}`, path);
      return undefined;
    }
    return v;
  }

  port(path: FieldPath, opts: { required?: boolean } = {}): number | undefined {
    return this.int(path, { min: 1, max: 65535, required: opts.required, what: 'a port number (1–65535)' });
  }

  bool(path: FieldPath): boolean | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.invalidType(path, 'true or false');
      return undefined;
    }
    return v;
  }

  list(path: FieldPath): unknown[] | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.invalidType(path, 'a list');
      return undefined;
    }
    return v;
  }

  mapping(path: FieldPath): Record<string, unknown> | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.invalidType(path, 'a mapping');
      return undefined;
    }
    return v as Record<string, unknown>;
  }

  /** A string-to-string map (labels, selectors, nodeSelector). Non-string values are reported. */
  stringMap(path: FieldPath): Record<string, string> {
    const m = this.mapping(path);
    const out: Record<string, string> = {};
    if (!m) return out;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') {
        out[k] = v;
      } else if (v === null || v === undefined) {
        out[k] = '';
      } else {
        // A scalar of another type is quoted to become a string; a mapping or list cannot be.
        const fix = typeof v === 'object' ? `, not ${describe(v)}` : ` (quote it: "${String(v)}")`;
        this.report('invalid-type', `${pathText([...path, k])} must be a string${fix}`, [...path, k]);
      }
    }
    return out;
  }

  oneOf<T extends string>(path: FieldPath, allowed: readonly T[], fallback: T): T {
    const v = this.str(path);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.report('invalid-value', `${pathText(path)} is "${v}"; expected one of ${allowed.join(', ')}`, path);
      return fallback;
    }
    return v as T;
  }

  protocol(path: FieldPath): Protocol {
    return this.oneOf(path, PROTOCOLS, 'TCP');
  }

  /** An address of either family (or of the one given), canonical text for IPv6. */
  ip(path: FieldPath, family?: IpFamily): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null || v === '') return undefined;
    if (family === 4) return this.ipv4(path);
    const r = parseIP(v);
    if (!r.ok || (family === 6 && !r.value.includes(':'))) {
      this.report('invalid-ip', r.ok ? `"${r.value}" is IPv4; an IPv6 address is expected here` : r.error, path);
      return undefined;
    }
    return r.value;
  }

  ipv4(path: FieldPath): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null || v === '') return undefined;
    const r = parseIPv4(v);
    if (!r.ok) {
      this.report('invalid-ip', r.error, path);
      return undefined;
    }
    return r.value;
  }

  /** A port that may be a number or an IANA_SVC_NAME (targetPort, policy ports). */
  portOrName(path: FieldPath): number | string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return this.port(path);
    if (typeof v === 'string') {
      if (/^\d+$/.test(v)) {
        // A quoted number is a string, and a string here is a port *name*, which needs a letter:
        // the API server answers 'Invalid value: "8080": must contain at least one letter'
        // (openshift/origin#21342, rancher/dashboard#1694). Reported, then read as the number
        // the author obviously meant so the rest of the analysis stays useful.
        const n = Number(v);
        this.report('invalid-value', `${pathText(path)} "${v}" is a quoted number: a string here is a port name and needs a letter, so the API server rejects it; write ${v} without quotes`, path);
        if (n >= 1 && n <= 65535) return n;
        return undefined;
      }
      if (!/^[a-z0-9]([a-z0-9-]{0,13})$/.test(v) || !/[a-z]/.test(v) || v.includes('--') || v.endsWith('-')) {
        this.report('invalid-value', `${pathText(path)} "${v}" is neither a port number nor a valid port name (lower case, at most 15 characters)`, path);
        return undefined;
      }
      return v;
    }
    this.invalidType(path, 'a port number or name');
    return undefined;
  }

  selector(path: FieldPath): LabelSelector | undefined {
    const m = this.mapping(path);
    if (!m) return undefined;
    const matchLabels = this.stringMap([...path, 'matchLabels']);
    const matchExpressions: LabelSelectorRequirement[] = [];
    (this.list([...path, 'matchExpressions']) ?? []).forEach((_, i) => {
      const p = [...path, 'matchExpressions', i];
      const key = this.str([...p, 'key'], { required: true });
      const operator = this.str([...p, 'operator'], { required: true });
      if (key === undefined || operator === undefined) return;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) {
        this.report('invalid-selector', `operator "${operator}" is not one of In, NotIn, Exists, DoesNotExist`, [...p, 'operator']);
        return;
      }
      const values = (this.list([...p, 'values']) ?? []).map((v, j) => {
        if (typeof v !== 'string') this.invalidType([...p, 'values', j], 'a string');
        return String(v);
      });
      if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
        this.report('invalid-selector', `operator ${operator} needs at least one value`, [...p, 'operator']);
        return;
      }
      if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
        this.report('invalid-selector', `operator ${operator} takes no values`, [...p, 'values']);
        return;
      }
      matchExpressions.push({ key, operator: operator as LabelSelectorRequirement['operator'], values });
    });
    return { matchLabels, matchExpressions };
  }

  /**
   * metadata, validated as the API server does. An object whose name or namespace the API
   * server would refuse is reported and left out (undefined): it would never exist in a
   * cluster, and its name must not reach any rule, script or view PodPath generates.
   */
  meta(defaultNamespace: string, opts: { namespaced: boolean; rule: NameRule }): ObjectMeta | undefined {
    if (this.has(['metadata']) && !this.mapping(['metadata'])) return undefined;
    const rawName = this.get(['metadata', 'name']);
    const name = this.str(['metadata', 'name']);
    const generateName = this.str(['metadata', 'generateName']);
    if (name === undefined && generateName === undefined) {
      // A name of the wrong type was reported already.
      if (rawName === undefined || rawName === null) this.report('missing-field', 'metadata.name is required', ['metadata']);
      return undefined;
    }
    let valid = true;
    // generateName: the API server appends 5 random characters to at most 58 of it
    // (apiserver/pkg/storage/names: MaxGeneratedNameLength); PodPath appends "xxxxx".
    const finalName = name ?? `${generateName!.slice(0, 58)}xxxxx`;
    const nameProblem = objectNameProblem(finalName, opts.rule);
    if (nameProblem) {
      this.report('invalid-name', `${JSON.stringify(finalName)} is not a valid name (${nameProblem}); the API server rejects this object, so PodPath leaves it out`, ['metadata', name !== undefined ? 'name' : 'generateName']);
      valid = false;
    }
    const writtenNamespace = opts.namespaced ? this.str(['metadata', 'namespace']) : undefined;
    const namespace = opts.namespaced ? writtenNamespace || defaultNamespace : '';
    if (opts.namespaced && writtenNamespace && !isDns1123Label(writtenNamespace)) {
      this.report('invalid-name', `namespace ${JSON.stringify(writtenNamespace)} is not a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters); the object is left out`, ['metadata', 'namespace']);
      valid = false;
    }
    // Labels are checked either way, so every reason for rejecting the object is reported.
    const labels = this.labels(['metadata', 'labels']);
    if (!valid) return undefined;
    const owners = (this.list(['metadata', 'ownerReferences']) ?? []).flatMap((o) => {
      const r = o as Record<string, unknown>;
      // Hand-written dumps often leave out kind (or carry only a uid): the owner is still
      // recognised by name, and by uid where the owner object carries one.
      if (!r || typeof r !== 'object' || typeof r.name !== 'string') return [];
      return [{ ...(typeof r.kind === 'string' ? { kind: r.kind } : {}), name: r.name, ...(typeof r.uid === 'string' ? { uid: r.uid } : {}) }];
    });
    const uid = this.get(['metadata', 'uid']);
    return {
      name: finalName,
      namespace,
      labels,
      annotations: this.stringMap(['metadata', 'annotations']),
      ownerReferences: owners,
      ...(typeof uid === 'string' && uid ? { uid } : {}),
    };
  }

  /** Labels, with the API server's syntax rules for keys (qualified names) and values. */
  labels(path: FieldPath): Record<string, string> {
    const out = this.stringMap(path);
    for (const [k, v] of Object.entries(out)) {
      if (!isQualifiedName(k)) {
        this.findings.push(finding('invalid-label', 'error', `${this.what}: label key ${JSON.stringify(k)} is not valid (an optional DNS-subdomain prefix and '/', then at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit); the label is ignored`, this.locator.keyAt([...path, k])));
        delete out[k];
      } else if (!isLabelValue(v)) {
        this.report('invalid-label', `label ${k}=${JSON.stringify(v)} is not a valid label value (at most 63 characters: letters, digits, '-', '_', '.'); the label is ignored`, [...path, k]);
        delete out[k];
      }
    }
    return out;
  }

  /** A mark in the findings list; `errorsSince(mark)` tells whether reading added errors. */
  mark(): number {
    return this.findings.length;
  }

  errorsSince(mark: number): boolean {
    for (let i = mark; i < this.findings.length; i++) if (this.findings[i].severity === 'error') return true;
    return false;
  }
}

/** A label value: empty, or at most 63 characters (k8s.io/apimachinery IsValidLabelValue). */
export function isLabelValue(v: string): boolean {
  return v === '' || (v.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v));
}

/** A label key: `[prefix/]name` (k8s.io/apimachinery IsQualifiedName). */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (!isDns1123Subdomain(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

export function pathText(path: FieldPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

function rangeText(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
