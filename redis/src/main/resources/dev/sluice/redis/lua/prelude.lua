-- Sluice: helpers shared by the algorithms under main.lua and main_one.lua (after constants.lua).

local function sadd(a, b)
  local s = a + b
  if s > MAXN then return MAXN end
  return s
end

local function smul(a, b)
  local p = a * b
  if p > MAXN then return MAXN end
  return p
end

-- floor(a / b) for 0 <= a <= MAXN, b >= 1: fmod is exact, and so is dividing a multiple of b.
local function idiv(a, b)
  return (a - fmod(a, b)) / b
end

-- ceil(a / b) for 0 <= a <= MAXN, b >= 1.
local function cdiv(a, b)
  local r = fmod(a, b)
  if r == 0 then return a / b end
  return (a - r) / b + 1
end

local function num(s)
  return fmt('%d', s)
end

-- A non-negative integer below 2^53 from a string, or nil.
local function nat(s)
  local n = tonumber(s)
  if n == nil or n < 0 or n > MAXN or n ~= floor(n) then return nil end
  return n
end

-- Time to live in milliseconds for a state that becomes idle (like a fresh key) after `us`
-- microseconds (0 if `us` is negative: idle already): rounded up, plus ttl_slack (constants.lua).
local function ttl_ms(us)
  if us < 0 then us = 0 end
  return num(cdiv(us, 1000) + ttl_slack)
end

-- The save tail of a state kept in one string: deletes the key (value nil: the state is fresh
-- again), or writes `value` with the TTL of a state that becomes idle after `idle_us` (ttl_ms).
local function put(key, value, idle_us)
  if value == nil then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'PX', ttl_ms(idle_us))
  end
end

-- What a rate policy supports: every operation but the hold operations (nothing is held under an id).
local RATE_OPS = {[ACQUIRE] = true, [PEEK] = true, [RESERVE] = true, [RECORD] = true, [REFUND] = true, [RESET] = true}

-- The algorithms register here by code (dev.sluice.redis.Protocol):
--   ALG[code] = {
--     ops = {[op] = true, ...}                 -- optional: the operations supported (default all)
--     cacheable = true                         -- optional: see main.lua (state written once per call)
--     params = function(argv, i, n) -> P      -- n parameters at argv[i..i+n-1]; error() if bad
--     load = function(key, P, now) -> st | nil, err   -- nil = fresh key; err = E_STATE
--     step = function(st, now, cost, op, arg, P)
--              -> st2, changed, reason, used, remaining, retry, reset   (times in µs, NEVER = -1)
--     save = function(key, st2, now, P)      -- writes st2 (nil: delete), refreshing the TTL
--   }
-- `arg` is the wait in µs for RESERVE, the hold's id (a decimal string, compared as a string)
-- for HOLD/RENEW/RELEASE/SETTLE, 0 otherwise. step must not touch Redis; load and save are the
-- only functions that do.
local ALG = {}
