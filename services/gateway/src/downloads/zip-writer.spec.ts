import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { zipStream, type ZipEntry } from './zip-writer.ts';

const run = promisify(execFile);

function entry(name: string, chunks: readonly Uint8Array[], modified = new Date(2024, 4, 17, 13, 45, 30)): ZipEntry {
  return {
    name,
    modified,
    async open() {
      return (async function* () {
        yield* chunks;
      })();
    },
  };
}

async function collect(entries: Iterable<ZipEntry>): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const part of zipStream(entries)) parts.push(part);
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

/** Info-ZIP's own reading of the archive: `unzip -t` checks every CRC, `zipinfo` lists names. */
async function infoZip(bytes: Buffer, check: (dir: string, path: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'revive-zip-spec-'));
  try {
    await writeFile(join(dir, 'a.zip'), bytes);
    await check(dir, join(dir, 'a.zip'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('zipStream: a stored ZIP written as its entries are read', () => {
  it('writes entries chunk by chunk that adm-zip and Info-ZIP read back byte for byte, CRCs checked', async () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    const { bytes, chunks } = await collect([
      entry('grandma.revive.png', [big.subarray(0, 100_000), big.subarray(100_000)]),
      entry('Großmutter (2).revive.jpg', [Buffer.from('ü'), Buffer.from('tf-8 data')]),
      entry('empty.revive.webp', []),
    ]);
    assert.ok(chunks >= 10, 'each entry’s chunks pass through one by one, not gathered');
    const zip = new AdmZip(bytes);
    assert.deepEqual(
      zip.getEntries().map((e) => [e.entryName, e.header.method, e.header.size]),
      [
        ['grandma.revive.png', 0, 300_000],
        ['Großmutter (2).revive.jpg', 0, 11],
        ['empty.revive.webp', 0, 0],
      ],
    );
    assert.deepEqual(new Uint8Array(zip.getEntries()[0]!.getData()), big);
    assert.equal(zip.getEntries()[1]!.getData().toString(), 'ütf-8 data');
    const time = zip.getEntries()[0]!.header.time;
    assert.deepEqual([time.getFullYear(), time.getMonth(), time.getDate(), time.getHours(), time.getMinutes()], [2024, 4, 17, 13, 45]);
    await infoZip(bytes, async (_, path) => {
      const { stdout } = await run('unzip', ['-t', path]);
      assert.match(stdout, /No errors detected/);
      assert.match(stdout, /testing: Großmutter \(2\)\.revive\.jpg\s+OK/);
    });
  });

  it('writes an empty archive when there is nothing to put in it', async () => {
    const { bytes } = await collect([]);
    assert.equal(bytes.length, 22, 'the end record alone');
    assert.equal(new AdmZip(bytes).getEntries().length, 0);
  });

  it('switches to ZIP64 end records past 65,535 entries, which Info-ZIP lists in full', async () => {
    const count = 65_540;
    const { bytes } = await collect(Array.from({ length: count }, (_, i) => entry(`f${i}`, [Uint8Array.of(i & 0xff)])));
    assert.equal(bytes.readUInt32LE(bytes.length - 22), 0x06054b50);
    assert.equal(bytes.readUInt16LE(bytes.length - 22 + 10), 0xffff, 'the classic count says "see ZIP64"');
    assert.equal(bytes.readUInt32LE(bytes.length - 22 - 20), 0x07064b50, 'a ZIP64 locator before it');
    await infoZip(bytes, async (_, path) => {
      const { stdout } = await run('unzip', ['-l', path], { maxBuffer: 64 * 1024 * 1024 });
      assert.match(stdout.trim().split('\n').at(-1)!, new RegExp(`\\s${count} files$`));
    });
  });
});
