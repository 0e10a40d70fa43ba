// gzip for the call library's R2 objects (worker/src/blobs.rs), with the
// runtime's own CompressionStream / DecompressionStream: the Worker's wasm
// carries no compression code. `new Blob([bytes])` copies the bytes at once,
// so a view into wasm memory may be passed.

async function through(bytes, transform) {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The bytes gzip-compressed. */
export function gzip(bytes) {
  return through(bytes, new CompressionStream("gzip"));
}

/** gzip-compressed bytes decompressed; rejects on bytes that are not gzip. */
export function gunzip(bytes) {
  return through(bytes, new DecompressionStream("gzip"));
}
