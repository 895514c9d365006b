--[[
  Arms a flash sale: loads its stock and the rules the reserve script enforces. Idempotent: a sale
  that is already armed is left exactly as it is, so a second arm can never reset stock that
  shoppers have already taken.

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock   fields available, held, sold

  ARGV[1]  tenant id
  ARGV[2]  sku id
  ARGV[3]  stock to arm (integer >= 0)
  ARGV[4]  unit price, minor units (integer >= 0)
  ARGV[5]  currency (ISO 4217)
  ARGV[6]  sale starts at, epoch ms
  ARGV[7]  sale ends at, epoch ms
  ARGV[8]  per-user limit, units (integer >= 1)
  ARGV[9]  hold TTL, ms (integer >= 1)
  ARGV[10] now, epoch ms (recorded as armed_at_ms)

  Returns
   1 armed now
   0 already armed (nothing written)
  -8 invalid argument (nothing written)
]]
local stock = tonumber(ARGV[3])
local price = tonumber(ARGV[4])
local startsAt = tonumber(ARGV[6])
local endsAt = tonumber(ARGV[7])
local limit = tonumber(ARGV[8])
local ttl = tonumber(ARGV[9])
local now = tonumber(ARGV[10])
if not stock or stock < 0 or stock % 1 ~= 0 or not price or price < 0 or not startsAt or not endsAt
  or endsAt <= startsAt or not limit or limit < 1 or not ttl or ttl < 1 or not now
  or ARGV[1] == '' or ARGV[2] == '' or ARGV[5] == '' then
  return -8
end

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end

redis.call('HSET', KEYS[1],
  'tenant_id', ARGV[1], 'sku_id', ARGV[2], 'armed_stock', ARGV[3], 'unit_price_minor', ARGV[4],
  'currency', ARGV[5], 'starts_at_ms', ARGV[6], 'ends_at_ms', ARGV[7], 'per_user_limit', ARGV[8],
  'hold_ttl_ms', ARGV[9], 'armed_at_ms', ARGV[10])
redis.call('HSET', KEYS[2], 'available', ARGV[3], 'held', 0, 'sold', 0)
return 1
