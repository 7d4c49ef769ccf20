"""Numbers checked across the languages: each Indonesian rendering against correct and wrong English ones.

A correct rendering must raise no alarm; a dropped number and a changed one must both be caught.
"""

from __future__ import annotations

import pytest

from translator.numbers import missing

# (Indonesian, a correct English rendering, an English rendering that loses or changes a number)
CASES = [
    ("Harga naik menjadi Rp 9.500.000.", "The price rose to Rp9,500,000.", "The price rose to Rp9,000,000."),
    ("Harga naik menjadi Rp 9.500.000.", "The price rose to 9.5 million rupiah.", "The price rose."),
    ("Harga naik menjadi Rp9,5 juta.", "The price rose to Rp9.5 million.", "The price rose to Rp95 million."),
    ("Inflasi mencapai 9,5 persen.", "Inflation reached 9.5 percent.", "Inflation reached 95 percent."),
    ("Inflasi mencapai 9,5 persen.", "Inflation reached 9.5%.", "Inflation reached 5.9%."),
    ("Bunga turun 0,25 persen.", "Interest fell 0.25 percent.", "Interest fell 25 percent."),
    (
        "Dana 9 juta dolar AS dari 30 juta dolar AS.",
        "Funds of US$9 million of US$30 million.",
        "Funds of US$9 million.",
    ),
    ("Nilainya 30 juta dolar AS.", "It is worth 30 million US dollars.", "It is worth 30 US dollars."),
    ("Anggaran Rp 2,5 triliun.", "A budget of Rp 2.5 trillion.", "A budget of Rp 2.5 billion."),
    ("Anggaran Rp 750 miliar.", "A budget of Rp750 billion.", "A budget of Rp750 million."),
    ("Sebanyak 1.200 orang hadir.", "As many as 1,200 people attended.", "As many as 120 people attended."),
    ("Sebanyak 12.500 orang hadir.", "As many as 12,500 people attended.", "Many people attended."),
    ("Total 3,5 ribu ton.", "A total of 3.5 thousand tons.", "A total of 3.5 tons."),
    ("Total 3.500 ton.", "A total of 3,500 tons.", "A total of 35,000 tons."),
    ("Ia tiba pada Rabu (07/02).", "He arrived on Wednesday (07/02).", "He arrived on Wednesday (02/07)."),
    ("Ia tiba pada Rabu (07/02).", "He arrived on Wednesday, February 7.", "He arrived on Wednesday."),
    ("Ia tiba pada Rabu (7/2).", "He arrived on Wednesday, 7 February.", "He arrived on Wednesday, 7 March."),
    ("Ia lahir 17 Agustus 1945.", "He was born on 17 August 1945.", "He was born on 17 August 1954."),
    ("Ia lahir 17 Agustus 1945.", "He was born on August 17, 1945.", "He was born in 1945."),
    ("Rapat pukul 10.30 WIB.", "The meeting is at 10:30 WIB.", "The meeting is at 11:30 WIB."),
    ("Rapat pukul 10.30 WIB.", "The meeting is at 10.30 WIB.", "The meeting is in the morning."),
    ("Dua orang tewas.", "Two people died.", "Three people died."),
    ("Lima rumah terbakar.", "5 houses burned.", "Houses burned."),
    ("Tiga tahun lalu ia pergi.", "Three years ago he left.", "Years ago he left."),
    ("Salah satu dari 11 pemain cedera.", "One of the 11 players was injured.", "One of the players was injured."),
    (
        "Pada 2024 ekonomi tumbuh 5,1 persen.",
        "In 2024 the economy grew 5.1 percent.",
        "In 2023 the economy grew 5.1 percent.",
    ),
    ("Pada tahun 2013 pabrik dibuka.", "In 2013 the factory opened.", "The factory opened."),
    ("Skor akhir 3-1.", "The final score was 3-1.", "The final score was 3-2."),
    ("Ada 40 kursi.", "There are 40 seats.", "There are 14 seats."),
    ("Ada 40 kursi.", "There are forty seats.", "There are four seats."),
    ("Suhu 36,6 derajat.", "The temperature is 36.6 degrees.", "The temperature is 366 degrees."),
    ("Jaraknya 1,5 km.", "The distance is 1.5 km.", "The distance is 15 km."),
    ("Saham naik 2,34 persen menjadi Rp 4.120.", "Shares rose 2.34 percent to Rp 4,120.", "Shares rose 2.34 percent."),
    ("Utang mencapai Rp 1.200 triliun.", "Debt reached Rp 1,200 trillion.", "Debt reached Rp 1,200 billion."),
    ("Harga 10 ribu rupiah.", "The price is 10 thousand rupiah.", "The price is 10 rupiah."),
    ("Harga Rp10 ribu.", "The price is Rp10,000.", "The price is Rp1,000."),
    ("Korban 1,2 juta jiwa.", "1.2 million victims.", "12 million victims."),
    ("Tanggal 07/02/2024 rapat digelar.", "The meeting was held on 07/02/2024.", "The meeting was held on 02/07/2024."),
    ("Pertandingan pukul 19.00 WIB.", "The match is at 19:00 WIB.", "The match is at 9:00 WIB."),
    ("Pasal 27 ayat 3 dilanggar.", "Article 27 paragraph 3 was violated.", "Article 27 was violated."),
    ("Ia berusia 25 tahun.", "He is 25 years old.", "He is 52 years old."),
    ("Penjualan 2.000.000 unit.", "Sales of 2,000,000 units.", "Sales of 200,000 units."),
    ("Penjualan 2 juta unit.", "Sales of 2 million units.", "Sales of 2 billion units."),
]


@pytest.mark.parametrize(("source", "good", "bad"), CASES, ids=[c[0][:30] for c in CASES])
def test_correct_rendering_passes_and_a_lost_or_changed_number_is_caught(source: str, good: str, bad: str) -> None:
    assert missing(source, good) == []
    assert missing(source, bad) != []


def test_sentences_without_numbers() -> None:
    assert missing("Iya benar, dia sedang jaga warung.", "Yeah that's right.") == []
