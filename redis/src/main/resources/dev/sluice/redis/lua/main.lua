-- Sluice: the entry point. Applies n requests in order, atomically (one script call).
--
-- KEYS[j]: the Redis key of request j.
-- ARGV[1]: n. Then, per request, 7 fields and its policy's parameters:
--   time (µs; empty: the server's TIME), algorithm code, operation, cost, arg, group, np, p1..p_np
-- group 0: the request stands alone. Requests sharing a group > 0 are adjacent and form one
-- multi-policy call: every one admits and all are charged, or none is.
--
-- Every argument is checked before the first write (scripts do not roll back); a bad one fails
-- the whole call with an error reply naming it. Returns 5 numbers per request:
--   reason (or a negative error code), used, remaining, retryAfter µs, resetAfter µs (NEVER = -1).

local function bad(field, j, value)
  return redis.error_reply(fmt('SLUICE bad %s of request %d: %s', field, j, tostring(value)))
end

local n = nat(ARGV[1])
if n == nil or n < 1 or n ~= #KEYS then
  return redis.error_reply(fmt('SLUICE bad request count: %s for %d keys', tostring(ARGV[1]), #KEYS))
end

local server_now = nil
local reqs = {}
local i = 2
for j = 1, n do
  local t, code, op, cost, arg, group, np =
    ARGV[i], ARGV[i + 1], nat(ARGV[i + 2]), nat(ARGV[i + 3]), ARGV[i + 4], nat(ARGV[i + 5]), nat(ARGV[i + 6])
  local alg = ALG[tonumber(code)]
  if alg == nil then return bad('algorithm', j, code) end
  if op == nil or op > SETTLE then return bad('operation', j, ARGV[i + 2]) end
  if cost == nil then return bad('cost', j, ARGV[i + 3]) end
  if group == nil then return bad('group', j, ARGV[i + 5]) end
  if np == nil then return bad('parameter count', j, ARGV[i + 6]) end
  local now
  if t == '' then
    if server_now == nil then
      local tm = redis.call('TIME')
      server_now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
    end
    now = server_now
  else
    now = nat(t)
    if now == nil then return bad('time', j, t) end
  end
  if op >= HOLD then
    if arg == nil or not string.match(arg, '^[1-9]%d*$') or #arg > 19 then return bad('id', j, arg) end
  else
    arg = nat(arg)
    if arg == nil then return bad('arg', j, ARGV[i + 4]) end
  end
  if op == HOLD and cost == 0 then return bad('cost', j, 0) end
  local P, msg = alg.params(ARGV, i + 7, np)
  if P == nil then return bad('parameters', j, msg) end
  reqs[j] = {alg = alg, now = now, op = op, cost = cost, arg = arg, group = group, P = P}
  i = i + 7 + np
end
if i - 1 ~= #ARGV then
  return redis.error_reply(fmt('SLUICE bad argument count: %d, expected %d', #ARGV, i - 1))
end

local out = {}
local function put(j, reason, used, remaining, retry, reset)
  local o = (j - 1) * 5
  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = reason, used, remaining, retry, reset
end

local j = 1
while j <= n do
  local r = reqs[j]
  if r.group == 0 then
    local st, err = r.alg.load(KEYS[j], r.P, r.now)
    if err then
      put(j, err, 0, 0, 0, 0)
    else
      local st2, changed, reason, used, remaining, retry, reset =
        r.alg.step(st, r.now, r.cost, r.op, r.arg, r.P)
      if reason >= 0 and changed then r.alg.save(KEYS[j], st2, r.now, r.P) end
      put(j, reason, used, remaining, retry, reset)
    end
    j = j + 1
  else
    local last = j
    while last < n and reqs[last + 1].group == r.group do last = last + 1 end
    local next_states, failed, admitted = {}, nil, true
    for k = j, last do
      local q = reqs[k]
      local st, err = q.alg.load(KEYS[k], q.P, q.now)
      if err then
        failed = err
        put(k, err, 0, 0, 0, 0)
      else
        local st2, changed, reason, used, remaining, retry, reset =
          q.alg.step(st, q.now, q.cost, q.op, q.arg, q.P)
        if reason < 0 then failed = reason end
        if reason ~= ALLOWED then admitted = false end
        if changed then next_states[k] = {st2} end
        put(k, reason, used, remaining, retry, reset)
      end
    end
    if failed then
      for k = j, last do put(k, failed, 0, 0, 0, 0) end
    elseif admitted then
      for k = j, last do
        local s = next_states[k]
        if s then reqs[k].alg.save(KEYS[k], s[1], reqs[k].now, reqs[k].P) end
      end
    end
    j = last + 1
  end
end
return out
