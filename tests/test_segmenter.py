"""dlref.publish.segmenter: jieba's words, from only the dictionary entries the text can use."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from dlref.publish.segmenter import SubsetSegmenter, han_runs

ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    "我来到北京清华大学",
    "他来到了网易杭研大厦",  # 杭研: not a word of the dictionary, found by the HMM
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "我买了一件T恤和一台BP机",  # words with Latin letters
    "结过婚的和尚未结过婚的",
    "南京市长江大桥",
    "工信处女干事每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作",
]


@pytest.fixture(scope="module")
def whole() -> jieba.Tokenizer:
    """jieba's own tokenizer with its whole dictionary (loaded once for the module: about a second)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def test_the_sites_chinese_is_cut_as_jieba_cuts_it(whole: jieba.Tokenizer) -> None:
    runs = sorted({run for path in (ROOT / "docs").rglob("*.[mp][dy]") for run in han_runs(path.read_text("utf-8"))})
    assert len(runs) > 20
    segmenter = SubsetSegmenter(jieba)
    segmenter.cover(runs)
    looked_up = segmenter.entries
    for run in runs:
        assert list(segmenter.cut(run.encode())) == list(whole.cut(run.encode())), run
    assert segmenter.entries == looked_up  # nothing more to look up: the sources covered it
    assert segmenter.reads == 1
    assert looked_up < len(whole.FREQ) / 100


@pytest.mark.parametrize("hmm", [True, False])
def test_sentences_not_seen_before_are_cut_as_jieba_cuts_them(whole: jieba.Tokenizer, hmm: bool) -> None:
    segmenter = SubsetSegmenter(jieba)
    joined = "".join(SENTENCES)  # one sentence made of the others: new words across their joins
    for sentence in [*SENTENCES, joined]:
        assert list(segmenter.cut(sentence, HMM=hmm)) == list(whole.cut(sentence, HMM=hmm)), sentence
    assert segmenter._tokenizer.total == whole.total
    assert segmenter.reads == len(SENTENCES)  # each brought new characters; the joined one none


def test_what_is_not_a_sentence_or_jieba_is_refused() -> None:
    with pytest.raises(TypeError, match="jieba must be the jieba module, not 'jieba'"):
        SubsetSegmenter("jieba")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sentences must be str, not bytes"):
        SubsetSegmenter(jieba).cover([b"\xe5\xbc\xa0"])  # type: ignore[list-item]
