import { Readable } from 'node:stream';

/**
 * Reads the first `bytes` of a stream (a web stream or a Node one: any async iterable of bytes)
 * and returns them with a Node stream of the whole content (head included), so an upload can be
 * sniffed and then stored without buffering it.
 */
export async function peekStream(stream: AsyncIterable<Uint8Array>, bytes: number): Promise<{ head: Uint8Array; body: Readable }> {
  const source = stream[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let finished = false;
  while (length < bytes) {
    const { value, done } = await source.next();
    if (done) {
      finished = true;
      break;
    }
    chunks.push(value);
    length += value.length;
  }
  const head = Buffer.concat(chunks).subarray(0, bytes);
  async function* all() {
    yield* chunks;
    if (finished) return;
    for (;;) {
      const { value, done } = await source.next();
      if (done) return;
      yield value;
    }
  }
  return { head, body: Readable.from(all(), { objectMode: false }) };
}
