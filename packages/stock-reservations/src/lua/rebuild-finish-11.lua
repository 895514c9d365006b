--[[
  Finishes a fenced rebuild: checks the token and that the staged holds and sales fit in the armed
  stock, then makes the staging keys the live ones (RENAME, so the switch is one step), writes the
  sale's meta and counters, announces available stock and releases the lock. Refused (oversold
  books) or lost lock: the live keys are not replaced; an oversold rebuild puts the set-aside meta
  back and frees the lock, so the sale is as it was and a person looks at the books.

  KEYS[1]  rebuild lock        sale:{<saleId>}:rebuild
  KEYS[2]  sale meta hash      sale:{<saleId>}:meta
  KEYS[3]  stock counters      sale:{<saleId>}:stock
  KEYS[4]  orders hash         sale:{<saleId>}:orders
  KEYS[5]  per-user units      sale:{<saleId>}:users
  KEYS[6]  hold expiry zset    sale:{<saleId>}:expiry
  KEYS[7]  staging orders      sale:{<saleId>}:rb:orders
  KEYS[8]  staging users       sale:{<saleId>}:rb:users
  KEYS[9]  staging expiry      sale:{<saleId>}:rb:expiry
  KEYS[10] staging counters    sale:{<saleId>}:rb:counts
  KEYS[11] meta set aside      sale:{<saleId>}:rb:prior-meta

  ARGV[1]     fencing token
  ARGV[2..11] as arm-sale-2.lua (tenant, sku, armed stock, price, currency, starts, ends, limit,
              hold TTL ms, armed at ms)
  ARGV[12]    pub/sub channel told when the rebuilt sale has stock available
  ARGV[13]    sale id
  ARGV[14]    the sale's write epoch: the fence the rebuild bumped in the order database before it
              read the books, written to the meta (and to a set-aside meta put back) so the orders
              reserved from now on pass that fence; '' keeps the set-aside meta's epoch

  Returns { code, available, held, sold }
   1 rebuilt
  -8 invalid argument (nothing written)
  -9 held + sold exceed the armed stock (live keys untouched, set-aside meta restored, lock freed)
  -10 the lock is not ours any more (nothing written)
]]
-- @include sale-definition.lua
if not saleDefinitionValid(2) then return { -8, 0, 0, 0 } end
local armed = tonumber(ARGV[4])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -10, 0, 0, 0 } end
local epoch = ARGV[14]
if epoch == nil or epoch == '' then epoch = redis.call('HGET', KEYS[11], 'write_epoch') or '0' end

local counts = redis.call('HMGET', KEYS[10], 'held', 'sold')
local held = tonumber(counts[1] or '0')
local sold = tonumber(counts[2] or '0')
if held + sold > armed then
  if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[11]) == 1 then
    redis.call('RENAME', KEYS[11], KEYS[2])
    -- The fence was bumped: writes reserved under the old epoch are refused from now on anyway.
    redis.call('HSET', KEYS[2], 'write_epoch', epoch)
  end
  redis.call('DEL', KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[1])
  return { -9, 0, held, sold }
end

-- RENAME of a missing key is an error; an empty staging hash means the live one must be empty too.
local pairs_ = { { KEYS[7], KEYS[4] }, { KEYS[8], KEYS[5] }, { KEYS[9], KEYS[6] } }
for _, pair in ipairs(pairs_) do
  if redis.call('EXISTS', pair[1]) == 1 then
    redis.call('RENAME', pair[1], pair[2])
  else
    redis.call('DEL', pair[2])
  end
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[10], KEYS[11])
writeSaleMeta(KEYS[2], 2)
redis.call('HSET', KEYS[2], 'write_epoch', epoch)
local available = armed - held - sold
redis.call('HSET', KEYS[3], 'available', available, 'held', held, 'sold', sold)
redis.call('DEL', KEYS[1])
if available > 0 then redis.call('PUBLISH', ARGV[12], ARGV[13]) end
return { 1, available, held, sold }
