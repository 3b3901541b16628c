-- Sluice: calendar and epoch windows, for the algorithms that have periods (included only in
-- scripts holding one of them).

-- Windows (FixedWindow, Budget). Parameters at argv[i..]: "0", length µs (epoch-aligned), or
-- "1", m, then m ascending boundaries in µs (calendar periods computed in Java, where the time
-- zone rules are, around the caller's clock: the period containing `now` is found among them).
-- Returns the window spec and the number of parameters it used, or nil and a message.
local function window_params(argv, i, n)
  local kind = argv[i]
  if kind == '0' and n >= 2 then
    local len = nat(argv[i + 1])
    if len == nil or len < 1 then return nil, 'window length ' .. tostring(argv[i + 1]) end
    return {len = len}, 2
  elseif kind == '1' and n >= 2 then
    local m = nat(argv[i + 1])
    if m == nil or m < 2 or n < 2 + m then return nil, 'calendar boundary count ' .. tostring(argv[i + 1]) end
    local bounds, prev = {}, -1
    for k = 1, m do
      local v = nat(argv[i + 1 + k])
      if v == nil or v <= prev then return nil, 'calendar boundary ' .. tostring(argv[i + 1 + k]) end
      bounds[k], prev = v, v
    end
    return {bounds = bounds}, 2 + m
  end
  return nil, 'window kind ' .. tostring(kind)
end

-- The window containing `now`: start, end (µs, end exclusive), or nil when calendar periods
-- given do not cover `now`.
local function window_at(w, now)
  if w.len then
    local start = now - fmod(now, w.len)
    return start, sadd(start, w.len)
  end
  local b = w.bounds
  for k = 1, #b - 1 do
    if b[k] <= now and now < b[k + 1] then return b[k], b[k + 1] end
  end
  return nil
end
