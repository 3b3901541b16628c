-- Token bucket (GCRA): the twin of dev.sluice.spi.TokenBucketAlgorithm, in microseconds.
-- Parameters: C (capacity), P (scaled units per token), D (scaled units per µs), with
-- T = P / D µs per token (reduced). State: "tat" or "tat:rem", TAT = tat + rem / D µs,
-- 0 <= rem < D. B = C * P < 2^53 (checked in Java and here).
ALG[1] = {
  cacheable = true,
  -- nothing is held under an id
  ops = {[ACQUIRE] = true, [PEEK] = true, [RESERVE] = true, [RECORD] = true, [REFUND] = true, [RESET] = true},
  params = function(argv, i, n)
    if n ~= 3 then return nil, 'token bucket takes 3 parameters' end
    local c, p, d = nat(argv[i]), nat(argv[i + 1]), nat(argv[i + 2])
    if c == nil or p == nil or d == nil or c < 1 or p < 1 or d < 1 or c * p > MAXN then
      return nil, fmt('token bucket parameters %s %s %s', tostring(argv[i]), tostring(argv[i + 1]), tostring(argv[i + 2]))
    end
    return {c = c, p = p, d = d, b = c * p}
  end,

  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    local tat, rem = string.match(v, '^(%d+):?(%d*)$')
    tat = tat and nat(tat)
    rem = (rem == '' or rem == nil) and 0 or nat(rem)
    if tat == nil or rem == nil or rem >= P.d then return nil, E_STATE end
    return {tat, rem}
  end,

  step = function(st, now, cost, op, arg, P)
    local b, p, d, c = P.b, P.p, P.d, P.c
    local debt = 0
    if st ~= nil then
      local tat, rem = st[1], st[2]
      if tat > now or (tat == now and rem > 0) then
        debt = sadd(smul(tat - now, d), rem)
      end
    end

    -- the new debt, or nil if the state does not change
    local new
    if op == ACQUIRE or op == RESERVE then
      if cost <= c and cost > 0 then
        local excess = debt - (b - cost * p)
        local waitable = 0
        if op == RESERVE then waitable = smul(arg, d) end
        if excess <= waitable and excess <= MAXN - b then new = debt + cost * p end
      end
    elseif op == RECORD then
      if cost > 0 then new = sadd(debt, smul(cost, p)) end
    elseif op == REFUND then
      if debt > 0 and cost > 0 then
        new = debt - smul(cost, p)
        if new < 0 then new = 0 end
      end
    elseif op == RESET then
      new = 0
    end

    -- the decision: remaining is rounded down, times up
    local reason, x, retry = ALLOWED, new or debt, 0
    if op == ACQUIRE or op == PEEK or op == RESERVE then
      if cost > c then
        reason, x, retry = COST_EXCEEDS_LIMIT, debt, NEVER
      else
        local excess = debt - (b - cost * p)
        if excess <= 0 then
          x = debt + cost * p
        elseif op == RESERVE and new ~= nil then
          retry = (d == 1) and excess or cdiv(excess, d)
        else
          reason, x, retry = LIMITED, debt, (d == 1) and excess or cdiv(excess, d)
        end
      end
    end
    local rem = 0
    if x < b then rem = idiv(b - x, p) end
    if retry > 0 and reason == ALLOWED then rem = 0 end -- granted ahead of time (Decision.reserved)
    local reset = (d == 1) and x or cdiv(x, d)

    if new == nil then return st, false, reason, c - rem, rem, retry, reset end
    if new == 0 then return nil, true, reason, c - rem, rem, retry, reset end
    local tat, r
    if d == 1 then tat, r = sadd(now, new), 0 else tat, r = sadd(now, idiv(new, d)), fmod(new, d) end
    return {tat, r, new}, true, reason, c - rem, rem, retry, reset
  end,

  save = function(key, st, now, P)
    if st == nil then
      redis.call('DEL', key)
    elseif st[2] == 0 then
      redis.call('SET', key, num(st[1]), 'PX', ttl_ms(cdiv(st[3], P.d)))
    else
      redis.call('SET', key, num(st[1]) .. ':' .. num(st[2]), 'PX', ttl_ms(cdiv(st[3], P.d)))
    end
  end,
}
