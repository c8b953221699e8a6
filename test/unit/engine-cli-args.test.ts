import { describe, expect, it, vi } from 'vitest';
import { ArgError, parseArgs, type GenerateArgs } from '../../main/cli/args';
import { main } from '../../main/cli/studio';

const gen = (...a: string[]) => parseArgs(['generate', ...a], () => 0.5) as GenerateArgs;
const err = (...a: string[]) => {
  try {
    gen(...a);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${a.join(' ')}`);
};

describe('studio generate arguments', () => {
  it('reads every option, in both --opt value and --opt=value forms', () => {
    expect(gen('--prompt', 'a red ball', '--seed', '7', '--steps', '8', '--guidance', '2.5', '--aspect', '1:1', '--out', 'o')).toMatchObject({
      command: 'generate',
      prompt: 'a red ball',
      seed: 7,
      seedGiven: true,
      steps: 8,
      guidance: 2.5,
      aspect: '1:1',
      out: 'o',
      task: { kind: 'text-to-video' },
    });
    expect(gen('--prompt=x', '--out=o', '--seed=3')).toMatchObject({ prompt: 'x', out: 'o', seed: 3 });
    expect(gen('--prompt', 'x', '--out', 'o')).toMatchObject({ seed: 2 ** 30, seedGiven: false });
    expect(gen('--image', 'p.png', '--out', 'o').task).toEqual({ kind: 'image-to-video', image: 'p.png' });
    expect(gen('--extend', 'run1', '--direction', 'backward', '--out', 'o').task).toEqual({ kind: 'extend', source: 'run1', direction: 'backward' });
    expect(gen('--extend', 'run1', '--direction', 'forward', '--overlap', '2', '--out', 'o').task).toEqual({ kind: 'extend', source: 'run1', direction: 'forward', overlap: 2 });
    expect(gen('--from', 'a.png', '--to', 'b.png', '--out', 'o').task).toEqual({ kind: 'infill', from: 'a.png', to: 'b.png' });
    expect(gen('--retake', 'run1', '--range', '5:9', '--out', 'o').task).toEqual({ kind: 'retake', source: 'run1', range: [5, 9] });
    expect(gen('--prompt', 'x', '--out', 'o', '--models', 'a', '--models', 'b', '--pack', 'world-s')).toMatchObject({ models: ['a', 'b'], pack: 'world-s' });
  });

  it('names the option and what it accepts when an argument is bad', () => {
    expect(err('--prompt', 'x')).toMatch(/--out DIR is required/);
    expect(err('--out', 'o')).toMatch(/--prompt TEXT is required for text-to-video/);
    expect(err('--prompt', 'x', '--out', 'o', '--seed', 'abc')).toMatch(/--seed takes a whole number from 0 to 2147483647, not "abc"/);
    expect(err('--prompt', 'x', '--out', 'o', '--seed', '-1')).toMatch(/--seed takes/);
    expect(err('--prompt', 'x', '--out', 'o', '--seed', '2147483648')).toMatch(/--seed takes/);
    expect(err('--prompt', 'x', '--out', 'o', '--steps', '0')).toMatch(/--steps takes a whole number of steps from 1 to 100, not "0"/);
    expect(err('--prompt', 'x', '--out', 'o', '--steps', '2.5')).toMatch(/--steps takes/);
    expect(err('--prompt', 'x', '--out', 'o', '--guidance', 'lots')).toMatch(/--guidance takes a number from 0 to 20/);
    expect(err('--prompt', 'x', '--out', 'o', '--guidance', '21')).toMatch(/--guidance takes/);
    expect(err('--prompt', 'x', '--out', 'o', '--aspect', '4:3')).toMatch(/--aspect takes 16:9 or 1:1, not "4:3"/);
    expect(err('--extend', 'r', '--out', 'o')).toMatch(/--extend needs --direction forward\|backward/);
    expect(err('--extend', 'r', '--direction', 'sideways', '--out', 'o')).toMatch(/--direction takes forward or backward, not "sideways"/);
    expect(err('--from', 'a.png', '--out', 'o')).toMatch(/--from FILE needs --to FILE/);
    expect(err('--to', 'a.png', '--out', 'o')).toMatch(/--to FILE needs --from FILE/);
    expect(err('--retake', 'r', '--out', 'o')).toMatch(/--retake needs --range A:B/);
    expect(err('--retake', 'r', '--range', '5-9', '--out', 'o')).toMatch(/--range takes A:B/);
    expect(err('--retake', 'r', '--range', '9:5', '--out', 'o')).toMatch(/--range takes A:B with 1 <= A <= B/);
    expect(err('--retake', 'r', '--range', '0:5', '--out', 'o')).toMatch(/--range/);
    expect(err('--image', 'a.png', '--retake', 'r', '--range', '1:2', '--out', 'o')).toMatch(/choose one task: --image and --retake/);
    expect(err('--prompt', 'x', '--out', 'o', '--direction', 'forward')).toMatch(/--direction only goes with --extend/);
    expect(err('--prompt', 'x', '--out', 'o', '--range', '1:2')).toMatch(/--range only goes with --retake/);
    expect(err('--prompt', 'x', '--out', 'o', '--frobnicate')).toMatch(/unknown option --frobnicate/);
    expect(err('--prompt', 'x', '--out', 'o', '--seed', '1', '--seed', '2')).toMatch(/--seed is given twice/);
    expect(err('--prompt', '--out', 'o')).toMatch(/--prompt needs a value/);
    expect(err('--prompt', 'x', '--out', 'o', 'stray')).toMatch(/unexpected argument "stray"/);
  });

  it('exits 2 with the message on stderr; help exits 0', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['generate', '--prompt', 'x', '--out', 'o', '--steps', 'many'])).toBe(2);
      expect(writes.join('')).toMatch(/^studio: --steps takes a whole number of steps from 1 to 100, not "many"/);
      expect(await main(['render'])).toBe(2);
      expect(writes.join('')).toMatch(/unknown command "render"/);
      expect(await main(['generate', '--image', 'no-such-picture.png', '--out', 'o'])).toBe(2);
      expect(writes.join('')).toMatch(/--image no-such-picture\.png: no such file or folder \(--image takes a picture: PNG, JPEG or WebP\)/);
      expect(await main(['generate', '--extend', 'no-such-run', '--direction', 'forward', '--out', 'o'])).toBe(2);
      expect(writes.join('')).toMatch(/--extend no-such-run: no such file or folder/);
      expect(await main(['generate', '--from', __filename, '--to', 'nope.png', '--out', 'o'])).toBe(2);
      expect(writes.join('')).toMatch(/--to nope\.png: no such file/);
      expect(await main(['help'])).toBe(0);
      expect(await main(['generate', '--help'])).toBe(0);
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  });
});
