"""Subtitles: numbers and timings byte for byte, sentences over cues translated whole and shared out by length."""

from __future__ import annotations

import codecs
import re

import pytest

from translator.errors import InputError
from translator.files import parse, translate_file
from translator.files.srt import LINE, MAX_SPAN
from translator.pipeline import Translator


def shout(texts: list[str]) -> list[str]:
    return [text.upper() for text in texts]


def cues(data: bytes) -> list[list[str]]:
    return [block.split("\n") for block in data.decode().replace("\r\n", "\n").strip("\n\ufeff").split("\n\n")]


SUBTITLES = """1
00:00:01,000 --> 00:00:02,500
Aku pikir kita harus

2
00:00:02,600 --> 00:00:04,000 X1:100 X2:600
pergi ke pasar
sekarang juga.

3
00:00:05,000 --> 00:00:07,000
Baik.

4
00:00:07,100 --> 00:00:08,000

5
00:00:08,000 --> 00:00:09,000
Sampai jumpa besok!
"""


def test_numbers_and_timings_come_back_byte_for_byte_and_sentences_are_whole() -> None:
    parsed = parse("a.srt", SUBTITLES.encode())
    # cue 1 runs on into cue 2; the cue without text is in no sentence
    assert parsed.texts == ["Aku pikir kita harus pergi ke pasar sekarang juga.", "Baik.", "Sampai jumpa besok!"]
    assert parsed.characters == sum(map(len, parsed.texts))
    assert parsed.media_type == "application/x-subrip"
    english = ["I think we should go to the market right now.", "Fine.", "See you tomorrow!"]
    out = cues(parsed.rebuild(english))
    source = cues(SUBTITLES.encode())
    assert [cue[:2] for cue in out] == [cue[:2] for cue in source]
    assert [cue[2:] for cue in out] == [
        ["I think we should"],  # 17 of 45 characters for 20 of 49
        ["go to the market right now."],
        ["Fine."],
        [],
        ["See you tomorrow!"],
    ]


@pytest.mark.parametrize("words", [1, 2, 3, 7, 40])
@pytest.mark.parametrize("lengths", [(5, 5, 5), (60, 1, 1), (1, 1, 60), (10, 30)])
def test_an_english_sentence_is_shared_over_its_cues_by_length_between_words(
    words: int, lengths: tuple[int, ...]
) -> None:
    blocks = [f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{'x' * n}" for i, n in enumerate(lengths)]
    parsed = parse("a.srt", "\n\n".join(blocks).encode())
    english = " ".join(f"w{i}" for i in range(words))
    shares = [" ".join(cue[2:]) for cue in cues(parsed.rebuild([english]))]
    assert " ".join(share for share in shares if share).split() == english.split()  # no word lost or split
    if words >= len(lengths):
        assert all(shares)  # no cue left empty while there are words enough
    if words == 40 and len(set(lengths)) == len(lengths):  # the longest source cue gets the most words
        assert max(range(len(shares)), key=lambda i: len(shares[i])) == lengths.index(max(lengths))


def test_a_cut_after_punctuation_is_preferred_near_the_mark() -> None:
    data = b"1\n0:00:01,000 --> 0:00:02,000\nYa. Aku\n\n2\n0:00:02,000 --> 0:00:03,000\npergi ke pasar."
    parsed = parse("a.srt", data)
    assert [cue[2:] for cue in cues(parsed.rebuild(["Yes. I went to the market."]))] == [
        ["Yes."],
        ["I went to the market."],
    ]


def test_an_unpunctuated_run_is_cut_every_few_cues() -> None:
    blocks = [f"{i}\n00:00:{i:02},000 --> 00:00:{i:02},500\nkata tanpa titik" for i in range(1, 11)]
    parsed = parse("a.srt", "\n\n".join(blocks).encode())
    assert len(parsed.texts) == -(-10 // MAX_SPAN)


def test_long_english_goes_on_two_balanced_lines() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\nPanjang.\n"
    long = "This sentence is far too long to be shown on one subtitle line."
    (first,) = [cue[2:] for cue in cues(parse("a.srt", data).rebuild([long]))]
    assert len(first) == 2 and " ".join(first) == long
    assert abs(len(first[0]) - len(first[1])) <= 8 and max(map(len, first)) > LINE / 2


DIALOGUE = (
    b"1\n00:00:01,000 --> 00:00:02,000\nKamu sudah makan\n\n"  # runs on into cue 2? no: a dialogue cue ends it
    b"2\n00:00:02,000 --> 00:00:03,000\n- Ya, tadi.\n- Tidak mungkin!\n\n"
    b"3\n00:00:03,000 --> 00:00:04,000\n<i>-Kenapa?</i>\n<i>-Karena aku lapar</i>\n<i>sekali.</i>\n\n"
    b"4\n00:00:04,000 --> 00:00:05,000\nAyo pergi.\n- Ke mana?\n\n"
    b"5\n00:00:05,000 --> 00:00:06,000\n- Sendirian.\n"
)


def test_each_speaker_of_a_dialogue_cue_is_a_sentence_of_its_own_and_keeps_its_dash_line() -> None:
    parsed = parse("a.srt", DIALOGUE)
    assert parsed.texts == [
        "Kamu sudah makan",
        "Ya, tadi.",
        "Tidak mungkin!",
        "Kenapa?",
        "Karena aku lapar sekali.",  # a line without a dash goes on with its speaker
        "Ayo pergi.",  # a first speaker without a dash, as some subtitlers write
        "Ke mana?",
        "Sendirian.",  # a single speaker's dash is kept too
    ]
    # whatever the model does with dashes (it never sees them), each speaker keeps a line and its dash
    english = ["Have you eaten", "Yes, earlier.", "No way!", "Why?", "Because I am very hungry.", "Let's go."]
    out = [cue[2:] for cue in cues(parsed.rebuild([*english, "Where to?", "Alone."]))]
    assert out == [
        ["Have you eaten"],
        ["- Yes, earlier.", "- No way!"],
        ["<i>-Why?", "-Because I am very hungry.</i>"],  # tags around the whole cue stay around it
        ["Let's go.", "- Where to?"],
        ["- Alone."],
    ]


def test_tags_around_a_whole_cue_come_back_and_tags_inside_one_around_the_aligned_words() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\n<i>Di luar</i>\n<i>hujan.</i>\n\n"
        b'2\n00:00:02,000 --> 00:00:03,000\n{\\an8}<font color="#ff0">Atas.</font>\n\n'
        b"3\n00:00:03,000 --> 00:00:04,000\nDia <b>benar-benar</b> datang.\n"
    )
    parsed = parse("a.srt", data)
    assert parsed.texts == ["Di luar hujan.", "Atas.", "Dia benar-benar datang."]
    assert [cue[2:] for cue in cues(translate_file("a.srt", data, shout))] == [
        ["<i>DI LUAR HUJAN.</i>"],
        ['{\\an8}<font color="#ff0">ATAS.</font>'],
        ["DIA <b>BENAR-BENAR</b> DATANG."],
    ]


def test_bom_and_crlf_are_kept() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\nHalo.\n\n2\n00:00:03,000 --> 00:00:04,000\nDah.\n"
    crlf = codecs.BOM_UTF8 + data.replace("\n", "\r\n").encode()
    assert translate_file("a.srt", crlf, shout) == codecs.BOM_UTF8 + data.upper().replace("\n", "\r\n").encode()


def test_cues_without_a_blank_line_between_them_are_still_cues() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\nIya benar, dia sedang jaga warung.\n"
        b"2\n00:00:02,000 --> 00:00:03,000\nBanyak hal\n10\n"  # a text line may be a number alone
        b"3\n00:00:03,000 --> 00:00:04,000\nyang terjadi.\n"
    )
    parsed = parse("a.srt", data)
    assert parsed.texts == ["Iya benar, dia sedang jaga warung.", "Banyak hal 10 yang terjadi."]
    assert cues(parsed.rebuild(["Yes, she is minding the shop.", "Many things happened."])) == [
        ["1", "00:00:01,000 --> 00:00:02,000", "Yes, she is minding the shop."],
        ["2", "00:00:02,000 --> 00:00:03,000", "Many things"],
        ["3", "00:00:03,000 --> 00:00:04,000", "happened."],
    ]


