/**
 * What the user types in the trace and matrix prompts, checked and parsed. Pure, so the rules
 * are unit-tested without an editor.
 */

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface PortProtocol {
  port: number;
  protocol: Protocol;
}

const PORT_PROTOCOL = /^\s*(\d{1,5})\s*(?:\/\s*(tcp|udp|sctp)\s*)?$/i;

/** `80`, `80/tcp`, `53/UDP` → port and protocol (TCP unless said otherwise); undefined if invalid. */
export function parsePortProtocol(text: string): PortProtocol | undefined {
  const m = PORT_PROTOCOL.exec(text);
  if (!m) return undefined;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return undefined;
  return { port, protocol: (m[2]?.toLowerCase() ?? 'tcp') as Protocol };
}

export function formatPortProtocol(p: Partial<PortProtocol>): string {
  return `${p.port ?? 80}/${p.protocol ?? 'tcp'}`;
}

/** A dotted IPv4 address, each part 0–255 without leading zeros. */
export function isIPv4(text: string): boolean {
  const parts = text.trim().split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** `a, b ,c` → ['a', 'b', 'c']; empty means every namespace. */
export function parseNamespaces(text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * An endpoint spec as a person names the object: `pod:default/pod1` → `pod1`,
 * `deployment:shop/api` → `shop/api`, `node:node-1` → `node-1`; addresses stay as they are.
 * (Titles of the trace pickers and messages; the spec itself is what the engine is asked.)
 */
export function specLabel(spec: string): string {
  const m = /^(?:[a-z]+):(.+)$/i.exec(spec.trim());
  const name = m ? m[1] : spec.trim();
  return name.startsWith('default/') ? name.slice('default/'.length) : name;
}

/** `delivered — delivered to …` says the verdict twice: the reason alone when it starts with it. */
export function verdictLine(verdict: string, reason: string): string {
  return reason.toLowerCase().startsWith(verdict.toLowerCase()) ? reason : `${verdict}: ${reason}`;
}
