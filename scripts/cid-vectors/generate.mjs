// Prints the CIDs that the js-ipfs-unixfs importer (an implementation independent of ours,
// whose output matches Kubo's) gives test files, with the settings of Kubo's
// `ipfs add --cid-version=1`: CIDv1, raw leaves, fixed 256 KiB chunks, balanced DAG with at
// most 174 links per node. The file contents come from the same xorshift32 stream as
// `client/src/documents/tests.rs` (`test_bytes`).
//
//   cd scripts/cid-vectors && npm ci && node generate.mjs > ../../client/tests/data/kubo-cids.json
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { MemoryBlockstore } from 'blockstore-core/memory'

const KiB = 1024
const sizes = [0, 1, 256 * KiB, 256 * KiB + 1, 10 * 1024 * KiB, 174 * 256 * KiB + 256 * KiB + 1]

function testBytes (length) {
  const out = new Uint8Array(length)
  let state = 0x12345678
  for (let i = 0; i < length; i++) {
    state ^= (state << 13) >>> 0
    state >>>= 0
    state ^= state >>> 17
    state ^= (state << 5) >>> 0
    state >>>= 0
    out[i] = state & 0xff
  }
  return out
}

const vectors = []
for (const size of sizes) {
  const blockstore = new MemoryBlockstore()
  const options = {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 256 * KiB }),
    layout: balanced({ maxChildrenPerNode: 174 }),
    wrapWithDirectory: false
  }
  let root
  for await (const entry of importer([{ content: testBytes(size) }], blockstore, options)) {
    root = entry.cid.toString()
  }
  vectors.push({ size, cid: root })
}
console.log(JSON.stringify({
  generator: 'ipfs-unixfs-importer 15.3.2 (cidVersion 1, rawLeaves, fixedSize 262144, balanced 174)',
  content: 'xorshift32 from 0x12345678, low byte of each step',
  vectors
}, null, 2))
