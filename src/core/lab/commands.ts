import { LabCommand } from './plan';

/** The two command shapes every lab section is made of: `ip -n <ns> …` and a sysctl inside a namespace. */

export function ip(netns: string, ...args: string[]): LabCommand {
  return { argv: ['ip', '-n', netns, ...args] };
}

/** A sysctl inside a namespace; dots inside a device name are written as '/' (sysctl's rule). */
export function sysctl(netns: string, key: string, value: string): LabCommand {
  const m = /^(net\.ipv4\.(?:conf|neigh)\.)(.+)\.([a-z_]+)$/.exec(key);
  const written = m ? `${m[1]}${m[2].replace(/\./g, '/')}.${m[3]}` : key;
  return { argv: ['ip', 'netns', 'exec', netns, 'sysctl', '-qw', `${written}=${value}`] };
}
