import * as path from 'path';
import { buildCluster } from '../../src/core/cluster/build';
import { Finding } from '../../src/core/common/finding';
import { loadManifests } from '../../src/core/manifest/load';
import { REPO_ROOT } from './analyze';

/** test/fixtures/manifests, from the sources or the compiled tests alike. */
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'manifests');

/** Loads YAML texts as files f0.yaml, f1.yaml … and builds the cluster. */
export function build(...texts: string[]) {
  const load = loadManifests(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));
  return { load, cluster: buildCluster(load.manifests) };
}

/** `code@file:line:column` of each finding, in order: compact and exact. */
export function where(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.code}@${f.range ? `${f.range.file}:${f.range.start.line}:${f.range.start.column}` : '-'}`);
}
