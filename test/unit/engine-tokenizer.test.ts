import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer, wordsOf } from '../../main/engine/tokenizer';

const root = path.resolve(__dirname, '..', '..');
const fixture = JSON.parse(readFileSync(path.join(root, 'test/fixtures/tokenizer.json'), 'utf8')) as {
  max_tokens: number;
  vocab: string;
  cases: { prompt: string; ids: number[]; unknown_words: string[] }[];
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
    const t = new Tokenizer({ words: vocab.words, maxTokens: fixture.max_tokens, padId: vocab.pad_id ?? 0, unkId: vocab.unk_id ?? 1 });
    expect(fixture.cases.length).toBeGreaterThan(10);
    for (const c of fixture.cases) {
      const r = t.tokenize(c.prompt);
      expect({ prompt: c.prompt, ids: r.ids, unknown: r.unknownWords }).toEqual({ prompt: c.prompt, ids: c.ids, unknown: c.unknown_words });
    }
  });
});
