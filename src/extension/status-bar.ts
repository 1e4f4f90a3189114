import * as vscode from 'vscode';
import type { Summary } from '../core/service/types';

/**
 * The cluster at a glance: nodes · pods · services · policies · network, in the status bar;
 * a click opens the topology. Hidden while the workspace has no Kubernetes objects, so
 * YAML-only workspaces (CI files, compose files) see nothing of PodPath.
 */
export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('podpath.cluster', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = vscode.l10n.t('PodPath cluster');
    this.item.command = 'podpath.showTopology';
  }

  dispose(): void {
    this.item.dispose();
  }

  show(s: Summary): void {
    if (s.pods + s.services + s.policies === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(type-hierarchy) ${vscode.l10n.t('{0} nodes · {1} pods · {2} services · {3} policies · {4}', s.nodes, s.pods, s.services, s.policies, s.network)}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**PodPath** — ${vscode.l10n.t('{0} files, {1} errors, {2} warnings, analysed in {3} ms', s.files, s.errors, s.warnings, s.timings.total)}\n\n`);
    tooltip.appendMarkdown(vscode.l10n.t('Click to show the topology'));
    this.item.tooltip = tooltip;
    this.item.show();
  }
}
