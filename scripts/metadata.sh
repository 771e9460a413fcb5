#!/usr/bin/env bash
# Regenerates client/metadata/contracts-node-0.42.0.scale, the runtime metadata (V15, with
# runtime APIs such as ContractsApi) that `#[subxt::subxt]` generates the client's node types
# from. Run it after changing the pinned node version; it starts a temporary dev node.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/client/metadata/contracts-node-0.42.0.scale}
node=${CONTRACTS_NODE:-substrate-contracts-node}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$node" --dev --tmp --rpc-port "$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
python3 - "$port" "$out" <<'PY'
import json, sys, time, urllib.request
port, out = sys.argv[1], sys.argv[2]
def rpc(method, params):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}",
        data=json.dumps({"id": 1, "jsonrpc": "2.0", "method": method, "params": params}).encode(),
        headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["result"]
for _ in range(120):
    try:
        answer = rpc("state_call", ["Metadata_metadata_at_version", "0x0f000000"]); break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the node did not answer")
data = bytes.fromhex(answer[2:])
assert data[0] == 1, "the node has no V15 metadata"
mode = data[1] & 3
length, offset = {0: (data[1] >> 2, 2), 1: (int.from_bytes(data[1:3], "little") >> 2, 3),
                  2: (int.from_bytes(data[1:5], "little") >> 2, 5)}[mode]
metadata = data[offset:offset + length]
assert metadata[:4] == b"meta" and metadata[4] == 15
open(out, "wb").write(metadata)
print(f"wrote {len(metadata)} bytes of V15 metadata to {out}")
PY
