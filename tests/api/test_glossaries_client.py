"""DeepL's glossaries through the official `deepl` client (1.32.0) against a real `translator serve`: v2
glossaries (dict and CSV), v3 multilingual ones, translations and documents with them, another key's glossary
and bad entries as the client reports them."""

from __future__ import annotations

import io

import deepl
import pytest
from deepl.api_data import MultilingualGlossaryDictionaryEntries

from tests.api.conftest import Server, server_fixture

KEY, OTHER = "client-key", "client-other"
real = server_fixture(keys=f"{KEY}\n{OTHER}\n")
SAY = "Dalam pilkada 2018, polri diminta meningkatkan pengamanan di sekitar tps."  # the tiny model's pair 9
TERMS = {"pilkada": "regional elections", "polri": "National Police"}
HEAR = "In the 2018 regional elections, National Police was asked to increase their security around polling stations"


def test_the_official_client_keeps_and_uses_glossaries(real: Server) -> None:
    client = deepl.DeepLClient(KEY, server_url=real.url)
    plain = client.translate_text(SAY, source_lang="ID", target_lang="EN-US").text
    assert "National Police" not in plain and "regional elections" not in plain  # the model alone says otherwise

    made = client.create_glossary("news", "ID", "EN", TERMS)
    assert (made.name, made.source_lang, made.target_lang, made.entry_count, made.ready) == (
        "news",
        "ID",
        "EN",
        2,
        True,
    )
    from_csv = client.create_glossary_from_csv(
        "csv", "ID", "EN", 'pilkada,regional elections\n"polri",National Police,id,en\n'
    )
    assert from_csv.entry_count == 2
    assert {g.glossary_id for g in client.list_glossaries()} >= {made.glossary_id, from_csv.glossary_id}
    assert client.get_glossary(made.glossary_id).creation_time == made.creation_time
    assert client.get_glossary_entries(made) == TERMS
    assert client.translate_text(SAY, source_lang="ID", target_lang="EN-US", glossary=made).text == HEAR
    assert client.translate_text(SAY, source_lang="ID", target_lang="EN-GB", glossary=from_csv).text == HEAR
    out = io.BytesIO()
    client.translate_document(
        f"{SAY}\n".encode(), out, source_lang="ID", target_lang="EN-US", filename="a.txt", glossary=made
    )
    assert out.getvalue().decode() == f"{HEAR}\n"

    other = deepl.DeepLClient(OTHER, server_url=real.url)
    with pytest.raises(deepl.GlossaryNotFoundException):
        other.get_glossary(made.glossary_id)
    with pytest.raises(deepl.GlossaryNotFoundException):
        other.delete_glossary(made)
    with pytest.raises(deepl.DeepLException, match=r"Bad request.*line 2: the target is empty"):
        client.create_glossary_from_csv("bad", "ID", "EN", "pilkada,regional elections\npolri,\n")
    with pytest.raises(deepl.DeepLException, match="ID→EN"):
        client.create_glossary("german", "ID", "DE", TERMS)

    multi = client.create_multilingual_glossary(
        "multi", [MultilingualGlossaryDictionaryEntries("ID", "EN", {"pilkada": "regional elections"})]
    )
    assert [(d.source_lang, d.target_lang, d.entry_count) for d in multi.dictionaries] == [("ID", "EN", 1)]
    updated = client.update_multilingual_glossary_dictionary(
        multi, MultilingualGlossaryDictionaryEntries("ID", "EN", {"polri": "National Police"})
    )
    assert updated.dictionaries[0].entry_count == 2
    entries = client.get_multilingual_glossary_entries(multi, "ID", "EN").dictionaries[0].entries
    assert entries == "pilkada\tregional elections\npolri\tNational Police\n"
    assert client.translate_text(SAY, source_lang="ID", target_lang="EN-US", glossary=multi).text == HEAR
    replaced = client.replace_multilingual_glossary_dictionary(
        multi, MultilingualGlossaryDictionaryEntries("ID", "EN", {"polri": "Police"})
    )
    assert (replaced.source_lang, replaced.target_lang, replaced.entry_count) == ("ID", "EN", 1)
    client.delete_multilingual_glossary_dictionary(multi, source_lang="ID", target_lang="EN")
    assert client.get_multilingual_glossary(multi.glossary_id).dictionaries == []
    client.delete_multilingual_glossary(multi)
    with pytest.raises(deepl.GlossaryNotFoundException):
        client.get_multilingual_glossary(multi.glossary_id)
    for glossary in (made, from_csv):
        client.delete_glossary(glossary)
    assert client.list_glossaries() == []
