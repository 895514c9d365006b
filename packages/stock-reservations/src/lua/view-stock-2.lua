--[[
  Reads a sale's stock in one consistent snapshot (the counters and the armed stock together).

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock

  Returns { found, armedStock, available, held, sold }; found is 0 when the sale is not armed.
]]
local armed = redis.call('HGET', KEYS[1], 'armed_stock')
if not armed then return { 0, 0, 0, 0, 0 } end
local counts = redis.call('HMGET', KEYS[2], 'available', 'held', 'sold')
return { 1, tonumber(armed), tonumber(counts[1] or '0'), tonumber(counts[2] or '0'), tonumber(counts[3] or '0') }
