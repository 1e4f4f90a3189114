import { parseCidr } from '../common/ip';
import { FieldPath } from '../common/source';
import { FieldReader } from './reader';
import { CalicoEncapMode, CalicoInstallationManifest, CalicoInstallationPool, CalicoIPPoolManifest } from './types';

const MODES: readonly CalicoEncapMode[] = ['Always', 'CrossSubnet', 'Never'];

/**
 * Reads a Calico IPPool as the resource reference documents it (docs.tigera.io, "IP pool"):
 * `cidr`; `blockSize` 20–32 for IPv4, 116–128 for IPv6 (default 26 / 122); `ipipMode` and
 * `vxlanMode` Always, CrossSubnet or Never (default Never; not both set); `natOutgoing`
 * (default false); `disabled`. A dump of a live Calico cluster carries its pools, and they
 * say how pod traffic crosses nodes (see cluster/cni-inference.ts).
 */
export function readCalicoIPPool(r: FieldReader): CalicoIPPoolManifest | undefined {
  const meta = r.meta('', { namespaced: false, rule: 'subdomain' });
  if (!meta) return undefined;
  const text = r.str(['spec', 'cidr'], { required: true });
  let cidr: string | undefined;
  let family: 4 | 6 = 4;
  if (text !== undefined) {
    const parsed = parseCidr(text, { allowHostBits: true });
    if (parsed.ok) {
      cidr = parsed.value.text;
      family = parsed.value.family === 6 ? 6 : 4;
    } else r.report('invalid-cidr', parsed.error, ['spec', 'cidr']);
  }
  const blockSize = readBlockSize(r, ['spec', 'blockSize'], family);
  const ipipMode = r.oneOf(['spec', 'ipipMode'], MODES, 'Never');
  const vxlanMode = r.oneOf(['spec', 'vxlanMode'], MODES, 'Never');
  if (ipipMode !== 'Never' && vxlanMode !== 'Never') {
    r.report('invalid-value', `ipipMode ${ipipMode} and vxlanMode ${vxlanMode} are both set; Calico refuses a pool with both (PodPath uses IP-in-IP)`, ['spec', 'vxlanMode']);
  }
  const natOutgoing = r.bool(['spec', 'natOutgoing']);
  return {
    kind: 'IPPool',
    meta: { ...meta, namespace: '' },
    ...(cidr ? { cidr } : {}),
    ...(blockSize !== undefined ? { blockSize } : {}),
    ipipMode,
    vxlanMode: ipipMode !== 'Never' ? 'Never' : vxlanMode,
    ...(natOutgoing !== undefined ? { natOutgoing } : {}),
    disabled: r.bool(['spec', 'disabled']) ?? false,
    locator: r.locator,
  };
}

/** A pool's block size: 20–32 for IPv4, 116–128 for IPv6, as Calico's validation allows. */
function readBlockSize(r: FieldReader, path: FieldPath, family: 4 | 6): number | undefined {
  return family === 6 ? r.int(path, { min: 116, max: 128 }) : r.int(path, { min: 20, max: 32 });
}

const ENCAPSULATIONS: readonly CalicoInstallationPool['encapsulation'][] = ['IPIP', 'IPIPCrossSubnet', 'VXLAN', 'VXLANCrossSubnet', 'None'];

/**
 * Reads the Tigera operator's Installation (operator.tigera.io/v1, docs.tigera.io "Installation
 * reference" and "Configure default IP pools"): `spec.cni.type`, `spec.calicoNetwork.linuxDataplane`
 * and the pools the operator creates, with its defaults for what a pool leaves out (cidr
 * 192.168.0.0/16, encapsulation IPIP, natOutgoing Enabled). No ipPools at all: the one default pool.
 */
export function readCalicoInstallation(r: FieldReader): CalicoInstallationManifest | undefined {
  const meta = r.meta('', { namespaced: false, rule: 'subdomain' });
  if (!meta) return undefined;
  const cniType = r.str(['spec', 'cni', 'type']);
  const linuxDataplane = r.str(['spec', 'calicoNetwork', 'linuxDataplane']);
  const written = r.list(['spec', 'calicoNetwork', 'ipPools']);
  const pools: CalicoInstallationPool[] = [];
  (written ?? [{}]).forEach((_, i) => {
    const path = written ? ['spec', 'calicoNetwork', 'ipPools', i] : ['spec'];
    if (written && !r.mapping(path)) return;
    const at = (f: string) => (written ? [...path, f] : ['spec', 'calicoNetwork', f]);
    const text = written ? r.str(at('cidr')) : undefined;
    let cidr = '192.168.0.0/16';
    if (text !== undefined) {
      const parsed = parseCidr(text, { allowHostBits: true });
      if (!parsed.ok) {
        r.report('invalid-cidr', parsed.error, at('cidr'));
        return;
      }
      cidr = parsed.value.text;
    }
    const v6 = cidr.includes(':');
    const blockSize = written ? readBlockSize(r, at('blockSize'), v6 ? 6 : 4) : undefined;
    const encapsulation = written ? r.oneOf(at('encapsulation'), ENCAPSULATIONS, 'IPIP') : 'IPIP';
    const nat = written ? r.oneOf(at('natOutgoing'), ['Enabled', 'Disabled'] as const, 'Enabled') : 'Enabled';
    const name = written ? r.str(at('name')) : undefined;
    pools.push({ ...(name ? { name } : {}), cidr, ...(blockSize !== undefined ? { blockSize } : {}), encapsulation, natOutgoing: nat === 'Enabled', path });
  });
  return {
    kind: 'Installation',
    meta: { ...meta, namespace: '' },
    ...(cniType !== undefined ? { cniType } : {}),
    ...(linuxDataplane !== undefined ? { linuxDataplane } : {}),
    pools,
    locator: r.locator,
  };
}
