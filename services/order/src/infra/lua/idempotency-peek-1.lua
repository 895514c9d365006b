--[[
  Tells how an earlier request with an Idempotency-Key stands, without claiming it (the sold-out
  fast path); the claim itself is made by the reservation script, together with the units.
  KEYS[1]  the key's record (hash: state, hash, status, body)
  ARGV[1]  sha-256 of the request body
  returns  {1} free | {2} same key, different body | {3} in flight | {4, status, body} completed
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return {1}
end
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then
  return {2}
end
if state == 'in_flight' then
  return {3}
end
return {4, redis.call('HGET', KEYS[1], 'status'), redis.call('HGET', KEYS[1], 'body')}
