import { LanguageService } from '../../src/core/service/language-service';
import { generateCluster } from '../bench/generate';

/**
 * The workspace the incremental-analysis tests edit: 400 pods on 10 nodes (Calico), Deployments
 * of 10 replicas each behind a Service, two apps (four documents) to a file, and 20 policies.
 */
export function incrementalWorkspace(): Map<string, string> {
  const g = generateCluster(400, { policies: 20, namespaces: 2, plugin: 'calico', podsPerNode: 40 });
  const files = new Map<string, string>();
  for (const f of g.files) {
    if (f.file !== 'apps.yaml') { files.set(f.file, f.text); continue; }
    const docs = f.text.split(/^---\n/m).filter((d) => d.trim());
    for (let i = 0; i < docs.length; i += 4) files.set(`apps/app-${i / 4}.yaml`, docs.slice(i, i + 4).map((d) => `---\n${d}`).join(''));
  }
  return files;
}

/** One update of `service` with every file of the workspace, default settings. */
export function updateWith(service: LanguageService, files: Map<string, string>) {
  return service.update([...files].map(([file, text]) => ({ file, text })), {});
}
