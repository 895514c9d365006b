--[[
  The sale definition as arm-sale-2.lua and rebuild-finish-11.lua take it: ten ARGV from ARGV[o]
  (tenant, sku, stock, unit price minor, currency, starts at ms, ends at ms, per-user limit,
  hold TTL ms, armed at ms). Inlined by the loader where a script says `-- @include`.
]]
local function saleDefinitionValid(o)
  local stock = tonumber(ARGV[o + 2])
  local price = tonumber(ARGV[o + 3])
  local startsAt = tonumber(ARGV[o + 5])
  local endsAt = tonumber(ARGV[o + 6])
  local limit = tonumber(ARGV[o + 7])
  local ttl = tonumber(ARGV[o + 8])
  local armedAt = tonumber(ARGV[o + 9])
  return not (not stock or stock < 0 or stock % 1 ~= 0 or not price or price < 0 or not startsAt or not endsAt
    or endsAt <= startsAt or not limit or limit < 1 or not ttl or ttl < 1 or not armedAt
    or ARGV[o] == '' or ARGV[o + 1] == '' or ARGV[o + 4] == '')
end

local function writeSaleMeta(key, o)
  redis.call('HSET', key,
    'tenant_id', ARGV[o], 'sku_id', ARGV[o + 1], 'armed_stock', ARGV[o + 2], 'unit_price_minor', ARGV[o + 3],
    'currency', ARGV[o + 4], 'starts_at_ms', ARGV[o + 5], 'ends_at_ms', ARGV[o + 6], 'per_user_limit', ARGV[o + 7],
    'hold_ttl_ms', ARGV[o + 8], 'armed_at_ms', ARGV[o + 9])
end
