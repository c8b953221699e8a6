/**
 * The pack's tokenizer, exactly the training code's rule (model/studio_model/text.py):
 * lowercase; every character not a-z or 0-9 becomes a space; split on whitespace;
 * word -> index in vocab "words" (indices 0 and 1 are <pad>/<unk> and never match a word),
 * else unk_id, the word reported once, in order of first appearance; truncate to max_tokens;
 * pad with pad_id to max_tokens.
 * Readings (vocab.json "readings", packs trained with them): before the lookup, a word listed in a
 * reading whose previous word (one word of its `skip` passed over) is in its `after` becomes
 * word + suffix ("pans right" -> "right@pan", "on the left" -> "left@place"); the first match wins.
 * They let a model tell a motion from a pan or a place that share the word (model/README, session 20).
 */
import type { Reading } from './manifest';
import type { Pack } from './packs';

export interface TokenizerSpec {
  words: string[];
  maxTokens: number;
  padId: number;
  unkId: number;
  readings?: Reading[];
}

export interface Tokenized {
  ids: number[];
  unknownWords: string[];
  /** Words beyond max_tokens that the model never sees (reported too, never silently dropped). */
  truncatedWords: string[];
}

export function wordsOf(prompt: string): string[] {
  return prompt
    .toLowerCase()
    .replace(/[^a-z0-9]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** words with the readings applied; the same rule as model/studio_model/text.py read_words */
export function readWords(words: string[], readings: Reading[]): string[] {
  return words.map((w, i) => {
    for (const r of readings) {
      if (!r.words.includes(w)) continue;
      let j = i - 1;
      if (j >= 0 && r.skip.includes(words[j]!)) j -= 1;
      if (j >= 0 && r.after.includes(words[j]!)) return w + r.suffix;
    }
    return w;
  });
}

export class Tokenizer {
  private readonly index = new Map<string, number>();

  constructor(readonly spec: TokenizerSpec) {
    spec.words.forEach((w, i) => {
      if (i >= 2 && !this.index.has(w)) this.index.set(w, i);
    });
  }

  /** The tokenizer a pack's text encoder was trained with: its words, readings and text settings. */
  static forPack(pack: Pack): Tokenizer {
    const t = pack.manifest.text;
    return new Tokenizer({ words: pack.words, readings: pack.readings, maxTokens: t.max_tokens, padId: t.pad_id, unkId: t.unk_id });
  }

  tokenize(prompt: string): Tokenized {
    const ids: number[] = [];
    const unknownWords: string[] = [];
    const words = readWords(wordsOf(prompt), this.spec.readings ?? []);
    for (const w of words) {
      const i = this.index.get(w);
      if (i === undefined) {
        if (!unknownWords.includes(w)) unknownWords.push(w);
        ids.push(this.spec.unkId);
      } else ids.push(i);
    }
    const truncatedWords = words.slice(this.spec.maxTokens);
    const out = ids.slice(0, this.spec.maxTokens);
    while (out.length < this.spec.maxTokens) out.push(this.spec.padId);
    return { ids: out, unknownWords, truncatedWords };
  }

  /** The null prompt of classifier-free guidance. */
  nullIds(nullPrompt = ''): number[] {
    return this.tokenize(nullPrompt).ids;
  }
}
