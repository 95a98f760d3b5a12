"""Event logs under their own column names, rating filters, and one-line errors for bad values."""

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.errors import CorpusError
from illustrated.recommend.columns import ITEM, RATING, TIME, USER
from illustrated.recommend.events import EventColumns, read_events
from illustrated.recommend.sessions import load_histories

MOVIELENS = ("userId,movieId,rating,timestamp\n"
             "1,31,2.5,1260759144\n1,1029,3.0,1260759179\n1,1061,3.0,1260759182\n"
             "2,10,4.0,835355493\n2,17,5.0,835355681\n2,39,1.0,835355604\n")


def items_by_user(histories):
    return {h.user: h.items for h in histories}


def test_movielens_ratings_csv_reads_under_its_own_header(tmp_path):
    p = tmp_path / "ratings.csv"
    p.write_text(MOVIELENS)
    assert items_by_user(read_events(p)) == {"1": ["31", "1029", "1061"], "2": ["10", "39", "17"]}
    kept = read_events(p, EventColumns(min_rating=3.0))
    assert items_by_user(kept) == {"1": ["1029", "1061"], "2": ["10", "17"]}


@pytest.mark.parametrize("text,columns,expected", [
    ("USER_ID,Item_Id,Time\nu,a,2\nu,b,1\n", None, {"u": ["b", "a"]}),
    ("session_id,user_id,product_id,ts\ns1,u,a,1\ns2,u,b,2\n", None, {"s1": ["a"], "s2": ["b"]}),
    ("visitor;sku;when\nv;x;5\nv;y;3\n", EventColumns(user="visitor", item="sku", time="when"),
     {"v": ["y", "x"]}),
    ("Customer ID\tProduct ID\tEvent Time\nc\tp\t2024-01-02T00:00:00\nc\tq\t2024-01-01\n", None,
     {"c": ["q", "p"]}),
])
def test_common_names_any_case_any_delimiter_or_given_names(tmp_path, text, columns, expected):
    p = tmp_path / "log.csv"
    p.write_text(text)
    assert items_by_user(read_events(p, columns)) == expected


def test_headerless_movielens_files_in_their_own_order(tmp_path):
    p = tmp_path / "u.data.gz"
    with gzip.open(p, "wt") as f:
        f.write("196\t242\t3\t881250949\n196\t302\t5\t881250940\n22\t377\t1\t878887116\n")
    assert items_by_user(load_histories(p)) == {"196": ["302", "242"], "22": ["377"]}
    assert items_by_user(load_histories(p, EventColumns(min_rating=4))) == {"196": ["302"]}
    p = tmp_path / "ratings.dat"
    p.write_text("1::1193::5::978300760\n1::661::3::978302109\n")
    assert items_by_user(load_histories(p)) == {"1": ["1193", "661"]}


@pytest.mark.parametrize("text,columns,message", [
    ("userId,movieId,rating,timestamp\n1,2,good,3\n", EventColumns(min_rating=3),
     r"log\.csv:2: column 'rating': rating 'good' is not a number"),
    ("userId,movieId,timestamp\n1,2,3\n", EventColumns(min_rating=3),
     r"log\.csv:1: no rating column \(found 'userId', 'movieId', 'timestamp'.*--rating-col"),
    ("u,i,t\n1,2,3\n", None, r"log\.csv:1: no user \(or session\) column .*--user-col"),
    ("user,item,timestamp\n1,2,3\n", EventColumns(item="sku"), r"log\.csv:1: no column 'sku' \(--item-col\)"),
    ("user,item,when\n1,2,yesterday\n", EventColumns(time="when"),
     r"log\.csv:2: column 'when': timestamp 'yesterday' is neither"),
    ("1,2,3,4,5\n", None, r"log\.csv:1: no header line and 5 columns"),
    ("1,2,3\n", EventColumns(user="user"), r"log\.csv:1: the file has no header line, so --user-col"),
    ("userId,movieId,rating,timestamp\n1,2,1,3\n", EventColumns(min_rating=4),
     r"log\.csv: no events rated at least 4 found"),
])
def test_bad_logs_are_one_line_errors_naming_file_line_and_column(tmp_path, text, columns, message):
    p = tmp_path / "log.csv"
    p.write_text(text)
    with pytest.raises(CorpusError, match=message):
        read_events(p, columns)


