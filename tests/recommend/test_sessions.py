"""Reading sessions and event logs, and splits that never leak held-out items into training."""

import gzip

import pytest

from illustrated.errors import CorpusError, FormatError
from illustrated.recommend.sessions import (EventColumns, History, leave_last_out, load_histories, read_events,
                                            read_sessions, sessions_of, time_split)
from illustrated.recommend.synthetic import genre_sessions


def test_sessions_a_line_spaces_commas_and_gzip(tmp_path):
    p = tmp_path / "s.txt.gz"
    with gzip.open(p, "wt") as f:
        f.write("a b c\n\nx,y , z\nspotify:track:1\tItem-2\n")
    assert read_sessions(p) == [["a", "b", "c"], ["x", "y", "z"], ["spotify:track:1", "Item-2"]]


@pytest.mark.parametrize("content,message", [
    (b"", "no sessions found"),
    (b"a b\n\xff\n", "s.txt:2: bytes are not valid utf-8"),
])
def test_bad_session_files_name_the_line(tmp_path, content, message):
    p = tmp_path / "s.txt"
    p.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        read_sessions(p)


def test_missing_file():
    with pytest.raises(Exception, match="no such sessions file"):
        read_sessions("/nonexistent/s.txt")


def test_event_log_orders_by_time_and_cuts_sessions_at_gaps(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("user,item,timestamp\nu1,b,120\nu1,a,60\nu2,z,2024-01-01T00:00:00\n"
                 "u1,c,4000\nu1,d,4100\n")
    hs = {h.user: h for h in read_events(p)}
    assert hs["u1"].items == ["a", "b", "c", "d"]
    assert sessions_of(hs["u1"], gap_minutes=30) == [["a", "b"], ["c", "d"]]
    assert sessions_of(hs["u1"]) == [["a", "b", "c", "d"]]


def test_parquet_event_log(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"user": [1, 1, 2], "item": ["x", "y", "z"], "timestamp": [2, 1, 5]}), p)
    hs = {h.user: h.items for h in load_histories(p)}
    assert hs == {"1": ["y", "x"], "2": ["z"]}


@pytest.mark.parametrize("content,message", [
    ("user,item,timestamp\nu,a,soon\n", "e.csv:2: column 'timestamp': timestamp 'soon'"),
    ("user,item,timestamp\nu,a,1\nu,b\n", "e.csv:3: expected 3 fields"),
    ("", "empty event log"),
    ("user,item,timestamp\nu,a,1\nu,b,nan\n", "e.csv:3: column 'timestamp': .* not a finite"),
    ("user,item,timestamp\nu,a,inf\n", "e.csv:2: column 'timestamp': .* not a finite"),
])
def test_bad_event_logs_name_file_and_line(tmp_path, content, message):
    p = tmp_path / "e.csv"
    p.write_text(content)
    with pytest.raises(CorpusError, match=message):
        read_events(p)


def test_leave_last_out_never_leaks_held_out_events():
    data = genre_sessions(n_sessions=200, seed=3)
    hs = [History(str(n), s) for n, s in enumerate(data.sessions)]
    split = leave_last_out(hs)
    assert len(split.test) == len(split.validation) == len(hs)
    by_user = {h.user: h.items for h in hs}
    for n, case in enumerate(split.test):
        items = by_user[case.user]
        assert case.target == items[-1] and case.context == items[:-1]
        assert split.validation[n].target == items[-2] and split.validation[n].context == items[:-2]
        # training holds exactly the events before the held-out ones, per user
        assert split.train[n] == items[:-2]
        assert split.train_full[n] == items[:-1]
    # multiset of events: training + validation + test = everything, nothing counted twice
    from collections import Counter
    everything = Counter(i for h in hs for i in h.items)
    held = Counter(c.target for c in split.test) + Counter(c.target for c in split.validation)
    assert Counter(i for s in split.train for i in s) + held == everything


def test_leave_last_n_out_holds_out_every_last_position():
    h = History("u", list("abcdefgh"))
    split = leave_last_out([h, History("v", list("xyz"))], n=3)
    assert [(c.context, c.target) for c in split.test] == [
        (list("abcde"), "f"), (list("abcdef"), "g"), (list("abcdefg"), "h")]
    assert [c.target for c in split.validation] == ["c", "d", "e"]
    assert split.validation[0].context == ["a", "b"]
    # v has fewer than 2n + 1 items: training only
    assert split.train == [["a", "b"], list("xyz")] and split.train_full == [list("abcde"), list("xyz")]
    with pytest.raises(CorpusError, match="n must be at least 1"):
        leave_last_out([h], n=0)


