-- Sliding log: the twin of dev.sluice.spi.SlidingLogAlgorithm, in microseconds.
-- Parameters: limit, window W µs (>= 1), granularity g µs (0: exact, else 1..W). The log holds
-- at most `cap` entries: the limit, or with a granularity min(limit, floor(W / g) + 2)
-- (SlidingLog.maxEntries; floor(W / g) is the same in µs as in ns). cap <= 10,000
-- (SlidingLog.MAX_LIMIT) is checked here too: it bounds the work of one decision.
--
-- State: the entries, oldest first, each "d;" (cost 1) or "d:c;" (cost c >= 1). d is the first
-- entry's time in µs, and for every later entry the delta from the one before (>= 1: times
-- strictly increasing). Deltas keep the string short (an entry is ~6 bytes instead of ~20) and
-- let a write reuse the stored text: the entries kept as they were stay relative to kept
-- neighbours, so save() re-encodes only the oldest kept entry (absolute again) and the entries
-- appended, merged or cut down since the log was read, and copies the rest with one string.sub.
-- Work: a call parses the log once, O(entries) (load validates every entry, like the Java
-- validState, and keeps prefix sums of the costs); a decision then costs O(entries expired +
-- entries changed since the load + log(entries)): sums come from the prefix sums and retryAfter
-- bisects them, so a call applying many requests to one big log (main.lua keeps the state) does
-- not walk it for each. Never O(limit).
--
-- Every rule is the Java one: an entry at t stops counting at exactly t + W; a new entry is
-- logged at max(now, newest), merged into the newest when that is at or after now, in the same
-- granule (floor(t / g) == floor(now / g)), or, for a record finding `cap` live entries, always
-- (moved up to now); retryAfter walks from the newest entry back to the first one that pushes the
-- newer sum past limit - cost. Every time is a whole number of µs (each Java time is 1000 times
-- the Lua one, and so are all the delays), so nothing rounds. Sums saturate at MAXN (Java:
-- 2^63 - 1), only reachable with records.
--
-- As in Java: a log written under another definition of the name may hold more entries than this
-- one's cap (load accepts up to 10,000, SlidingLog.MAX_LIMIT; new costs then merge into the newest
-- entry); and a step back of the clock that leaves the newest entry more than W ahead of now is
-- absorbed: every entry moves back by the same amount, the newest to now, and the moved log is
-- written whatever the operation (all in the tail, so save writes it whole).
--
-- A state in memory is {t, c, s, o, v, lo, hi, tt, tc}: entries lo..hi of the stored log v (times
-- t, costs c, prefix sums s, text offsets o, all shared and never changed), then its own tail
-- (times tt, costs tc: entries appended, merged or cut down since the log was read). load() gives lo = 1, hi = all,
-- no tail; step() returns a new state (the old one stays as it was), which step() takes again,
-- so main.lua may keep it across the requests of a call (cacheable) and save it once.
local NONE = {} -- an empty list, never written to

