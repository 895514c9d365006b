--[[
  Releases an order's units back to the sale and gives the buyer's allowance back. Idempotent: a
  released order stays released. A committed order (its MySQL stock already decremented) is only
  released when the caller says the stock really comes back (cancellation, expiry or refund with
  restock); without that flag the release is refused, so a stray orphan-hold repair cannot undo a
  sale the books already record.

  KEYS[1] stock counters hash  sale:{<saleId>}:stock
  KEYS[2] orders hash          sale:{<saleId>}:orders
  KEYS[3] per-user units hash  sale:{<saleId>}:users
  KEYS[4] hold expiry zset     sale:{<saleId>}:expiry

  ARGV[1] order id
  ARGV[2] '1' to release a committed order too, else '0'
  ARGV[3] reason (kept on the order record for tracing)
  ARGV[4] pub/sub channel told when a sold-out sale gets stock back
  ARGV[5] sale id (the message published on that channel)

  Returns { code, quantity }
   1 released a hold             2 released a committed order
   0 already released            -1 unknown order
  -2 committed and not allowed to release
]]
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return { -1, 0 } end
local order = cjson.decode(raw)
local qty = tonumber(order.q)
if order.s == 'R' then return { 0, qty } end
if order.s == 'C' and ARGV[2] ~= '1' then return { -2, qty } end

local code = 1
if order.s == 'C' then
  code = 2
  redis.call('HINCRBY', KEYS[1], 'sold', -qty)
else
  redis.call('HINCRBY', KEYS[1], 'held', -qty)
end
local availableBefore = tonumber(redis.call('HGET', KEYS[1], 'available') or '0')
redis.call('HINCRBY', KEYS[1], 'available', qty)
order.s = 'R'
order.r = ARGV[3]
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(order))
if redis.call('HINCRBY', KEYS[3], order.u, -qty) <= 0 then
  redis.call('HDEL', KEYS[3], order.u)
end
redis.call('ZREM', KEYS[4], ARGV[1])
if availableBefore <= 0 then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return { code, qty }
