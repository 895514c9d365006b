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
-- @include sale-definition.lua
if not saleDefinitionValid(1) then return -8 end

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end

writeSaleMeta(KEYS[1], 1)
redis.call('HSET', KEYS[2], 'available', ARGV[3], 'held', 0, 'sold', 0)
return 1
