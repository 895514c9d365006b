--[[
  Opens a fenced rebuild of one sale. Takes the sale's rebuild lock (single flight: a second
  rebuild of the same sale is refused while the lock is held), moves the live meta aside so
  `reserve` answers "sale not found" until the rebuild finishes (a rebuild and a reservation can
  never interleave), and empties the staging keys the stage calls fill. The live orders, users,
  expiry and stock keys stay as they are: the rebuild reads the holds they still carry and the
  finish replaces them in one step.

  KEYS[1] rebuild lock        sale:{<saleId>}:rebuild
  KEYS[2] sale meta hash      sale:{<saleId>}:meta
  KEYS[3] meta set aside      sale:{<saleId>}:rb:prior-meta   (put back if the rebuild aborts)
  KEYS[4] staging orders      sale:{<saleId>}:rb:orders
  KEYS[5] staging users       sale:{<saleId>}:rb:users
  KEYS[6] staging expiry      sale:{<saleId>}:rb:expiry
  KEYS[7] staging counters    sale:{<saleId>}:rb:counts       fields held, sold

  ARGV[1] fencing token (unique per rebuild)
  ARGV[2] lock lifetime, ms (each stage call extends it; a crashed rebuild frees the sale)

  Returns
   1 begun
   0 another rebuild holds the lock (nothing written)
  -8 invalid argument
]]
local ttl = tonumber(ARGV[2])
if ARGV[1] == '' or not ttl or ttl < 1 then return -8 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl) then return 0 end
-- A meta set aside by a crashed rebuild stays the one to put back; the live one is gone then.
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[3]) end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return 1
