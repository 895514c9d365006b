/**
 * What the cluster's own faults look up when they land: which broker leads the sale's partition
 * of the order-created topic, and which Redis node is the master (and which its replica) of the
 * sale's slot. Both move during a run (a failover, a broker restart), so neither is known ahead.
 */

/**
 * Kafka's murmur2 (the Java client's default partitioner, which the outbox relay uses too): the
 * partition a key lands on is `(murmur2(key) & 0x7fffffff) % partitions` whichever client wrote it.
 */
export function murmur2(key: string): number {
  const data = Buffer.from(key, 'utf8');
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = Math.floor(length / 4);
  for (let i = 0; i < length4; i += 1) {
    const i4 = i * 4;
    let k = ((data[i4] ?? 0) & 0xff) + (((data[i4 + 1] ?? 0) & 0xff) << 8) + (((data[i4 + 2] ?? 0) & 0xff) << 16) + (((data[i4 + 3] ?? 0) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The Java loop's switch falls through from 3 to 1 tail bytes; spelled out as ifs.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= ((data[tail + 2] ?? 0) & 0xff) << 16;
  if (rest >= 2) h ^= ((data[tail + 1] ?? 0) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (data[tail] ?? 0) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionOf(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

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

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, modulo 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
