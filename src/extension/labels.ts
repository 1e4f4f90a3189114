import * as vscode from 'vscode';

/**
 * The language service speaks English (its labels are also the CLI's words); the editor shows
 * them in the user's language. Known phrasings are translated here; anything else passes
 * through unchanged, so a new service label is never lost, only untranslated.
 */
const PHRASES: [RegExp, (m: string[]) => string][] = [
  [/^Trace from (.+)…$/, ([name]) => vscode.l10n.t('Trace from {0}…', name)],
  [/^Trace to this Service from…$/, () => vscode.l10n.t('Trace to this Service from…')],
  [/^(\d+) endpoints?$/, ([n]) => vscode.l10n.t('{0} endpoints', n)],
  [/^selects (\d+) pods?$/, ([n]) => vscode.l10n.t('selects {0} pods', n)],
  [/^selects (\d+) pods? · allows (\d+) flows?$/, ([n, m]) => vscode.l10n.t('selects {0} pods · allows {1} flows', n, m)],
  [/^reached by (\d+) pods? · reaches (\d+) pods?$/, ([n, m]) => vscode.l10n.t('reached by {0} · reaches {1}', n, m)],
  [/^(\d+) pods? selected$/, ([n]) => vscode.l10n.t('{0} pods selected', n)],
  [/^Add labels? (.+) to the pod template of (.+)$/, ([labels, owner]) => vscode.l10n.t('Add label {0} to the pod template of {1}', labels, owner)],
  [/^Add labels? (.+) to Pod (.+)$/, ([labels, pod]) => vscode.l10n.t('Add label {0} to Pod {1}', labels, pod)],
  [/^Select the pods labelled (.+)$/, ([label]) => vscode.l10n.t('Select the pods labelled {0}', label)],
  [/^Label the pods (\S+) \(the pod template of (.+)\)$/, ([label, owner]) => vscode.l10n.t('Label the pods {0} (the pod template of {1})', label, owner)],
  [/^Label the pods (\S+) \(Pod (.+)\)$/, ([label, pod]) => vscode.l10n.t('Label the pods {0} (Pod {1})', label, pod)],
  [/^Allow DNS egress \(UDP and TCP 53 to kube-dns\)$/, () => vscode.l10n.t('Allow DNS egress (UDP and TCP 53 to kube-dns)')],
];

export function localize(label: string): string {
  // In English (no bundle loaded) the service's own words, with their singulars, are the text.
  if (!vscode.l10n.bundle) return label;
  for (const [pattern, say] of PHRASES) {
    const m = pattern.exec(label);
    if (m) return say(m.slice(1));
  }
  return label;
}
