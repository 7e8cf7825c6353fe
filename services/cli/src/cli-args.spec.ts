import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_URL, parseCli } from './cli-args.ts';
import { UsageError } from './errors.ts';

const noEnv = {};

describe('parseCli', () => {
  it('reads an enhance command with every option', () => {
    const command = parseCli(
      [
        'enhance',
        'a.jpg',
        'b.mp4',
        '--out',
        'results/',
        '--scale',
        '4',
        '--colorize',
        'off',
        '--repair',
        'on',
        '--fps-factor',
        '1',
        '--url',
        'https://revive.example/api/graphql',
        '--token',
        't0k',
        '--json',
      ],
      noEnv,
    );
    assert.deepEqual(command, {
      kind: 'enhance',
      files: ['a.jpg', 'b.mp4'],
      outDir: 'results/',
      options: { scale: 4, colorize: 'OFF', repair: 'ON', frameRateFactor: 1 },
      json: true,
      connection: { url: 'https://revive.example/api/graphql', token: 't0k' },
    });
  });

  it('leaves unset options to the server and defaults the rest', () => {
    const command = parseCli(['enhance', 'photo.jpg'], noEnv);
    assert.deepEqual(command, {
      kind: 'enhance',
      files: ['photo.jpg'],
      outDir: '.',
      options: {},
      json: false,
      connection: { url: DEFAULT_URL, token: null },
    });
  });

  it('takes the URL and token from the environment unless flags say otherwise', () => {
    const env = { REVIVE_URL: 'http://gateway:4000/graphql', REVIVE_TOKEN: 'from-env' };
    const fromEnv = parseCli(['status', 'm1'], env);
    assert.deepEqual(fromEnv, {
      kind: 'status',
      id: 'm1',
      json: false,
      connection: { url: 'http://gateway:4000/graphql', token: 'from-env' },
    });
    const fromFlags = parseCli(['status', 'm1', '--url', 'http://other/graphql', '--token', 'flag'], env);
    assert.deepEqual(fromFlags.kind === 'status' && fromFlags.connection, { url: 'http://other/graphql', token: 'flag' });
  });

  it('accepts -o and mixed-case colorize modes', () => {
    const command = parseCli(['enhance', '-o', 'out', 'x.png', '--colorize', 'Auto'], noEnv);
    assert.equal(command.kind === 'enhance' && command.outDir, 'out');
    assert.deepEqual(command.kind === 'enhance' && command.options, { colorize: 'AUTO' });
  });

  it('shows help for --help, `help` and no command', () => {
    for (const argv of [['--help'], ['-h'], ['help'], [], ['enhance', 'x.jpg', '--help']]) {
      assert.deepEqual(parseCli(argv, noEnv), { kind: 'help' }, argv.join(' '));
    }
  });

  const invalid: Array<[string[], RegExp]> = [
    [['enhance'], /at least one file/],
    [['enhance', 'a.jpg', '--scale', '3'], /--scale must be 1, 2 or 4 \(got '3'\)/],
    [['enhance', 'a.jpg', '--scale', 'two'], /--scale must be 1, 2 or 4/],
    [['enhance', 'a.jpg', '--fps-factor', '8'], /--fps-factor must be 1, 2 or 4/],
    [['enhance', 'a.jpg', '--colorize', 'maybe'], /--colorize must be auto, on or off/],
    [['enhance', 'a.jpg', '--repair', 'yes'], /--repair must be auto, on or off \(got 'yes'\)/],
    [['enhance', 'a.jpg', '--scale'], /argument missing/],
    [['enhance', 'a.jpg', '--sclae', '2'], /Unknown option '--sclae'/],
    [['enhance', 'a.jpg', '--url', 'not a url'], /--url is not a URL/],
    [['enhance', 'a.jpg', '--url', 'ftp://host/graphql'], /must be http:\/\/ or https:\/\//],
    [['enhance', 'a.jpg', '--out', ''], /--out needs a directory/],
    [['status'], /exactly one media id/],
    [['status', 'a', 'b'], /exactly one media id/],
    [['status', 'a', '--scale', '2'], /--scale does not apply to status/],
    [['status', 'a', '--repair', 'off'], /--repair does not apply to status/],
    [['restore', 'a.jpg'], /unknown command 'restore'/],
  ];
  for (const [argv, message] of invalid) {
    it(`rejects: revive ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseCli(argv, noEnv),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});
