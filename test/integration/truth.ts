/**
 * The core's own answer for the fixture workspace, computed in the test process from the same
 * files: the editor must show what the core computes (pod IPs, veths, ClusterIPs), so the
 * suites compare against this instead of copying addresses into the tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSources, Analysis } from '../../src/core/analyze';

export function analyzeFolder(folder: string): Analysis {
  const files = fs
    .readdirSync(folder)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(folder, f), 'utf8') }));
  return analyzeSources(files);
}

export interface PodFacts {
  key: string;
  ip: string;
  node: string;
  hostVeth: string;
}

export function podsOfOwner(a: Analysis, ownerName: string): PodFacts[] {
  return a.cluster.pods
    .filter((p) => p.owner.name === ownerName)
    .map((p) => ({ key: p.key, ip: p.ip, node: p.node, hostVeth: p.hostVeth }));
}

export function clusterIpOf(a: Analysis, key: string): string {
  const svc = a.cluster.servicesByKey.get(key);
  if (!svc) throw new Error(`no Service ${key} in the fixture`);
  if (!svc.clusterIP) throw new Error(`Service ${key} has no ClusterIP`);
  return svc.clusterIP;
}
