export { resolveServers, type KafkaCredentials, type Servers } from './servers.ts';
export {
  createTestDatabase,
  createTestRedis,
  deleteMatchingKeys,
  matchingKeys,
  clusterNodesOf,
  uniqueName,
  type Teardown,
  type TestDatabase,
  type TestRedis,
} from './isolation.ts';
export { waitFor } from './wait-for.ts';
export { serviceProbeSuite, type ProbeServers, type ProbedApp } from './service-probes.ts';
export { freePort } from './free-port.ts';
export { startNodeProcess, type NodeProcess } from './node-process.ts';
export { openApiProblems } from './openapi.ts';
export { startRedisCluster, createTestRedisCluster, type RedisClusterOptions, type RedisClusterServers, type TestRedisCluster } from './redis-cluster.ts';
export { watchRedisCalls, type RedisCallLog } from './redis-calls.ts';
