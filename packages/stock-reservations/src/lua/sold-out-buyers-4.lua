--[[
  The buyers of a sold-out sale, in one atomic look: taken only while nothing is available, so no
  one outside the list can hold units until stock comes back (a release or rebuild announces that
  on the stock-returned channel). A process keeps the list to refuse everyone else at once.

  KEYS[1] sale meta hash       sale:{<saleId>}:meta
  KEYS[2] stock counters hash  sale:{<saleId>}:stock
  KEYS[3] per-user units hash  sale:{<saleId>}:users   holders now (restored by a rebuild)
  KEYS[4] buyers set           sale:{<saleId>}:buyers  everyone who ever held units here

  ARGV[1] the version the caller already holds ('' for none)
  ARGV[2] most users the caller will take (a larger list is not sent)

  Returns { code, tenantId, version, user ids... }
   0 not sold out, or no such sale (being rebuilt, lost): nothing to hold
   1 unchanged: the caller's version is current
   2 too many buyers to send
   3 the list: holders and past buyers (a user may appear twice)
]]
local tenant = redis.call('HGET', KEYS[1], 'tenant_id')
if not tenant then return { 0, '', '' } end
if tonumber(redis.call('HGET', KEYS[2], 'available') or '0') > 0 then return { 0, '', '' } end
local holders = redis.call('HLEN', KEYS[3])
local everBought = redis.call('SCARD', KEYS[4])
-- Both only grow while the sale stays sold out (a release makes it available again).
local version = holders .. ':' .. everBought
if version == ARGV[1] then return { 1, tenant, version } end
if holders + everBought > tonumber(ARGV[2]) then return { 2, tenant, version } end
local reply = { 3, tenant, version }
for _, user in ipairs(redis.call('HKEYS', KEYS[3])) do reply[#reply + 1] = user end
for _, user in ipairs(redis.call('SMEMBERS', KEYS[4])) do reply[#reply + 1] = user end
return reply
