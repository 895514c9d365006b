/**
 * The partition the platform's publishers put a key on: the Java client's murmur2 placement
 * (`(murmur2(key) & 0x7fffffff) % partitions`), asked of the partitioner every publisher uses.
 */
import { Partitioners } from 'kafkajs';

export function partitionOf(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
  return Partitioners.DefaultPartitioner()({ topic: 'lookup', partitionMetadata, message: { key, value: null } });
}
