"""The flow's pure ends: plan (documents → sentences and layout, line breaks included) and assemble."""

from __future__ import annotations

import pytest

from translator import InputError, Provenance, Translation
from translator.plan import assemble, plan

PROVENANCE = Provenance("m", "r", "b", 1, "id/1", "0")


def test_plan_lists_every_sentence_and_assemble_puts_each_back() -> None:
    planned = plan([("a", "JAKARTA\nDia pergi. Lalu pulang.\n\nBaru."), ("b", ""), ("c", "Satu.\r\nDua.\r\n\r\nTiga.")])
    assert planned.sources == ["JAKARTA", "Dia pergi.", "Lalu pulang.", "Baru.", "Satu.", "Dua.", "Tiga."]
    # one CRLF is a line break inside a paragraph; two are a paragraph break, as with LF
    assert planned.parts == [["JAKARTA", "Dia pergi.", "Lalu pulang."], ["Baru."], ["Satu.", "Dua."], ["Tiga."]]
    line_breaks = [s.new_line for layout in planned.layouts for p in layout.paragraphs for s in p.sentences]
    assert line_breaks == [False, True, False, False, False, True, False]
    docs = assemble(planned, [Translation(s.upper(), ("x",)) for s in planned.sources], PROVENANCE)
    assert [d.translation for d in docs] == ["JAKARTA\nDIA PERGI. LALU PULANG.\n\nBARU.", "", "SATU.\nDUA.\n\nTIGA."]
    assert [s.flags for s in docs[0].sentences] == [("x",)] * 4
    assert "new_line" not in docs[0].to_dict()["paragraphs"][0]["sentences"][1]  # the JSON contract is unchanged


def test_assemble_refuses_a_translation_count_that_does_not_match() -> None:
    planned = plan([("a", "Satu. Dua.")])
    with pytest.raises(ValueError, match="1 translations for 2 sentences"):
        assemble(planned, [Translation("One.")], PROVENANCE)


def test_a_text_that_is_not_a_string_is_an_input_error_naming_its_document() -> None:
    with pytest.raises(InputError, match="document 'z'"):
        plan([("z", 5)])  # type: ignore[list-item]
