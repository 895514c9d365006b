/** The package's Lua scripts, loaded once per process; the files are part of the package (`lua/`). */
import { LuaScript } from '@flash-sale/service-kit/lua-script';
import type { RedisClient } from './redis-client.ts';

const script = (fileName: string) => new LuaScript(new URL(`./lua/${fileName}`, import.meta.url));

export const scripts = {
  arm: script('arm-sale-2.lua'),
  reserve: script('reserve-stock-7.lua'),
  soldOutBuyers: script('sold-out-buyers-4.lua'),
  release: script('release-stock-4.lua'),
  commit: script('commit-stock-3.lua'),
  view: script('view-stock-2.lua'),
  close: script('close-sale-3.lua'),
  rebuildBegin: script('rebuild-begin-7.lua'),
  rebuildStage: script('rebuild-stage-5.lua'),
  rebuildFinish: script('rebuild-finish-11.lua'),
  rebuildAbort: script('rebuild-abort-7.lua'),
};

/** Each script a command of `redis`: done by `StockReservations` for the client it is given. */
export const defineScriptsOn = (redis: RedisClient): void => {
  for (const each of Object.values(scripts)) each.defineOn(redis);
};
