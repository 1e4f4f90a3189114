import { FieldPath } from '../common/source';
import { FieldReader } from './reader';
import { Container, PodManifest, PodSpec, WorkloadKind, WorkloadManifest } from './types';

/** Reads a PodSpec at `path` (`spec` of a Pod, `spec.template.spec` of a workload). */
export function readPodSpec(r: FieldReader, path: FieldPath): PodSpec {
  const containers: Container[] = [];
  const seenPortNames = new Set<string>();
  const list = r.list([...path, 'containers']);
  if (!list || list.length === 0) r.report('missing-field', `${path.length ? path.join('.') + '.' : ''}containers needs at least one container`, [...path, 'containers'], 'warning');
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
  return {
    containers,
    ...(nodeName ? { nodeName } : {}),
    nodeSelector: r.stringMap([...path, 'nodeSelector']),
    hostNetwork: r.bool([...path, 'hostNetwork']) ?? false,
  };
}

export function readPod(r: FieldReader, defaultNamespace: string): PodManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true });
  if (!meta) return undefined;
  const podIP = r.ipv4(['status', 'podIP']);
  const hostIP = r.ipv4(['status', 'hostIP']);
  const phase = r.str(['status', 'phase']);
  return {
    kind: 'Pod',
    meta,
    spec: readPodSpec(r, ['spec']),
    status: { ...(podIP ? { podIP } : {}), ...(hostIP ? { hostIP } : {}), ...(phase ? { phase } : {}) },
    locator: r.locator,
  };
}

/** Where each workload kind keeps its pod template. */
function templatePathOf(kind: WorkloadKind): FieldPath {
  return kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
}

export function readWorkload(r: FieldReader, kind: WorkloadKind, defaultNamespace: string): WorkloadManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true });
  if (!meta) return undefined;
  const templatePath = templatePathOf(kind);
  if (!r.mapping(templatePath)) {
    r.report('missing-field', `${templatePath.join('.')} is required`, templatePath.slice(0, -1));
    return undefined;
  }
  let replicas: number;
  if (kind === 'Job' || kind === 'CronJob') {
    const base = kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec'] : ['spec'];
    replicas = r.int([...base, 'parallelism'], { min: 0 }) ?? 1;
  } else if (kind === 'DaemonSet') {
    replicas = 0;
  } else {
    replicas = r.int(['spec', 'replicas'], { min: 0 }) ?? 1;
  }
  // ReplicationController's selector is a plain map; the others use a LabelSelector.
  const selector =
    kind === 'ReplicationController'
      ? r.has(['spec', 'selector']) ? { matchLabels: r.stringMap(['spec', 'selector']), matchExpressions: [] } : undefined
      : kind === 'CronJob' ? undefined : r.selector(['spec', 'selector']);
  const labels = r.labels([...templatePath, 'metadata', 'labels']);
  return {
    kind,
    meta,
    replicas,
    ...(selector ? { selector } : {}),
    template: { labels, spec: readPodSpec(r, [...templatePath, 'spec']) },
    templatePath: [...templatePath],
    locator: r.locator,
  };
}
