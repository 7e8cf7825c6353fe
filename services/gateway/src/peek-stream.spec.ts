import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { peekStream } from './peek-stream.ts';

const bytes = (length: number, from = 0) => Uint8Array.from({ length }, (_, i) => (from + i) % 251);

/** A web stream that hands out exactly these chunks, one per pull, and counts the pulls. */
function streamOf(chunks: readonly Uint8Array[]): { stream: ReadableStream<Uint8Array>; pulls: () => number } {
  let index = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[index++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => index };
}

const concat = (chunks: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));

describe('peekStream: the first bytes for sniffing, then the whole content for storing', () => {
  it('returns a shorter head when the stream ends first, and the body is those bytes', async () => {
    const chunks = [bytes(40), bytes(30, 40)];
    const { head, body } = await peekStream(streamOf(chunks).stream, 256);
    assert.deepEqual(new Uint8Array(head), concat(chunks));
    assert.deepEqual(new Uint8Array(await buffer(body)), concat(chunks));
  });

  it('returns exactly the requested head when a chunk ends on the boundary, without reading further', async () => {
    const chunks = [bytes(100), bytes(156, 100), bytes(500, 256)];
    const source = streamOf(chunks);
    const { head, body } = await peekStream(source.stream, 256);
    assert.equal(head.length, 256);
    assert.deepEqual(new Uint8Array(head), bytes(256));
    assert.equal(source.pulls(), 2, 'the rest is read only when the body is');
    assert.deepEqual(new Uint8Array(await buffer(body)), concat(chunks));
  });

  it('cuts the head inside a chunk that spans the boundary and keeps that chunk whole in the body', async () => {
    const chunks = [bytes(10), bytes(300, 10), bytes(7, 310), bytes(1000, 317)];
    const { head, body } = await peekStream(streamOf(chunks).stream, 256);
    assert.deepEqual(new Uint8Array(head), bytes(256));
    const all = await buffer(body);
    assert.equal(all.length, 1317);
    assert.deepEqual(new Uint8Array(all), concat(chunks));
  });

  it('handles a single chunk larger than the head, and an empty stream', async () => {
    const one = bytes(4096);
    const peeked = await peekStream(streamOf([one]).stream, 256);
    assert.deepEqual(new Uint8Array(peeked.head), one.subarray(0, 256));
    assert.deepEqual(new Uint8Array(await buffer(peeked.body)), one);

    const empty = await peekStream(streamOf([]).stream, 256);
    assert.equal(empty.head.length, 0);
    assert.equal((await buffer(empty.body)).length, 0);
  });

  it('reproduces a large upload byte for byte from many small chunks', async () => {
    const chunks = Array.from({ length: 2000 }, (_, i) => bytes(1 + (i % 97), i));
    const { head, body } = await peekStream(streamOf(chunks).stream, 256);
    const whole = concat(chunks);
    assert.deepEqual(new Uint8Array(head), whole.subarray(0, 256));
    assert.deepEqual(new Uint8Array(await buffer(body)), whole);
  });
});
