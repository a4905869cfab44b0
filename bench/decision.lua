-- wrk script for `bench/http.py`: POST /api/v1/decisions with one realistic single decision.
-- A registered demo device and the June 2019 Google security patch described inline, without
-- `at`, so the server judges it at its own now. The API key comes from BENCH_API_KEY.
wrk.method = "POST"
wrk.body = '{"device":{"id":"SN-P30PRO-0001"},'
  .. '"update":{"supplier":"Google LLC","supplier_country":"US","kind":"security_patch",'
  .. '"product":"Android","version":"2019-06-05","enhances_functionality":false}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_API_KEY") or "")
