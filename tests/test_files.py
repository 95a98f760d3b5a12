import os

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


def test_npz_with_metadata_round_trips_and_is_deterministic(tmp_path):
    import numpy as np

    from illustrated.files import read_npz, write_npz

    arrays = {"vectors": np.arange(6, dtype=np.float32).reshape(3, 2), "keys": np.array(["a", "bé", "c"])}
    meta = {"format": "demo", "n": 3, "names": ["α", "b"]}
    write_npz(tmp_path / "a.npz", arrays, meta)
    write_npz(tmp_path / "b.npz", arrays, dict(reversed(list(meta.items()))))
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    got, got_meta = read_npz(tmp_path / "a.npz", required=("vectors",), fmt="demo")
    assert got_meta == meta
    assert set(got) == {"vectors", "keys"}
    np.testing.assert_array_equal(got["vectors"], arrays["vectors"])
    assert got["keys"].tolist() == ["a", "bé", "c"]
    write_npz(tmp_path / "plain.npz", {"x": np.zeros(2)})
    assert read_npz(tmp_path / "plain.npz")[1] == {}


def test_npz_with_metadata_refuses_bad_files(tmp_path):
    import numpy as np

    from illustrated.errors import FormatError
    from illustrated.files import read_npz, write_npz

    write_npz(tmp_path / "a.npz", {"x": np.zeros(2)}, {"format": "demo"})
    with pytest.raises(FormatError, match=r"a\.npz: missing array\(s\) y"):
        read_npz(tmp_path / "a.npz", required=("x", "y"))
    with pytest.raises(FormatError, match=r"a\.npz: not an other file"):
        read_npz(tmp_path / "a.npz", fmt="other")
    np.savez(tmp_path / "meta.npz", meta=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(FormatError, match=r"meta\.npz: damaged metadata"):
        read_npz(tmp_path / "meta.npz")
    np.savez(tmp_path / "pickled.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(FormatError, match=r"pickled\.npz: not a readable \.npz"):
        read_npz(tmp_path / "pickled.npz")
    (tmp_path / "cut.npz").write_bytes((tmp_path / "a.npz").read_bytes()[:40])
    with pytest.raises(FormatError, match=r"cut\.npz"):
        read_npz(tmp_path / "cut.npz")
    with pytest.raises(ValueError, match="reserved"):
        write_npz(tmp_path / "b.npz", {"meta": np.zeros(1)}, {})


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_truncated_or_foreign_compressed_file_is_a_format_error(tmp_path, suffix):
    import bz2
    import gzip
    import lzma

    from illustrated.errors import FormatError
    from illustrated.files import open_binary

    compress = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    data = compress(b"one two three\n" * 1000)
    truncated = tmp_path / f"cut{suffix}"
    truncated.write_bytes(data[: len(data) // 2])
    foreign = tmp_path / f"plain{suffix}"
    foreign.write_bytes(b"not compressed at all\n")
    for path in (truncated, foreign):
        with pytest.raises(FormatError, match=f"{path.name}: truncated or corrupted"):
            with open_binary(path) as f:
                while f.read(4096):
                    pass
    whole = tmp_path / f"whole{suffix}"
    whole.write_bytes(data)
    with open_binary(whole) as f:
        assert f.readline() == b"one two three\n"
        assert len(f.read()) == 14 * 999


def test_check_writable_names_the_obstacle(tmp_path):
    from illustrated.errors import IllustratedError
    from illustrated.files import check_writable

    (tmp_path / "file").write_text("")
    assert check_writable(tmp_path / "new" / "deeper" / "out.txt") == tmp_path / "new" / "deeper" / "out.txt"
    with pytest.raises(IllustratedError, match="is a directory"):
        check_writable(tmp_path)
    with pytest.raises(IllustratedError, match=r"file is not a directory"):
        check_writable(tmp_path / "file" / "out.txt")


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_atomic_write_compresses_what_open_binary_reads(tmp_path, suffix):
    from illustrated.files import open_binary

    with atomic_write(tmp_path / f"a.txt{suffix}", "w") as f:
        f.write("packed\n")
    assert not (tmp_path / f"a.txt{suffix}").read_bytes().startswith(b"packed")
    with open_binary(tmp_path / f"a.txt{suffix}") as f:
        assert f.read() == b"packed\n"


def test_npz_with_a_damaged_array_header_is_a_format_error(tmp_path):
    import numpy as np

    from illustrated.errors import FormatError
    from illustrated.files import read_npz, write_npz

    path = tmp_path / "v.npz"
    write_npz(path, {"vectors": np.zeros((1000, 64), dtype=np.float32)}, {"format": "demo"})
    data = bytearray(path.read_bytes())
    start = data.index(b"{'descr'", data.index(b"vectors.npy"))
    # a large member: numpy parses its header before the zip checks the member's checksum
    data[data.index(b"}", start)] = ord(" ")  # the header's dict is never closed
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=r"v\.npz: not a readable \.npz model file \(damaged array header"):
        read_npz(path)


def test_the_temporary_file_of_a_killed_writer_is_swept_and_a_live_writers_is_kept(tmp_path):
    """A writer killed with SIGKILL leaves its temporary file; the next write into the folder
    removes it (its lock died with it), but not the file of a writer still at work, nor a file
    that merely looks alike."""
    import signal
    import subprocess
    import sys

    from illustrated.files import TEMP_SUFFIX, remove_stale_temporaries

    writer = ("import sys, time\nfrom illustrated.files import atomic_write\n"
              "with atomic_write(sys.argv[1]) as f:\n    f.write(b'half')\n    f.flush()\n"
              "    print('writing', flush=True)\n    time.sleep(60)\n")
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(tmp_path / name)],
                              stdout=subprocess.PIPE) for name in ("killed.npz", "alive.npz")]
    for p in procs:
        assert p.stdout.readline() == b"writing\n"
    procs[0].send_signal(signal.SIGKILL)
    procs[0].wait()
    lookalike = tmp_path / f".other{TEMP_SUFFIX}x"
    lookalike.write_bytes(b"mine")
    try:
        names = sorted(p.name for p in tmp_path.iterdir())
        assert len([n for n in names if n.endswith(TEMP_SUFFIX)]) == 2
        with atomic_write(tmp_path / "new.npz") as f:    # any write into the folder sweeps
            f.write(b"whole")
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX))
        assert len(left) == 1 and left[0].startswith(".alive.npz.")
        assert remove_stale_temporaries(tmp_path) == []
    finally:
        procs[1].kill()
        procs[1].wait()
    assert remove_stale_temporaries(tmp_path) == left      # its writer is gone now
    assert lookalike.read_bytes() == b"mine" and (tmp_path / "new.npz").read_bytes() == b"whole"
    assert not (tmp_path / "killed.npz").exists() and not (tmp_path / "alive.npz").exists()


