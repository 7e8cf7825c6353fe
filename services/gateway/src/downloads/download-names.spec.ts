import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachmentDisposition, downloadName, originalName, uniqueNamer } from './download-names.ts';

describe('download names', () => {
  it("puts .revive and the new extension in place of the item's own", () => {
    assert.equal(downloadName('grandma.jpg', 'jpg'), 'grandma.revive.jpg');
    assert.equal(downloadName('bridge 1880.tif', 'webp'), 'bridge 1880.revive.webp');
    assert.equal(downloadName('noext', 'png'), 'noext.revive.png');
    assert.equal(downloadName('.jpg', 'png'), '.jpg.revive.png', 'a leading dot is no extension');
    assert.equal(downloadName('', 'png'), 'result.revive.png');
  });

  it('keeps no path separator or control character (no zip-slip, no header injection)', () => {
    assert.equal(downloadName('../../etc/passwd.jpg', 'png'), '.._.._etc_passwd.revive.png');
    assert.equal(downloadName('a\\b\r\nc.jpg', 'png'), 'a_b__c.revive.png');
  });

  it('gives the original back under the name it was uploaded with, made as safe', () => {
    assert.equal(originalName('grandma 1952.JPG'), 'grandma 1952.JPG');
    assert.equal(originalName('../../etc/passwd'), '.._.._etc_passwd');
    assert.equal(originalName(' \r\n '), '__');
    assert.equal(originalName(''), 'original');
  });

  it('numbers repeated names, case-insensitively, before .revive', () => {
    const name = uniqueNamer();
    assert.deepEqual(
      [name('a.jpg', 'png'), name('a.png', 'png'), name('A.tif', 'png'), name('a.jpg', 'mp4'), name('a (2).jpg', 'png')],
      ['a.revive.png', 'a (2).revive.png', 'A (3).revive.png', 'a.revive.mp4', 'a (2) (2).revive.png'],
    );
  });

  it('states an attachment with an ASCII fallback and the UTF-8 name', () => {
    assert.equal(
      attachmentDisposition('grandma.revive.jpg'),
      `attachment; filename="grandma.revive.jpg"; filename*=UTF-8''grandma.revive.jpg`,
    );
    assert.equal(
      attachmentDisposition(`Groß "mère"'s 100%.revive.png`),
      `attachment; filename="Gro_ _m_re_'s 100_.revive.png"; filename*=UTF-8''Gro%C3%9F%20%22m%C3%A8re%22%27s%20100%25.revive.png`,
    );
  });
});
