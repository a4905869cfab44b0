"""One word of a name standing for a run of the other name's words.

- **Initials** ("SMIC", Semiconductor Manufacturing International Corporation): a word of two to
  six letters spells the first letters of a run of the other name's words, in order. Inside the
  run a generic word or a place may be left out ("CETC", China Electronics Technology Group
  Corporation, leaves out Group), a distinctive word never; the last letter may be the legal
  form's ("C" for Corporation). A word of two letters must spell its run exactly.
- **Run together** ("Zhongxing", "Zhong Xing"; "Hikvision", "Hik Vision"): a word of five
  letters or more is two or three neighbouring words of the other name written as one, within
  the typo rule of `scoring`.

The index files a name under the initials its words can give (`initials_keys`), so that a
name is found from its acronym and an acronym from the full name.
"""

from __future__ import annotations

from collections.abc import Callable

from service.screening.parts import WORD, Parts

SHORTEST, LONGEST = 2, 6  # letters of a word read as initials
MAX_KEYS = 8  # initials a name is filed under
JOINED_FROM = 5  # letters of a word read as neighbouring words run together
MAX_EDITS = 2  # as in `scoring`: run-together words differ by a typo at most

# A word of one name standing for a run of words of the other:
# (the name with the word, its index, the other name, the run's indexes).
Run = tuple[Parts, int, Parts, tuple[int, ...]]


def acronyms(short: Parts, long: Parts, used_short: set[int], used_long: set[int]) -> list[Run]:
    """Unpaired words of `short` that are the initials of a run of unpaired words of `long`;
    marks the words they use as used."""
    found: list[Run] = []
    starts = _first_letters(long.tokens, used_long)
    for i, word in enumerate(short.tokens):
        if i in used_short or word[0] not in starts or not SHORTEST <= len(word) <= LONGEST \
                or not word.isalpha():
            continue
        run = _spelled(word, long, used_long)
        if run:
            found.append((short, i, long, run))
            used_short.add(i)
            used_long.update(run)
    return found


def _spelled(word: str, long: Parts, used: set[int]) -> tuple[int, ...] | None:
    exact = len(word) == SHORTEST
    legal = "" if exact else "".join(code[0] for code in long.legal)
    tokens = long.tokens

    def spell(letter: int, k: int) -> tuple[int, ...] | None:
        if letter == len(word):
            return ()
        if k == len(tokens) or k in used or long.numeric[k]:
            return () if letter == len(word) - 1 and word[letter] in legal else None
        if tokens[k][0] == word[letter]:
            rest = spell(letter + 1, k + 1)
            if rest is not None:
                return (k, *rest)
        if not exact and long.weights[k] < WORD and letter > 0:
            return spell(letter, k + 1)  # a generic word or a place inside the run
        return None

    for start in range(len(tokens)):
        if start not in used and tokens[start][0] == word[0]:
            run = spell(0, start)
            if run is not None and len(run) >= 2:
                return run
    return None


def joined(a: Parts, b: Parts, used_a: set[int], used_b: set[int],
           similar: Callable[[str, str], float]) -> list[tuple[Run, float]]:
    """Unpaired words of `a` that are two or three neighbouring unpaired words of `b` run
    together, with how similar; marks the words they use as used."""
    found: list[tuple[Run, float]] = []
    tokens = b.tokens
    starts = _first_letters(tokens, used_b)
    for i, word in enumerate(a.tokens):
        if i in used_a or len(word) < JOINED_FROM or word[0] not in starts or a.numeric[i]:
            continue
        for size in (2, 3):
            match = _joined_run(word, tokens, size, used_b, similar)
            if match is not None:
                found.append(((a, i, b, match[0]), match[1]))
                used_a.add(i)
                used_b.update(match[0])
                break
    return found


def _first_letters(tokens: tuple[str, ...], used: set[int]) -> set[str]:
    return {token[0] for k, token in enumerate(tokens) if k not in used}


def _joined_run(word: str, tokens: tuple[str, ...], size: int, used: set[int],
                similar: Callable[[str, str], float]) -> tuple[tuple[int, ...], float] | None:
    for start in range(len(tokens) - size + 1):
        if tokens[start][0] != word[0]:
            continue
        run = tuple(range(start, start + size))
        letters = sum(len(tokens[k]) for k in run)
        if abs(letters - len(word)) > MAX_EDITS or not used.isdisjoint(run):
            continue
        similarity = similar(word, "".join(tokens[k] for k in run))
        if similarity:
            return run, similarity
    return None


def initials_keys(parts: Parts) -> set[str]:
    """The initials (three to six letters) a name's runs of words can give, as `acronyms`
    reads them: runs of two words or more from the first word (or the second, after a place or
    a generic word), generic words and places inside kept or left out, the legal form's letter
    at the end or not."""
    tokens = parts.tokens
    if len(tokens) < 2 or not all(t.isascii() and t[:1].isalpha() for t in tokens):
        return set()
    legal = {code[0] for code in parts.legal}
    found: set[str] = set()

    def walk(k: int, letters: str, words: int) -> None:
        if len(found) >= MAX_KEYS or len(letters) > LONGEST:
            return
        if words >= 2 and len(letters) >= 3:
            found.add(letters)
        for letter in legal:
            if words >= 2 and 3 <= len(letters) + 1 <= LONGEST:
                found.add(letters + letter)
        if k < len(tokens):
            walk(k + 1, letters + tokens[k][0], words + 1)
            if parts.weights[k] < WORD and letters:
                walk(k + 1, letters, words)

    walk(1, tokens[0][0], 1)
    if parts.weights[0] < WORD:  # a place or a generic word first may be left out
        walk(2, tokens[1][0], 1)
    return found
