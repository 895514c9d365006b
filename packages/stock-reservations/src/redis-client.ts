/**
 * What this package is given to reach Redis: one server or a Redis Cluster (the same union as
 * service-kit's `RedisClient`, which its Lua loader runs the scripts on). Every script keeps its keys
 * under one sale's hash tag and no call here spans slots, so both work alike.
 */
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;
