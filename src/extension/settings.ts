import type { ServiceSettings, Severity } from '../core/service/types';

/**
 * `podpath.*` settings, read through a getter so this file needs no `vscode` import (the
 * extension passes `workspace.getConfiguration('podpath').get`, tests a plain object).
 */
export interface ExtensionSettings {
  /** When edits are analysed: on save (default) or as you type, after `analyzeDelay` ms. */
  analyzeOn: 'save' | 'change';
  analyzeDelay: number;
  hintsEnabled: boolean;
  /** Globs (relative to the workspace folder) of YAML files to leave out, besides files.exclude. */
  exclude: string[];
  service: ServiceSettings;
}

export type SettingGetter = <T>(key: string) => T | undefined;

/** The severities the settings offer, in VS Code's words, and the core's. */
const SEVERITY: Record<string, Severity | 'off'> = { error: 'error', warning: 'warning', information: 'info', info: 'info', hint: 'hint', off: 'off' };

const PLUGINS = ['bridge', 'flannel', 'calico'] as const;
const PROXY_MODES = ['iptables', 'ipvs', 'nftables', 'userspace'] as const;
const POLICY_MODES = ['auto', 'enforced', 'ignored'] as const;

/**
 * `setByUser` answers only for values the user wrote (not package.json defaults): the default
 * cluster settings take effect field by field, and only when set, so a workspace without them
 * keeps the core's embedded default cluster.
 */
export function readSettings(get: SettingGetter, setByUser: SettingGetter = get): ExtensionSettings {
  const severities: Record<string, Severity | 'off'> = {};
  const configured = get<Record<string, unknown>>('severity') ?? {};
  for (const [code, value] of Object.entries(configured)) {
    const s = typeof value === 'string' ? SEVERITY[value.toLowerCase()] : undefined;
    if (s) severities[code] = s;
  }

  const defaultCluster: NonNullable<ServiceSettings['defaultCluster']> = {};
  const plugin = oneOf(setByUser<string>('defaultCluster.plugin'), PLUGINS);
  if (plugin) defaultCluster.plugin = plugin;
  const backend = setByUser<string>('defaultCluster.backend');
  if (backend) defaultCluster.backend = backend;
  const mode = oneOf(setByUser<string>('defaultCluster.kubeProxyMode'), PROXY_MODES);
  if (mode) defaultCluster.kubeProxyMode = mode;
  const clusterCIDR = setByUser<string>('defaultCluster.clusterCIDR');
  if (clusterCIDR) defaultCluster.clusterCIDR = clusterCIDR;
  const serviceCIDR = setByUser<string>('defaultCluster.serviceCIDR');
  if (serviceCIDR) defaultCluster.serviceCIDR = serviceCIDR;
  const networkPolicy = oneOf(setByUser<string>('defaultCluster.networkPolicy'), POLICY_MODES);
  if (networkPolicy) defaultCluster.networkPolicy = networkPolicy;

  const delay = get<number>('analyzeDelay');
  return {
    analyzeOn: get<string>('analyzeOn') === 'change' ? 'change' : 'save',
    analyzeDelay: typeof delay === 'number' && delay >= 0 ? delay : 300,
    hintsEnabled: get<boolean>('hints.enabled') !== false,
    exclude: (get<unknown[]>('exclude') ?? []).filter((g): g is string => typeof g === 'string'),
    service: { defaultCluster, severities },
  };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

/** `files.exclude` is `{glob: true | false | {when}}`; only plain `true` entries exclude. */
export function enabledGlobs(map: Record<string, unknown> | undefined): string[] {
  return Object.entries(map ?? {}).filter(([, on]) => on === true).map(([glob]) => glob);
}
