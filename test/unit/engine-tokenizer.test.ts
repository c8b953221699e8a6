import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vocab } from '../../main/engine/manifest';
import { Tokenizer, wordsOf } from '../../main/engine/tokenizer';

const root = path.resolve(__dirname, '..', '..');
const fixture = JSON.parse(readFileSync(path.join(root, 'test/fixtures/tokenizer.json'), 'utf8')) as {
  max_tokens: number;
  vocab: string;
  cases: { prompt: string; ids: number[]; unknown_words: string[] }[];
  readings: { vocab: unknown; cases: { prompt: string; ids: number[]; unknown_words: string[] }[] };
};
// The pack's vocabulary (the fixture names it); STUDIO_TEST_VOCAB points elsewhere for development only.
const vocabFile = process.env.STUDIO_TEST_VOCAB ?? path.join(root, fixture.vocab);

describe('tokenizer', () => {
  it('splits words exactly like the training code', () => {
    expect(wordsOf("A Red-Ball's  JUMP!!\tnow_2x")).toEqual(['a', 'red', 'ball', 's', 'jump', 'now', '2x']);
    expect(wordsOf('Ünïcode café')).toEqual(['n', 'code', 'caf']);
    expect(wordsOf('   ')).toEqual([]);
  });

  it('pads, truncates and reports unknown words once, in order', () => {
    const t = new Tokenizer({ words: ['<pad>', '<unk>', 'a', 'ball'], maxTokens: 4, padId: 0, unkId: 1 });
    expect(t.tokenize('a zebra ball zebra')).toEqual({ ids: [2, 1, 3, 1], unknownWords: ['zebra'], truncatedWords: [] });
    expect(t.tokenize('a ball')).toEqual({ ids: [2, 3, 0, 0], unknownWords: [], truncatedWords: [] });
    expect(t.tokenize('a a a a ball zz').truncatedWords).toEqual(['ball', 'zz']);
    expect(t.tokenize('<pad> unk').ids).toEqual([1, 1, 0, 0]);
    expect(t.nullIds()).toEqual([0, 0, 0, 0]);
  });

  it(`gives exactly the Python ids for every prompt of test/fixtures/tokenizer.json (${fixture.cases.length} cases)`, () => {
    expect(existsSync(vocabFile), `the pack vocabulary ${vocabFile} is missing`).toBe(true);
    const vocab = JSON.parse(readFileSync(vocabFile, 'utf8')) as { words: string[]; max_tokens?: number; pad_id?: number; unk_id?: number };
    const readings = Vocab.parse(vocab).readings;
    const t = new Tokenizer({ words: vocab.words, readings, maxTokens: fixture.max_tokens, padId: vocab.pad_id ?? 0, unkId: vocab.unk_id ?? 1 });
    expect(fixture.cases.length).toBeGreaterThan(10);
    for (const c of fixture.cases) {
      const r = t.tokenize(c.prompt);
      expect({ prompt: c.prompt, ids: r.ids, unknown: r.unknownWords }).toEqual({ prompt: c.prompt, ids: c.ids, unknown: c.unknown_words });
    }
  });

  it('reads left and right as a motion, a pan or a place where the vocabulary has readings (the Python ids, every fixture prompt)', () => {
    const vocab = Vocab.parse(fixture.readings.vocab);
    expect(vocab.readings?.length).toBeGreaterThan(0);
    const t = new Tokenizer({ words: vocab.words, readings: vocab.readings, maxTokens: fixture.max_tokens, padId: 0, unkId: 1 });
    const read = (p: string) => t.tokenize(p).ids.filter((i) => i > 0).map((i) => vocab.words[i]);
    expect(read('a red ball on the left moves right, the camera pans right')).toEqual(
      ['a', 'red', 'ball', 'on', 'the', 'left@place', 'moves', 'right', 'the', 'camera', 'pans', 'right@pan']);
    // without readings the same vocabulary gives every "right" one token, as packs up to 0.9.0 read it
    const plain = new Tokenizer({ words: vocab.words, maxTokens: fixture.max_tokens, padId: 0, unkId: 1 });
    expect(plain.tokenize('the camera pans right').ids.slice(0, 4)).toEqual(t.tokenize('the camera pans').ids.slice(0, 3).concat([vocab.words.indexOf('right')]));
    for (const c of fixture.readings.cases) {
      const r = t.tokenize(c.prompt);
      expect({ prompt: c.prompt, ids: r.ids, unknown: r.unknownWords }).toEqual({ prompt: c.prompt, ids: c.ids, unknown: c.unknown_words });
    }
  });
});
