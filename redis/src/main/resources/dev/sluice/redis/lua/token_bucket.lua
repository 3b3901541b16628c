-- Token bucket (GCRA) under main.lua: the arithmetic is token_bucket_core.lua's.
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

  -- st = {tat, rem}; after a step {tat, rem, new debt}
  load = function(key, P, now)
    local v = redis.pcall('GET', key)
    if type(v) == 'table' then return nil, E_STATE end -- another type at the key (WRONGTYPE)
    if not v then return nil end
    local tat, rem = tb_parse(v, P.d)
    if tat == nil then return nil, E_STATE end
    return {tat, rem}
  end,

  step = function(st, now, cost, op, arg, P)
    local debt = 0
    if st ~= nil then debt = tb_debt(st[1], st[2], now, P.d) end
    local new, reason, used, remaining, retry, reset = tb_decide(debt, cost, op, arg, P.c, P.p, P.d, P.b)
    if new == nil then return st, false, reason, used, remaining, retry, reset end
    if new == 0 then return nil, true, reason, used, remaining, retry, reset end
    local tat, rem = tb_tat(new, now, P.d)
    return {tat, rem, new}, true, reason, used, remaining, retry, reset
  end,

  save = function(key, st, now, P)
    if st == nil then
      redis.call('DEL', key)
    else
      tb_save(key, st[1], st[2], st[3], P.d)
    end
  end,
}
