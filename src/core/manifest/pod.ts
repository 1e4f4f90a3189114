import { parseIP } from '../common/ip';
import { FieldPath } from '../common/source';
import { isDns1123Label, isValidPortName } from './names';
import { readTolerations } from './cluster-doc';
import { FieldReader } from './reader';
import { Container, PodManifest, PodSpec, WorkloadKind, WorkloadManifest } from './types';

/** Reads a PodSpec at `path` (`spec` of a Pod, `spec.template.spec` of a workload). */
export function readPodSpec(r: FieldReader, path: FieldPath): PodSpec {
  const containers: Container[] = [];
  const seenPortNames = new Set<string>();
  const list = r.list([...path, 'containers']);
  if (!r.has([...path, 'containers']) || (list && list.length === 0)) r.report('missing-field', `${path.length ? path.join('.') + '.' : ''}containers needs at least one container`, [...path, 'containers'], 'warning');
  (list ?? []).forEach((_, i) => {
    const cp = [...path, 'containers', i];
    if (!r.mapping(cp)) return;
    const name = r.str([...cp, 'name']) ?? `container-${i}`;
    const ports: Container['ports'] = [];
    (r.list([...cp, 'ports']) ?? []).forEach((__, j) => {
      const pp = [...cp, 'ports', j];
      if (!r.mapping(pp)) return;
      const containerPort = r.port([...pp, 'containerPort'], { required: true });
      if (containerPort === undefined) return;
      const portName = r.str([...pp, 'name']);
      if (portName !== undefined) {
        if (seenPortNames.has(portName)) r.report('duplicate-port-name', `port name "${portName}" is used twice in this pod`, [...pp, 'name']);
        seenPortNames.add(portName);
      }
      const hostPort = r.port([...pp, 'hostPort']);
      ports.push({
        ...(portName !== undefined ? { name: portName } : {}),
        containerPort,
        protocol: r.protocol([...pp, 'protocol']),
        ...(hostPort !== undefined ? { hostPort } : {}),
      });
    });
    const image = r.str([...cp, 'image']);
    containers.push({ name, ...(image !== undefined ? { image } : {}), ports });
  });
  const nodeName = r.str([...path, 'nodeName']);
  const tolerations = readTolerations(r, [...path, 'tolerations']);
  return {
    containers,
    ...(nodeName ? { nodeName } : {}),
    nodeSelector: r.stringMap([...path, 'nodeSelector']),
    hostNetwork: r.bool([...path, 'hostNetwork']) ?? false,
    ...(tolerations.length ? { tolerations } : {}),
  };
}

/**
 * Container names are DNS labels and port names IANA service names (ValidatePodSpec): the API
 * server refuses a pod spec that breaks either, so each break is reported and the object is
 * left out, like an object with an invalid name.
 */
function podSpecNamesValid(r: FieldReader, path: FieldPath): boolean {
  let valid = true;
  // Raw reads: readPodSpec reports wrong types; this only judges names that are strings.
  const list = r.get([...path, 'containers']);
  (Array.isArray(list) ? list : []).forEach((c: unknown, i: number) => {
    if (!c || typeof c !== 'object') return;
    const container = c as Record<string, unknown>;
    if (typeof container.name === 'string' && !isDns1123Label(container.name)) {
      r.report('invalid-name', `container name ${JSON.stringify(container.name)} is not a DNS label (lower-case letters, digits and '-', at most 63 characters); the API server rejects this object, so PodPath leaves it out`, [...path, 'containers', i, 'name']);
      valid = false;
    }
    (Array.isArray(container.ports) ? container.ports : []).forEach((port: unknown, j: number) => {
      const name = port && typeof port === 'object' ? (port as Record<string, unknown>).name : undefined;
      if (typeof name === 'string' && !isValidPortName(name)) {
        r.report('invalid-name', `port name ${JSON.stringify(name)} is not valid (1–15 lower-case letters, digits and '-', with a letter, no '--'); the API server rejects this object, so PodPath leaves it out`, [...path, 'containers', i, 'ports', j, 'name']);
        valid = false;
      }
    });
  });
  return valid;
}

