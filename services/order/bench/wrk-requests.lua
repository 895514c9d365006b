-- wrk's request generator for every target of `npm run bench`, so each target costs the load
-- generator the same: every request is built here, with its own bearer token (taken in turn from
-- a file of pre-signed tokens) and its own Idempotency-Key.
--
--   wrk -s wrk-requests.lua <base url> -- <tokens file> <method> <path> [<sale id>:<weight> ...]
--
-- With sale ids, the body is {"sale_id":…,"quantity":1}; several ids mix sales by weight (the
-- soak's mixed load). Without, the request has no body (hello-world's GET).
-- setup() runs in wrk's main Lua state, once per thread, before that thread's init().
local threads_set_up = 0

function setup(thread)
  threads_set_up = threads_set_up + 1
  thread:set('thread_number', threads_set_up)
end

local tokens = {}
local method, path
local bodies = {}
local key_prefix
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  method, path = args[2], args[3]
  for i = 4, #args do
    local sale, weight = string.match(args[i], '^([^:]+):(%d+)$')
    for _ = 1, tonumber(weight) do
      bodies[#bodies + 1] = '{"sale_id":"' .. sale .. '","quantity":1}'
    end
  end
  -- Keys must never repeat across threads or runs: a repeated key would replay, not place, an order.
  local thread = thread_number or 0
  math.randomseed(os.time() * 1000 + thread)
  key_prefix = string.format('bench-%x-%x-%d-', os.time(), math.random(0, 0x3fffffff), thread)
end

function request()
  counter = counter + 1
  local headers = {
    ['Authorization'] = 'Bearer ' .. tokens[(counter % #tokens) + 1],
    ['Idempotency-Key'] = key_prefix .. counter,
  }
  local body = nil
  if #bodies > 0 then
    headers['Content-Type'] = 'application/json'
    body = bodies[(counter % #bodies) + 1]
  end
  return wrk.format(method, path, headers, body)
end
