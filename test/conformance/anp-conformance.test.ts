import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { analyzeSources } from '../../src/core/analyze';
import { formatFinding } from '../../src/core/common/finding';
import { Protocol } from '../../src/core/manifest/types';
import { computeReachability } from '../../src/core/policy/reachability';
import { REPO_ROOT } from '../support/analyze';

/**
 * The upstream AdminNetworkPolicy and BaselineAdminNetworkPolicy conformance suite
 * (kubernetes-sigs/network-policy-api conformance/tests, revision named in cases.json) as data.
 * Each upstream test loads the base manifests (namespaces and StatefulSets of four houses) and
 * one policy file, then runs its subtests in order: a subtest may patch the policy (swap two
 * rules, set a field, prepend a rule, delete an object — the patch stays for later subtests, as
 * upstream), then pokes a server pod from a client pod on one protocol and port and expects
 * success or failure. PodPath answers each poke from its reachability engine. cases.json was
 * extracted from the upstream Go by extract-cases.py; base/ holds the upstream YAML unchanged.
 */

const DIR = path.join(REPO_ROOT, 'test', 'conformance', 'anp-conformance');

type Step =
  | { poke: { from: string; to: string; protocol: Protocol; port: number; expect: boolean } }
  | { object: string; swap: [string, number, number] }
  | { object: string; set: (string | number)[]; value: unknown }
  | { object: string; prepend: string; value: Record<string, unknown> }
  | { delete: [string, string, string] };

interface Case {
  test: string;
  source: string;
  manifests: string[];
  subtests: { name: string; steps: Step[] }[];
}

/** Steps PodPath cannot express, with the reason (none today; kept so a new upstream case can say why it is skipped). */
const NOT_EXPRESSIBLE: Record<string, string> = {};

const data = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as { source: string; tests: Case[] };
const clusterDoc = fs.readFileSync(path.join(DIR, 'cluster.yaml'), 'utf8');
const baseManifests = fs.readFileSync(path.join(DIR, 'base', 'manifests.yaml'), 'utf8');

type Doc = Record<string, any>;

function load(file: string): Doc[] {
  return parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).map((d) => d.toJS() as Doc).filter((d) => d && typeof d === 'object');
}

/** A patch as upstream makes it, on the policy objects held as plain data. */
function applyPatch(docs: Doc[], step: Exclude<Step, { poke: unknown }>, podIP: (key: string) => string): Doc[] {
  if ('delete' in step) {
    const [kind, ns, name] = step.delete;
    return docs.filter((d) => !(d.kind === kind && d.metadata?.namespace === ns && d.metadata?.name === name));
  }
  const target = docs.find((d) => d.metadata?.name === step.object && /AdminNetworkPolicy$/.test(d.kind));
  if (!target) throw new Error(`no policy ${step.object}`);
  const spec = target.spec;
  if ('swap' in step) {
    const [field, i, j] = step.swap;
    const list = spec[field];
    [list[i], list[j]] = [list[j], list[i]];
  } else if ('set' in step) {
    let at = spec;
    for (const k of step.set.slice(0, -1)) at = at[k];
    at[step.set[step.set.length - 1]] = step.value;
  } else {
    // Upstream builds the CIDRs from the pods' IPs at run time: `{podIP:ns/name}`.
    const rule = JSON.parse(JSON.stringify(step.value).replace(/\{podIP:([^}]+)\}/g, (_, key: string) => podIP(key)));
    spec[step.prepend] = [rule, ...(spec[step.prepend] ?? [])];
  }
  return docs;
}

const summary = { cases: 0, passed: 0, skipped: [] as string[], pokes: 0 };

for (const c of data.tests) {
  test(`${c.test} (${c.source})`, async (t) => {
    let docs = c.manifests.flatMap((m) => load(m));
    let skipReason: string | undefined;
    for (const sub of c.subtests) {
      summary.cases++;
      const unexpressible = sub.steps.map((s) => NOT_EXPRESSIBLE[JSON.stringify(s)]).find((r) => r);
      skipReason ??= unexpressible;
      if (skipReason) {
        summary.skipped.push(`${c.test} / ${sub.name}: ${skipReason}`);
        await t.test(sub.name, { skip: skipReason }, () => {});
        continue;
      }
      await t.test(sub.name, () => {
        const analyze = () => analyzeSources([
          { file: 'cluster.yaml', text: clusterDoc },
          { file: 'manifests.yaml', text: baseManifests },
          { file: 'policies.yaml', text: docs.map((d) => stringify(d)).join('---\n') },
        ]);
        let a = analyze();
        let reach = computeReachability(a.cluster);
        const results: string[] = [];
        for (const step of sub.steps) {
          if (!('poke' in step)) {
            docs = applyPatch(docs, step, (key) => a.cluster.podsByKey.get(key)!.ip);
            a = analyze();
            reach = computeReachability(a.cluster);
            continue;
          }
          const errors = a.findings.filter((f) => f.severity === 'error');
          assert.deepEqual(errors.map(formatFinding), [], 'the manifests load cleanly');
          const { from, to, protocol, port, expect } = step.poke;
          const src = a.cluster.podsByKey.get(from);
          const dst = a.cluster.podsByKey.get(to);
          assert.ok(src && dst, `pods ${from} and ${to} exist`);
          const got = reach.allowed(src, dst).has(protocol, port);
          summary.pokes++;
          results.push(`${from} → ${to} ${protocol}/${port}: expected ${expect ? 'connect' : 'blocked'}, PodPath ${got ? 'connect' : 'blocked'}`);
          assert.equal(got, expect, results.join('\n'));
        }
        t.diagnostic(`${sub.name}: pass (${results.length} pokes)`);
        summary.passed++;
      });
    }
  });
}

test('conformance summary', () => {
  console.log(`# AdminNetworkPolicy/BaselineAdminNetworkPolicy conformance: ${summary.passed} of ${summary.cases} cases pass, ${summary.skipped.length} skipped, ${summary.pokes} pokes`);
  for (const s of summary.skipped) console.log(`#   skipped: ${s}`);
  assert.equal(summary.cases, 92, 'every upstream subtest is a case');
  assert.equal(summary.passed + summary.skipped.length, summary.cases);
});
