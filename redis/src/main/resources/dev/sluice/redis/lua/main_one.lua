-- Sluice: the entry point for a call holding exactly one request of an algorithm other than the
-- token bucket (which has token_bucket_one.lua). The script holds that one algorithm. Same checks
-- and same result as main.lua for one request; it only skips what a batch needs (two passes, the
-- state cache), which costs Redis time on every call.
--
-- KEYS[1]: the key. ARGV: the policy's parameters p1..p_np, then time (µs; empty: the server's
-- TIME), operation, cost, arg: np = #ARGV - 4.

local function bad(field, value)
  return redis.error_reply(fmt('SLUICE bad %s of request 1: %s', field, tostring(value)))
end

local _, alg = next(ALG)
local np = #ARGV - 4
if #KEYS ~= 1 or np < 0 then
  return redis.error_reply(fmt('SLUICE bad single request: %d keys, %d arguments', #KEYS, #ARGV))
end
local P, msg = alg.params(ARGV, 1, np)
if P == nil then return bad('parameters of policy', msg) end
local o = np + 1
local t, op, cost, arg = ARGV[o], nat(ARGV[o + 1]), nat(ARGV[o + 2]), ARGV[o + 3]
if op == nil or op > SETTLE or (alg.ops and not alg.ops[op]) then return bad('operation', ARGV[o + 1]) end
if cost == nil then return bad('cost', ARGV[o + 2]) end
if op >= HOLD then
  if not string.match(arg, '^[1-9]%d*$') or #arg > 19 then return bad('id', arg) end
  if op == HOLD and cost == 0 then return bad('cost', 0) end
else
  arg = nat(arg)
  if arg == nil then return bad('arg', ARGV[o + 3]) end
end
local now
if t == '' then
  local tm = redis.call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
  ttl_slack = SERVER_SLACK_MS
else
  now = nat(t)
  if now == nil then return bad('time', t) end
end

local st, err = alg.load(KEYS[1], P, now)
if err then return {err, 0, 0, 0, 0} end
local st2, changed, reason, used, remaining, retry, reset = alg.step(st, now, cost, op, arg, P)
if reason >= 0 and changed then alg.save(KEYS[1], st2, now, P) end
return {reason, used, remaining, retry, reset}
