// gzip for the call library's R2 objects (worker/src/blobs.rs), with the
// runtime's own CompressionStream / DecompressionStream: the Worker's wasm
// carries no compression code. `new Blob([bytes])` copies the bytes at once,
// so a view into wasm memory may be passed. One export: worker-build lists a
// snippet's imports under one key per function, and a second would replace
// the first.

/** The bytes gzip-compressed, or (`inflate`) gzip bytes decompressed; rejects on bytes that are not gzip. */
export async function gzip(bytes, inflate) {
  const transform = inflate ? new DecompressionStream("gzip") : new CompressionStream("gzip");
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
