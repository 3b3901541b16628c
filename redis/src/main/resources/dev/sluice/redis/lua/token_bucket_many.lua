-- Sluice: a batch of token bucket requests with no multi-policy group, the common coalesced call.
-- Same KEYS/ARGV layout as main.lua (every policy a token bucket, every group 0), same checks,
-- same result, same order; straight-line code after the shared arithmetic
-- (token_bucket_core.lua) instead of main.lua's algorithm table and per-key cache records, which
-- cost Redis time on every request.
--
-- KEYS[j]: the key of request j. ARGV: n, m, then m policies (1, 3, c, p, d), then n requests of
-- 6 fields: policy index, time (µs; empty: the server's TIME), operation, cost, arg, group (0).
-- Returns 5 numbers per request: reason (or E_STATE, or E_REQUEST for a request it could not
-- apply), used, remaining, retryAfter µs, resetAfter µs.

local function nat(s)
  local n = tonumber(s)
  if n == nil or n < 0 or n > MAXN or n % 1 ~= 0 then return nil end
  return n
end
local function bad(field, j, value)
  return redis.error_reply(fmt('SLUICE bad %s of request %d: %s', field, j, tostring(value)))
end

local n, m = nat(ARGV[1]), nat(ARGV[2])
if n == nil or n < 1 or n ~= #KEYS or m == nil or m < 1 then
  return redis.error_reply(fmt('SLUICE bad request count: %s (%s policies) for %d keys',
    tostring(ARGV[1]), tostring(ARGV[2]), #KEYS))
end
-- a policy the script cannot apply fails only the requests under it (C[k] stays nil)
local C, PP, DD = {}, {}, {}
local i = 3
for k = 1, m do
  if ARGV[i] ~= '1' then return bad('algorithm of policy', k, ARGV[i]) end
  if ARGV[i + 1] ~= '3' then return bad('parameters of policy', k, 'token bucket takes 3 parameters') end
  local c, p, d = nat(ARGV[i + 2]), nat(ARGV[i + 3]), nat(ARGV[i + 4])
  if c ~= nil and p ~= nil and d ~= nil and c >= 1 and p >= 1 and d >= 1 and c * p <= MAXN then
    C[k], PP[k], DD[k] = c, p, d
  end
  i = i + 5
end
local base = i
if base - 1 + 6 * n ~= #ARGV then
  return redis.error_reply(fmt('SLUICE bad argument count: %d, expected %d', #ARGV, base - 1 + 6 * n))
end

-- pass 1: check every request; a bad one is marked (refused[j]), answers E_REQUEST and changes
-- nothing, and the others are decided as if it were not there
local caller_time = false
local refused = {}
for j = 1, n do
  local o = base + (j - 1) * 6
  local k, t, op = nat(ARGV[o]), ARGV[o + 1], nat(ARGV[o + 2])
  if ARGV[o + 5] ~= '0' then return bad('group', j, ARGV[o + 5]) end
  if t ~= '' and nat(t) ~= nil then caller_time = true end
  if k == nil or k < 1 or k > m or C[k] == nil or (t ~= '' and nat(t) == nil) or op == nil or op > RESET
      or nat(ARGV[o + 3]) == nil or nat(ARGV[o + 4]) == nil then
    refused[j] = true
  end
end
if not caller_time then ttl_slack = SERVER_SLACK_MS end

local server_now
-- key -> state after the requests so far: tat (false: fresh), rem, last change, debt written, d
-- of its policy
local tats, rems, lasts, news, ds = {}, {}, {}, {}, {}
local dirty = {}
local out = {}
-- request j, under pcall: an error raised in it fails request j alone (nothing is written until
-- every request has run, and a failed one leaves the state tables as they were)
local function decide(j)
  local o = base + (j - 1) * 6
  local k, t = tonumber(ARGV[o]), ARGV[o + 1]
  local now
  if t ~= '' then
    now = tonumber(t)
  else
    if server_now == nil then
      local tm = redis.call('TIME')
      server_now = tm[1] * 1000000 + tm[2]
    end
    now = server_now
  end
  local key = KEYS[j]
  local d = DD[k]
  local tat, rem, last = tats[key], rems[key], lasts[key]
  local err = nil
  if tat == nil then
    local v = redis.pcall('GET', key)
    if not v then
      tat = false
    elseif type(v) == 'table' then
      err = E_STATE -- another type at the key (WRONGTYPE)
    else
      tat, rem, last = tb_parse(v, d)
      if tat == nil then err = E_STATE end
    end
    if err == nil then tats[key], rems[key], lasts[key] = tat, rem, last end
  end
  local r = (j - 1) * 5
  if err then
    out[r + 1], out[r + 2], out[r + 3], out[r + 4], out[r + 5] = err, 0, 0, 0, 0
  else
    local debt, absorbed = 0, false
    local b = C[k] * PP[k]
    if tat then
      if rem >= d then -- kept by an earlier request under another rate: the next whole µs
        rem = 0
        if tat < MAXN then tat = tat + 1 end
      end
      debt, last, absorbed = tb_at(tat, rem, last, now, d, tb_ceil(tb_ceil(b, d), 1000) * 1000)
    else
      last = now
    end
    local new, reason, used, remaining, retry, reset =
      tb_decide(debt, tonumber(ARGV[o + 3]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 4]), C[k], PP[k], d, b)
    if new == nil and absorbed then new = debt end -- a step back absorbed: written in any case
    if new ~= nil then
      if new == 0 then
        tats[key] = false
      else
        tats[key], rems[key] = tb_tat(new, now, d)
        lasts[key] = last
        news[key] = new
      end
      ds[key] = d
      dirty[key] = true
    end
    out[r + 1], out[r + 2], out[r + 3], out[r + 4], out[r + 5] = reason, used, remaining, retry, reset
  end
end
for j = 1, n do
  if refused[j] or not pcall(decide, j) then
    local r = (j - 1) * 5
    out[r + 1], out[r + 2], out[r + 3], out[r + 4], out[r + 5] = E_REQUEST, 0, 0, 0, 0
  end
end

for key in pairs(dirty) do
  local tat = tats[key]
  if tat then
    tb_save(key, tat, rems[key], lasts[key], news[key], ds[key])
  else
    redis.call('DEL', key)
  end
end
return out
