-- Token bucket (GCRA) under main.lua: the arithmetic is token_bucket_core.lua's.
ALG[1] = {
  cacheable = true,
  ops = RATE_OPS,
  params = function(argv, i, n)
    if n ~= 3 then return nil, 'token bucket takes 3 parameters' end
    local c, p, d = nat(argv[i]), nat(argv[i + 1]), nat(argv[i + 2])
    if c == nil or p == nil or d == nil or c < 1 or p < 1 or d < 1 or c * p > MAXN then
      return nil, fmt('token bucket parameters %s %s %s', tostring(argv[i]), tostring(argv[i + 1]), tostring(argv[i + 2]))
    end
    return {c = c, p = p, d = d, b = c * p, f = tb_ceil(tb_ceil(c * p, d), 1000) * 1000}
  end,

  -- st = {tat, rem, last}; after a step {tat, rem, last, new debt}
  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    local tat, rem, last = tb_parse(v, P.d)
    if tat == nil then return nil, E_STATE end
    return {tat, rem, last}
  end,

  step = function(st, now, cost, op, arg, P)
    local debt, last, absorbed = 0, now, false
    if st ~= nil then debt, last, absorbed = tb_at(st[1], st[2], st[3], now, P.d, P.f) end
    local new, reason, used, remaining, retry, reset = tb_decide(debt, cost, op, arg, P.c, P.p, P.d, P.b)
    if new == nil then
      if not absorbed then return st, false, reason, used, remaining, retry, reset end
      new = debt -- a step back absorbed: written whatever the operation
    end
    if new == 0 then return nil, true, reason, used, remaining, retry, reset end
    local tat, rem = tb_tat(new, now, P.d)
    return {tat, rem, last, new}, true, reason, used, remaining, retry, reset
  end,

  save = function(key, st, now, P)
    if st == nil then return put(key) end
    tb_save(key, st[1], st[2], st[3], st[4], P.d)
  end,
}
