"""Names in Chinese script written in Latin letters, so that "华为技术有限公司" meets "Huawei
Technologies Co., Ltd." and "深圳市中兴通讯" meets "Shenzhen Zhongxing Telecom".

Each run of Chinese characters is taken apart as `cjk` takes it apart: the place becomes its
Latin name, the trade words their English meaning, the legal form its code, and what is left,
the firm's own name, its Hanyu Pinyin without tones and with the syllables run together
("华为" is "huawei"), the way Chinese firms write their names in Latin letters. A name written
"Zhong Xing" still meets "zhongxing": the matcher pairs a word with neighbouring words run
together (`scoring`).

Pinyin comes from anyascii (ISC, kept), which also reads every other script here (`normalise`):
each character's most common Mandarin reading. pypinyin reads a character by the phrase it
stands in ("长城" is "changcheng", not "zhangcheng"), but its phrase dictionary costs each
process about 45 MB, which would take a CSL-sized import past its 300 MB; and a character read
another way differs by a letter or two, which the typo rule absorbs ("zhangcheng" still meets
"Changcheng"). A name translated rather than transliterated ("海康威视" is "Hikvision") cannot
be reached this way.
"""

from __future__ import annotations

import re

from anyascii import anyascii

from service.screening import cjk

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LEGAL = dict(cjk.LEGAL_SUFFIXES)
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")


def romanised(name: str) -> str | None:
    """The name with its Chinese characters in Latin letters, or None if it has none."""
    if name.isascii() or not _HAN.search(name):
        return None
    return " ".join(_RUN.sub(lambda run: f" {_latin(run.group())} ", name).split())


def _latin(run: str) -> str:
    code = _LEGAL.get(run)
    if code is not None:  # the legal form alone, after a place in brackets
        return code
    legal: list[str] = []
    words = [_word(part) for part in cjk.take_apart(run, legal)]
    return " ".join(words + legal)


def _word(part: str) -> str:
    if part.isascii():  # a place `cjk` has already named in Latin letters
        return part
    return cjk.TRADE_MEANINGS.get(part) or cjk.PLACES.get(part) or anyascii(part).casefold()
