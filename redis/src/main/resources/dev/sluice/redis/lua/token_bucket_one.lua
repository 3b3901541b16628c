-- Sluice: one token bucket request, the common case without coalescing. Straight-line code after
-- the shared arithmetic (token_bucket_core.lua): no algorithm table, no closures beyond it.
-- Same checks and same result as main.lua for one request of a token bucket.
--
-- One script per bucket: Java puts `local c, p, d = ...` (the policy's parameters) just before
-- this file, so a call carries only the request.
-- KEYS[1]: the key. ARGV: time (µs; empty: the server's TIME), operation, cost, arg (the wait in
-- µs for RESERVE, else 0).
-- Returns {reason (or E_STATE), used, remaining, retryAfter µs, resetAfter µs}.

-- a non-negative integer below 2^53, or nil
local function nat(s)
  local n = tonumber(s)
  if n == nil or n < 0 or n > MAXN or n % 1 ~= 0 then return nil end
  return n
end

if #KEYS ~= 1 or #ARGV ~= 4 then
  return redis.error_reply(fmt('SLUICE bad token bucket request: %d keys, %d arguments, expected 1 and 4', #KEYS, #ARGV))
end
if c < 1 or p < 1 or d < 1 or c * p > MAXN then
  return redis.error_reply(fmt('SLUICE bad parameters of token bucket: %d %d %d', c, p, d))
end
local t, op, cost, arg = ARGV[1], nat(ARGV[2]), nat(ARGV[3]), nat(ARGV[4])
if op == nil or op > RESET then return redis.error_reply('SLUICE bad operation of request 1: ' .. ARGV[2]) end
if cost == nil then return redis.error_reply('SLUICE bad cost of request 1: ' .. ARGV[3]) end
if arg == nil then return redis.error_reply('SLUICE bad arg of request 1: ' .. ARGV[4]) end
local now
if t == '' then
  local tm = redis.call('TIME')
  now = tm[1] * 1000000 + tm[2]
  ttl_slack = SERVER_SLACK_MS
else
  now = nat(t)
  if now == nil then return redis.error_reply('SLUICE bad time of request 1: ' .. t) end
end

local key = KEYS[1]
local debt, last, absorbed = 0, now, false
local v = redis.pcall('GET', key)
if v then
  if type(v) == 'table' then return {E_STATE, 0, 0, 0, 0} end -- another type at the key (WRONGTYPE)
  local tat, rem, l = tb_parse(v, d)
  if tat == nil then return {E_STATE, 0, 0, 0, 0} end
  debt, last, absorbed = tb_at(tat, rem, l, now, d, tb_ceil(tb_ceil(c * p, d), 1000) * 1000)
end
local new, reason, used, remaining, retry, reset = tb_decide(debt, cost, op, arg, c, p, d, c * p)
if new == nil and absorbed then new = debt end -- a step back absorbed: written in any case
if new ~= nil then
  if new == 0 then
    if v then redis.call('DEL', key) end
  else
    local tat, rem = tb_tat(new, now, d)
    tb_save(key, tat, rem, last, new, d)
  end
end
return {reason, used, remaining, retry, reset}
