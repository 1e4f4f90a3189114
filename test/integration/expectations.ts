/**
 * What the editor suites expect from the fixture workspace (test/fixtures/workspace). Shared by
 * the integration suite (extension API) and the e2e suite (what the page shows), so a change to
 * the fixture is made in one place. Lines are 1-based, as an editor's gutter shows them.
 *
 * No `vscode` import here: the e2e suite runs in plain Node.
 */

export interface ExpectedProblem {
  file: string;
  line: number;
  code: string;
  severity: 'error' | 'warning' | 'info';
  /** A piece of the message, enough to recognise it. */
  text: string;
}

export const FIXTURE_PROBLEMS: readonly ExpectedProblem[] = [
  { file: 'problems.yaml', line: 8, code: 'service-selects-nothing', severity: 'warning', text: 'Service default/orphan: the selector app=does-not-exist matches no pod' },
  { file: 'problems.yaml', line: 20, code: 'target-port-unresolved', severity: 'error', text: 'Service default/api: targetPort "grpc" is not a TCP container port' },
  { file: 'problems.yaml', line: 25, code: 'policy-not-enforced', severity: 'warning', text: 'NetworkPolicy default/allow-nobody has no effect: flannel does not enforce NetworkPolicy' },
  { file: 'problems.yaml', line: 29, code: 'policy-selects-nothing', severity: 'warning', text: 'NetworkPolicy default/allow-nobody: spec.podSelector matches no pod' },
];

/** Files of the fixture without problems. */
export const CLEAN_FILES = ['app.yaml', 'cluster.yaml'];

/** Where things are in app.yaml (1-based lines). */
export const APP = {
  file: 'app.yaml',
  /** `  name: web` of the Deployment. */
  deploymentNameLine: 5,
  /** `kind: Service` of Service web. */
  serviceKindLine: 22,
  /** `  name: web` of Service web. */
  serviceNameLine: 24,
  /** `  name: client` of the client Pod. */
  clientNameLine: 35,
};

/** The edit the suites make to see diagnostics follow a save: fixes Service orphan's selector. */
export const ORPHAN_FIX = { file: 'problems.yaml', line: 8, from: '{app: does-not-exist}', to: '{app: web}', clears: 'service-selects-nothing' };

/** The names of the extension's commands the issue asks for. */
export const COMMANDS = ['podpath.trace', 'podpath.showDataplane', 'podpath.exportConnlist', 'podpath.showMatrix', 'podpath.showTopology'];

export const EXTENSION_ID = 'podpath.podpath';
export const TRACE_LANGUAGE = 'podpath-trace';
