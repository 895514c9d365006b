--[[
  Claims an Idempotency-Key for a request, or tells how an earlier request with it stands.
  KEYS[1]  the key's record (hash: state, hash, status, body)
  ARGV[1]  sha-256 of the request body
  ARGV[2]  how long an in-flight claim lives, in ms (a crashed request frees the key after it)
  ARGV[3]  'claim', or 'peek' to look without claiming (the sold-out fast path)
  returns  {1} claimed (or free, when peeking) | {2} same key, different body | {3} in flight
           | {4, status, body} completed
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  if ARGV[3] == 'peek' then
    return {1}
  end
  redis.call('HSET', KEYS[1], 'state', 'in_flight', 'hash', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then
  return {2}
end
if state == 'in_flight' then
  return {3}
end
return {4, redis.call('HGET', KEYS[1], 'status'), redis.call('HGET', KEYS[1], 'body')}
