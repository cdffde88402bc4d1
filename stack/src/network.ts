import { execFileSync } from 'node:child_process';

/**
 * Optional network of the Kafka nodes (KAFKA_NETWORK=netns, Linux, root): each node runs in its own
 * network namespace, joined to the host by a veth pair on a bridge, so that one node's network can be
 * cut for real (link down) and healed — the fault-tolerance scenario "one server's network is cut".
 * The addresses are this machine's own test hosts (10.213.0.0/24 on a bridge that exists only here).
 */
export const BRIDGE = 'tsbr0';
export const SUBNET_PREFIX = '10.213.0';
export const HOST_ADDRESS = `${SUBNET_PREFIX}.1`;

export function nodeAddress(nodeId: number): string {
  return `${SUBNET_PREFIX}.${10 + nodeId}`;
}
export function namespaceOf(nodeId: number): string {
  return `ts-kafka-${nodeId}`;
}
function hostLink(nodeId: number): string {
  return `ts-k${nodeId}-h`;
}
function nodeLink(nodeId: number): string {
  return `ts-k${nodeId}-n`;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function tryIp(...args: string[]): boolean {
  try {
    ip(...args);
    return true;
  } catch {
    return false;
  }
}

/**
 * Traffic between the nodes crosses the bridge. Where br_netfilter is loaded (a Docker engine or a
 * Kubernetes node loads it), bridged packets go through iptables' FORWARD chain, whose policy a Docker
 * engine sets to DROP: the nodes could not reach each other. One rule, first in FORWARD, accepts what
 * stays on this bridge; `removeNodeNetwork` deletes it. Without iptables there is no such chain to pass.
 */
const FORWARD_RULE = ['FORWARD', '-i', BRIDGE, '-o', BRIDGE, '-j', 'ACCEPT'];

function iptables(...args: string[]): boolean {
  try {
    execFileSync('iptables', ['-w', ...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates the bridge and one namespace per node (idempotent). */
export function createNodeNetwork(nodeIds: readonly number[]): void {
  if (!tryIp('link', 'show', BRIDGE)) {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${HOST_ADDRESS}/24`, 'dev', BRIDGE);
  }
  ip('link', 'set', BRIDGE, 'up');
  if (!iptables('-C', ...FORWARD_RULE)) iptables('-I', FORWARD_RULE[0]!, '1', ...FORWARD_RULE.slice(1));
  for (const id of nodeIds) {
    const ns = namespaceOf(id);
    if (!tryIp('netns', 'exec', ns, 'true')) ip('netns', 'add', ns);
    if (!tryIp('link', 'show', hostLink(id))) {
      ip('link', 'add', hostLink(id), 'type', 'veth', 'peer', 'name', nodeLink(id));
      ip('link', 'set', nodeLink(id), 'netns', ns);
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nodeAddress(id)}/24`, 'dev', nodeLink(id));
    }
    ip('link', 'set', hostLink(id), 'master', BRIDGE, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nodeLink(id), 'up');
  }
}

/** Removes the namespaces, veth pairs and bridge. */
export function removeNodeNetwork(nodeIds: readonly number[]): void {
  for (const id of nodeIds) {
    tryIp('link', 'del', hostLink(id));
    tryIp('netns', 'del', namespaceOf(id));
  }
  tryIp('link', 'del', BRIDGE);
  while (iptables('-D', ...FORWARD_RULE));
}

/** Cuts a node off the network (its link goes down: no packet in or out), or heals it. */
export function setNodeConnected(nodeId: number, connected: boolean): void {
  ip('link', 'set', hostLink(nodeId), connected ? 'up' : 'down');
}

/** Whether this machine can build the namespace network (Linux, root, iproute2). */
export function netnsAvailable(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && tryIp('netns', 'list');
}