def test_leave_last_out_with_gaps_uses_the_current_session_as_context():
    h = History("u", ["a", "b", "c", "d", "e"], [0, 60, 10_000, 10_060, 10_120])
    split = leave_last_out([h], gap_minutes=30)
    assert split.test[0].context == ["c", "d"] and split.test[0].target == "e"
    assert split.train == [["a", "b"], ["c"]]


def test_time_split():
    hs = [History("u", ["a", "b", "c", "d"], [1, 2, 3, 4]), History("v", ["x", "y"], [1, 2])]
    split = time_split(hs, cutoff=3)
    assert [c.target for c in split.test] == ["c"] and split.test[0].context == ["a", "b"]
    assert split.train_full == [["a", "b"], ["x", "y"]]
    assert "c" not in {i for s in split.train_full for i in s}
    with pytest.raises(CorpusError, match="needs timestamps"):
        time_split([History("u", ["a"])], cutoff=1)


def test_leave_last_out_with_more_validation_items_than_test_items():
    h = History("u", list("abcdefgh"))
    split = leave_last_out([h, History("v", list("wxyz"))], n=1, validation=3)
    assert [(c.context, c.target) for c in split.test] == [(list("abcdefg"), "h")]
    # each validation item is predicted from everything before it, trained on what precedes them all
    assert [(c.context, c.target) for c in split.validation] == [
        (list("abcd"), "e"), (list("abcde"), "f"), (list("abcdef"), "g")]
    assert split.train == [list("abcd"), list("wxyz")]
    assert split.train_full == [list("abcdefg"), list("wxyz")]   # v has fewer than 1 + 3 + 1 items
    with pytest.raises(CorpusError, match="validation must be at least 1"):
        leave_last_out([h], validation=0)
    with pytest.raises(CorpusError, match="min_length must be at least 5"):
        leave_last_out([h], validation=3, min_length=4)


@pytest.mark.parametrize("name,content", [
    ("ratings.txt", "1,10,5,881250949\n1,11,3,881250950\n2,10,4,881250951\n2,12,1,881250952\n"),
    ("u.txt", "1\t10\t5\t881250949\n1\t11\t3\t881250950\n2\t10\t4\t881250951\n2\t12\t1\t881250952\n"),
    ("log.txt", "userId,movieId,rating,timestamp\n1,10,5,100\n1,11,3,101\n2,10,4,102\n2,12,1,103\n"),
])
def test_event_log_named_like_sessions_is_read_as_an_event_log(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    histories = load_histories(p)
    assert [(h.user, h.items) for h in histories] == [("1", ["10", "11"]), ("2", ["10", "12"])]
    assert histories[0].times is not None


def test_sessions_of_numbers_stay_sessions(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text("1,2,3,4\n5,6,7\n8 9 10 1000000000\n")
    assert [h.items for h in load_histories(p)] == [["1", "2", "3", "4"], ["5", "6", "7"],
                                                    ["8", "9", "10", "1000000000"]]
    p.write_text("214536502,214536500,214536506,214577561\n214662742,214662742,214825110,214757390\n")
    assert [len(h.items) for h in load_histories(p)] == [4, 4]  # product ids, not ratings and times


def test_a_nan_rating_is_refused_not_kept_by_min_rating(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("user,item,rating,timestamp\nu,a,5,1\nu,b,NaN,2\n")
    with pytest.raises(CorpusError, match="e.csv:3: column 'rating': rating 'NaN' is not a number"):
        read_events(p, EventColumns(min_rating=4))


def test_a_byte_order_mark_is_not_part_of_the_first_item_or_field(tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes(b"\xef\xbb\xbfa b\r\nc d\r\n")
    assert read_sessions(p) == [["a", "b"], ["c", "d"]]
    p = tmp_path / "u.csv"
    p.write_bytes(b"\xef\xbb\xbf1,10,5,881250949\r\n1,11,3,881250950\r\n")
    assert [(h.user, h.items) for h in read_events(p)] == [("1", ["10", "11"])]


@pytest.mark.parametrize("name", ["s.txt.gz", "e.csv.gz", "s.txt.xz", "e.csv.bz2"])
@pytest.mark.parametrize("damage", ["not compressed", "truncated"])
def test_damaged_compressed_files_are_one_line_errors(tmp_path, name, damage):
    import bz2
    import lzma

    p = tmp_path / name
    compress = {".gz": gzip.compress, ".xz": lzma.compress, ".bz2": bz2.compress}[p.suffix]
    data = compress(b"user,item,timestamp\n" + b"u,a,1\nu,b,2\n" * 500)
    p.write_bytes(b"plain text" if damage == "not compressed" else data[:len(data) // 2])
    with pytest.raises(FormatError, match=f"{name}: truncated or corrupted \\{p.suffix} file"):
        load_histories(p)
