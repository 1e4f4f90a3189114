import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { computeReachability } from '../../src/core/policy/reachability';
import { formatFinding } from '../../src/core/common/finding';
import { ALL_PODS, LabelChanges, buildModelCluster } from './netpol-model';
import { ALL_CASES, NetpolCase } from './netpol-e2e';
import { Check, Step } from './netpol-e2e/types';
import { Matrix, differences, parseTable, renderTable } from './netpol-e2e/truth-table';

/**
 * The upstream Kubernetes NetworkPolicy e2e suite (test/e2e/network/netpol) as conformance
 * tests: each case's policies go into the x/y/z × a/b/c model cluster (netpol-model.ts), and
 * for every probe the whole truth table PodPath computes must equal upstream's expectation.
 * The cases and their tables live in netpol-e2e/, one file per upstream Context.
 */

interface State {
  /** Policy documents in effect, by `namespace/name`, in creation order. */
  policies: Map<string, string>;
  labels: Required<LabelChanges>;
}

/** Splits YAML text into documents and keys each by its metadata namespace/name. */
function policyDocuments(text: string): [string, string][] {
  return text
    .split(/^---[ \t]*$/m)
    .filter((doc) => doc.trim())
    .map((doc) => {
      const meta = (parse(doc) as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
      if (typeof meta?.name !== 'string' || typeof meta.namespace !== 'string') throw new Error(`policy document without metadata.name and metadata.namespace:\n${doc}`);
      return [`${meta.namespace}/${meta.name}`, doc.trim() + '\n'];
    });
}

function applyStep(state: State, step: Step): void {
  if (step.deleteAllPolicies) state.policies.clear();
  for (const [key, doc] of policyDocuments(step.apply ?? '')) {
    state.policies.delete(key); // an update keeps the object, but order does not matter to policy
    state.policies.set(key, doc);
  }
  for (const [pod, labels] of Object.entries(step.addPodLabels ?? {})) state.labels.podLabels[pod] = { ...state.labels.podLabels[pod], ...labels };
  for (const [ns, labels] of Object.entries(step.addNamespaceLabels ?? {})) state.labels.namespaceLabels[ns] = { ...state.labels.namespaceLabels[ns], ...labels };
}

function observedMatrix(allowed: (from: string, to: string) => boolean): Matrix {
  return ALL_PODS.map((from) => ALL_PODS.map((to) => allowed(from, to)));
}

function runCase(c: NetpolCase) {
  return async (t: import('node:test').TestContext) => {
    const state: State = { policies: new Map(), labels: { podLabels: {}, namespaceLabels: {} } };
    for (const [i, step] of c.steps.entries()) {
      applyStep(state, step);
      const { cluster, findings } = buildModelCluster([...state.policies.values()].join('---\n'), state.labels);
      const label = c.steps.length > 1 ? `step ${i + 1}/${c.steps.length} (${step.action})` : step.action;
      assert.deepEqual(findings.map(formatFinding), [], `${label}: the manifests must load cleanly`);
      assert.equal(cluster.policies.length, state.policies.size, `${label}: every policy document must be read`);
      const reach = computeReachability(cluster);
      for (const check of step.checks) {
        await t.test(`${label}: ${check.protocol} ${check.port}`, () => compare(check, (from, to) => {
          const src = cluster.podsByKey.get(from)!;
          const dst = cluster.podsByKey.get(to)!;
          return reach.allowed(src, dst).has(check.protocol, check.port);
        }));
      }
    }
  };
}

function compare(check: Check, allowed: (from: string, to: string) => boolean): void {
  const expected = parseTable(check.expect);
  const observed = observedMatrix(allowed);
  const diff = differences(expected, observed);
  assert.equal(
    renderTable(observed),
    renderTable(expected),
    [
      `${check.protocol} ${check.port}: PodPath's truth table differs from upstream's in ${diff.length} cell(s):`,
      ...diff.map((d) => `  ${d}`),
      '',
      'expected (upstream):',
      renderTable(expected),
      '',
      'observed (PodPath):',
      renderTable(observed),
    ].join('\n'),
  );
}

for (const c of ALL_CASES) {
  test(`[${c.context}] ${c.title}`, c.skip ? { skip: c.skip } : {}, runCase(c));
}

test('the catalogue holds every upstream case once per context', () => {
  const counts = new Map<string, number>();
  for (const c of ALL_CASES) counts.set(c.context, (counts.get(c.context) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(counts), {
    'NetworkPolicy between server and client': 42,
    'NetworkPolicy between server and client using UDP': 3,
    'NetworkPolicy between server and client using SCTP': 3,
    'Netpol API': 2,
  });
  const keys = ALL_CASES.map((c) => `${c.context} / ${c.title}`);
  assert.equal(new Set(keys).size, keys.length, 'no title twice in one context');
  for (const c of ALL_CASES) {
    if (c.skip) continue;
    assert.ok(c.steps.length > 0 && c.steps.every((s) => s.checks.length > 0), `${c.title}: every step probes something`);
    for (const s of c.steps) for (const ch of s.checks) parseTable(ch.expect); // well-formed tables
  }
});
