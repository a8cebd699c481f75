-- wrk script for scripts/bench-intake: every request is a fresh, valid
-- application (a new MyKad number per request and per wrk thread).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local n = thread_id * 2000000 + counter
  local yy = 40 + (math.floor(n / 1000000) % 60)
  local mm = 1 + (math.floor(n / 10000) % 12)
  local dd = 1 + (math.floor(n / 120000) % 28)
  local id = string.format("%02d%02d%02d%06d", yy, mm, dd, n % 1000000)
  local body = '{"id_type":"mykad","id_number":"' .. id .. '","full_name":"Pemohon Ujian",' ..
    '"phone":"012-345 6789","lang":"ms","centre":"SGR-0001","week1":"any","week2":"any",' ..
    '"week3":"any","consent":true}'
  return wrk.format(nil, nil, nil, body)
end