export function readPod(r: FieldReader, defaultNamespace: string): PodManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: 'subdomain' });
  if (!meta || !podSpecNamesValid(r, ['spec'])) return undefined;
  const podIP = r.ipv4(['status', 'podIP']);
  const hostIP = r.ipv4(['status', 'hostIP']);
  // status.podIPs lists one address per family on a dual-stack cluster, the primary one first.
  let podIP6: string | undefined;
  (r.list(['status', 'podIPs']) ?? []).forEach((e, i) => {
    const text = e && typeof e === 'object' ? (e as Record<string, unknown>).ip : undefined;
    if (typeof text !== 'string' || !text.includes(':') || podIP6) return;
    const ip = parseIP(text);
    if (ip.ok) podIP6 = ip.value;
    else r.report('invalid-ip', ip.error, ['status', 'podIPs', i, 'ip']);
  });
  const phase = r.str(['status', 'phase']);
  let ready: boolean | undefined;
  (r.list(['status', 'conditions']) ?? []).forEach((c, i) => {
    if (c && typeof c === 'object' && (c as Record<string, unknown>).type === 'Ready') {
      const status = r.str(['status', 'conditions', i, 'status']);
      if (status === 'True') ready = true;
      else if (status === 'False' || status === 'Unknown') ready = false;
    }
  });
  return {
    kind: 'Pod',
    meta,
    spec: readPodSpec(r, ['spec']),
    status: { ...(podIP ? { podIP } : {}), ...(podIP6 ? { podIP6 } : {}), ...(hostIP ? { hostIP } : {}), ...(phase ? { phase } : {}), ...(ready !== undefined ? { ready } : {}) },
    locator: r.locator,
  };
}

/** Where each workload kind keeps its pod template. */
function templatePathOf(kind: WorkloadKind): FieldPath {
  return kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
}

const MAX_CRONJOB_NAME = 52;

/** Kinds whose `spec.selector` is required (apps/v1 made it mandatory). */
const SELECTOR_REQUIRED: readonly WorkloadKind[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'];

export function readWorkload(r: FieldReader, kind: WorkloadKind, defaultNamespace: string): WorkloadManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: 'subdomain' });
  if (!meta) return undefined;
  if (kind === 'CronJob' && meta.name.length > MAX_CRONJOB_NAME) {
    // ValidateCronJob: the Job name appends an 11-character suffix to a DNS-1035 label (63).
    r.report('invalid-name', `a CronJob name is at most ${MAX_CRONJOB_NAME} characters (its Jobs append 11); the API server rejects this object, so PodPath leaves it out`, ['metadata', 'name']);
    return undefined;
  }
  const templatePath = templatePathOf(kind);
  if (!r.mapping(templatePath)) {
    if (!r.has(templatePath)) r.report('missing-field', `${templatePath.join('.')} is required`, templatePath.slice(0, -1));
    return undefined;
  }
  if (!podSpecNamesValid(r, [...templatePath, 'spec'])) return undefined;
  let replicas: number;
  if (kind === 'Job' || kind === 'CronJob') {
    // A Job runs min(parallelism, completions) pods at once; parallelism defaults to 1.
    const base = kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec'] : ['spec'];
    const parallelism = r.int([...base, 'parallelism'], { min: 0 }) ?? 1;
    const completions = r.int([...base, 'completions'], { min: 0 });
    replicas = completions === undefined ? parallelism : Math.min(parallelism, completions);
  } else if (kind === 'DaemonSet') {
    replicas = 0;
  } else {
    replicas = r.int(['spec', 'replicas'], { min: 0 }) ?? 1;
  }
  // How many of them are modelled is decided for the whole cluster (cluster/pods.ts MAX_PODS).
  // ReplicationController's selector is a plain map (defaulting to the template's labels);
  // CronJob has none; the others use a LabelSelector.
  const selector =
    kind === 'ReplicationController'
      ? r.has(['spec', 'selector']) ? { matchLabels: r.stringMap(['spec', 'selector']), matchExpressions: [] } : undefined
      : kind === 'CronJob' ? undefined : r.selector(['spec', 'selector']);
  if (!selector && SELECTOR_REQUIRED.includes(kind) && !r.has(['spec', 'selector'])) {
    r.report('missing-field', `spec.selector is required for a ${kind} (apps/v1)`, ['spec']);
  }
  let ordinalStart: number | undefined;
  if (kind === 'StatefulSet') {
    // KEP-3335 (stable in 1.31): pods are numbered from spec.ordinals.start.
    const start = r.int(['spec', 'ordinals', 'start'], { min: 0 });
    if (start) ordinalStart = start;
  }
  const labels = r.labels([...templatePath, 'metadata', 'labels']);
  return {
    kind,
    meta,
    replicas,
    ...(selector ? { selector } : {}),
    template: { labels, spec: readPodSpec(r, [...templatePath, 'spec']) },
    templatePath: [...templatePath],
    ...(ordinalStart !== undefined ? { ordinalStart } : {}),
    locator: r.locator,
  };
}
