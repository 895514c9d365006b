--[[
  Stages one chunk of a fenced rebuild: the orders that still hold or have bought units. Checks
  the fencing token first (a rebuild whose lock expired and was taken over writes nothing), then
  every order of the chunk, then writes them into the staging keys and adds their units to the
  staging counters. Chunks keep each call small however large the sale is.

  KEYS[1] rebuild lock        sale:{<saleId>}:rebuild
  KEYS[2] staging orders      sale:{<saleId>}:rb:orders
  KEYS[3] staging users       sale:{<saleId>}:rb:users
  KEYS[4] staging expiry      sale:{<saleId>}:rb:expiry
  KEYS[5] staging counters    sale:{<saleId>}:rb:counts

  ARGV[1] fencing token
  ARGV[2] lock lifetime, ms (extended on every chunk)
  ARGV[3] 'books' (the authoritative orders: an order staged twice is an error) or 'carry' (holds
          the live keys still have: an order already staged from the books is skipped)
  ARGV[4..] one group of 5 per order: order id, user id, quantity, state (H held | C committed),
          hold expiry epoch ms

  Returns { code, staged }
   1 staged (staged = orders written by this call)
  -8 invalid argument (nothing written)
  -10 the lock is not ours any more (nothing written)
]]
local ttl = tonumber(ARGV[2])
local mode = ARGV[3]
if not ttl or ttl < 1 or (mode ~= 'books' and mode ~= 'carry') or (#ARGV - 3) % 5 ~= 0 then return { -8, 0 } end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -10, 0 } end

local seen = {}
local skip = {}
for i = 4, #ARGV, 5 do
  local qty = tonumber(ARGV[i + 2])
  local state = ARGV[i + 3]
  if ARGV[i] == '' or seen[ARGV[i]] or ARGV[i + 1] == '' or not qty or qty < 1 or qty % 1 ~= 0
    or (state ~= 'H' and state ~= 'C') or not tonumber(ARGV[i + 4]) then
    return { -8, 0 }
  end
  seen[ARGV[i]] = true
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    if mode == 'books' then return { -8, 0 } end
    skip[ARGV[i]] = true
  end
end

local staged, held, sold = 0, 0, 0
for i = 4, #ARGV, 5 do
  if not skip[ARGV[i]] then
    local qty = tonumber(ARGV[i + 2])
    redis.call('HSET', KEYS[2], ARGV[i], cjson.encode({ s = ARGV[i + 3], q = qty, e = ARGV[i + 4], u = ARGV[i + 1] }))
    redis.call('HINCRBY', KEYS[3], ARGV[i + 1], qty)
    if ARGV[i + 3] == 'H' then
      redis.call('ZADD', KEYS[4], ARGV[i + 4], ARGV[i])
      held = held + qty
    else
      sold = sold + qty
    end
    staged = staged + 1
  end
end
if held > 0 then redis.call('HINCRBY', KEYS[5], 'held', held) end
if sold > 0 then redis.call('HINCRBY', KEYS[5], 'sold', sold) end
redis.call('PEXPIRE', KEYS[1], ttl)
return { 1, staged }
