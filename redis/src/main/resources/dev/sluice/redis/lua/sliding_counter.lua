-- Sliding counter: the twin of dev.sluice.spi.SlidingCounterAlgorithm, in microseconds.
-- Parameters: limit, window W µs (>= 1). State: "s:prev:cur", s the current window's start in µs
-- (epoch-aligned: s = now - now mod W), prev and cur the previous and current window's counts.
--
-- Units: every time is a whole number of µs, so each Java quantity is 1000 times the Lua one and
-- the tests scale alike (prev * (W - x) <= k * W, the ceiling of prev * (W - x) / W). retryAfter
-- uses floor(k * W / prev): in ns that is floor(1000 k W / prev), and rounded up to whole µs the
-- Java delay s + W - floor(1000 k W / prev) - now is exactly s + W - floor(k W / prev) - now in
-- µs (floor(floor(a / b) / c) = floor(a / (b c))); when 0 < floor(1000 k W / prev) < 1000, Java
-- stays in the current window and Lua goes to the next, and both give s + W - now.
--
-- Exact products: prev * (W - x) and k * W reach 2^106; the Java compares them in 128 bits
-- (Math.multiplyHigh), a double keeps 53. wmul splits each operand (< 2^53, or 2^53 itself) into
-- three limbs base 2^24 (a = a2 2^48 + a1 2^24 + a0, a2 <= 2^5) and adds the nine partial
-- products by column: each partial product is < 2^48 and each column sum < 3 * 2^48 (plus a carry
-- < 2^27), all exact in a double; the carries then normalise the columns into five limbs base
-- 2^24, most significant (< 2^10) first, and wcmp compares two products limb by limb. muldiv
-- (floor(a * b / d)) starts from the double quotient a * b / d, which is within 2 of the exact
-- one while that is below 2^53 (two roundings of relative error 2^-53 each), and corrects it with
-- exact comparisons: at most a few steps, and saturated at MAXN like Java's at 2^63 - 1.
-- Only fmod, + and - and products of limbs are used: nothing rounds.
--
-- Counts saturate at MAXN under record (Java: 2^63 - 1). Clock going back: the stored window
-- stays and its previous window is weighted fully (x = 0), as in Java; a stored window more than
-- one window ahead of now's (a long step back) is absorbed: both counts move into now's window as
-- its current count, written whatever the operation. Counts written under another window length
-- of the name move to the window of this length that contains the stored start (also written).
local W24 = 16777216 -- 2^24

-- a = a2 * 2^48 + a1 * 2^24 + a0, for 0 <= a <= 2^53
local function limbs(a)
  local a0 = fmod(a, W24)
  local t = (a - a0) / W24
  local a1 = fmod(t, W24)
  return a0, a1, (t - a1) / W24
end

-- a * b (0 <= a, b <= 2^53) as five base-2^24 limbs, most significant first
local function wmul(a, b)
  local a0, a1, a2 = limbs(a)
  local b0, b1, b2 = limbs(b)
  local c0 = a0 * b0
  local c1 = a0 * b1 + a1 * b0
  local c2 = a0 * b2 + a1 * b1 + a2 * b0
  local c3 = a1 * b2 + a2 * b1
  local c4 = a2 * b2
  local r0 = fmod(c0, W24)
  c1 = c1 + (c0 - r0) / W24
  local r1 = fmod(c1, W24)
  c2 = c2 + (c1 - r1) / W24
  local r2 = fmod(c2, W24)
  c3 = c3 + (c2 - r2) / W24
  local r3 = fmod(c3, W24)
  c4 = c4 + (c3 - r3) / W24
  return c4, r3, r2, r1, r0
end

-- The sign of a * b - c * d, exactly (0 <= a, b, c, d <= 2^53).
local function wcmp(a, b, c, d)
  local x4, x3, x2, x1, x0 = wmul(a, b)
  local y4, y3, y2, y1, y0 = wmul(c, d)
  if x4 ~= y4 then return x4 < y4 and -1 or 1 end
  if x3 ~= y3 then return x3 < y3 and -1 or 1 end
  if x2 ~= y2 then return x2 < y2 and -1 or 1 end
  if x1 ~= y1 then return x1 < y1 and -1 or 1 end
  if x0 ~= y0 then return x0 < y0 and -1 or 1 end
  return 0
end

-- floor(a * b / d) for 0 <= a, b <= MAXN and d >= 1, exactly, saturated at MAXN.
local function muldiv(a, b, d)
  local q = floor(a * b / d)
  if q > MAXN then q = MAXN end
  while q > 0 and wcmp(q, d, a, b) > 0 do q = q - 1 end
  while q < MAXN and wcmp(q + 1, d, a, b) <= 0 do q = q + 1 end
  return q
end

