// The bench reads its figures off wrk's text output; a unit mixed up there (µs read as ms) would
// print a wrong rate or percentile without any error.
import t from 'tap';
import { parseWrk } from '../bench/support/load-generators.ts';

const output = `Running 5s test @ http://127.0.0.1:41234
  2 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.05ms   12.40ms 302.11ms   88.12%
    Req/Sec     2.41k   310.22     3.10k    71.00%
  Latency Distribution
     50%  850.00us
     75%   24.31ms
     90%   33.50ms
     99%    1.20s
  24051 requests in 5.01s, 6.12MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 24051
Requests/sec:   4800.60
Transfer/sec:      1.22MB
`;

t.test('wrk output: rate, request count, p50 and p99 in milliseconds whatever unit wrk chose, non-2xx answers and socket errors', async (t) => {
  t.same(parseWrk(output), { perSecond: 4800.6, requests: 24051, p50Ms: 0.85, p99Ms: 1200, non2xx: 24051, socketErrors: 5 });
});

t.test('wrk output without errors or refusals counts none of either', async (t) => {
  const clean = output.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
  const parsed = parseWrk(clean);
  t.equal(parsed.non2xx, 0);
  t.equal(parsed.socketErrors, 0);
});
