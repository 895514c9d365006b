/**
 * A Lua script file run by EVALSHA, falling back to EVAL (which also caches it) when the server
 * does not know the script yet: after a restart, a failover or a SCRIPT FLUSH. A line
 * `-- @include <file>.lua` is replaced by that file from `lua/includes/` (Redis scripts cannot
 * load one another), so two scripts can share a fragment and each still runs as one source.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-client.ts';

export class LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly source: string;
  readonly sha: string;

  constructor(fileName: string) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(fileName);
    if (!match?.[1] || !match[2]) throw new Error(`Lua script file ${fileName} must be named <name>-<numKeys>.lua`);
    this.name = match[1];
    this.numberOfKeys = Number(match[2]);
    this.source = readFileSync(new URL(`./lua/${fileName}`, import.meta.url), 'utf8').replace(/^-- @include ([a-z-]+\.lua)$/gm, (_line, include: string) =>
      readFileSync(new URL(`./lua/includes/${include}`, import.meta.url), 'utf8'),
    );
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    try {
      return await redis.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, this.numberOfKeys, ...keys, ...args);
    }
  }
}

/** Loaded once per process; the files are part of the package. */
export const scripts = {
  arm: new LuaScript('arm-sale-2.lua'),
  reserve: new LuaScript('reserve-stock-7.lua'),
  soldOutBuyers: new LuaScript('sold-out-buyers-4.lua'),
  release: new LuaScript('release-stock-4.lua'),
  commit: new LuaScript('commit-stock-3.lua'),
  view: new LuaScript('view-stock-2.lua'),
  close: new LuaScript('close-sale-3.lua'),
  rebuildBegin: new LuaScript('rebuild-begin-7.lua'),
  rebuildStage: new LuaScript('rebuild-stage-5.lua'),
  rebuildFinish: new LuaScript('rebuild-finish-11.lua'),
  rebuildAbort: new LuaScript('rebuild-abort-7.lua'),
};
