--[[
  Closes a sale's window now (ops ended it early, or its window is over): no reservation is
  accepted after this script ran. Holds already taken stay; they are paid or expire as before.
  Returns the counters in the same step, so the caller knows exactly which units open holds may
  still take once the sale is closed. Idempotent: a sale already closed keeps its earlier end.

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock   fields available, held, sold
  KEYS[3] rebuild lock         sale:{<saleId>}:rebuild

  ARGV[1] now, epoch ms

  Returns { code, available, held, sold }
   1 closed now        0 was already closed
  -1 not armed (no meta and no rebuild running)
  -2 a rebuild is running: nothing written, ask again once it finished
  -8 invalid argument
]]
local now = tonumber(ARGV[1])
if not now or now % 1 ~= 0 then return { -8, 0, 0, 0 } end
if redis.call('EXISTS', KEYS[3]) == 1 then return { -2, 0, 0, 0 } end
if redis.call('EXISTS', KEYS[1]) == 0 then return { -1, 0, 0, 0 } end

local window = redis.call('HMGET', KEYS[1], 'starts_at_ms', 'ends_at_ms')
local counts = redis.call('HMGET', KEYS[2], 'available', 'held', 'sold')
local available, held, sold = tonumber(counts[1] or '0'), tonumber(counts[2] or '0'), tonumber(counts[3] or '0')
if tonumber(window[2]) <= now then return { 0, available, held, sold } end

-- '%.0f' keeps epoch ms as digits. A sale closed before it opened gets a window that is over.
redis.call('HSET', KEYS[1], 'ends_at_ms', string.format('%.0f', now))
if tonumber(window[1]) >= now then redis.call('HSET', KEYS[1], 'starts_at_ms', string.format('%.0f', now - 1)) end
return { 1, available, held, sold }
