#!/usr/bin/env bash
# A client of `signalos serve` in plain shell: curl, and jq when it is installed.
#
#     examples/serve/client.sh [URL]          # default http://127.0.0.1:8000
#
# SIGNALOS_SERVE_TOKEN, when set, is sent as the bearer token. Exits non-zero when a request fails.
set -euo pipefail

url=${1:-${SIGNALOS_URL:-http://127.0.0.1:8000}}
auth=()
if [ -n "${SIGNALOS_SERVE_TOKEN:-}" ]; then
    auth=(-H "Authorization: Bearer $SIGNALOS_SERVE_TOKEN")
fi
post() {  # post PATH JSON: the answer's body on stdout; an HTTP error fails the script
    curl --silent --show-error --fail-with-body "${auth[@]}" -H 'Content-Type: application/json' \
        --data-binary "$2" "$url$1"
}
pretty() { if command -v jq >/dev/null 2>&1; then jq -c "$@"; else cat; fi; }

curl --silent --show-error --fail "$url/readyz" >/dev/null

# One message, parsed for a user: a running A/B experiment may route it.
post /v1/parse '{"text": "XAUUSD BUY NOW 2342-2345\nSL 2335\nTP1 2350 TP2 2360", "user_id": "demo-user", "id": 1}' \
    | pretty '{id, kind, symbol, direction, entry, stop_loss, take_profits, accepted, parser, parse_uid}'
echo

# A batch: answers in the same order, each with its id.
post /v1/parse/batch '{"messages": [
    {"id": "a", "text": "EURUSD sell limit 1.0920 sl 1.0960 tp 1.0880"},
    {"id": "b", "text": "Move SL to breakeven on EURUSD"},
    {"id": "c", "text": "Good morning traders!"}]}' \
    | pretty '.results[] | {id, kind, symbol, accepted}'
echo
