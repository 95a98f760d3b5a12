"""The shared data folder is found in one place, by every caller."""

from illustrated.data_paths import ENV, shared_data_dir


def test_the_environment_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / "elsewhere"))
    assert shared_data_dir() == tmp_path / "elsewhere"


def test_found_above_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "project" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project" / "sub")
    assert shared_data_dir() == (tmp_path / "shared" / "data").resolve()


def test_evaluate_reads_the_eval_folder_there(tmp_path, monkeypatch):
    from illustrated.commands.word2vec import _default_eval_dir

    monkeypatch.setenv(ENV, str(tmp_path))
    assert _default_eval_dir() == tmp_path / "eval"
