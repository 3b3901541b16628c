-- Token bucket (GCRA) arithmetic: the twin of dev.sluice.spi.TokenBucketAlgorithm, in
-- microseconds. Written once, used by both entry points: the batch twin (token_bucket.lua, under
-- main.lua) and the single-request script (token_bucket_one.lua). Plain local functions that
-- touch neither Redis nor any helper closure, so the single-request script defines only these.
--
-- Parameters: c (capacity), p (scaled units per token), d (scaled units per µs), with
-- T = p / d µs per token (reduced); b = c * p < 2^53 (checked in Java and by the callers).
-- State: "tat:rem:last", TAT = tat + rem / d µs, and last the time of the state's last change;
-- "tat" and "tat:rem" (earlier versions) read with no last (as changed now). A rem >= d (written
-- under another rate of the same name) reads as the next whole µs: later, never more tokens.
-- Clock steps: a step back longer than a full refill (b / d µs rounded up to a whole ms, as in
-- Java: f = ceil(ceil(b / d) / 1000) * 1000) before `last` is
-- absorbed (the key decides as at `last`, and its state moves onto the new timeline, written
-- whatever the operation); a shorter one is taken as it comes (the debt grows by it). As in Java.
-- Needs MAXN, the operation and reason codes, and fmod in scope.

-- ceil(a / b) for 0 <= a <= MAXN, b >= 1 (fmod is exact, and so is dividing a multiple of b).
local function tb_ceil(a, b)
  if b == 1 then return a end
  local r = fmod(a, b)
  if r == 0 then return a / b end
  return (a - r) / b + 1
end

-- (tat, rem, last), last false when the state has none; nil if `v` is not a token bucket's state.
local function tb_parse(v, d)
  local t, r, l = string.match(v, '^(%d+):?(%d*):?(%d*)$')
  t = tonumber(t)
  if t == nil or t > MAXN then return nil end
  if r == '' then r = 0 else r = tonumber(r) end
  if r >= d then -- another rate's fraction: the next whole µs
    r = 0
    if t < MAXN then t = t + 1 end
  end
  if l == '' then return t, r, false end
  l = tonumber(l)
  if l > MAXN then return nil end
  return t, r, l
end

-- The debt at `now` in scaled units, saturated at MAXN.
local function tb_debt(tat, rem, now, d)
  if tat > now or (tat == now and rem > 0) then
    local debt = (tat - now) * d
    if debt > MAXN then return MAXN end
    debt = debt + rem
    if debt > MAXN then return MAXN end
    return debt
  end
  return 0
end

-- The debt of (tat, rem, last) at `now` for a bucket whose full refill takes f µs, the time of the
-- last change the state moves to, and whether a step back was absorbed (the state must be written).
local function tb_at(tat, rem, last, now, d, f)
  if last and last - now > f then return tb_debt(tat, rem, last, d), now, true end
  if last and last > now then return tb_debt(tat, rem, now, d), last, false end
  return tb_debt(tat, rem, now, d), now, false
end

-- One step from `debt`: the new debt (nil if the state does not change), and the decision:
-- reason, used, remaining, retry and reset (µs; NEVER = -1). Remaining rounds down, times up.
local function tb_decide(debt, cost, op, arg, c, p, d, b)
  local new
  if op == ACQUIRE or op == RESERVE then
    if cost <= c and cost > 0 then
      local excess = debt - (b - cost * p)
      local waitable = 0
      if op == RESERVE then
        waitable = arg * d
        if waitable > MAXN then waitable = MAXN end
      end
      if excess <= waitable and excess <= MAXN - b then new = debt + cost * p end
    end
  elseif op == RECORD then
    if cost > 0 then
      local q = cost * p
      if q > MAXN then q = MAXN end
      new = debt + q
      if new > MAXN then new = MAXN end
    end
  elseif op == REFUND then
    if debt > 0 and cost > 0 then
      local q = cost * p
      if q > MAXN then q = MAXN end
      new = debt - q
      if new < 0 then new = 0 end
    end
  elseif op == RESET then
    new = 0
  end

  local reason, x, retry = ALLOWED, new or debt, 0
  if op == ACQUIRE or op == PEEK or op == RESERVE then
    if cost > c then
      reason, x, retry = COST_EXCEEDS_LIMIT, debt, NEVER
    else
      local excess = debt - (b - cost * p)
      if excess <= 0 then
        x = debt + cost * p
      else
        local wait = tb_ceil(excess, d)
        if op == RESERVE and new ~= nil then
          retry = wait
        else
          reason, x, retry = LIMITED, debt, wait
        end
      end
    end
  end
  local rem = 0
  if x < b then rem = (b - x - fmod(b - x, p)) / p end
  if retry > 0 and reason == ALLOWED then rem = 0 end -- granted ahead of time (Decision.reserved)
  return new, reason, c - rem, rem, retry, tb_ceil(x, d)
end

-- The state for debt `new` > 0 at `now`: TAT = now + new / d as (tat, rem).
local function tb_tat(new, now, d)
  if d == 1 then
    local tat = now + new
    if tat > MAXN then tat = MAXN end
    return tat, 0
  end
  local r = fmod(new, d)
  local tat = now + (new - r) / d
  if tat > MAXN then tat = MAXN end
  return tat, r
end

-- Writes state (tat, rem, last) of debt `new` > 0, kept until the debt is repaid, plus ttl_slack
-- (constants.lua).
local function tb_save(key, tat, rem, last, new, d)
  local ms = tb_ceil(tb_ceil(new, d), 1000) + ttl_slack
  redis.call('SET', key, string.format('%d:%d:%d', tat, rem, last), 'PX', string.format('%d', ms))
end
