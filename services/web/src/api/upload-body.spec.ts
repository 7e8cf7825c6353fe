import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UPLOAD_MEDIA } from './operations.ts';
import { buildUploadForm } from './upload-body.ts';

// Encoded as a browser would send it, so the checks see what goes over the wire.
async function encode(form: FormData): Promise<{ contentType: string; raw: string; parsed: FormData }> {
  const request = new Request('http://localhost/graphql', { method: 'POST', body: form });
  return { contentType: request.headers.get('content-type') ?? '', raw: await request.clone().text(), parsed: await request.formData() };
}

describe('buildUploadForm (GraphQL multipart request spec)', () => {
  const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 0xff, 0xd9])], { type: 'image/jpeg' });

  it('sends operations with a null file and the options, a map pointing at the file, then the file', async () => {
    const { contentType, raw, parsed } = await encode(
      buildUploadForm(photo, 'grand père.jpg', { scale: 4, colorize: 'OFF', repair: 'OFF', frameRateFactor: 1 }),
    );
    assert.match(contentType, /^multipart\/form-data; boundary=/);
    assert.deepEqual([...parsed.keys()], ['operations', 'map', '0'], 'operations and map come before the file');
    const operations = JSON.parse(String(parsed.get('operations'))) as { query: string; operationName: string; variables: unknown };
    assert.equal(operations.query, UPLOAD_MEDIA.query);
    assert.equal(operations.operationName, 'WebUploadMedia');
    assert.deepEqual(operations.variables, { file: null, options: { scale: 4, colorize: 'OFF', repair: 'OFF', frameRateFactor: 1 } });
    assert.deepEqual(JSON.parse(String(parsed.get('map'))), { '0': ['variables.file'] });
    const file = parsed.get('0') as File;
    assert.equal(file.name, 'grand père.jpg');
    assert.equal(file.type, 'image/jpeg');
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 0xff, 0xd9]));
    assert.ok(raw.indexOf('name="operations"') < raw.indexOf('name="map"') && raw.indexOf('name="map"') < raw.indexOf('name="0"'));
  });
});
