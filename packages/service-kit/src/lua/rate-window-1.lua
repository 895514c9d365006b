--[[
  Adds requests to a fixed rate window and reports where it stands, in one call: the window
  starts with its expiry at its first request and keeps that expiry while it lasts.
  KEYS[1]  the window's counter
  ARGV[1]  requests to add (>= 1)
  ARGV[2]  window length in ms
  returns  { count in this window, ms until it ends }
]]
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { count, ttl }
