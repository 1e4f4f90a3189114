import { hash16 } from './chain-names';

/**
 * kube-proxy's nftables names (kubernetes pkg/proxy/nftables/proxier.go: hashAndTruncate,
 * servicePortChainNameBase, servicePortEndpointChainNameBase). A Service port's chains are named
 * "PREFIX-HASH-namespace/name/protocol/portName", where HASH is the first 8 characters of the
 * standard base32 encoding of SHA-256 over the rest of the name; an endpoint's name adds
 * "__ip/port" (colons of an IPv6 address become dots). Names longer than 240 characters are cut
 * to 237 and end in "...". E.g. service-ULMVA6XW-ns1/svc1/tcp/p80 and
 * endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80, as upstream's tests expect.
 */

// Table, chains, sets and maps kube-proxy creates (names from proxier.go's constants).
export const NFT_TABLE = 'kube-proxy';
export const NFT_SERVICES = 'services';
export const NFT_SERVICE_IPS = 'service-ips';
export const NFT_SERVICE_NODEPORTS = 'service-nodeports';
export const NFT_NODEPORT_IPS = 'nodeport-ips';
export const NFT_CLUSTER_IPS = 'cluster-ips';
export const NFT_SERVICE_ENDPOINTS_CHECK = 'service-endpoints-check';
export const NFT_NODEPORT_ENDPOINTS_CHECK = 'nodeport-endpoints-check';
export const NFT_NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const NFT_NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
export const NFT_REJECT_CHAIN = 'reject-chain';
export const NFT_CLUSTER_IPS_CHECK = 'cluster-ips-check';
export const NFT_FIREWALL_IPS = 'firewall-ips';
export const NFT_FIREWALL_CHECK = 'firewall-check';
export const NFT_MARK_MASQ = 'mark-for-masquerade';
export const NFT_MASQUERADING = 'masquerading';

/** nftables names may be 256 characters; kube-proxy keeps 16 for the longest prefix. */
const CHAIN_NAME_BASE_MAX = 256 - 16;

export function hashAndTruncate(name: string): string {
  let out = `${hash16(name).slice(0, 8)}-${name}`;
  if (out.length > CHAIN_NAME_BASE_MAX) out = out.slice(0, CHAIN_NAME_BASE_MAX - 3) + '...';
  return out;
}

/** "HASH-ns/name/proto/portName" (portName empty for an unnamed port, as upstream prints it). */
export function servicePortChainBase(namespace: string, name: string, proto: string, portName: string): string {
  return hashAndTruncate(`${namespace}/${name}/${proto}/${portName}`);
}

export function endpointChainBase(namespace: string, name: string, proto: string, portName: string, ip: string, port: number): string {
  return hashAndTruncate(`${namespace}/${name}/${proto}/${portName}__${ip.replace(/:/g, '.')}/${port}`);
}

export const nftServiceChain = (base: string): string => `service-${base}`;
export const nftLocalChain = (base: string): string => `local-${base}`;
export const nftExternalChain = (base: string): string => `external-${base}`;
export const nftFirewallChain = (base: string): string => `firewall-${base}`;
export const nftEndpointChain = (base: string): string => `endpoint-${base}`;
export const nftAffinitySet = (base: string): string => `affinity-${base}`;
