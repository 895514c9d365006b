--[[
  Commits an order's hold: its units move from held to sold once the inventory books (MySQL)
  recorded the decrement. Idempotent: committing a committed order changes nothing.

  KEYS[1] stock counters hash  sale:{<saleId>}:stock
  KEYS[2] orders hash          sale:{<saleId>}:orders
  KEYS[3] hold expiry zset     sale:{<saleId>}:expiry

  ARGV[1] order id

  Returns { code, quantity }
   1 committed now     0 already committed
  -1 unknown order    -2 order was released (nothing to commit)
]]
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return { -1, 0 } end
local order = cjson.decode(raw)
local qty = tonumber(order.q)
if order.s == 'C' then return { 0, qty } end
if order.s == 'R' then return { -2, qty } end

redis.call('HINCRBY', KEYS[1], 'held', -qty)
redis.call('HINCRBY', KEYS[1], 'sold', qty)
order.s = 'C'
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(order))
redis.call('ZREM', KEYS[3], ARGV[1])
return { 1, qty }
