/**
 * What the cluster's own faults look up when they land: which broker leads the sale's partition
 * of the order-created topic, and which Redis node is the master (and which its replica) of the
 * sale's slot. Both move during a run (a failover, a broker restart), so neither is known ahead.
 */
import calculateSlot from 'cluster-key-slot';

/** The partition the outbox relay's publisher puts a key on (murmur2, as every Java client). */
export { partitionOf } from '@flash-sale/events';

export interface RedisNodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  slots: Array<[number, number]>;
}

/** `CLUSTER NODES` output, one entry per node. */
export function parseClusterNodes(text: string): RedisNodeLine[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? 0);
      return {
        id,
        port,
        flags: flags.split(','),
        masterId: master === '-' ? undefined : master,
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot): [number, number] => {
            const [low, high] = slot.split('-').map(Number);
            return [low ?? 0, high ?? low ?? 0];
          }),
      };
    });
}

/** The master serving a slot and a replica of it that is not failed, from `CLUSTER NODES`. */
export function slotOwners(nodes: readonly RedisNodeLine[], slot: number): { master: RedisNodeLine; replica: RedisNodeLine | undefined } | undefined {
  const alive = (node: RedisNodeLine) => !node.flags.includes('fail') && !node.flags.includes('fail?');
  const master = nodes.find((node) => node.flags.includes('master') && alive(node) && node.slots.some(([low, high]) => slot >= low && slot <= high));
  if (!master) return undefined;
  const replica = nodes.find((node) => node.masterId === master.id && node.flags.includes('slave') && alive(node));
  return { master, replica };
}

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, modulo 16384 (the `cluster-key-slot` ioredis uses). */
export const keySlot = (key: string): number => calculateSlot(key);
