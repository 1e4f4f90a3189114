import { Protocol } from '../../../src/core/manifest/types';

/**
 * One upstream NetworkPolicy e2e case as data. A case is a list of steps; each step changes the
 * cluster the way the upstream test does at that point (create or update policies, delete them,
 * add labels) and then probes it: one truth table per protocol/port probed.
 *
 * Policies are written as the YAML the upstream test would send to the API server (its
 * builders always set policyTypes explicitly). Namespace names are quoted, because YAML 1.1
 * reads a bare `y` as the boolean true.
 */

/** The upstream ginkgo Context (or Describe) the case belongs to. */
export type UpstreamContext =
  | 'NetworkPolicy between server and client'
  | 'NetworkPolicy between server and client using UDP'
  | 'NetworkPolicy between server and client using SCTP'
  | 'Netpol API';

export interface Check {
  protocol: Protocol;
  port: number;
  /** The expected truth table (see truth-table.ts for the format). */
  expect: string;
}

export interface Step {
  /** What the upstream test does before probing, in words. */
  action: string;
  /**
   * NetworkPolicy documents to create; a document with the namespace/name of a policy already
   * present replaces it (upstream's UpdatePolicy).
   */
  apply?: string;
  /** Delete every policy first (upstream's cleanNetworkPolicies). */
  deleteAllPolicies?: boolean;
  /** Labels added to pods (`x/b`), merged over the model's labels and earlier additions. */
  addPodLabels?: Record<string, Record<string, string>>;
  /** Labels added to namespaces (`y`), merged likewise. */
  addNamespaceLabels?: Record<string, Record<string, string>>;
  checks: Check[];
}

export interface NetpolCase {
  /** The upstream ginkgo.It title, verbatim: search for it to find the case. */
  title: string;
  context: UpstreamContext;
  /** Where upstream keeps it. */
  source: 'network_policy.go' | 'network_policy_api.go';
  steps: Step[];
  /** Set when the case cannot be expressed as manifests plus truth tables; the reason is printed. */
  skip?: string;
}

/**
 * Tagged template for YAML (and tables) written inside indented TypeScript: removes the
 * common leading indentation and the blank first/last lines, so `---` separators and
 * top-level keys start in column 0.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\s*\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

/** Same as `yaml`, for truth tables. */
export const table = yaml;
