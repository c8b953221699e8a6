import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLibraryDir, parseHostFlags } from '../../main/paths';

describe('host flags', () => {
  it('defaults to any free port and the user data folder', () => {
    expect(parseHostFlags([])).toEqual({ library: defaultLibraryDir(), port: 0, browser: false, models: [] });
  });
  it('reads --browser, --port N and --library DIR in both spellings', () => {
    expect(parseHostFlags(['--browser', '--port', '8123', '--library', 'lib'])).toEqual({ browser: true, port: 8123, library: path.resolve('lib'), models: [] });
    expect(parseHostFlags(['--port=0', '--library=/tmp/x'])).toEqual({ browser: false, port: 0, library: '/tmp/x', models: [] });
    expect(parseHostFlags(['--models', '/packs', '--models=/more']).models).toEqual(['/packs', '/more']);
  });
  it('names the option and what it accepts when the value is wrong', () => {
    expect(() => parseHostFlags(['--port', 'eighty'])).toThrow(/--port takes a whole number from 0 to 65535/);
    expect(() => parseHostFlags(['--library'])).toThrow(/--library needs a value/);
  });
});
