import { createHash } from 'crypto';
import { Protocol } from '../manifest/types';

/**
 * kube-proxy's chain names. Per-Service chains are named by hashing the Service port name
 * ("ns/name:port", or "ns/name" when the port has no name) followed by the lower-case
 * protocol — and, for endpoint chains, the endpoint "ip:port" — with SHA-256, encoding the
 * digest in standard base32 and keeping 16 characters (iptables caps chain names at 28).
 * The same inputs give the names real nodes show, e.g. KUBE-SVC-XPGD46QRK7WJZT7O for
 * ns1/svc1:p80 over TCP.
 */

// Built-in kube-proxy chains (iptables mode).
export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** kubelet's anti-martian chain, which kube-proxy also fills when localhost NodePorts are on. */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

/** The bit kube-proxy marks packets with to have them masqueraded (--iptables-masquerade-bit 14). */
export const MASQ_MARK = 0x4000;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** First 16 characters of the standard base32 encoding of SHA-256(text): only 10 bytes are needed. */
export function hash16(text: string): string {
  const d = createHash('sha256').update(text).digest();
  let out = '';
  // Standard base32: read the bytes as a bit stream, five bits per character.
  let buffer = 0, bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | d[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** "ns/name:port" as kube-proxy prints a Service port (the ":port" part only for named ports). */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

export function protoLower(p: Protocol): 'tcp' | 'udp' | 'sctp' {
  return p === 'UDP' ? 'udp' : p === 'SCTP' ? 'sctp' : 'tcp';
}

/** The hash shared by a Service port's SVC, SVL, EXT and FW chains. */
export function portProtoHash(spn: string, proto: string): string {
  return hash16(spn + proto);
}

export const svcChain = (spn: string, proto: string): string => `KUBE-SVC-${portProtoHash(spn, proto)}`;
export const svlChain = (spn: string, proto: string): string => `KUBE-SVL-${portProtoHash(spn, proto)}`;
export const extChain = (spn: string, proto: string): string => `KUBE-EXT-${portProtoHash(spn, proto)}`;
export const fwChain = (spn: string, proto: string): string => `KUBE-FW-${portProtoHash(spn, proto)}`;

/** KUBE-SEP-… for one endpoint ("ip:port") of a Service port. */
export function sepChain(spn: string, proto: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(spn + proto + endpoint)}`;
}
