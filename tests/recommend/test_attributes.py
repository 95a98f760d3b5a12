"""Attribute files: the formats catalogues come in, bucketed numbers, one-line errors, and
property tests that any attribute table trains to finite vectors with a falling loss."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.data_paths import shared_data_dir
from illustrated.errors import CorpusError
from illustrated.recommend.attributes import AttributeSchema, read_attributes


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_movies_csv_as_it_comes_gives_genres_and_the_year_of_the_titles(tmp_path):
    p = write(tmp_path, "movies.csv", 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n'
              '2,"Heat, The (1995)",Action|Crime|Action\n3,Odd (1960),(no genres listed)\n')
    a = read_attributes(p)
    assert a.schema.fields == ["genres", "year"]
    assert a.items["1"] == ["genres=Adventure", "genres=Animation", "genres=Children", "year=1995"]
    assert a.items["2"] == ["genres=Action", "genres=Crime", "year=1995"]   # repeated value once
    assert a.items["3"] == ["year=1960"]                                     # a missing marker


def test_movielens_100k_u_item_gives_genre_flags_and_release_year(tmp_path):
    flags = ["0"] * 19
    rows = []
    for i in range(30):
        f = list(flags)
        f[1 + i % 3] = "1"
        f[8] = "1" if i % 2 else "0"
        rows.append(f"{i + 1}|Film {i} (19{60 + i})|01-Jan-19{60 + i}||http://x/{i}|" + "|".join(f))
    rows.append("31|No date (1999)|||http://x|" + "|".join(flags))
    p = write(tmp_path, "u.item", "\n".join(rows) + "\n", "latin-1")
    a = read_attributes(p)
    assert a.schema.fields == ["genre", "year"] and len(a.schema.cuts["year"]) == 9
    assert a.items["1"][:1] == ["genre=Action"] and a.items["2"][:2] == ["genre=Adventure", "genre=Drama"]
    assert a.items["1"][-1] == "year=[-inf,1963)" and a.items["30"][-1] == "year=[1986,inf)"
    assert a.items["31"] == []


def test_the_real_u_item_reads_as_it_comes():
    root = shared_data_dir()
    if root is None or not (root / "movielens" / "ml-100k" / "u.item").exists():
        pytest.skip("MovieLens 100K not available")
    a = read_attributes(root / "movielens" / "ml-100k" / "u.item")
    assert len(a) == 1682 and a.schema.fields == ["genre", "year"]
    assert "genre=Animation" in a.items["1"] and "year=[1995,1996)" in a.items["1"]


def test_movies_dat_without_header(tmp_path):
    p = write(tmp_path, "movies.dat", "1::Toy Story (1995)::Animation|Comedy\n2::Jumanji (1995)::Adventure\n")
    a = read_attributes(p)
    assert a.items["2"] == ["genres=Adventure", "year=1995"]


def test_numbers_are_bucketed_by_quantiles_and_codes_are_not(tmp_path):
    lines = ["item_id\tprice\tbrand_id\tcolour"] + [f"p{i}\t{i * 1.5}\t{i}\tred|blue" for i in range(40)]
    p = write(tmp_path, "items.tsv", "\n".join(lines) + "\n")
    a = read_attributes(p)
    assert a.schema.fields == ["price", "colour"] and a.skipped == ["brand_id"]   # all different
    cuts = a.schema.cuts["price"]
    assert len(cuts) == 9 and cuts == sorted(cuts)
    labels = [v for vs in a.items.values() for v in vs if v.startswith("price=")]
    counts = np.unique(labels, return_counts=True)[1]
    assert len(counts) == 10 and counts.min() >= 3   # equal-frequency buckets
    assert "brand_id" not in read_attributes(p, columns=["brand_id"]).schema.cuts   # a code
    assert a.schema.label("price", 0.1) == "price=[-inf,6)" and a.schema.label("price", 1e9).endswith(",inf)")
    assert "colour=red" in a.items["p0"] and "colour=blue" in a.items["p0"]


def test_near_unique_columns_are_skipped_unless_named(tmp_path):
    lines = ["id,url,shop"] + [f"{i},http://x/{i},s{i % 3}" for i in range(30)]
    p = write(tmp_path, "a.csv", "\n".join(lines) + "\n")
    assert read_attributes(p).skipped == ["url"]
    assert "url=http://x/4" in read_attributes(p, columns=["url"]).items["4"]


def test_rows_of_one_item_are_joined_and_named_columns_chosen(tmp_path):
    p = write(tmp_path, "a.csv", "sku,title,cat,tag\n1,A,x,t1\n1,A,y,t1|t2\n2,B,,\n")
    a = read_attributes(p, columns=["cat"])
    assert a.schema.fields == ["cat"] and a.items["1"] == ["cat=x", "cat=y"] and a.items["2"] == []


def test_schema_names_the_values_of_a_new_item():
    s = AttributeSchema(["genre", "year"], {"year": [1990.0, 2000.0]})
    names, problems = s.values({"genre": "Comedy|Drama", "year": 1995, "colour": "red"})
    assert names == ["genre=Comedy", "genre=Drama", "year=[1990,2000)"]
    assert problems == ["unknown field 'colour'"]
    assert s.values({"year": "soon"})[1] == ["year: 'soon' is not a number"]
    assert AttributeSchema.from_dict(s.to_dict(), "m").cuts == s.cuts


@pytest.mark.parametrize("text, where", [
    ("id,genre\n1,a\n2\n", r"a\.csv:3: column 'genre' missing"),
    ("id,genre\n1,a\n,b\n", r"a\.csv:3: column 'id': empty item id"),
    ("id,genre,genre\n1,a,b\n", r"a\.csv:1: column 'genre' appears twice"),
    ("id,price\n" + "".join(f"{i},{i}.5\n" for i in range(20)) + "20,inf\n", r"a\.csv:22: column 'price': 'inf' is not a finite number"),
    ("id,genre\n1,\n2,NA\n", r"a\.csv: no attribute values found"),
    ("", r"a\.csv: empty attributes file"),
])
def test_bad_attribute_files_are_one_line_errors_naming_file_line_and_column(tmp_path, text, where):
    p = write(tmp_path, "a.csv", text)
    with pytest.raises(CorpusError, match=where) as e:
        read_attributes(p)
    assert "\n" not in str(e.value)


def test_a_named_column_that_is_absent_is_an_error(tmp_path):
    p = write(tmp_path, "a.csv", "id,genre\n1,a\n")
    with pytest.raises(CorpusError, match=r"a\.csv:1: no column 'brand' \(--attribute-cols\)"):
        read_attributes(p, columns=["brand"])


# ---- property tests: any attribute table trains to finite vectors, the loss falling ----------

VALUES = st.sampled_from(["a", "b", "c", "", "NA", "a|a", "b|c", "a|b|c|d|e", "unknown"])


@st.composite
def tables(draw):
    """Items with 0, 1 or many attributes; a value shared by one item or by all; missing,
    repeated and empty values; rows of one item repeated."""
    n = draw(st.integers(4, 12))
    rows = [(f"i{draw(st.integers(0, n - 1))}", draw(VALUES), draw(VALUES))
            for _ in range(draw(st.integers(1, 2 * n)))]
    rows.append(("i0", "only", draw(VALUES)))               # a value shared by one item
    rows += [(f"i{j}", draw(VALUES), "all") for j in range(n) if draw(st.booleans())]
    return n, rows


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), seed=st.integers(0, 3))
def test_any_attribute_table_trains_finite_vectors_and_a_falling_loss(tmp_path, table, seed):
    from illustrated.recommend.config import Item2VecConfig
    from illustrated.recommend.item2vec import train_item2vec
    from illustrated.word2vec import Word2VecConfig
    from illustrated.word2vec.eges import EgesWord2Vec, SideInfo

    n, rows = table
    p = tmp_path / "attrs.csv"
    p.write_text("item,colour,shape\n" + "".join(f"{i},{a},{b}\n" for i, a, b in rows))
    try:
        attrs = read_attributes(p)
    except CorpusError as e:  # every value missing: a one-line error is the right answer
        assert re.search(r"attrs\.csv: no attribute values found", str(e))
        return
    rng = np.random.default_rng(seed)
    sessions = [[f"i{j}" for j in rng.choice(n - 1, 3, replace=False)] for _ in range(60)]
    model = EgesWord2Vec(Word2VecConfig(dim=8, window=3, negative=3, min_count=1, sample=0,
                                        threads=1, seed=seed, epochs=4), SideInfo(attrs.items))
    model.build_vocab(sessions)
    before = model.loss(sessions)
    model.train(sessions, progress=False)
    assert model.loss(sessions) < before
    rec = train_item2vec(sessions, Item2VecConfig(dim=8, epochs=2, threads=1, seed=seed),
                         attributes=attrs)
    assert np.isfinite(rec.vectors.vectors).all() and np.isfinite(rec.side.value_vectors).all()
    assert (f"i{n - 1}" in rec) == (f"i{n - 1}" in attrs.items)   # only in the file: a cold item
    for item in rec.vectors.keys:
        answer = rec.similar(item, 3)
        assert len(answer.items) == min(3, len(rec) - 1) and all(np.isfinite(answer.scores))
