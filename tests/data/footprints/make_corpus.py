"""Writes the footprint upload corpus (tests/test_exposure.py reads it).

Text files are written as bytes so their encodings are exact; the XLSX files come from
openpyxl. Run from the repository root: `python tests/data/footprints/make_corpus.py`.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

GOOD_ROWS = [
    ["country", "industry", "weight", "nationalities"],
    ["Thailand", "Seafood", 12, "Myanmar; Cambodia"],
    ["Malaysia", "Electronics", 30, "Nepal; Bangladesh"],
]
CODE_ROWS = [
    ["country", "industry", "weight", "nationalities"],
    ["TH", "seafood", 12, "MM;KH"],
    ["MY", "electronics", 30, "NP;BD"],
]

TEXT = {
    "good/names.csv": b"country,industry,weight,nationalities\n"
    b'Thailand,Seafood,12,"Myanmar; Cambodia"\nMalaysia,Electronics,30,"Nepal; Bangladesh"\n',
    "good/codes.csv": b"country,industry,weight,nationalities\nTH,seafood,12,MM;KH\n"
    b"MY,electronics,30,NP;BD\n",
    "good/aliases_semicolon.csv": b"Country of work;Sector;Weight;Origin countries\n"
    b"THA;seafood processing;12;Burma, Khmer\nmys;ELECTRONIC;30;Nepalese, BGD\n",
    "good/bom_crlf.csv": b"\xef\xbb\xbfcountry,industry,weight,nationalities\r\n"
    b"thailand,seafood,12,Burmese|Cambodian\r\nMalaysia,Electronics,30,Nepali/Bangladeshi\r\n",
    "bad/missing_column.csv": b"country,weight\nThailand,3\n",
    "bad/unknown_column.csv": b"country,industry,supplier\nThailand,Seafood,Acme Foods\n",
    "bad/unknown_country.csv": b"country,industry\nThailnd,Seafood\n",
    "bad/unknown_industry.csv": b"country,industry\nMalaysia,Electronis\n",
    "bad/unknown_nationality.csv": b"country,industry,nationalities\nThailand,Seafood,Burmeese\n",
    "bad/duplicate_rows.csv": b"country,industry\nThailand,Seafood\nMalaysia,Electronics\n"
    b"TH,seafood\n",
    "bad/negative_weight.csv": b"country,industry,weight\nThailand,Seafood,-5\n",
    "bad/non_numeric_weight.csv": b"country,industry,weight\nThailand,Seafood,3\n"
    b"Malaysia,Electronics,lots\n",
    "bad/missing_weight.csv": b"country,industry,weight\nThailand,Seafood,3\n"
    b"Malaysia,Electronics,\n",
    "bad/zero_weights.csv": b"country,industry,weight\nThailand,Seafood,0\n"
    b"Malaysia,Electronics,0\n",
    "bad/empty.csv": b"",
    "bad/header_only.csv": b"country,industry,weight\n",
    "bad/latin1.csv": b"country,industry\nThailand,Seafood\nC\xf4te,Seafood\n",
    "bad/formula.csv": b'country,industry,weight\nThailand,Seafood,"=HYPERLINK(""x"")"\n',
    "bad/image.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "bad/report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    "bad/old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "bad/not_really.xlsx": b"country,industry\nThailand,Seafood\n",
}


def _book(rows, path: Path, formula: bool = False) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Footprint"
    for row in rows:
        sheet.append(row)
    if formula:
        sheet["C3"] = "=C2*2"
    book.save(path)


def main() -> None:
    for name, content in TEXT.items():
        (HERE / name).write_bytes(content)
    _book(GOOD_ROWS, HERE / "good/names.xlsx")
    _book(CODE_ROWS, HERE / "good/codes.xlsx")
    _book(GOOD_ROWS, HERE / "bad/formula.xlsx", formula=True)


if __name__ == "__main__":
    main()
