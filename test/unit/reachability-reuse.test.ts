import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageService } from '../../src/core/service/language-service';
import type { ServiceFile } from '../../src/core/service/types';

/**
 * The language service keeps reachability across an edit that changes nothing it reads. Each
 * edit below changes one input (and the connectivity list with it, which the test checks
 * first, so it cannot pass by the edit being inert); after it, the service that analysed the
 * text before must answer as a fresh one does. Edits of what reachability does not read
 * keep the earlier result.
 */

function namespaces(zone1: string): string {
  return [
    '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: team-0, labels: {zone: a}}',
    '---', 'apiVersion: v1', 'kind: Namespace', `metadata: {name: team-1, labels: {zone: ${zone1}}}`,
    '---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: allow-zone, namespace: team-0}',
    'spec:', '  podSelector: {}', '  ingress:', '    - from: [{namespaceSelector: {matchLabels: {zone: b}}}]', '      ports: [{port: 9090}]',
    '    - from: [{ipBlock: {cidr: 203.0.113.0/24}}]', '    - from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: client}}}]', '      ports: [{port: http}]', '',
  ].join('\n');
}

function pod(name: string, ns: string, labels: string, ip: string, httpPort = 8080): string {
  return [
    '---', 'apiVersion: v1', 'kind: Pod', `metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}`,
    'spec:', '  containers: [{name: main, image: example/app, ports: [{name: http, containerPort: ' + httpPort + '}]}]', `status: {podIP: ${ip}}`, '',
  ].join('\n');
}

const SERVICE = ['---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: web, namespace: team-0}', 'spec:', '  selector: {app: web}', '  ports: [{port: 80, targetPort: http}]', ''].join('\n');

interface Workspace { zone1: string; clientLabels: string; clientIp: string; webPort: number; servicePort: number; webName: string }

const BASE: Workspace = { zone1: 'b', clientLabels: 'app: client, role: client', clientIp: '10.244.1.5', webPort: 8080, servicePort: 80, webName: 'web' };

function files(w: Workspace): ServiceFile[] {
  return [
    { file: 'namespaces.yaml', text: namespaces(w.zone1) },
    { file: 'pods.yaml', text: pod(w.webName, 'team-0', 'app: web', '10.244.0.5', w.webPort) + pod('client', 'team-1', w.clientLabels, w.clientIp) },
    { file: 'service.yaml', text: SERVICE.replace('port: 80,', `port: ${w.servicePort},`) },
  ];
}

function fresh(w: Workspace): { connlist: string; hints: unknown } {
  const s = new LanguageService();
  s.update(files(w), {});
  return { connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') };
}

const CHANGES: [string, Partial<Workspace>][] = [
  ['a namespace label', { zone1: 'a' }],
  ['a pod label', { clientLabels: 'app: client' }],
  ['a pod address', { clientIp: '203.0.113.5' }],
  ['a named port', { webPort: 9999 }],
  ['a pod name', { webName: 'web-2' }],
];

for (const [what, change] of CHANGES) {
  test(`reachability is recomputed after an edit of ${what}`, () => {
    const after = { ...BASE, ...change };
    assert.notEqual(fresh(after).connlist, fresh(BASE).connlist, 'the edit changes who reaches whom');
    const s = new LanguageService();
    s.update(files(BASE), {});
    s.connlist('txt');
    s.inlayHints('pods.yaml');
    s.update(files(after), {});
    assert.deepEqual({ connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') }, fresh(after));
    assert.equal(s.reachabilityReuses, 0);
  });
}

test('reachability is kept across an edit of a Service, and still equals a fresh analysis', () => {
  const s = new LanguageService();
  s.update(files(BASE), {});
  s.inlayHints('pods.yaml');
  const after = { ...BASE, servicePort: 81 };
  s.update(files(after), {});
  assert.deepEqual({ connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') }, fresh(after));
  assert.equal(s.reachabilityReuses, 1);
  // An edit that changes an input after one that did not: compared with the last computed result.
  const later = { ...after, zone1: 'a' };
  s.update(files(later), {});
  assert.deepEqual({ connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') }, fresh(later));
  assert.equal(s.reachabilityReuses, 1);
});

test('on Calico, an edit of a GlobalNetworkPolicy recomputes reachability (Calico policies are inputs too)', () => {
  const cluster = ['apiVersion: podpath.dev/v1alpha1', 'kind: Cluster', 'metadata: {name: c}', 'spec:', '  cni: {plugin: calico, backend: ipip}', '  nodes: [{name: node-1, ip: 192.168.1.10}]', ''].join('\n');
  const gnp = (action: string) => ['apiVersion: projectcalico.org/v3', 'kind: GlobalNetworkPolicy', 'metadata: {name: guard}', 'spec:', '  order: 10', "  selector: app == 'web'", '  types: [Ingress]', `  ingress: [{action: ${action}, source: {selector: role == 'client'}}]`, ''].join('\n');
  const ws = (action: string): ServiceFile[] => [{ file: 'cluster.yaml', text: cluster }, { file: 'gnp.yaml', text: gnp(action) }, ...files(BASE)];
  const freshOf = (action: string) => {
    const s = new LanguageService();
    s.update(ws(action), {});
    return { connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') };
  };
  assert.notEqual(freshOf('Deny').connlist, freshOf('Allow').connlist, 'the edit changes who reaches whom');
  const s = new LanguageService();
  s.update(ws('Allow'), {});
  s.connlist('txt');
  s.update(ws('Deny'), {});
  assert.deepEqual({ connlist: s.connlist('txt'), hints: s.inlayHints('pods.yaml') }, freshOf('Deny'));
  assert.equal(s.reachabilityReuses, 0);
});

test('warming up while idle computes reachability, then its counts, then nothing; the hints it prepared equal a fresh analysis', () => {
  const s = new LanguageService();
  s.update(files(BASE), {});
  const steps: boolean[] = [];
  for (let i = 0; i < 4; i++) steps.push(s.warmUp());
  assert.deepEqual(steps, [true, true, false, false]);
  assert.deepEqual(s.inlayHints('pods.yaml'), fresh(BASE).hints);
  // After an edit that keeps reachability and its counts, there is nothing left to warm.
  s.update(files({ ...BASE, servicePort: 81 }), {});
  assert.equal(s.warmUp(), true, 'taking the earlier result over is the first step');
  assert.equal(s.warmUp(), false);
});