def test_an_empty_file_has_no_cues() -> None:
    parsed = parse("a.srt", b"\n\n")
    assert parsed.texts == [] and parsed.rebuild([]) == b""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1\n00:00:01,000 --> 00:00:02,000\nA.\n\n2\n00:00:03 --> 00:00:04\nB.", "cue 2 (line 6) needs a timing line"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nA.\n\n7", "cue 7 (line 6) needs a timing line"),
        (b"00:00:01,000 --> 00:00:02,000\nA.", "line 1 should be a cue number"),
    ],
)
def test_malformed_cues_are_refused_naming_the_cue(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse("a.srt", data)


STYLED = (
    "1\n00:00:01,000 --> 00:00:03,000\nKarena lapar, saya pesan <i>indomie</i>.\n\n"
    "2\n00:00:03,000 --> 00:00:05,000\n{\\an8}Saya ingin beli <b>20</b> tiket untuk laga\n"
    '<font color="#ffff00">persebaya</font> vs <u>arema</u> besok.\n\n'
    "3\n00:00:05,000 --> 00:00:06,000\nKarena lapar, saya {\\i1}pesan <i>indomie.\n"  # an end tag left out
)


def test_tags_inside_a_cue_stay_around_the_aligned_words(tiny: Translator) -> None:
    parsed = parse("a.srt", STYLED.encode())
    assert parsed.texts == [  # the model reads no tags
        "Karena lapar, saya pesan indomie.",
        "Saya ingin beli 20 tiket untuk laga persebaya vs arema besok.",
        "Karena lapar, saya pesan indomie.",
    ]
    out = [cue[2:] for cue in cues(translate_file("a.srt", STYLED.encode(), tiny.translate))]
    assert out[0] == ["Because I was hungry, I ordered <i>Indomie</i>"]
    assert out[1] == [
        "{\\an8}I'd like to buy <b>20</b> tickets for",
        '<font color="#ffff00">Persebaya</font> vs <u>Arema</u> showdown tomorrow',
    ]
    assert out[2] == ["Because I was hungry, I {\\i1}ordered <i>Indomie"]  # left out as in the source
    plain = [re.sub(r"<[^>]*>|\{[^}]*\}", "", " ".join(lines)) for lines in out]
    assert plain == [tiny.translate([text])[0] for text in parsed.texts]  # tags never change the words
