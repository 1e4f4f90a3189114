import { BuildOptions, buildCluster } from './cluster/build';
import { Cluster } from './cluster/model';
import { Finding, sortFindings } from './common/finding';
import { Dataplane } from './dataplane/dataplane';
import { LoadOptions, LoadResult, SourceText, loadManifests } from './manifest/load';
import { lintCluster } from './findings/lint';

/** Everything the forward path computes from a set of files, in one place for the views. */
export interface Analysis {
  load: LoadResult;
  cluster: Cluster;
  dataplane: Dataplane;
  /** Load, build and lint findings, sorted by location. */
  findings: Finding[];
}

export interface AnalyzeOptions extends LoadOptions, BuildOptions {
  /** Findings of the file reader (files it refused to read), reported with the others. */
  readFindings?: readonly Finding[];
}

/** YAML texts → manifests → cluster → (lazily programmed) dataplane. Never throws. */
export function analyzeSources(sources: readonly SourceText[], options: AnalyzeOptions = {}): Analysis {
  const load = loadManifests(sources, options);
  if (options.readFindings?.length) load.findings.unshift(...options.readFindings);
  const cluster = buildCluster(load.manifests, options);
  const dataplane = new Dataplane(cluster);
  return { load, cluster, dataplane, findings: sortFindings([...load.findings, ...cluster.findings, ...lintCluster(cluster)]) };
}
