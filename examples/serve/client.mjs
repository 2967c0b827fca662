// A client of `signalos serve` in Node (18 or later), with nothing but its built-in fetch.
//
//     node examples/serve/client.mjs [URL]        # default http://127.0.0.1:8000
//
// SIGNALOS_SERVE_TOKEN, when set, is sent as the bearer token. Prints one JSON line per answer
// and exits 1 when a request fails, printing the server's {"error": ...}.
const base = process.argv[2] ?? process.env.SIGNALOS_URL ?? "http://127.0.0.1:8000";
const headers = { "Content-Type": "application/json" };
if (process.env.SIGNALOS_SERVE_TOKEN) headers.Authorization = `Bearer ${process.env.SIGNALOS_SERVE_TOKEN}`;

async function post(path, body) {
  const response = await fetch(base + path, { method: "POST", headers, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${answer.error}`);
  return answer;
}

function summary(r) {
  return { id: r.id, kind: r.kind, symbol: r.symbol ?? null, direction: r.direction ?? null,
           entry: r.entry ?? null, stop_loss: r.stop_loss ?? null, take_profits: r.take_profits ?? null,
           actions: r.actions ? r.actions.map((a) => a.type) : null, accepted: r.accepted,
           parser: r.parser, variant: r.variant };
}

try {
  const one = await post("/v1/parse", {
    id: 1, user_id: "node-demo", text: "BTCUSDT LONG\nEntry 64000 - 64500\nSL 62900\nTP 66000 / 68000\nLeverage 10x",
  });
  // A bot trades only what the chain accepted.
  console.log(JSON.stringify(summary(one)));
  const batch = await post("/v1/parse/batch", { messages: [
    { id: "a", text: "GBPUSD BUY 1.2650 SL 1.2610 TP 1.2700" },
    { id: "b", text: "Close half of GBPUSD now" },
    { id: "c", text: "Join our VIP group!" },
  ] });
  for (const r of batch.results) console.log(JSON.stringify(summary(r)));
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
