-- wrk: POST a booking to a random slot of SLOTS with a phone number no one else uses.
local slots = {}
for id in string.gmatch(os.getenv("BENCH_SLOTS"), "%d+") do slots[#slots + 1] = id end
local token = os.getenv("BENCH_TOKEN")
-- Each run its own phones (1 + prefix + thread + counter): a run that met the patients of
-- an earlier one would be refused as duplicates with the same expert and day.
local prefix = os.getenv("BENCH_PHONE_PREFIX") or "39"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

-- Each thread its own random sequence: unseeded, both threads would pick the same slots
-- in the same order, and a slot picked three times by each would turn away the sixth.
function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
end

local counter = 0
function request()
  counter = counter + 1
  local phone = string.format("1%s%02d%06d", prefix, tid or 0, counter % 1000000)
  local slot = slots[math.random(#slots)]
  -- With SMS consent: every booking's confirmation must reach the gateway (the bench
  -- counts those that do not as confirmations_missing).
  local body = '{"slot_id": ' .. slot .. ', "channel": "chat", "patient": {"name": "压测", "phone": "'
    .. phone .. '", "sms_consent": true}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}, body)
end

-- Count answers by status, so the report can say how many were server errors.
local threads_list = {}
local original_setup = setup
function setup(thread)
  original_setup(thread)
  threads_list[#threads_list + 1] = thread
end

local codes = {}
function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  local parts = {}
  for code, n in pairs(codes) do parts[#parts + 1] = code .. "=" .. n end
  statuses = table.concat(parts, ",")
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads_list) do
    for code, n in string.gmatch(thread:get("statuses") or "", "(%d+)=(%d+)") do
      total[code] = (total[code] or 0) + tonumber(n)
    end
  end
  local parts = {}
  for code, n in pairs(total) do parts[#parts + 1] = code .. "=" .. n end
  io.write("statuses: " .. table.concat(parts, ",") .. "\n")
end
