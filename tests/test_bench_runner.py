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