def test_column_options_on_a_sessions_file_are_an_error(tmp_path):
    p = tmp_path / "sessions.txt"
    p.write_text("a b c\n")
    with pytest.raises(CorpusError, match="apply to event logs"):
        load_histories(p, EventColumns(min_rating=4))


def test_parquet_log_with_movielens_names_and_a_rating_filter(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"userId": [1, 1, 2], "movieId": [5, 6, 7], "rating": [4.0, 2.0, 5.0],
                             "timestamp": [2, 1, 5]}), p)
    assert items_by_user(read_events(p, EventColumns(min_rating=3.5))) == {"1": ["5"], "2": ["7"]}


def _spellings(names):
    """A known column name as a log might spell it: case and separators vary."""
    return st.sampled_from(names).flatmap(lambda n: st.sampled_from(
        [n, n.upper(), n.title().replace("_", ""), n.replace("_", "-"), n.replace("_", " ")]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=_spellings(USER[3:]), item=_spellings(ITEM), time=_spellings(TIME),
       rating=_spellings(RATING), order=st.permutations(range(4)),
       events=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 20), st.integers(1, 10),
                                 st.integers(0, 10**9)), min_size=1, max_size=40),
       min_rating=st.none() | st.integers(0, 12).map(lambda x: x / 2) | st.floats(0.0, 6.0))
def test_found_columns_and_the_rating_filter_keep_exactly_the_right_events(
        tmp_path, user, item, time, rating, order, events, min_rating):
    header = [user, item, rating, time]
    if len({h.lower().replace("_", "").replace("-", "").replace(" ", "") for h in header}) < 4:
        return  # two spellings of one name (e.g. "item" as user and item): ambiguous by design
    rows = [[f"u{u}", f"m{m}", f"{r / 2:g}", str(t)] for u, m, r, t in events]
    p = tmp_path / "log.csv"
    p.write_text("\n".join(",".join(row[i] for i in order) for row in [header] + rows) + "\n")
    try:
        got = read_events(p, EventColumns(min_rating=min_rating))
    except CorpusError as e:
        assert "no events rated at least" in str(e)
        got = []
    kept = [e for e in events if min_rating is None or e[2] / 2 >= min_rating]
    assert sum(len(h.items) for h in got) == len(kept)
    expected = {}
    for u, m, r, t in sorted(kept, key=lambda e: e[3]):
        expected.setdefault(f"u{u}", []).append(f"m{m}")
    assert items_by_user(got) == expected


@pytest.mark.parametrize("unit", [1, 1_000, 1_000_000, 1_000_000_000])
def test_unix_times_in_milliseconds_or_finer_are_read_as_seconds(tmp_path, unit):
    from illustrated.recommend.sessions import sessions_of

    p = tmp_path / "events.csv"
    start = 1_433_221_332  # RetailRocket-like: 2015, written in milliseconds
    minutes = [0, 5, 10, 70, 75]  # a gap of an hour after the third event
    p.write_text("timestamp,visitorid,itemid\n"
                 + "".join(f"{(start + 60 * m) * unit},v,i{m}\n" for m in minutes))
    (h,) = read_events(p)
    assert h.times[0] == pytest.approx(start) and h.times[-1] == pytest.approx(start + 75 * 60)
    assert sessions_of(h, 30) == [["i0", "i5", "i10"], ["i70", "i75"]]


