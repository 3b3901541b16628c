-- Fixed window: the twin of dev.sluice.spi.FixedWindowAlgorithm, in microseconds.
-- Parameters: limit, then a window (see window_params). State: "start:end:used".
-- Clock steps, as in Java: a stored window that starts more than its length after now moves to
-- the window of now (usage carried, written whatever the operation); a nearer one stays in force.

-- One step of a fixed window from `st` (the window in force: same, or the clock went back before
-- it by at most its length).
local function fw_step(st, now, cost, op, P)
  local limit = P.limit
  local start, stop, used
  if st ~= nil and now < st[2] then
    -- same window, or the clock went back before it by at most its length: it stays in force
    start, stop, used = st[1], st[2], st[3]
  else
    start, stop = window_at(P.w, now)
    if start == nil then return st, false, E_CALENDAR, 0, 0, 0, 0 end
    used = 0
  end
  local until_end = stop - now
  local function remaining(u) if u >= limit then return 0 end return limit - u end
  local function reset_after(u) if u == 0 then return 0 end return until_end end
  local function changed(u, reason, retry, reset)
    if u == 0 then return nil, true, reason, u, remaining(u), retry, reset end
    return {start, stop, u}, true, reason, u, remaining(u), retry, reset
  end

  if op == ACQUIRE or op == RESERVE or op == PEEK then
    if cost > limit then
      return st, false, COST_EXCEEDS_LIMIT, used, remaining(used), NEVER, reset_after(used)
    end
    if used <= limit - cost then
      local after = used + cost
      if op == PEEK or cost == 0 then
        return st, false, ALLOWED, after, limit - after, 0, reset_after(after)
      end
      return changed(after, ALLOWED, 0, reset_after(after))
    end
    return st, false, LIMITED, used, remaining(used), until_end, until_end
  elseif op == RECORD then
    if cost == 0 then return st, false, ALLOWED, used, remaining(used), 0, reset_after(used) end
    local after = sadd(used, cost)
    return changed(after, ALLOWED, 0, until_end)
  elseif op == REFUND then
    local after = used - cost
    if after < 0 then after = 0 end
    if after == used then return st, false, ALLOWED, after, remaining(after), 0, reset_after(after) end
    return changed(after, ALLOWED, 0, reset_after(after))
  end
  -- RESET
  return nil, st ~= nil, ALLOWED, 0, limit, 0, 0
end

ALG[2] = {
  cacheable = true,
  ops = RATE_OPS,
  params = function(argv, i, n)
    local limit = nat(argv[i])
    if limit == nil or limit < 1 then return nil, 'limit ' .. tostring(argv[i]) end
    local w, used = window_params(argv, i + 1, n - 1)
    if w == nil then return nil, used end
    if used ~= n - 1 then return nil, 'fixed window takes ' .. (used + 1) .. ' parameters' end
    return {limit = limit, w = w}
  end,

  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    local s, e, u = string.match(v, '^(%d+):(%d+):(%d+)$')
    s, e, u = nat(s), nat(e), nat(u)
    if s == nil or e == nil or u == nil or s >= e then return nil, E_STATE end
    return {s, e, u}
  end,

  step = function(st, now, cost, op, arg, P)
    if st ~= nil and now < st[1] and st[1] - now > st[2] - st[1] then
      -- a step back longer than the window: the usage counts in the window of now, written
      -- whatever the operation (as in Java)
      local start, stop = window_at(P.w, now)
      if start == nil then return st, false, E_CALENDAR, 0, 0, 0, 0 end
      local moved = {start, stop, st[3]}
      local st2, changed, reason, used, remaining, retry, reset = fw_step(moved, now, cost, op, P)
      if changed then return st2, changed, reason, used, remaining, retry, reset end
      return moved, true, reason, used, remaining, retry, reset
    end
    return fw_step(st, now, cost, op, P)
  end,

  save = function(key, st, now, P)
    if st == nil then return put(key) end
    put(key, num(st[1]) .. ':' .. num(st[2]) .. ':' .. num(st[3]), st[2] - now)
  end,
}
