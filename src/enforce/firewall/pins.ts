/**
 * Where the firewall pins its objects in bpffs, under the enforcement pin
 * root (default /sys/fs/bpf/bpfwarden-enforce):
 *
 *   <root>/firewall/prog            the XDP program
 *   <root>/firewall/events          ring buffer of bw_policy_event records (the policy monitor drains it)
 *   <root>/firewall/maps/<map>      every other map (rules, counters, settings), for the CLI
 *   <root>/firewall/links/<iface>   the XDP link of each attached interface
 */
import { join } from 'node:path';
import { eventsPinPath } from '../../host/enforce-pins.ts';

export const COMPONENT = 'firewall';

export const firewallDir = (root: string): string => join(root, COMPONENT);
export const progPin = (root: string): string => join(firewallDir(root), 'prog');
export const eventsPin = (root: string): string => eventsPinPath(root, COMPONENT);
export const mapPin = (root: string, map: string): string => join(firewallDir(root), 'maps', map);
export const linksDir = (root: string): string => join(firewallDir(root), 'links');
export const linkPin = (root: string, iface: string): string => join(linksDir(root), iface);