-- One step of the sliding log (after a long step back has been absorbed).
local function sl_step(st, now, cost, op, P)
  local limit, w, g = P.limit, P.w, P.g
  -- entries lo..hi of the stored log (T, C), then the tail (TT, TC): entry i is at T[i] for
  -- i <= hi and at TT[i - hi] after; the last one is n
  local T, C, S, lo, hi, TT, TC = NONE, NONE, nil, 1, 0, NONE, NONE
  if st ~= nil then T, C, S, lo, hi, TT, TC = st.t, st.c, st.s, st.lo, st.hi, st.tt, st.tc end
  local n = hi + #TT
  local function time(i)
    if i <= hi then return T[i] end
    return TT[i - hi]
  end
  local function costof(i)
    if i <= hi then return C[i] end
    return TC[i - hi]
  end
  -- the live entries are first..n: an entry at t counts while now - W < t
  local first, edge = lo, now - w
  while first <= n and time(first) <= edge do first = first + 1 end
  -- the costs of entries a..b, saturated at MAXN: the stored ones by their prefix sums (a
  -- decision costs O(1) on them, not O(entries), when main.lua applies many to one log)
  local function sum(a, b)
    local x, e = 0, b
    if e > hi then e = hi end
    if a <= e then
      if S then
        x = S[e] - S[a - 1]
      else
        for i = a, e do x = sadd(x, C[i]) end
      end
    end
    for i = (a > hi and a or hi + 1) - hi, b - hi do x = sadd(x, TC[i]) end
    return x
  end
  local used = sum(first, n)
  local function remaining(u)
    if u >= limit then return 0 end
    return limit - u
  end
  -- time until every live entry has expired, the newest being at `newest` (nil: none)
  local function reset_after(newest)
    if newest == nil then return 0 end
    return sadd(w, newest - now)
  end
  local reset = 0
  if first <= n then reset = reset_after(time(n)) end
  -- the state holding entries first..last, then (xt, xc) if xt; nil if that is nothing. The
  -- stored entries kept stay shared; the tail is copied (a new state never changes the old one,
  -- which main.lua may still need)
  local function keep(last, xt, xc)
    local nlo, nhi = first, hi
    if last < nhi then nhi = last end
    local tt, tc = {}, {}
    local from = first
    if from <= hi then from = hi + 1 end
    for i = from, last do
      tt[#tt + 1], tc[#tc + 1] = TT[i - hi], TC[i - hi]
    end
    if xt ~= nil then tt[#tt + 1], tc[#tc + 1] = xt, xc end
    if nlo > nhi then
      if #tt == 0 then return nil end
      nlo, nhi = 1, 0
    end
    return {t = T, c = C, s = S, o = st and st.o, v = st and st.v, lo = nlo, hi = nhi, tt = tt, tc = tc}
  end
  -- logs c at max(now, newest): merged into the newest live entry when that is at or after
  -- now, in now's granule, or when `merge`; returns the state and its newest time
  local function append(c, merge)
    if first <= n then
      local last = time(n)
      if merge or last >= now or (g > 0 and idiv(last, g) == idiv(now, g)) then
        if now > last then last = now end
        return keep(n - 1, last, sadd(costof(n), c)), last
      end
    end
    return keep(n, now, c), now
  end

  if op == ACQUIRE or op == RESERVE or op == PEEK then
    if cost > limit then
      return st, false, COST_EXCEEDS_LIMIT, used, remaining(used), NEVER, reset
    end
    if used <= limit - cost then
      if op == PEEK or cost == 0 then
        if cost > 0 and reset < w then reset = w end
        return st, false, ALLOWED, used + cost, limit - used - cost, 0, reset
      end
      local nx, newest = append(cost, n - first + 1 >= P.cap)
      return nx, true, ALLOWED, used + cost, limit - used - cost, 0, reset_after(newest)
    end
    -- denied: walking from the newest entry back, the first one that pushes the newer entries'
    -- sum past limit - cost must expire (used > limit - cost, so one does). Through the tail
    -- one by one, then among the stored entries by bisection: the largest i with
    -- S[hi] - S[i - 1] > room - newer. (newer stays exact up to room < 2^53, and the step
    -- past it compares right.)
    local room, newer, i = limit - cost, 0, n
    while i > hi do
      newer = newer + TC[i - hi]
      if newer > room then break end
      i = i - 1
    end
    if newer <= room then
      if S then
        local need, a, b = room - newer, first, hi
        while a < b do
          local m = b - floor((b - a) / 2)
          if S[hi] - S[m - 1] > need then a = m else b = m - 1 end
        end
        i = a
      else
        while newer <= room do
          newer = newer + C[i]
          i = i - 1
        end
        i = i + 1
      end
    end
    return st, false, LIMITED, used, remaining(used), reset_after(time(i)), reset
  elseif op == RECORD then
    if cost == 0 then return st, false, ALLOWED, used, remaining(used), 0, reset end
    -- with `cap` live entries, merge into the newest: records never grow the log past cap
    local nx, newest = append(cost, n - first + 1 >= P.cap)
    local after = sadd(used, cost)
    return nx, true, ALLOWED, after, remaining(after), 0, reset_after(newest)
  elseif op == REFUND then
    -- take cost back from the newest entries; an entry brought to 0 goes
    local last, left, xt, xc = n, cost, nil, nil
    while left > 0 and last >= first do
      local c = costof(last)
      if left < c then
        xt, xc, left = time(last), c - left, 0
      else
        left = left - c
      end
      last = last - 1
    end
    local after, newest = sum(first, last), nil
    if last >= first then newest = time(last) end
    if xt ~= nil then after, newest = sadd(after, xc), xt end
    return keep(last, xt, xc), st ~= nil, ALLOWED, after, remaining(after), 0, reset_after(newest)
  end
  -- RESET
  return nil, st ~= nil, ALLOWED, 0, limit, 0, 0
end

ALG[3] = {
  cacheable = true,
  ops = RATE_OPS,
  params = function(argv, i, n)
    if n ~= 3 then return nil, 'sliding log takes 3 parameters' end
    local limit, w, g = nat(argv[i]), nat(argv[i + 1]), nat(argv[i + 2])
    if limit == nil or w == nil or g == nil or limit < 1 or w < 1 or g > w then
      return nil, fmt('sliding log parameters %s %s %s', tostring(argv[i]), tostring(argv[i + 1]), tostring(argv[i + 2]))
    end
    local cap = limit
    if g > 0 and idiv(w, g) + 2 < cap then cap = idiv(w, g) + 2 end
    if cap > 10000 then return nil, fmt('sliding log of up to %s entries (at most 10000)', num(cap)) end
    return {limit = limit, w = w, g = g, cap = cap}
  end,

  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    -- T[k], C[k]: entry k's time and cost; O[k]: where its text starts (O[k + 1]: past its end)
    -- S[k]: the costs of entries 1..k (S[0] = 0), or no S if that passes MAXN (records only)
    local T, C, O, S = {}, {}, {}, {[0] = 0}
    local pos, k, t, sum = 1, 0, 0, 0
    for p, d, c in string.gmatch(v, '()(%d+):?(%d*);') do
      -- each entry starts where the one before ended: nothing skipped, nothing non-canonical
      -- ("5:;" reads as 5 with an empty cost, and its ':' then shows up as a gap)
      if p ~= pos then return nil, E_STATE end
      if c == '' then
        pos, c = p + #d + 1, 1
      else
        pos, c = p + #d + #c + 2, tonumber(c)
      end
      -- digits only: tonumber gives a whole number >= 0 (or inf), so a range check is enough
      d = tonumber(d)
      t = t + d
      k = k + 1
      if k > 10000 or c < 1 or c > MAXN or t > MAXN or (k > 1 and d < 1) then return nil, E_STATE end
      sum = sum + c
      T[k], C[k], O[k], S[k] = t, c, p, sum
    end
    if k == 0 or pos ~= #v + 1 then return nil, E_STATE end
    O[k + 1] = pos
    if sum > MAXN then S = nil end
    return {t = T, c = C, s = S, o = O, v = v, lo = 1, hi = k, tt = NONE, tc = NONE}
  end,

  step = function(st, now, cost, op, arg, P)
    local moved = false
    if st ~= nil and now >= P.w then
      local n0 = st.hi + #st.tt
      local newest
      if n0 > st.hi then newest = st.tt[n0 - st.hi] else newest = st.t[st.hi] end
      if newest - now > P.w then
        -- a step back longer than the window: every entry back by the same amount (the newest to
        -- now), expired ones dropped; the whole log in the tail
        local by, tt, tc = newest - now, {}, {}
        for i = st.lo, n0 do
          local t, c
          if i <= st.hi then t, c = st.t[i], st.c[i] else t, c = st.tt[i - st.hi], st.tc[i - st.hi] end
          if t - by > now - P.w then tt[#tt + 1], tc[#tc + 1] = t - by, c end
        end
        st, moved = {t = NONE, c = NONE, s = nil, o = nil, v = nil, lo = 1, hi = 0, tt = tt, tc = tc}, true
      end
    end
    local st2, changed, reason, used, remaining, retry, reset = sl_step(st, now, cost, op, P)
    if moved and not changed then return st, true, reason, used, remaining, retry, reset end
    return st2, changed, reason, used, remaining, retry, reset
  end,

  save = function(key, st, now, P)
    if st == nil then return put(key) end
    local function entry(d, c)
      if c == 1 then return num(d) .. ';' end
      return num(d) .. ':' .. num(c) .. ';'
    end
    local parts, newest = {}, nil
    if st.lo <= st.hi then
      -- the oldest kept entry with its absolute time, the others as stored (each still relative
      -- to a kept neighbour)
      local lo, hi = st.lo, st.hi
      parts[1] = entry(st.t[lo], st.c[lo])
      parts[2] = string.sub(st.v, st.o[lo + 1], st.o[hi + 1] - 1)
      newest = st.t[hi]
    end
    local TT, TC = st.tt, st.tc
    for i = 1, #TT do
      local t = TT[i]
      if newest == nil then
        parts[#parts + 1] = entry(t, TC[i])
      else
        parts[#parts + 1] = entry(t - newest, TC[i])
      end
      newest = t
    end
    -- idle (every entry expired) W after the newest entry
    put(key, table.concat(parts), sadd(P.w, newest - now))
  end,
}
