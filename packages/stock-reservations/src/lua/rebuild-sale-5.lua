--[[
  Rebuilds a sale's keys from authoritative numbers after Redis lost them (or drifted): the sale's
  meta, and every order that still holds or has bought units. Available stock is derived as
  armed stock - held - sold. Validates every argument before the first write; then replaces the
  sale's keys wholesale, so running it twice with the same input gives the same state.

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock
  KEYS[3] orders hash          sale:{<saleId>}:orders
  KEYS[4] per-user units hash  sale:{<saleId>}:users
  KEYS[5] hold expiry zset     sale:{<saleId>}:expiry

  ARGV[1..10] as arm-sale-2.lua (tenant, sku, armed stock, price, currency, starts, ends, limit,
              hold TTL ms, armed at ms)
  ARGV[11]    pub/sub channel told when the rebuilt sale has stock available
  ARGV[12]    sale id
  ARGV[13..]  one group of 5 per order: order id, user id, quantity, state (H held | C committed),
              hold expiry epoch ms

  Returns { code, available, held, sold }
   1 rebuilt
  -8 invalid argument      -9 held + sold exceed the armed stock
]]
local armed = tonumber(ARGV[3])
local price = tonumber(ARGV[4])
local startsAt = tonumber(ARGV[6])
local endsAt = tonumber(ARGV[7])
local limit = tonumber(ARGV[8])
local ttl = tonumber(ARGV[9])
local armedAt = tonumber(ARGV[10])
if not armed or armed < 0 or armed % 1 ~= 0 or not price or price < 0 or not startsAt or not endsAt
  or endsAt <= startsAt or not limit or limit < 1 or not ttl or ttl < 1 or not armedAt
  or ARGV[1] == '' or ARGV[2] == '' or ARGV[5] == '' or (#ARGV - 12) % 5 ~= 0 then
  return { -8, 0, 0, 0 }
end

local held, sold = 0, 0
local seen = {}
for i = 13, #ARGV, 5 do
  local qty = tonumber(ARGV[i + 2])
  local state = ARGV[i + 3]
  if ARGV[i] == '' or seen[ARGV[i]] or ARGV[i + 1] == '' or not qty or qty < 1 or qty % 1 ~= 0
    or (state ~= 'H' and state ~= 'C') or not tonumber(ARGV[i + 4]) then
    return { -8, 0, 0, 0 }
  end
  seen[ARGV[i]] = true
  if state == 'H' then held = held + qty else sold = sold + qty end
end
if held + sold > armed then return { -9, 0, held, sold } end

redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1],
  'tenant_id', ARGV[1], 'sku_id', ARGV[2], 'armed_stock', ARGV[3], 'unit_price_minor', ARGV[4],
  'currency', ARGV[5], 'starts_at_ms', ARGV[6], 'ends_at_ms', ARGV[7], 'per_user_limit', ARGV[8],
  'hold_ttl_ms', ARGV[9], 'armed_at_ms', ARGV[10])
local available = armed - held - sold
redis.call('HSET', KEYS[2], 'available', available, 'held', held, 'sold', sold)
for i = 13, #ARGV, 5 do
  local qty = tonumber(ARGV[i + 2])
  redis.call('HSET', KEYS[3], ARGV[i], cjson.encode({ s = ARGV[i + 3], q = qty, e = ARGV[i + 4], u = ARGV[i + 1] }))
  redis.call('HINCRBY', KEYS[4], ARGV[i + 1], qty)
  if ARGV[i + 3] == 'H' then redis.call('ZADD', KEYS[5], ARGV[i + 4], ARGV[i]) end
end
if available > 0 then redis.call('PUBLISH', ARGV[11], ARGV[12]) end
return { 1, available, held, sold }
