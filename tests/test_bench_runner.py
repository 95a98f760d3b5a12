import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from runner import Report, isolated, multi30k_lines, ratio  # noqa: E402


def test_isolated_measures_in_a_child_process():
    m = isolated(sum, [1, 2, 3])
    assert m.value == 6 and m.seconds >= 0 and m.peak_mb > 1


def test_report_prints_json_line_and_table(capsys, tmp_path):
    rep = Report("demo", anchor="baseline", dim=8)
    rep.add(system="ours", words_per_s=2000.0)
    rep.add(system="baseline", words_per_s=1000.0)
    rep.summary["speedup"] = ratio(2000.0, 1000.0)
    rep.emit(tmp_path / "r.json")
    out = capsys.readouterr().out.splitlines()
    data = json.loads(out[0])
    assert data["rows"][0]["system"] == "ours" and data["summary"]["speedup"] == 2.0
    assert any("words_per_s" in line for line in out[1:])
    assert json.loads((tmp_path / "r.json").read_text())["anchor"] == "baseline"


def test_multi30k_lines_cut_only_the_training_split(tmp_path, monkeypatch):
    import gzip

    from illustrated.data_paths import ENV

    folder = tmp_path / "multi30k"
    folder.mkdir()
    for stem in ("train", "val", "test_2016_flickr"):
        with gzip.open(folder / f"{stem}.de.gz", "wt", encoding="utf-8") as f:
            f.write("".join(f" {stem} {i}\n" for i in range(5)))
    monkeypatch.setenv(ENV, str(tmp_path))
    assert multi30k_lines("train", "de", limit=2) == ["train 0", "train 1"]
    assert multi30k_lines("val", "de", limit=2) == [f"val {i}" for i in range(5)]
    assert multi30k_lines("test", "de") == [f"test_2016_flickr {i}" for i in range(5)]


def test_run_measured_gives_the_commands_own_peak_not_the_benchmarks(tmp_path):
    """A benchmark that holds a lot of memory itself (as one that has imported torch does) must not
    lend it to the commands it measures: the child's peak is its own."""
    from runner import run_measured

    held = bytearray(300 * 2**20)
    held[::4096] = b"\x01" * len(held[::4096])        # make the pages resident
    child = "x = bytearray(80 * 2**20); x[::4096] = b'\\x01' * len(x[::4096]); print('ok')"
    r = run_measured([sys.executable, "-c", child], tmp_path / "log")
    assert 80 <= r["peak_mb"] < 200, r                 # the child's 80 MiB and its interpreter, not the 300 held here
    assert r["wall_s"] > 0 and r["cpu_s"] > 0
    assert (tmp_path / "log").read_text().strip() == "ok"
    del held


def test_run_measured_counts_the_whole_process_tree(tmp_path):
    """A command whose work happens in a child (as torchrun's workers) is measured by that child's peak."""
    from runner import run_measured

    grandchild = "x = bytearray(150 * 2**20); x[::4096] = b'\\x01' * len(x[::4096])"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}], check=True)"
    r = run_measured([sys.executable, "-c", parent], tmp_path / "log")
    assert r["peak_mb"] >= 150, r


def test_run_measured_stops_on_a_failing_command(tmp_path):
    import pytest

    from runner import run_measured

    with pytest.raises(SystemExit, match="exit 3"):
        run_measured([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"], tmp_path / "log", what="x")


def test_every_report_says_when_where_and_how_it_ran(capsys):
    rep = Report("demo", anchor="baseline", budget=3)
    rep.add(system="ours", x=1.0)
    rep.emit()
    out = capsys.readouterr().out.splitlines()
    machine = json.loads(out[0])["machine"]
    assert {"date", "host", "cpus", "cpu", "load_average", "command"} <= set(machine)
    assert any(line.startswith("run ") and "load average" in line for line in out)
    assert any(line.startswith("settings: ") and "budget 3" in line for line in out)
