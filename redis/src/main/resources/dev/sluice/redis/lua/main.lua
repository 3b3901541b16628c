-- Sluice: the entry point. Applies n requests in order, atomically (one script call).
--
-- KEYS[j]: the Redis key of request j.
-- ARGV: n, m, then m policies, then n requests of 6 fields:
--   policy:  algorithm code, np, p1..p_np
--   request: policy index (1..m), time (µs; empty: the server's TIME), operation, cost, arg, group
-- group 0: the request stands alone. Requests sharing a group > 0 are adjacent and form one
-- multi-policy call: every one admits and all are charged, or none is.
--
-- Every argument is checked before the first write (scripts do not roll back). One request's
-- failure is its own: a request whose policy parameters or arguments the script refuses, or whose
-- load or step raises an error, answers E_REQUEST and changes nothing, and the others are decided
-- as if it were not there (a multi-policy group fails whole). Only a malformed call (counts that
-- do not add up) fails with an error reply. Returns 5 numbers per request:
--   reason (or a negative error code), used, remaining, retryAfter µs, resetAfter µs (NEVER = -1).
--
-- States of algorithms marked `cacheable` are read once per call and written once at its end
-- (the last state of each key): a coalesced call with many requests on one hot key costs one
-- GET and one SET. Requests still apply one after the other, exactly as separate calls would.

local function bad(field, j, value)
  return redis.error_reply(fmt('SLUICE bad %s of request %d: %s', field, j, tostring(value)))
end

local n, m = nat(ARGV[1]), nat(ARGV[2])
if n == nil or n < 1 or n ~= #KEYS or m == nil or m < 1 then
  return redis.error_reply(fmt('SLUICE bad request count: %s (%s policies) for %d keys',
    tostring(ARGV[1]), tostring(ARGV[2]), #KEYS))
end

-- a policy the script cannot apply (algorithm, parameters) fails only the requests under it
local algs, params = {}, {}
local i = 3
for k = 1, m do
  local alg, np = ALG[tonumber(ARGV[i])], nat(ARGV[i + 1])
  if np == nil then return bad('parameter count of policy', k, ARGV[i + 1]) end
  if alg ~= nil then
    local ok, P = pcall(alg.params, ARGV, i + 2, np)
    if ok and P ~= nil then algs[k], params[k] = alg, P end
  end
  i = i + 2 + np
end
local base = i
if base - 1 + 6 * n ~= #ARGV then
  return redis.error_reply(fmt('SLUICE bad argument count: %d, expected %d', #ARGV, base - 1 + 6 * n))
end

-- pass 1: check every request; a bad one is marked (refused[j]) and changes nothing
local caller_time = false
local refused = {}
local function valid(o)
  local k, t, op, cost, arg = nat(ARGV[o]), ARGV[o + 1], nat(ARGV[o + 2]), nat(ARGV[o + 3]), ARGV[o + 4]
  if k == nil or k < 1 or k > m or algs[k] == nil then return false end
  if t ~= '' then
    if nat(t) == nil then return false end
    caller_time = true
  end
  if op == nil or op > SETTLE or (algs[k].ops and not algs[k].ops[op]) then return false end
  if cost == nil then return false end
  if op >= HOLD then
    if not string.match(arg, '^[1-9]%d*$') or #arg > 19 then return false end
    if op == HOLD and cost == 0 then return false end
  elseif nat(arg) == nil then
    return false
  end
  return true
end
for j = 1, n do
  local o = base + (j - 1) * 6
  if nat(ARGV[o + 5]) == nil then return bad('group', j, ARGV[o + 5]) end
  if not valid(o) then refused[j] = true end
end
if not caller_time then ttl_slack = SERVER_SLACK_MS end

local server_now
local function time(t)
  if t ~= '' then return tonumber(t) end
  if server_now == nil then
    local tm = redis.call('TIME')
    server_now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
  end
  return server_now
end

-- key -> {alg, st, P, now, dirty}
local cache = {}
local function load(key, alg, P, now)
  local c = cache[key]
  if c ~= nil then
    if c.alg == alg then return c.st end
    if c.dirty then c.alg.save(key, c.st, c.now, c.P) end
    cache[key] = nil
  end
  local st, err = alg.load(key, P, now)
  if err == nil and alg.cacheable then cache[key] = {alg = alg, st = st, P = P, now = now, dirty = false} end
  return st, err
end
local function store(key, alg, st, P, now)
  if alg.cacheable then
    local c = cache[key]
    c.st, c.P, c.now, c.dirty = st, P, now, true
  else
    alg.save(key, st, now, P)
  end
end

local out = {}
local function put(j, reason, used, remaining, retry, reset)
  local o = (j - 1) * 5
  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = reason, used, remaining, retry, reset
end

-- Request q's step (reading its key's state, or the state earlier requests left): the step's
-- results, or (nil, nil, err) when the key holds no valid state. Run under pcall: an error raised
-- in it fails request q alone (load and step write nothing).
local function decide(q, oq)
  local k = tonumber(ARGV[oq])
  local alg, P, now = algs[k], params[k], time(ARGV[oq + 1])
  local op = tonumber(ARGV[oq + 2])
  local arg = ARGV[oq + 4]
  if op < HOLD then arg = tonumber(arg) end
  local st, err = load(KEYS[q], alg, P, now)
  if err then return nil, nil, err end
  return alg.step(st, now, tonumber(ARGV[oq + 3]), op, arg, P)
end

-- pass 2: apply them in order
local j = 1
while j <= n do
  local o = base + (j - 1) * 6
  local group = tonumber(ARGV[o + 5])
  local last = j
  if group > 0 then
    while last < n and ARGV[base + last * 6 + 5] == ARGV[o + 5] do last = last + 1 end
  end
  local next_states, failed, admitted = {}, nil, true
  for q = j, last do
    local oq = base + (q - 1) * 6
    local ok, st2, changed, reason, used, remaining, retry, reset = false
    if not refused[q] then
      ok, st2, changed, reason, used, remaining, retry, reset = pcall(decide, q, oq)
    end
    if not ok then
      failed = E_REQUEST
      put(q, E_REQUEST, 0, 0, 0, 0)
    elseif st2 == nil and changed == nil then
      failed = reason -- load found no valid state (E_STATE)
      put(q, reason, 0, 0, 0, 0)
    else
      local k = tonumber(ARGV[oq])
      local alg, P, now = algs[k], params[k], time(ARGV[oq + 1])
      if reason < 0 then failed = reason end
      if reason ~= ALLOWED then admitted = false end
      if changed then
        if group == 0 then
          if reason >= 0 then store(KEYS[q], alg, st2, P, now) end
        else
          next_states[q] = {st2, alg, P, now}
        end
      end
      put(q, reason, used, remaining, retry, reset)
    end
  end
  if group > 0 then
    if failed then
      for q = j, last do put(q, failed, 0, 0, 0, 0) end
    elseif admitted then
      for q = j, last do
        local s = next_states[q]
        if s then store(KEYS[q], s[2], s[1], s[3], s[4]) end
      end
    end
  end
  j = last + 1
end

for key, c in pairs(cache) do
  if c.dirty then c.alg.save(key, c.st, c.now, c.P) end
end
return out
