-- Sluice: the entry point for a call holding exactly one request (the common case without
-- coalescing). Same KEYS/ARGV layout as main.lua with n = 1 and m = 1, same checks, same result;
-- it only skips what a batch needs (two passes, the state cache), which costs Redis time on
-- every call.

local function bad(field, value)
  return redis.error_reply(fmt('SLUICE bad %s of request 1: %s', field, tostring(value)))
end

if #KEYS ~= 1 or ARGV[1] ~= '1' or ARGV[2] ~= '1' then
  return redis.error_reply(fmt('SLUICE bad request count: %s (%s policies) for %d keys',
    tostring(ARGV[1]), tostring(ARGV[2]), #KEYS))
end
local alg, np = ALG[tonumber(ARGV[3])], nat(ARGV[4])
if alg == nil then return bad('algorithm of policy', ARGV[3]) end
if np == nil then return bad('parameter count of policy', ARGV[4]) end
if #ARGV ~= 10 + np then
  return redis.error_reply(fmt('SLUICE bad argument count: %d, expected %d', #ARGV, 10 + np))
end
local P, msg = alg.params(ARGV, 5, np)
if P == nil then return bad('parameters of policy', msg) end
local o = 5 + np
local t, op, cost, arg = ARGV[o + 1], nat(ARGV[o + 2]), nat(ARGV[o + 3]), ARGV[o + 4]
if ARGV[o] ~= '1' then return bad('policy index', ARGV[o]) end
if ARGV[o + 5] ~= '0' then return bad('group', ARGV[o + 5]) end
if op == nil or op > SETTLE or (alg.ops and not alg.ops[op]) then return bad('operation', ARGV[o + 2]) end
if cost == nil then return bad('cost', ARGV[o + 3]) end
if op >= HOLD then
  if not string.match(arg, '^[1-9]%d*$') or #arg > 19 then return bad('id', arg) end
  if op == HOLD and cost == 0 then return bad('cost', 0) end
else
  arg = nat(arg)
  if arg == nil then return bad('arg', ARGV[o + 4]) end
end
local now
if t == '' then
  local tm = redis.call('TIME')
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
else
  now = nat(t)
  if now == nil then return bad('time', t) end
end

local st, err = alg.load(KEYS[1], P, now)
if err then return {err, 0, 0, 0, 0} end
local st2, changed, reason, used, remaining, retry, reset = alg.step(st, now, cost, op, arg, P)
if reason >= 0 and changed then alg.save(KEYS[1], st2, now, P) end
return {reason, used, remaining, retry, reset}
