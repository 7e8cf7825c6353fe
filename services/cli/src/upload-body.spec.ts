import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requestHeaders } from './graphql-http.ts';
import { UPLOAD_MEDIA } from './media.ts';
import { buildUploadForm } from './upload-body.ts';

// Encodes the form exactly as fetch would send it, so the checks see the bytes on the wire.
async function encode(form: FormData): Promise<{ contentType: string; raw: string; parsed: FormData }> {
  const request = new Request('http://localhost/graphql', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type') ?? '';
  const raw = await request.clone().text();
  return { contentType, raw, parsed: await request.formData() };
}

describe('buildUploadForm (GraphQL multipart request spec)', () => {
  let dir: string;
  let photo: Blob;
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3, 0xff, 0xd9]);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cli-upload-'));
    await writeFile(join(dir, 'photo.jpg'), bytes);
    photo = await openAsBlob(join(dir, 'photo.jpg'), { type: 'image/jpeg' });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sends operations with a null file variable, a map pointing at it, and the file part', async () => {
    const { contentType, parsed } = await encode(buildUploadForm(photo, 'photo.jpg', { scale: 4, colorize: 'ON' }));
    assert.match(contentType, /^multipart\/form-data; boundary=/);

    const operations = JSON.parse(String(parsed.get('operations')));
    assert.deepEqual(operations, {
      query: UPLOAD_MEDIA.query,
      operationName: 'CliUploadMedia',
      variables: { file: null, options: { scale: 4, colorize: 'ON' } },
    });
    assert.deepEqual(JSON.parse(String(parsed.get('map'))), { '0': ['variables.file'] });

    const file = parsed.get('0');
    assert.ok(file instanceof File);
    assert.equal(file.name, 'photo.jpg');
    assert.equal(file.type, 'image/jpeg');
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), bytes);
    assert.deepEqual([...parsed.keys()], ['operations', 'map', '0']);
  });

  it('puts operations, then map, then the file on the wire (servers stream in that order)', async () => {
    const { raw } = await encode(buildUploadForm(photo, 'photo.jpg', {}));
    const positions = ['name="operations"', 'name="map"', 'name="0"; filename="photo.jpg"'].map((part) => raw.indexOf(part));
    assert.ok(
      positions.every((p) => p >= 0),
      `all parts present: ${positions.join(', ')}`,
    );
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
    );
  });

  it('omits the options variable when no option was given, so server defaults apply', async () => {
    const { parsed } = await encode(buildUploadForm(photo, 'photo.jpg', {}));
    const operations = JSON.parse(String(parsed.get('operations')));
    assert.deepEqual(operations.variables, { file: null });
  });
});

describe('requestHeaders', () => {
  it('carries the CSRF-prevention headers and no authorization without a token', () => {
    const headers = requestHeaders({ url: 'http://localhost/graphql', token: null });
    assert.equal(headers['x-graphql-yoga-csrf'], 'revive-cli');
    assert.equal(headers['apollo-require-preflight'], 'true');
    assert.equal(headers['graphql-preflight'], '1');
    assert.equal(headers.authorization, undefined);
  });

  it('sends the token as a bearer credential', () => {
    assert.equal(requestHeaders({ url: 'http://localhost/graphql', token: 's3cret' }).authorization, 'Bearer s3cret');
  });
});
