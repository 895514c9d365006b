import t from 'tap';
import { keySlot, parseClusterNodes, partitionOf, slotOwners } from '../src/cluster-lookups.ts';

t.test("a key's partition is the Java client's murmur2 placement, so the run finds the partition the relay wrote the key to", async (t) => {
  // Kafka's own test vectors (clients UtilsTest.testMurmur2).
  const cases: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  // Over two prime counts of partitions, a wrong hash would show in one or the other.
  for (const [key, expected] of cases) {
    for (const partitions of [10_007, 65_521]) t.equal(partitionOf(key, partitions), (expected & 0x7fffffff) % partitions, `${key} over ${partitions}`);
  }
  t.equal(partitionOf('21', 6), (-973932308 & 0x7fffffff) % 6);
});

t.test('keySlot hashes only the hash tag, as Redis Cluster does', async (t) => {
  t.equal(keySlot('123456789'), 12739);
  t.equal(keySlot('foo'), 12182);
  t.equal(keySlot('{user1000}.following'), keySlot('user1000'));
  t.equal(keySlot('{}.x'), keySlot('{}.x'));
});

t.test('the master of a slot and its live replica are read from CLUSTER NODES', async (t) => {
  const nodes = parseClusterNodes(
    [
      'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922',
      'c3 127.0.0.1:7003@17003 master,fail - 0 0 3 connected',
      'd4 127.0.0.1:7004@17004 slave b2 0 0 2 connected',
      'e5 127.0.0.1:7005@17005 master - 0 0 7 connected 10923-16383',
      'f6 127.0.0.1:7006@17006 slave a1 0 0 1 connected',
    ].join('\n'),
  );
  const owners = slotOwners(nodes, 8000);
  t.equal(owners?.master.port, 7002);
  t.equal(owners?.replica?.port, 7004);
  t.equal(slotOwners(nodes, 12000)?.master.port, 7005, 'the promoted replica serves the failed master slots');
  t.equal(slotOwners(nodes, 12000)?.replica, undefined, 'a master with no live replica has none');
});
