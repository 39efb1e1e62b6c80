r"""Chinese words for the search index: jieba's segmentation, without loading its whole dictionary.

Material's search splits each run of Han characters into words with ``jieba.cut``, whose first call
loads jieba's dictionary: 349,046 words with their frequencies and every prefix of each, 0.8-1.5 s
of CPU (more where jieba's cache file is missing, as on a fresh machine) for this site's few hundred
Han characters. Segmenting a sentence ``s`` only ever looks the dictionary up at substrings of ``s``:

* the graph of candidate words: from each position, the words ``s[i:j]`` in the dictionary, found by
  extending ``j`` while ``s[i:j]`` is a word or a prefix of one;
* the route: the split maximising :math:`\sum_w \log(\mathrm{freq}(w)) - \log(\mathrm{total})`, where
  ``total`` is the sum of every frequency in the dictionary;
* a stretch of single characters goes to jieba's HMM unless it is itself a word.

So a tokenizer that holds just the entries whose words are substrings of the sentences it is given
(with their prefixes), and the whole dictionary's ``total``, makes the same graph, the same route and
the same words. [`SubsetSegmenter`][dlref.publish.segmenter.SubsetSegmenter] reads jieba's dictionary
file for those entries (a third of the time of jieba's load) and looks up a sentence's substrings
that it has not seen when that sentence comes. ``tests/test_segmenter.py`` compares it with jieba's
own ``cut``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["HAN", "SubsetSegmenter", "han_runs"]

HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
"""A run of Han characters (the CJK Unified Ideographs blocks), what Material's search segments."""

_FREQUENCY = re.compile(r"^\S+ (\d+)", re.MULTILINE)


def han_runs(text: str) -> list[str]:
    """The runs of Han characters in ``text``, in order.

    Examples:
        >>> han_runs("tensor (张量), shape 形状; 2 个")
        ['张量', '形状', '个']
        >>> han_runs(3)
        Traceback (most recent call last):
          ...
        TypeError: text must be a str, not int
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return HAN.findall(text)


class SubsetSegmenter:
    """``cut`` as ``jieba.cut`` gives it, from only the dictionary entries its sentences can use.

    ``jieba``: the jieba module, whose default dictionary (``dict.txt`` beside it) is read. Words of
    up to ``longest`` characters are looked up (jieba's own are at most 16); a longer word in the
    file raises ``ValueError`` when it is read. Any other attribute is the module's, so that the
    segmenter can stand where a caller expects the module (Material's search plugin).

    Examples:
        >>> import jieba
        >>> segmenter = SubsetSegmenter(jieba)
        >>> segmenter.cover(["动手学深度学习"])  # entries looked up ahead, e.g. while waiting
        >>> list(segmenter.cut("动手学深度学习".encode()))
        ['动手', '学', '深度', '学习']
        >>> list(segmenter.cut("张量的形状"))  # a sentence not seen before is looked up as it comes
        ['张量', '的', '形状']
        >>> segmenter.entries < 100  # of 349,046 words and their prefixes
        True
    """

    def __init__(self, jieba: types.ModuleType, longest: int = 32) -> None:
        if not isinstance(jieba, types.ModuleType) or not hasattr(jieba, "Tokenizer"):
            raise TypeError(f"jieba must be the jieba module, not {jieba!r}")
        if not isinstance(longest, int) or longest < 1:
            raise ValueError(f"longest must be a positive int, not {longest!r}")
        self.jieba = jieba
        self.path = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
        self.longest = longest
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.FREQ = {}
        self._tokenizer.total = 0
        self._tokenizer.initialized = True  # so that cut never loads the whole dictionary
        self._seen: set[str] = set()  # substrings looked up

    @property
    def entries(self) -> int:
        """How many words and prefixes the tokenizer holds."""
        return len(self._tokenizer.FREQ)

    def cover(self, sentences: Iterable[str]) -> None:
        """Look up every substring of ``sentences`` not looked up yet (one read of the dictionary)."""
        wanted = set()
        for sentence in sentences:
            if not isinstance(sentence, str):
                raise TypeError(f"sentences must be str, not {type(sentence).__name__}")
            for start in range(len(sentence)):
                for end in range(start + 1, min(len(sentence), start + self.longest) + 1):
                    wanted.add(sentence[start:end])
        wanted -= self._seen
        if not wanted:
            return
        text = self.path.read_text(encoding="utf-8")
        if not self._tokenizer.total:
            self._tokenizer.total = sum(map(int, _FREQUENCY.findall(text)))
        frequencies = self._tokenizer.FREQ
        for line in text.splitlines():
            word, _, rest = line.partition(" ")
            if word in wanted:
                frequencies[word] = int(rest.partition(" ")[0])  # the last line of a word wins, as in jieba
                for end in range(1, len(word)):
                    frequencies.setdefault(word[:end], 0)
            elif len(word) > self.longest:
                raise ValueError(f"{self.path}: the word {word!r} is longer than longest={self.longest}")
        self._seen |= wanted

    def __getattr__(self, name: str) -> object:  # only for names the segmenter itself lacks
        if name == "jieba":  # not set yet (a copy being made): not the module's attribute
            raise AttributeError(name)
        return getattr(self.jieba, name)

    def cut(self, sentence: str | bytes, *args: object, **kwargs: object) -> Iterator[str]:
        """``jieba.cut(sentence, *args, **kwargs)``, looking ``sentence`` up first if need be."""
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        self.cover([text])
        return self._tokenizer.cut(sentence, *args, **kwargs)
