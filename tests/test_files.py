import pytest

from illustrated.files import atomic_write


def test_atomic_write_leaves_old_file_on_crash(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as f:
            f.write(b"half")
            raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_atomic_write_text_and_gzip(tmp_path):
    import gzip

    with atomic_write(tmp_path / "a.txt", "w") as f:
        f.write("héllo\n")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    with atomic_write(tmp_path / "a.txt.gz", "w") as f:
        f.write("zipped\n")
    assert gzip.open(tmp_path / "a.txt.gz", "rt").read() == "zipped\n"


def test_atomic_write_uses_normal_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "m.bin") as f:
            f.write(b"x")
    finally:
        os.umask(mask)
    assert (tmp_path / "m.bin").stat().st_mode & 0o777 == 0o644