def test_one_output_check_for_files_folders_suffixes_and_options(tmp_path):
    from illustrated.errors import ConfigError
    from illustrated.files import check_writable

    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    cases = [
        (dict(path=tmp_path / "m.pkl", what="model file", suffix=".npz"), "a model file is written as .npz (got .pkl)"),
        (dict(path=tmp_path / "m", what="model file", suffix=".npz"), "(got no suffix); name the output e.g. m.npz"),
        (dict(path=tmp_path / "dir", what="model file", suffix=".npz"), "dir: is a directory, expected a path"),
        (dict(path=tmp_path / "dir", what="translations file", option="--output"),
         f"--output {tmp_path / 'dir'}: is a folder, expected a file name for the translations file"),
        (dict(path=tmp_path / "file", what="model", option="--output", folder=True),
         "file: is a file, expected a folder for the model"),
        (dict(path=tmp_path / "file" / "deeper" / "m.npz", what="model file", suffix=".npz"),
         "cannot write the model file: " + str(tmp_path / "file") + " is not a directory (it is a file, not a folder)"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ConfigError) as e:
            check_writable(**kwargs)
        assert message in str(e.value), str(e.value)
    assert check_writable(tmp_path / "dir", "model", option="--output", folder=True) == tmp_path / "dir"
    assert check_writable(tmp_path / "new" / "m.npz", "model file", suffix=".npz") == tmp_path / "new" / "m.npz"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_named(tmp_path):
    from illustrated.errors import ConfigError
    from illustrated.files import check_writable

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match=f"--plot-attention {locked / 'a.png'}: cannot write the attention "
                                              f"plot: no permission to write in {locked}"):
            check_writable(locked / "a.png", "attention plot", option="--plot-attention")
    finally:
        locked.chmod(0o700)


def test_a_write_left_to_finish_in_a_thread_lands_whole_or_not_at_all(tmp_path, monkeypatch):
    import errno

    import numpy as np

    from illustrated import files
    from illustrated.errors import IllustratedError

    path = tmp_path / "m.npz"
    files.write_npz(path, {"a": np.zeros(3)})
    before = path.read_bytes()
    pending = files.write_npz(path, {"a": np.arange(5.0)}, {"n": 5}, wait=False)
    assert isinstance(pending, files.Pending)
    pending.wait()
    arrays, meta = files.read_npz(path)
    assert arrays["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and meta == {"n": 5}
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]

    def failing_fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    before = path.read_bytes()
    monkeypatch.setattr(files.os, "fsync", failing_fsync)
    pending = files.write_npz(path, {"a": np.ones(7)}, wait=False)
    with pytest.raises(IllustratedError, match=r"m\.npz: cannot write: Input/output error; "
                                                "the previous file is left as it was"):
        pending.wait()
    pending.wait()  # the error is raised once
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
