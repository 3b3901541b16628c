-- Budget (reserve/settle): the twin of dev.sluice.spi.BudgetAlgorithm, in microseconds.
-- Parameters: reservation TTL µs (>= 1), maxReservations (1..10,000), limit, then a window (see
-- window_params).
--
-- State: a hash at the key.
--   s, e, u   the period the usage belongs to (start, end exclusive, µs) and the cost charged in it
--   <id>      an open reservation: "deadline:estimate" (deadline µs, 1 <= estimate <= limit);
--             the field is the id as sent (a decimal string: 63-bit ids do not fit a Lua number)
-- A reservation is open while now < deadline; open reservations carry over into the next period.
-- load reads the whole hash (HLEN checked first: at most maxReservations + 3 fields) and checks
-- every field as BudgetAlgorithm.validState does; step returns the state after a write as a change:
-- s, e, u, at most one reservation put (HOLD, RENEW) and the reservations to drop (the expired
-- ones, and the one released or settled); save applies it (HDEL, then HSET) and sets the TTL to
-- when the state becomes idle: the period's end if anything was charged in it, or the latest
-- open deadline, whichever is later. step does the arithmetic in O(reservations), and
-- O(r log r) for the retryAfter of a denial.
--
-- As in Java: a state left by another definition of the name is read as it is (up to 10,000
-- reservations, Budget.MAX_RESERVATIONS, with estimates above this limit); after a step back of
-- the clock, a period that starts more than its length after now moves to the period of now, and
-- deadlines more than two TTLs ahead come back to now + ttl; either is written whatever the
-- operation (st.clamp: the ids brought back, written again by save).
do
  local CHUNK = 1000 -- arguments per command when a list is long (Lua's unpack is limited)

  local function valid_id(s)
    return type(s) == 'string' and string.match(s, '^[1-9]%d*$') ~= nil
      and (#s < 19 or (#s == 19 and s <= '9223372036854775807'))
  end

  -- The first instant, among the period's end and the open deadlines, at which `cost` fits: the
  -- usage then is the period's (0 from its end on) plus the reservations still open at it.
  local function retry_at(used, live, st, cost, stop, limit)
    local hs = {}
    for k, id in ipairs(live) do hs[k] = {st.dl[id], st.est[id]} end
    table.sort(hs, function(a, b) return a[1] < b[1] end)
    local n = #hs
    local open = {} -- open[k]: the estimates of hs[k..n], saturated
    open[n + 1] = 0
    for k = n, 1, -1 do open[k] = sadd(open[k + 1], hs[k][2]) end
    local k = 1
    local function fits(t)
      while k <= n and hs[k][1] <= t do k = k + 1 end
      local base = used
      if t >= stop then base = 0 end
      return sadd(base, open[k]) <= limit - cost
    end
    local ended = false
    for _, h in ipairs(hs) do
      local t = h[1]
      if not ended and stop <= t then
        ended = true
        if fits(stop) then return stop end
      end
      if fits(t) then return t end
    end
    if not ended and fits(stop) then return stop end
    error('SLUICE budget: denied, yet the cost fits once every reservation has expired')
  end

  ALG[6] = {
    params = function(argv, i, n)
      if n < 5 then return nil, 'budget takes at least 5 parameters' end
      local ttl, maxr, limit = nat(argv[i]), nat(argv[i + 1]), nat(argv[i + 2])
      if ttl == nil or ttl < 1 then return nil, 'reservation ttl ' .. tostring(argv[i]) end
      if maxr == nil or maxr < 1 or maxr > 10000 then return nil, 'max reservations ' .. tostring(argv[i + 1]) end
      if limit == nil or limit < 1 then return nil, 'limit ' .. tostring(argv[i + 2]) end
      local w, used = window_params(argv, i + 3, n - 3)
      if w == nil then return nil, used end
      if used ~= n - 3 then return nil, 'budget takes ' .. (used + 3) .. ' parameters' end
      return {ttl = ttl, maxr = maxr, limit = limit, w = w}
    end,

    -- {s, e, u, ids = every reservation's id, dl = id -> deadline, est = id -> estimate}, or nil.
    load = function(key, P, now)
      local t = redis.call('TYPE', key)['ok']
      if t == 'none' then return nil end
      if t ~= 'hash' then return nil, E_STATE end
      local len = redis.call('HLEN', key)
      if len < 3 or len > 3 + 10000 then return nil, E_STATE end
      local kv = redis.call('HGETALL', key)
      local s, e, u
      local ids, dl, est = {}, {}, {}
      for k = 1, #kv, 2 do
        local f, v = kv[k], kv[k + 1]
        if f == 's' then
          s = nat(v)
        elseif f == 'e' then
          e = nat(v)
        elseif f == 'u' then
          u = nat(v)
        else
          if not valid_id(f) then return nil, E_STATE end
          local d, c = string.match(v, '^(%d+):(%d+)$')
          d, c = nat(d), nat(c)
          if d == nil or c == nil or c < 1 then return nil, E_STATE end
          ids[#ids + 1] = f
          dl[f] = d
          est[f] = c
        end
      end
      if s == nil or e == nil or u == nil or s >= e then return nil, E_STATE end
      return {s = s, e = e, u = u, ids = ids, dl = dl, est = est}
    end,

    step = function(st, now, cost, op, arg, P)
      local limit = P.limit
      local absorbed, clamp = false, nil
      if st ~= nil then
        local s0, e0 = st.s, st.e
        if now < s0 and s0 - now > e0 - s0 then -- a step back longer than the period
          s0, e0 = window_at(P.w, now)
          if s0 == nil then return st, false, E_CALENDAR, 0, 0, 0, 0 end
          absorbed = true
        end
        local cdl = sadd(now, P.ttl)
        local far = sadd(cdl, P.ttl)
        local dls = st.dl
        for _, id in ipairs(st.ids) do
          if st.dl[id] > far then
            if clamp == nil then
              clamp, dls = {}, {}
              for k, v in pairs(st.dl) do dls[k] = v end
            end
            clamp[#clamp + 1] = id
            dls[id] = cdl
          end
        end
        if absorbed or clamp then
          absorbed = true
          st = {s = s0, e = e0, u = st.u, ids = st.ids, dl = dls, est = st.est}
        end
      end
      local start, stop, used
      if st ~= nil and now < st.e then
        -- same period, or the clock went back before it: the stored period stays in force
        start, stop, used = st.s, st.e, st.u
      else
        start, stop = window_at(P.w, now)
        if start == nil then return st, false, E_CALENDAR, 0, 0, 0, 0 end
        used = 0
      end
      local live, gone, held = {}, {}, 0
      if st ~= nil then
        for _, id in ipairs(st.ids) do
          if st.dl[id] > now then
            live[#live + 1] = id
            held = sadd(held, st.est[id])
          else
            gone[#gone + 1] = id
          end
        end
      end
      local usage = sadd(used, held)
      local until_end = stop - now
      local function remaining(x) if x >= limit then return 0 end return limit - x end
      local function allowed(x) return ALLOWED, x, remaining(x), 0, until_end end

      -- The state after a write: charged u2, the open reservations but `del`, plus `put`.
      local function write(u2, put, dl, est, del)
        local n, last = 0, now
        for _, id in ipairs(live) do
          if id ~= del and id ~= put then
            n = n + 1
            if st.dl[id] > last then last = st.dl[id] end
          end
        end
        if put then
          n = n + 1
          if dl > last then last = dl end
        end
        if u2 == 0 and n == 0 then return nil, st ~= nil end
        if del then gone[#gone + 1] = del end
        local again = nil -- clamped deadlines of the reservations kept
        if clamp then
          again = {}
          for _, id in ipairs(clamp) do
            if id ~= del and id ~= put and st.dl[id] > now then again[#again + 1] = id end
          end
        end
        if again == nil then
          return {s = start, e = stop, u = u2, put = put, dl = dl, est = est, drop = gone, last = last}, true
        end
        return {s = start, e = stop, u = u2, put = put, dl = dl, est = est, drop = gone, last = last,
          again = again, adl = st.dl, aest = st.est}, true
      end
      -- an unchanged answer: written anyway after an absorbed step
      local function same(...)
        if absorbed then
          local st2, changed = write(used)
          return st2, changed, ...
        end
        return st, false, ...
      end

      local function decide()
        if cost > limit then return COST_EXCEEDS_LIMIT, usage, remaining(usage), NEVER, until_end end
        if usage <= limit - cost then
          local after = usage + cost
          return ALLOWED, after, limit - after, 0, until_end
        end
        return LIMITED, usage, remaining(usage), retry_at(used, live, st, cost, stop, limit) - now, until_end
      end

      if op == ACQUIRE or op == RESERVE or op == PEEK then
        local reason, a, b, c, d = decide()
        if reason ~= ALLOWED or op == PEEK or cost == 0 then return same(reason, a, b, c, d) end
        local st2, changed = write(used + cost)
        return st2, changed, reason, a, b, c, d
      elseif op == RECORD then
        if cost == 0 then return same(allowed(usage)) end
        local after = sadd(used, cost)
        local st2, changed = write(after)
        return st2, changed, allowed(sadd(after, held))
      elseif op == REFUND then
        local after = used - cost
        if after < 0 then after = 0 end
        if after == used then return same(allowed(sadd(after, held))) end
        local st2, changed = write(after)
        return st2, changed, allowed(sadd(after, held))
      elseif op == RESET then
        return nil, st ~= nil, allowed(0)
      end

      -- the hold operations: only an open reservation counts as held
      local d0 = st and st.dl[arg]
      if d0 and d0 <= now then d0 = nil end
      if op == HOLD then
        if d0 then return st, false, E_HELD, 0, 0, 0, 0 end
        local reason, a, b, c, d = decide()
        if reason ~= ALLOWED then return same(reason, a, b, c, d) end
        if #live >= P.maxr then
          local first = MAXN
          for _, id in ipairs(live) do
            if st.dl[id] < first then first = st.dl[id] end
          end
          return same(LIMITED, usage, remaining(usage), first - now, until_end)
        end
        local st2, changed = write(used, arg, sadd(now, P.ttl), cost)
        return st2, changed, reason, a, b, c, d
      elseif op == RENEW then
        if not d0 then return same(NOT_HELD, usage, remaining(usage), 0, until_end) end
        local dl = sadd(now, P.ttl)
        if d0 > dl then dl = d0 end -- never earlier (the clock may have gone back)
        local st2, changed = write(used, arg, dl, st.est[arg])
        return st2, changed, allowed(usage)
      elseif op == RELEASE then
        -- idempotent: a reservation already gone (or never made) is a no-op
        if not d0 then return same(allowed(usage)) end
        local st2, changed = write(used, nil, nil, nil, arg)
        return st2, changed, allowed(sadd(used, held - st.est[arg]))
      end
      -- SETTLE: charged even if the reservation has expired (or is unknown): the work was done
      local after = sadd(used, cost)
      local rest = 0
      for _, id in ipairs(live) do
        if id ~= arg then rest = sadd(rest, st.est[id]) end
      end
      local st2, changed = write(after, nil, nil, nil, d0 and arg or nil)
      return st2, changed, allowed(sadd(after, rest))
    end,

    save = function(key, st, now, P)
      if st == nil then
        redis.call('DEL', key)
        return
      end
      -- drop first: a HOLD may reuse the id of an expired reservation
      local drop = st.drop
      for c = 1, #drop, CHUNK do
        redis.call('HDEL', key, unpack(drop, c, math.min(c + CHUNK - 1, #drop)))
      end
      if st.put then
        redis.call('HSET', key, 's', num(st.s), 'e', num(st.e), 'u', num(st.u),
          st.put, num(st.dl) .. ':' .. num(st.est))
      else
        redis.call('HSET', key, 's', num(st.s), 'e', num(st.e), 'u', num(st.u))
      end
      if st.again then
        for _, id in ipairs(st.again) do
          redis.call('HSET', key, id, num(st.adl[id]) .. ':' .. num(st.aest[id]))
        end
      end
      local idle = st.last
      if st.u > 0 and st.e > idle then idle = st.e end
      redis.call('PEXPIRE', key, ttl_ms(idle - now))
    end,
  }
end
