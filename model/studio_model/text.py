"""Vocabulary and tokenizer of the pack (the rule is trivially identical in TypeScript).

Rule: lowercase; every character that is not a-z or 0-9 becomes a space; split on whitespace;
each word -> its index in vocab.json "words", or 1 (<unk>, and the word is reported as unknown);
truncate to max_tokens, pad with 0 (<pad>) to max_tokens.

Word readings (DiTConfig.word_readings, vocab.json "readings"; off in packs up to 0.9.0): "left" and
"right" right after a pan verb ("pans right") or after a place preposition ("on the right") become
tokens of their own ("right@pan", "right@place"), so plain "right" means only a motion. Why: the word
had three readings that move the object opposite ways on screen (a motion right; a pan right, which
shifts everything left; a place on the right, where a leftward motion starts). Session 20's probe
(model/README) showed the denoiser's prediction from pure noise for "a red ball moves right" as two
balls crossing, the mean of a right and a left travel, and no checkpoint since 0.7.0 had moved an
object right in the evaluation. The rule mirrors how world.parse reads a pan and a place.
"""
from typing import List, Tuple

# the parser's own word tables, so an object's phrase (word_roles) is read as the parser reads it
from .world import (DIR_WORDS, MOVE_VERBS, PALETTE, PLACE_WORDS, QUICK_WORDS, SHAPE_WORDS, SIMPLE_MOTION, SIZE_WORDS,
                    SLOW_WORDS, vocabulary_words, words_of)

MAX_TOKENS = 32
PAD_ID = 0
UNK_ID = 1
# (words, the word before them (skipping "the" where skip lists it), token suffix); the first match wins
READINGS = [
    {"words": ["left", "right"], "after": ["pans", "pan", "panning"], "skip": [], "suffix": "@pan"},
    {"words": ["left", "right"], "after": ["on", "at", "in", "to", "from"], "skip": ["the"], "suffix": "@place"},
]
# Appended after the plain vocabulary (171 words), so every older checkpoint's word ids stay as they
# were; tools/repatch.py --word-readings on grows a checkpoint's embedding table to hold them.
READING_WORDS: List[str] = [w + r["suffix"] for r in READINGS for w in r["words"]]
WORDS: List[str] = vocabulary_words() + READING_WORDS
_INDEX = {w: i for i, w in enumerate(WORDS)}


# Which object's phrase a word can belong to (DiTConfig.phrase_bind): words said before an object's noun
# (its colour, its size), the noun, and words said after it (its motion, speed, place). Every other word
# (articles, joiners, the scene, the camera and its "left@pan") belongs to no object. The order is
# the generator's and the parser's (world.phrase, world.parse): "a big red ball on the left moves right".
ROLE_NONE, ROLE_BEFORE, ROLE_NOUN, ROLE_AFTER = 0, 1, 2, 3
_BEFORE = set(PALETTE) | set(SIZE_WORDS)
_AFTER = (set(DIR_WORDS) | set(MOVE_VERBS) | set(SIMPLE_MOTION) | set(SLOW_WORDS) | set(QUICK_WORDS)
          | set(PLACE_WORDS) | {"gets", "get", "getting", "bigger", "smaller", "around", "stays", "stay", "staying",
                                "left@place", "right@place"})


def word_roles() -> List[int]:
    """each word id's role in an object's phrase (ROLE_*), in WORDS order"""
    return [ROLE_BEFORE if w in _BEFORE else ROLE_NOUN if w in SHAPE_WORDS else ROLE_AFTER if w in _AFTER
            else ROLE_NONE for w in WORDS]


def read_words(words: List[str]) -> List[str]:
    """words with the readings applied ("pans", "right" -> "pans", "right@pan")"""
    out = []
    for i, w in enumerate(words):
        for r in READINGS:
            if w not in r["words"]:
                continue
            j = i - 1
            if j >= 0 and words[j] in r["skip"]:
                j -= 1
            if j >= 0 and words[j] in r["after"]:
                w = w + r["suffix"]
                break
        out.append(w)
    return out


def tokenize(prompt: str, max_tokens: int = MAX_TOKENS, readings: bool = False) -> Tuple[List[int], List[str]]:
    """(ids, unknown words). readings: the model's DiTConfig.word_readings; a model's own prompts go
    through VideoModel.tokens, which passes it, so no caller has to remember which way a model reads."""
    ids, unknown = [], []
    words = words_of(prompt)
    if readings:
        words = read_words(words)
    for w in words:
        i = _INDEX.get(w)
        if i is None or i < 2:
            i = UNK_ID
            if w not in unknown:
                unknown.append(w)
        ids.append(i)
    ids = ids[:max_tokens]
    ids = ids + [PAD_ID] * (max_tokens - len(ids))
    return ids, unknown


def vocab_json(readings: bool = False):
    extra = {"readings": READINGS} if readings else {}
    # a pack without readings lists only the words its prompts can reach (its embedding table has no rows
    # for the readings' tokens)
    words = WORDS if readings else WORDS[:-len(READING_WORDS)]
    return {"words": words, "pad_id": PAD_ID, "unk_id": UNK_ID, "max_tokens": MAX_TOKENS, **extra,
            "rule": "lowercase; replace every character not in [a-z0-9] with a space; split on "
                    "whitespace; word -> index in words, else unk_id (word reported unknown, each "
                    "distinct word once, in order of first appearance); truncate to max_tokens; "
                    "pad with pad_id to max_tokens" + ("; readings, before the lookup: a word in a reading's words whose "
                    "previous word (after skipping one word in its skip) is in its after becomes word + suffix; "
                    "the first reading that matches wins" if readings else "")}
