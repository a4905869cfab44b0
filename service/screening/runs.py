"""One word of a name standing for a run of the other name's words.

- **Initials** ("ZTE", Zhongxing Telecommunications Equipment): a word of two to six letters
  spells the first letters of a run of the other name's words, in order. A word of four letters
  or more may also leave out a generic word or a place inside the run ("CETC", China
  Electronics Technology Group Corporation, leaves out Group), never a distinctive word, and
  take its last letter from the legal form ("SMIC", Semiconductor Manufacturing International
  Corporation). Shorter ones must spell their run exactly. That looser reading is for a vendor's
  word against a listed name only (`loose`): the lists carry thousands of acronyms, and a
  vendor's long name that spelled one of them by leaving words out would be chance, not
  evidence (the list usually carries the full name beside its acronym anyway).
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
LOOSE_FROM = 4  # letters of initials that may leave words out or end with the legal form
MAX_KEYS = 8  # initials a name is filed under
JOINED_FROM = 5  # letters of a word read as neighbouring words run together
MAX_EDITS = 2  # as in `scoring`: run-together words differ by a typo at most

# A word of one name standing for a run of words of the other:
# (the name with the word, its index, the other name, the run's indexes).
Run = tuple[Parts, int, Parts, tuple[int, ...]]


def acronyms(short: Parts, long: Parts, used_short: set[int], used_long: set[int],
             loose: bool) -> list[Run]:
    """Unpaired words of `short` that are the initials of a run of unpaired words of `long`,
    read loosely or not (see above); marks the words they use as used."""
    found: list[Run] = []
    if len(long.tokens) - len(used_long) < 2:
        return found
    starts = long.first_letters
    for i, word in enumerate(short.tokens):
        if i in used_short or word[0] not in starts or not SHORTEST <= len(word) <= LONGEST \
                or not word.isalpha():
            continue
        run = _spelled(word, long, used_long, loose)
        if run:
            found.append((short, i, long, run))
            used_short.add(i)
            used_long.update(run)
    return found


def _spelled(word: str, long: Parts, used: set[int], loose: bool) -> tuple[int, ...] | None:
    exact = not loose or len(word) < LOOSE_FROM
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
    if len(tokens) - len(used_b) < 2:
        return found
    starts = b.first_letters
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


def _joined_run(word: str, tokens: tuple[str, ...], size: int, used: set[int],
                similar: Callable[[str, str], float]) -> tuple[tuple[int, ...], float] | None:
    first, length = word[0], len(word)
    for start in range(len(tokens) - size + 1):
        head = tokens[start]
        if head[0] != first or len(head) >= length:
            continue
        run = tuple(range(start, start + size))
        letters = sum(len(tokens[k]) for k in run)
        if abs(letters - length) > MAX_EDITS or not used.isdisjoint(run):
            continue
        similarity = similar(word, "".join(tokens[k] for k in run))
        if similarity:
            return run, similarity
    return None


def initials_keys(parts: Parts, loose: bool) -> set[str]:
    """The initials (three to six letters) a name's runs of words can give, as `acronyms`
    reads them: runs of two words or more from the first word (or the second, after a place or
    a generic word); if `loose`, from four letters, generic words and places inside kept or
    left out and the legal form's letter at the end or not."""
    tokens = parts.tokens
    if len(tokens) < 2 or not all(t.isascii() and t[:1].isalpha() for t in tokens):
        return set()
    legal = {code[0] for code in parts.legal}
    found: set[str] = set()

    def keep(letters: str, skipped: bool) -> None:
        if len(letters) >= 3 and (not skipped or loose and len(letters) >= LOOSE_FROM):
            found.add(letters)

    def walk(k: int, letters: str, skipped: bool) -> None:
        if len(found) >= MAX_KEYS or len(letters) > LONGEST:
            return
        keep(letters, skipped)
        if loose and len(letters) >= 2:
            for letter in legal:
                keep(letters + letter, True)
        if k < len(tokens):
            walk(k + 1, letters + tokens[k][0], skipped)
            if loose and parts.weights[k] < WORD:
                walk(k + 1, letters, True)

    walk(1, tokens[0][0], False)
    if parts.weights[0] < WORD:  # a place or a generic word first may be left out
        walk(2, tokens[1][0], False)
    return found
