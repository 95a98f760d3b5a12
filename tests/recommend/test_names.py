"""Item names from catalogue files, stored inside the model and returned beside the ids."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from illustrated.errors import CorpusError, FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Recommender
from illustrated.recommend.names import pack_names, read_names, unpack_names
from illustrated.word2vec import KeyedVectors


@pytest.mark.parametrize("name,content,expected", [
    ("names.tsv", "t1\tSo What\nt2\tBlue in Green\textra\n", {"t1": "So What", "t2": "Blue in Green"}),
    ("movies.csv", 'movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n'
                   '11,"American President, The (1995)",Comedy|Drama|Romance\n',
     {"1": "Toy Story (1995)", "11": "American President, The (1995)"}),
    ("items.csv", "42,The Answer\n7,Seven\n", {"42": "The Answer", "7": "Seven"}),
    ("catalogue.csv", "sku,price,product_name\nA1,3.5,Mug\nB2,9,Teapot\n", {"A1": "Mug", "B2": "Teapot"}),
    # a spreadsheet's TSV export quotes its fields: the quotes are not part of the id
    ("export.tsv", '"id"\t"name"\n"t1"\t"So What"\n"t2"\t"Say ""Hi"""\n t3 \t Blue\n',
     {"t1": "So What", "t2": 'Say "Hi"', "t3": "Blue"}),
    ("u.item", '1|"Toy Story (1995)"|01-Jan-1995\n', {"1": "Toy Story (1995)"}),
])
def test_catalogue_files(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    assert read_names(p) == expected


def test_movielens_u_item_in_latin1(tmp_path):
    p = tmp_path / "u.item"
    p.write_bytes("1|Toy Story (1995)|01-Jan-1995||http://x|0|0\n"
                  "1300|Misérables, Les (1995)|01-Jan-1995||http://y|0|1\n".encode("latin-1"))
    assert read_names(p) == {"1": "Toy Story (1995)", "1300": "Misérables, Les (1995)"}


def test_given_columns_and_errors(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("code,label,caption\nx,ignored,Ex\n")
    assert read_names(p, id_col="code", name_col="caption") == {"x": "Ex"}
    with pytest.raises(CorpusError, match=r"c\.csv:1: no column 'titel' \(--names-col\)"):
        read_names(p, id_col="code", name_col="titel")
    p.write_text("a\tOne\nb\tTwo\na\tUno\n")
    with pytest.raises(CorpusError, match=r"c\.csv:3: id 'a' already named 'One' on line 1"):
        read_names(p)
    p.write_text("")
    with pytest.raises(CorpusError, match="empty names file"):
        read_names(p)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=40))
def test_packed_names_round_trip(names):
    data, offsets = pack_names(names)
    assert unpack_names(data, offsets, len(names), "m.npz") == names


def _model(names=None):
    rng = np.random.default_rng(0)
    kv = KeyedVectors([f"m{i}" for i in range(12)], rng.normal(size=(12, 4)).astype(np.float32))
    return Recommender(kv, names=names)


def test_names_travel_in_the_model_file_and_in_every_answer(tmp_path):
    rec = _model({"m0": "Amélie (2001)", "m1": "Heat (1995)", "other": "not in the model"})
    assert rec.name("m0") == "Amélie (2001)" and rec.name("m5") is None and rec.label("m1") == "Heat (1995) (m1)"
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    rec.save(a)
    back = Recommender.load(a)
    back.save(b)
    assert a.read_bytes() == b.read_bytes() and back.names == rec.names
    answer = back.similar("m3", k=11)
    assert len(answer.names) == 11
    assert {n for i, n in zip(answer.items, answer.names) if i in ("m0", "m1")} == {"Amélie (2001)", "Heat (1995)"}
    assert all(n is None for i, n in zip(answer.items, answer.names) if i not in ("m0", "m1"))
    assert back.recommend(["unknown"], k=3).names == [back.name(i) for i in back.recommend(["unknown"], 3).items]


def test_a_model_without_names_still_loads_and_damaged_names_are_refused(tmp_path):
    _model().save(tmp_path / "plain.npz")
    assert Recommender.load(tmp_path / "plain.npz").names is None
    _model({"m0": "x"}).save(tmp_path / "n.npz")
    arrays, meta = read_npz(tmp_path / "n.npz")
    arrays["names_offsets"] = arrays["names_offsets"][::-1].copy()
    write_npz(tmp_path / "bad.npz", arrays, meta)
    with pytest.raises(FormatError, match=r"bad\.npz: item names are damaged"):
        Recommender.load(tmp_path / "bad.npz")


@pytest.mark.parametrize("name,content", [("n.tsv", "\ufeff1\tFoo\r\n2\tBar\r\n"),
                                          ("n.csv", '\ufeff"1","Foo, the"\r\n2,Bar\r\n')])
def test_a_byte_order_mark_does_not_stick_to_the_first_id(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content.encode("utf-8"))
    assert sorted(read_names(p)) == ["1", "2"]


def test_a_damaged_compressed_names_file_is_one_line(tmp_path):
    p = tmp_path / "movies.csv.gz"
    p.write_bytes(b"movieId,title\n1,Foo\n")
    with pytest.raises(FormatError, match=r"movies\.csv\.gz: truncated or corrupted \.gz file"):
        read_names(p)


def test_a_header_with_an_id_column_but_no_name_column_is_an_error_not_data(tmp_path):
    p = tmp_path / "movies.csv"
    p.write_text("movieId,genres\n1,Animation|Comedy\n2,Drama\n")
    with pytest.raises(CorpusError, match=r"movies\.csv:1: no name column .* --names-col"):
        read_names(p)
    assert read_names(p, name_col="genres") == {"1": "Animation|Comedy", "2": "Drama"}


@pytest.mark.parametrize("name,content,line", [
    ("names.csv", "id,name\nt1,So What\nt2," + "x" * 200_000 + "\n", 3),
    ("names.csv", 'id,name\nt1,"So What\n' + "x\n" * 70_000, 2),      # an unclosed quote
])
def test_a_field_longer_than_the_csv_limit_is_one_line(tmp_path, name, content, line):
    p = tmp_path / name
    p.write_text(content)
    with pytest.raises(CorpusError, match=rf"names.csv:{line}: a field is longer than 131,072 characters"):
        read_names(p)
