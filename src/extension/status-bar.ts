import * as vscode from 'vscode';
import type { Summary } from '../core/service/types';

/**
 * The cluster at a glance: nodes · pods · services · policies · network, in the status bar;
 * a click opens the topology. Hidden while the workspace has no Kubernetes objects, so
 * YAML-only workspaces (CI files, compose files) see nothing of PodPath.
 */
export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('podpath.cluster', vscode.StatusBarAlignment.Left, 10);
  /**
   * The workspace-level notice: the workspace has policies but no Cluster document, so they are
   * judged under a default CNI that does not enforce them. A click offers the two ways out.
   */
  private readonly notice = vscode.window.createStatusBarItem('podpath.noCluster', vscode.StatusBarAlignment.Left, 9);

  constructor() {
    this.item.name = vscode.l10n.t('PodPath cluster');
    this.item.command = 'podpath.showTopology';
    this.notice.name = vscode.l10n.t('PodPath: no Cluster document');
    this.notice.command = 'podpath.resolveNoCluster';
    this.notice.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  dispose(): void {
    this.item.dispose();
    this.notice.dispose();
  }

  /** `noClusterMessage`: the no-cluster-document finding's message, when there is one. */
  show(s: Summary, noClusterMessage?: string): void {
    if (s.pods + s.services + s.policies === 0) {
      this.item.hide();
      this.notice.hide();
      return;
    }
    this.item.text = `$(type-hierarchy) ${vscode.l10n.t('{0} · {1} · {2} · {3} · {4}', count(s.nodes, 'node'), count(s.pods, 'pod'), count(s.services, 'service'), count(s.policies, 'policy'), s.network)}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**PodPath** — ${vscode.l10n.t('{0}, {1}, {2}, analysed in {3} ms', count(s.files, 'file'), count(s.errors, 'error'), count(s.warnings, 'warning'), s.timings.total)}\n\n`);
    tooltip.appendMarkdown(vscode.l10n.t('Click to show the topology'));
    this.item.tooltip = tooltip;
    this.item.show();
    if (noClusterMessage) {
      this.notice.text = `$(warning) ${vscode.l10n.t('No Cluster document')}`;
      this.notice.tooltip = `${noClusterMessage}\n\n${vscode.l10n.t('Click to create a Cluster document or to assume policies are enforced.')}`;
      this.notice.show();
    } else this.notice.hide();
  }
}

/** `1 pod`, `3 pods`: a singular and a plural per word, each translated. */
function count(n: number, word: 'node' | 'pod' | 'service' | 'policy' | 'file' | 'error' | 'warning'): string {
  const one = n === 1;
  switch (word) {
    case 'node': return one ? vscode.l10n.t('{0} node', n) : vscode.l10n.t('{0} nodes', n);
    case 'pod': return one ? vscode.l10n.t('{0} pod', n) : vscode.l10n.t('{0} pods', n);
    case 'service': return one ? vscode.l10n.t('{0} service', n) : vscode.l10n.t('{0} services', n);
    case 'policy': return one ? vscode.l10n.t('{0} policy', n) : vscode.l10n.t('{0} policies', n);
    case 'file': return one ? vscode.l10n.t('{0} file', n) : vscode.l10n.t('{0} files', n);
    case 'error': return one ? vscode.l10n.t('{0} error', n) : vscode.l10n.t('{0} errors', n);
    case 'warning': return one ? vscode.l10n.t('{0} warning', n) : vscode.l10n.t('{0} warnings', n);
  }
}