def test_min_rating_on_a_headerless_log_without_ratings_is_an_error(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text("1,10,881250949\n1,11,881250950\n")
    with pytest.raises(CorpusError, match="u.csv:1: .* no rating to filter with --min-rating"):
        read_events(p, EventColumns(min_rating=4))


def test_a_nan_min_rating_is_refused_not_a_filter_that_keeps_everything():
    from illustrated.errors import ConfigError

    with pytest.raises(ConfigError, match="--min-rating must be a number, got nan"):
        EventColumns(min_rating=float("nan"))


def test_sessions_in_a_csv_file_are_not_read_as_a_headerless_log(tmp_path):
    p = tmp_path / "sessions.csv"
    p.write_text("1,2,3,4\n4,5,6,7,8\n9,10,11,12\n")
    with pytest.raises(CorpusError, match=r"sessions.csv:2: expected 4 fields, found 5; no header"
                                          r".*\(sessions, one a line, go in a .txt file\)"):
        read_events(p)


def test_an_ecommerce_log_with_utc_times_and_user_sessions(tmp_path):
    p = tmp_path / "2019-Oct.csv"
    p.write_text("event_time,event_type,product_id,category_id,brand,price,user_id,user_session\n"
                 "2019-10-01 00:00:05 UTC,view,44600062,2103807459595387724,shiseido,35.79,541312140,s1\n"
                 "2019-10-01 00:00:00 UTC,view,3900821,2053013552326770905,aqua,33.20,541312140,s1\n"
                 "2019-10-01 00:10:00 UTC,view,17200506,2053013559792632471,,543.10,541312140,s2\n")
    histories = read_events(p)
    assert [(h.user, h.items) for h in histories] == [("s1", ["3900821", "44600062"]), ("s2", ["17200506"])]
    assert histories[0].times == [1569888000.0, 1569888005.0]


def test_a_first_line_of_data_is_not_taken_for_a_header(tmp_path):
    p = tmp_path / "clicks.dat"
    p.write_text("1,2014-04-07T10:51:09.277Z,214536502,0\n1,2014-04-07T10:54:09.868Z,214536500,0\n")
    with pytest.raises(CorpusError, match=r"clicks.dat:1: the first line looks like data, not a header"):
        read_events(p, EventColumns(user="0"))  # "0" would otherwise name the fourth field


def test_a_headerless_user_item_rating_log_is_not_read_with_the_rating_as_its_time(tmp_path):
    p = tmp_path / "ratings.csv"
    p.write_text("1,10,5\n1,11,3\n1,12,4\n")                 # ordered by rating, it would read 11, 12, 10
    with pytest.raises(CorpusError, match=r"ratings.csv:1: no header line, and the third field '5' is "
                                          r"not a Unix time.*add a header line.*user,item,rating"):
        read_events(p)
    p.write_text("user,item,rating\n1,10,5\n1,11,3\n1,12,4\n")   # with the header it says: no time column
    assert items_by_user(read_events(p, EventColumns(min_rating=4))) == {"1": ["10", "12"]}


@pytest.mark.parametrize("text", ["session_id,item_id\ns1,b\ns1,a\ns2,c\ns1,d\n",
                                  "session_id\titem_id\tcategory\ns1\tb\tx\ns1\ta\tx\ns2\tc\ty\ns1\td\tx\n"])
def test_a_log_without_a_time_column_keeps_the_file_order(tmp_path, text):
    p = tmp_path / "clicks.csv"
    p.write_text(text)
    histories = read_events(p)
    assert items_by_user(histories) == {"s1": ["b", "a", "d"], "s2": ["c"]}
    assert all(h.times is None for h in histories)


def test_a_named_time_column_is_still_required(tmp_path):
    p = tmp_path / "clicks.csv"
    p.write_text("session_id,item_id\ns1,b\n")
    with pytest.raises(CorpusError, match=r"no column 'when' \(--time-col\)"):
        read_events(p, EventColumns(time="when"))


def test_a_parquet_log_without_a_time_column_keeps_the_file_order(tmp_path):
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"user": [1, 1, 2, 1], "item": ["y", "x", "z", "w"]}), p)
    assert items_by_user(load_histories(p)) == {"1": ["y", "x", "w"], "2": ["z"]}


def test_a_field_longer_than_the_csv_limit_is_one_line_in_an_event_log(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("user,item,timestamp\nu,a,1000000000\nu," + "x" * 200_000 + ",1000000001\n")
    with pytest.raises(CorpusError, match=r"log.csv:3: a field is longer than 131,072 characters"):
        read_events(p)
