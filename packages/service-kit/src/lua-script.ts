/**
 * A Lua script file, run as an ioredis custom command: on each connection the first call sends
 * the source (EVAL, which also caches it on the server) and later calls its SHA1 (EVALSHA); after
 * a NOSCRIPT (a restart, a failover, a SCRIPT FLUSH) the call is sent again as EVAL. No call waits
 * for a NOSCRIPT round trip, so calls reach Redis in the order they were made: a write not awaited
 * (the order service's idempotency record) is still ahead of the next request's script.
 *
 * A script is defined on a client once, by whoever is given the client (`defineOn`, in a
 * constructor), before the client carries traffic: ioredis copies a client's custom commands into
 * each auto-pipeline it opens, so one defined while a pipeline is open could not join it.
 *
 * A file is named `<name>-<numKeys>.lua`, and a call with another number of keys is refused before
 * it reaches Redis (on a Redis Cluster every key must be declared, so the client routes the call to
 * the one slot they share). A line `-- @include <file>.lua` is replaced by that file from
 * `includes/` next to the script (Redis scripts cannot load one another), so two scripts can share
 * a fragment and each still runs as one source.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './clients.ts';

type ScriptCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

export class LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly source: string;
  readonly sha: string;
  /** The custom command's name on a client: unique per source, so two scripts never share one. */
  readonly #command: string;
  readonly #definedOn = new WeakSet<RedisClient>();

  /** `file`: the script's URL, e.g. `new URL('./lua/reserve-stock-7.lua', import.meta.url)`; read once, here. */
  constructor(file: URL) {
    const fileName = file.pathname.slice(file.pathname.lastIndexOf('/') + 1);
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(fileName);
    if (!match?.[1] || !match[2]) throw new Error(`Lua script file ${fileName} must be named <name>-<numKeys>.lua`);
    this.name = match[1];
    this.numberOfKeys = Number(match[2]);
    this.source = readFileSync(file, 'utf8').replace(/^-- @include ([a-z-]+\.lua)$/gm, (_line, include: string) =>
      readFileSync(new URL(`./includes/${include}`, file), 'utf8'),
    );
    this.sha = createHash('sha1').update(this.source).digest('hex');
    this.#command = `lua:${this.name}:${this.sha}`;
  }

  /** Makes the script a command of `redis`; once per client, again is a no-op. */
  defineOn(redis: RedisClient): void {
    if (this.#definedOn.has(redis)) return;
    redis.defineCommand(this.#command, { numberOfKeys: this.numberOfKeys, lua: this.source });
    this.#definedOn.add(redis);
  }

  /** Runs the script; the command is queued before this returns, so calls made in turn reach Redis in turn. */
  run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) return Promise.reject(new Error(`${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`));
    // defineCommand adds the command as a method of the client, which its type cannot name.
    const command = this.#definedOn.has(redis) ? (redis as unknown as Record<string, ScriptCommand>)[this.#command] : undefined;
    if (!command) return Promise.reject(new Error(`${this.name} is not defined on this Redis client (defineOn)`));
    return command.call(redis, ...keys, ...args);
  }
}
