--[[
  Reserves stock for one order: checks the sale window, the stock and the buyer's per-user limit,
  then takes the units and records the hold with its expiry. Every check runs before the first
  write, so a refusal leaves nothing behind. Idempotent on the order id: a repeat answers with the
  original hold and takes nothing again.

  With a request hash (ARGV[6]) it also claims the caller's Idempotency-Key record, in the same
  step: an earlier request with the key answers instead of the reservation (another body, still
  in flight, or its final response), and the key is claimed only when units are taken, so a
  refusal leaves it free. The record lives under the sale's hash tag, in the sale's slot.

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock   fields available, held, sold
  KEYS[3] orders hash          sale:{<saleId>}:orders  order id -> JSON {s=state H|C|R, q, e, u}
  KEYS[4] per-user units hash  sale:{<saleId>}:users   user id -> units held + sold
  KEYS[5] hold expiry zset     sale:{<saleId>}:expiry  held order ids scored by expiry (ms)
  KEYS[6] buyers set           sale:{<saleId>}:buyers  every user who ever held units here
  KEYS[7] Idempotency-Key record (hash: state, hash, status, body)  sale:{<saleId>}:idem:...
          (any key of the sale when ARGV[6] is empty)

  ARGV[1] order id
  ARGV[2] user id
  ARGV[3] quantity (integer >= 1)
  ARGV[4] now, epoch ms
  ARGV[5] tenant id (a sale of another tenant is not found)
  ARGV[6] sha-256 of the request body, or '' for no Idempotency-Key
  ARGV[7] how long an in-flight claim lives, in ms

  Returns { code, remaining, holdExpiresAtMs, unitPriceMinor, currency, skuId, tenantId }, and
  on codes 1 and 2 an eighth field: the sale's write epoch (meta `write_epoch`, absent = 0), which
  the order's MySQL write must still find in the sale's write fence (docs/adr/0006-redis-loss-recovery.md)
   code  1 reserved
         2 replayed: this order already holds (or bought) its units
        -1 sale not found     -2 sale not open yet   -3 sale ended
        -4 sold out           -5 per-user limit      -6 insufficient stock
        -7 order already released (an order id is reserved at most once)
        -8 invalid argument
        -9 the key was used with another body   -10 the key's first request is still in flight
       -11 the key's request completed: { -11, status, body } (its response is replayed)
]]
local qty = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not qty or qty < 1 or qty % 1 ~= 0 or not now or ARGV[1] == '' or ARGV[2] == '' then
  return { -8, 0, 0, 0, '', '', '' }
end

local claim = ARGV[6] ~= nil and ARGV[6] ~= ''
if claim then
  local state = redis.call('HGET', KEYS[7], 'state')
  if state then
    if redis.call('HGET', KEYS[7], 'hash') ~= ARGV[6] then return { -9, 0, 0, 0, '', '', '' } end
    if state == 'in_flight' then return { -10, 0, 0, 0, '', '', '' } end
    return { -11, redis.call('HGET', KEYS[7], 'status'), redis.call('HGET', KEYS[7], 'body') }
  end
end

local meta = redis.call('HMGET', KEYS[1], 'tenant_id', 'sku_id', 'unit_price_minor', 'currency',
  'starts_at_ms', 'ends_at_ms', 'per_user_limit', 'hold_ttl_ms', 'write_epoch')
local tenant = meta[1]
if not tenant or tenant ~= ARGV[5] then
  return { -1, 0, 0, 0, '', '', '' }
end
local sku, price, currency = meta[2], tonumber(meta[3]), meta[4]
local epoch = tonumber(meta[9] or '0')
local available = tonumber(redis.call('HGET', KEYS[2], 'available') or '0')

local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then
  local order = cjson.decode(existing)
  if order.s == 'R' then
    return { -7, available, 0, price, currency, sku, tenant }
  end
  if claim then
    redis.call('HSET', KEYS[7], 'state', 'in_flight', 'hash', ARGV[6])
    redis.call('PEXPIRE', KEYS[7], ARGV[7])
  end
  return { 2, available, tonumber(order.e), price, currency, sku, tenant, epoch }
end

if now < tonumber(meta[5]) then return { -2, available, 0, price, currency, sku, tenant } end
if now >= tonumber(meta[6]) then return { -3, available, 0, price, currency, sku, tenant } end
if available <= 0 then return { -4, 0, 0, price, currency, sku, tenant } end
local userUnits = tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0')
if userUnits + qty > tonumber(meta[7]) then return { -5, available, 0, price, currency, sku, tenant } end
if available < qty then return { -6, available, 0, price, currency, sku, tenant } end

-- '%.0f' keeps epoch ms as digits; Lua's tostring would print 1.7e+12.
local expiresAt = string.format('%.0f', now + tonumber(meta[8]))
redis.call('HINCRBY', KEYS[2], 'available', -qty)
redis.call('HINCRBY', KEYS[2], 'held', qty)
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({ s = 'H', q = qty, e = expiresAt, u = ARGV[2] }))
redis.call('HINCRBY', KEYS[4], ARGV[2], qty)
redis.call('ZADD', KEYS[5], expiresAt, ARGV[1])
-- Kept when the hold is released, so a buyer whose order later expired still replays its 201.
redis.call('SADD', KEYS[6], ARGV[2])
if claim then
  redis.call('HSET', KEYS[7], 'state', 'in_flight', 'hash', ARGV[6])
  redis.call('PEXPIRE', KEYS[7], ARGV[7])
end
return { 1, available - qty, tonumber(expiresAt), price, currency, sku, tenant, epoch }