-- One step of the sliding counter, from a state on this window length's grid.
local function sc_step(st, now, cost, op, P)
  local limit, w = P.limit, P.w
  local s = now - fmod(now, w)
  local prev, cur = 0, 0
  if st ~= nil then
    if st[1] == s then
      prev, cur = st[2], st[3]
    elseif st[1] == s - w then
      prev = st[3]
    elseif st[1] > s then
      -- the clock went back: keep the stored window; weigh the previous window fully
      s, prev, cur = st[1], st[2], st[3]
    end
  end
  local x = now - s
  if x < 0 then x = 0 end

  -- the estimate's room: limit - cur - ceil(prev * (W - x) / W), at least 0
  local function remaining(c)
    if c >= limit then return 0 end
    local weighted = muldiv(prev, w - x, w)
    if wcmp(weighted, w, prev, w - x) < 0 then weighted = weighted + 1 end
    local r = limit - c - weighted
    if r < 0 then return 0 end
    return r
  end
  local function reset_after(p, c)
    if c > 0 then return sadd(sadd(s - now, w), w) end
    if p > 0 then return sadd(s - now, w) end
    return 0
  end
  -- the decision's last five values, for counts prev and c
  local function decide(reason, c, retry)
    local rem = remaining(c)
    return reason, limit - rem, rem, retry, reset_after(prev, c)
  end

  if op == ACQUIRE or op == RESERVE or op == PEEK then
    if cost > limit then
      return st, false, decide(COST_EXCEEDS_LIMIT, cur, NEVER)
    end
    -- prev * (W - x) + (cur + cost) * W <= limit * W
    if cur <= limit - cost and wcmp(prev, w - x, limit - cur - cost, w) <= 0 then
      local after = cur + cost
      if op == PEEK or cost == 0 then return st, false, decide(ALLOWED, after, 0) end
      return {s, prev, after}, true, decide(ALLOWED, after, 0)
    end
    -- the first µs at which the cost fits
    local room, retry = limit - cost, nil
    if cur <= room then
      -- within this window, once prev * (W - x') <= (room - cur) * W; here prev > 0, and
      -- (room - cur) < prev since the cost does not fit now
      local xr = w - muldiv(room - cur, w, prev)
      if xr < w then retry = (s - now) + xr end
    end
    if retry == nil then
      -- in the next window, cur becomes prev: cur * (W - x') <= room * W
      local xr = 0
      if cur > room then xr = w - muldiv(room, w, cur) end
      retry = sadd(sadd(s - now, w), xr)
    end
    return st, false, decide(LIMITED, cur, retry)
  elseif op == RECORD then
    local after = sadd(cur, cost)
    if cost == 0 then return st, false, decide(ALLOWED, after, 0) end
    return {s, prev, after}, true, decide(ALLOWED, after, 0)
  elseif op == REFUND then
    local from_cur = cost
    if cur < from_cur then from_cur = cur end
    local from_prev = cost - from_cur
    if prev < from_prev then from_prev = prev end
    local c = cur - from_cur
    prev = prev - from_prev -- decide() weighs the refunded counts
    if prev == 0 and c == 0 then return nil, st ~= nil, decide(ALLOWED, c, 0) end
    return {s, prev, c}, true, decide(ALLOWED, c, 0)
  end
  -- RESET
  return nil, st ~= nil, ALLOWED, 0, limit, 0, 0
end

ALG[4] = {
  cacheable = true,
  ops = RATE_OPS,
  params = function(argv, i, n)
    if n ~= 2 then return nil, 'sliding counter takes 2 parameters' end
    local limit, w = nat(argv[i]), nat(argv[i + 1])
    if limit == nil or w == nil or limit < 1 or w < 1 then
      return nil, fmt('sliding counter parameters %s %s', tostring(argv[i]), tostring(argv[i + 1]))
    end
    return {limit = limit, w = w}
  end,

  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    local s, p, c = string.match(v, '^(%d+):(%d+):(%d+)$')
    s, p, c = nat(s), nat(p), nat(c)
    if s == nil or p == nil or c == nil then return nil, E_STATE end
    return {s, p, c}
  end,

  step = function(st, now, cost, op, arg, P)
    local moved = nil
    if st ~= nil then
      local w = P.w
      local s = now - fmod(now, w)
      local s0 = st[1] - fmod(st[1], w)
      if s0 > s + w then
        moved = {s, 0, sadd(st[2], st[3])}
      elseif s0 ~= st[1] then
        moved = {s0, st[2], st[3]}
      end
    end
    if moved == nil then return sc_step(st, now, cost, op, P) end
    local st2, changed, reason, used, remaining, retry, reset = sc_step(moved, now, cost, op, P)
    if changed then return st2, changed, reason, used, remaining, retry, reset end
    return moved, true, reason, used, remaining, retry, reset
  end,

  save = function(key, st, now, P)
    if st == nil then return put(key) end
    -- idle once the counts have left the trailing window: at s + W with cur = 0, else s + 2W
    local ttl = sadd(st[1] - now, P.w)
    if st[3] > 0 then ttl = sadd(ttl, P.w) end
    put(key, num(st[1]) .. ':' .. num(st[2]) .. ':' .. num(st[3]), ttl)
  end,
}
