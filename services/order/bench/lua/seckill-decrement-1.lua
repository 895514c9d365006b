-- The Redis-seckill baseline's whole decision: take one unit while any is left.
-- KEYS[1]  the sale's remaining-stock counter
-- ARGV     none
-- Returns  the units left after taking one (>= 0), or -1 when none was left (sold out).
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then return -1 end
return redis.call('DECR', KEYS[1])
