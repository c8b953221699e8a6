/**
 * The pack's tokenizer, exactly the training code's rule (model/studio_model/text.py):
 * lowercase; every character not a-z or 0-9 becomes a space; split on whitespace;
 * word -> index in vocab "words" (indices 0 and 1 are <pad>/<unk> and never match a word),
 * else unk_id, the word reported once, in order of first appearance; truncate to max_tokens;
 * pad with pad_id to max_tokens.
 */
export interface TokenizerSpec {
  words: string[];
  maxTokens: number;
  padId: number;
  unkId: number;
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

export class Tokenizer {
  private readonly index = new Map<string, number>();

  constructor(readonly spec: TokenizerSpec) {
    spec.words.forEach((w, i) => {
      if (i >= 2 && !this.index.has(w)) this.index.set(w, i);
    });
  }

  tokenize(prompt: string): Tokenized {
    const ids: number[] = [];
    const unknownWords: string[] = [];
    const words = wordsOf(prompt);
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
