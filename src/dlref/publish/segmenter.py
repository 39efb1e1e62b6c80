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

So a tokenizer that holds the entries whose words are substrings of the sentences it is given (with
their prefixes), and the whole dictionary's ``total``, makes the same graph, the same route and the
same words; so does one that holds more entries, as long as those are among them.
[`SubsetSegmenter`][dlref.publish.segmenter.SubsetSegmenter] holds every word made only of the
characters of the sentences it has been given: a word that is a substring of a sentence is one of
them. It reads jieba's dictionary file once for the characters it is told of ahead (about a third of the
time of jieba's load), and once more only for a sentence that brings a character it has not seen.
``tests/test_segmenter.py`` compares it with jieba's own ``cut``.
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


def _characters(sentences: Iterable[str]) -> set[str]:
    """The characters of ``sentences`` but whitespace (a dictionary line is "word frequency tag")."""
    characters: set[str] = set()
    for sentence in sentences:
        if not isinstance(sentence, str):
            raise TypeError(f"sentences must be str, not {type(sentence).__name__}")
        characters.update(sentence)
    return {c for c in characters if not c.isspace()}


class SubsetSegmenter:
    """``cut`` as ``jieba.cut`` gives it, from only the dictionary entries its sentences can use.

    ``jieba``: the jieba module, whose default dictionary (``dict.txt`` beside it) is read. Any other
    attribute is the module's, so that the segmenter can stand where a caller expects the module
    (Material's search plugin).

    Examples:
        >>> import jieba
        >>> segmenter = SubsetSegmenter(jieba)
        >>> segmenter.cover(["动手学深度学习"])  # entries looked up ahead, e.g. while waiting
        >>> list(segmenter.cut("动手学深度学习".encode()))
        ['动手', '学', '深度', '学习']
        >>> list(segmenter.cut("学习深度"))  # the same characters: nothing more to read
        ['学习', '深度']
        >>> segmenter.reads
        1
        >>> list(segmenter.cut("张量的形状"))  # new characters: their words are looked up as it comes
        ['张量', '的', '形状']
        >>> segmenter.reads, segmenter.entries < 1000  # of 349,046 words and their prefixes
        (2, True)
        >>> segmenter.expect(["卷积", "梯度"])  # text known to come: covered at the next read
        >>> list(segmenter.cut("卷积")), segmenter.reads
        (['卷积'], 3)
        >>> list(segmenter.cut("梯度的卷积")), segmenter.reads  # covered by that read
        (['梯度', '的', '卷积'], 3)
    """

    def __init__(self, jieba: types.ModuleType) -> None:
        if not isinstance(jieba, types.ModuleType) or not hasattr(jieba, "Tokenizer"):
            raise TypeError(f"jieba must be the jieba module, not {jieba!r}")
        self.jieba = jieba
        self.path = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
        self.reads = 0
        """How many times the dictionary file has been read."""
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.FREQ = {}
        self._tokenizer.total = 0
        self._tokenizer.initialized = True  # so that cut never loads the whole dictionary
        self._characters: set[str] = set()  # every word made only of these is held
        self._expected: set[str] = set()  # characters to cover at the next read (expect)

    @property
    def entries(self) -> int:
        """How many words and prefixes the tokenizer holds."""
        return len(self._tokenizer.FREQ)

    def cover(self, sentences: Iterable[str]) -> None:
        """Hold every dictionary word made only of characters of ``sentences`` and of those before.

        The dictionary file is read once, and only when ``sentences`` bring a character not seen;
        that read covers the characters of the sentences given to ``expect`` too.
        """
        characters = _characters(sentences)
        if characters <= self._characters:
            return
        characters |= self._characters | self._expected
        text = self.path.read_text(encoding="utf-8")
        self.reads += 1
        if not self._tokenizer.total:
            self._tokenizer.total = sum(map(int, _FREQUENCY.findall(text)))
        words = re.compile(f"^([{''.join(map(re.escape, sorted(characters)))}]+) (\\d+)", re.MULTILINE)
        frequencies = self._tokenizer.FREQ
        for word, frequency in words.findall(text):
            frequencies[word] = int(frequency)  # the last line of a word wins, as in jieba
            for end in range(1, len(word)):
                frequencies.setdefault(word[:end], 0)
        self._characters = characters
        self._expected.clear()

    def expect(self, sentences: Iterable[str]) -> None:
        """Cover the characters of ``sentences`` at the next read, without reading now.

        For text known to come (the pages' sources) whose look-up ahead may not run before the
        first sentence is cut: one read then covers it all, instead of one per new character.
        """
        self._expected |= _characters(sentences) - self._characters

    def __getattr__(self, name: str) -> object:  # only for names the segmenter itself lacks
        if name == "jieba":  # not set yet (a copy being made): not the module's attribute
            raise AttributeError(name)
        return getattr(self.jieba, name)

    def cut(self, sentence: str | bytes, *args: object, **kwargs: object) -> Iterator[str]:
        """``jieba.cut(sentence, *args, **kwargs)``, looking ``sentence`` up first if need be."""
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        self.cover([text])
        return self._tokenizer.cut(sentence, *args, **kwargs)
