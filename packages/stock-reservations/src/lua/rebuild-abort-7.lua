--[[
  Abandons a fenced rebuild that failed before its finish (an invalid chunk, a lost connection to
  the books): puts the set-aside meta back when no live one exists, empties the staging keys and
  frees the lock. Only the rebuild holding the lock may abort it.

  KEYS[1..7] as rebuild-begin-7.lua (lock, meta, meta set aside, staging orders, users, expiry,
             counters)

  ARGV[1] fencing token
  ARGV[2] the write epoch the rebuild already bumped the sale's fence to, or '' when it did not:
          the meta put back carries it, or every order reserved on it would be refused by the fence

  Returns 1 aborted, -10 the lock is not ours (nothing written)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -10 end
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[2])
  if ARGV[2] ~= nil and ARGV[2] ~= '' then redis.call('HSET', KEYS[2], 'write_epoch', ARGV[2]) end
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[1])
return 1
