--[[
  Stores the final response of a claimed Idempotency-Key for replays.
  KEYS[1]  the key's record
  ARGV[1]  sha-256 of the request body (the claim must be ours)
  ARGV[2]  response status
  ARGV[3]  response body
  ARGV[4]  retention in ms (24 h, as the API docs state)
  returns  1 stored | 0 the record belongs to another body or vanished
]]
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] and redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'completed', 'hash', ARGV[1], 'status', ARGV[2], 'body', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
