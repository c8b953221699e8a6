"""Vocabulary and tokenizer of the pack (the rule is trivially identical in TypeScript).

Rule: lowercase; every character that is not a-z or 0-9 becomes a space; split on whitespace;
each word -> its index in vocab.json "words", or 1 (<unk>, and the word is reported as unknown);
truncate to max_tokens, pad with 0 (<pad>) to max_tokens.
"""
from typing import List, Tuple

from .world import vocabulary_words, words_of

MAX_TOKENS = 32
PAD_ID = 0
UNK_ID = 1
WORDS: List[str] = vocabulary_words()
_INDEX = {w: i for i, w in enumerate(WORDS)}


def tokenize(prompt: str, max_tokens: int = MAX_TOKENS) -> Tuple[List[int], List[str]]:
    ids, unknown = [], []
    for w in words_of(prompt):
        i = _INDEX.get(w)
        if i is None or i < 2:
            i = UNK_ID
            if w not in unknown:
                unknown.append(w)
        ids.append(i)
    ids = ids[:max_tokens]
    ids = ids + [PAD_ID] * (max_tokens - len(ids))
    return ids, unknown


def vocab_json():
    return {"words": WORDS, "pad_id": PAD_ID, "unk_id": UNK_ID, "max_tokens": MAX_TOKENS,
            "rule": "lowercase; replace every character not in [a-z0-9] with a space; split on "
                    "whitespace; word -> index in words, else unk_id (word reported unknown, each "
                    "distinct word once, in order of first appearance); truncate to max_tokens; "
                    "pad with pad_id to max_tokens"}
