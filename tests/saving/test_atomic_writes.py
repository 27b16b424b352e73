"""Atomic writes: a crash while saving leaves the previous file whole and no temporary file behind."""

import os
import stat

import pytest

from deepgrad import nn
from deepgrad.saving import CorruptFileError, atomic, load, load_weights, save, save_weights
from deepgrad.saving import model as model_folder


def test_write_atomically_writes_and_replaces_with_the_usual_permissions(tmp_path):
    path = tmp_path / "data.bin"
    atomic.write_atomically(path, b"first")
    atomic.write_atomically(path, b"second, longer")
    assert path.read_bytes() == b"second, longer" and os.listdir(tmp_path) == ["data.bin"]
    (tmp_path / "plain.bin").write_bytes(b"x")  # made the ordinary way, under the same umask
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE((tmp_path / "plain.bin").stat().st_mode)


def test_large_data_is_written_whole_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "CHUNK_BYTES", 7)
    data = bytes(range(256)) * 3
    atomic.write_atomically(tmp_path / "big.bin", data)
    assert (tmp_path / "big.bin").read_bytes() == data


def write_half_then_fail(error):
    def failing(file, data):
        file.write(data[:len(data) // 2])
        file.flush()
        raise error
    return failing


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_write_that_fails_half_way_leaves_the_old_file_whole(tmp_path, monkeypatch, error):
    path = tmp_path / "data.bin"
    atomic.write_atomically(path, b"old contents")
    monkeypatch.setattr(atomic, "_write_chunks", write_half_then_fail(error))
    with pytest.raises(type(error)):
        atomic.write_atomically(path, b"new contents that never fully arrive")
    assert path.read_bytes() == b"old contents" and os.listdir(tmp_path) == ["data.bin"]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_before_the_rename_leaves_the_old_file_whole(tmp_path, monkeypatch, step):
    path = tmp_path / "data.bin"
    atomic.write_atomically(path, b"old contents")

    def fail(*args):
        raise OSError(5, f"{step} failed")
    monkeypatch.setattr(atomic.os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        atomic.write_atomically(path, b"new contents")
    monkeypatch.undo()
    assert path.read_bytes() == b"old contents" and os.listdir(tmp_path) == ["data.bin"]


def test_a_crash_while_saving_weights_keeps_the_previous_weights_loadable(tmp_path, monkeypatch, make_mixed_model,
                                                                          same_state):
    old, new, target = make_mixed_model(seed=0), make_mixed_model(seed=1), make_mixed_model(seed=2)
    save_weights(old, tmp_path / "w.safetensors")
    monkeypatch.setattr(atomic, "_write_chunks", write_half_then_fail(OSError(28, "No space left on device")))
    with pytest.raises(OSError, match="No space left"):
        save_weights(new, tmp_path / "w.safetensors")
    monkeypatch.undo()
    load_weights(target, tmp_path / "w.safetensors")
    same_state(old, target)
    assert os.listdir(tmp_path) == ["w.safetensors"]


def test_missing_folders_and_folder_paths_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the folder .*nowhere does not exist; create it first"):
        atomic.write_atomically(tmp_path / "nowhere" / "w.bin", b"x")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        atomic.write_atomically(tmp_path, b"x")


def crash_on(name, monkeypatch):
    """Make the model folder's writes fail for the file `name`, as a crash at that point would."""
    real = model_folder.write_atomically

    def write(path, data):
        if os.path.basename(path) == name:
            raise OSError(28, f"crash while writing {name}")
        real(path, data)
    monkeypatch.setattr(model_folder, "write_atomically", write)


def test_a_first_save_that_did_not_finish_is_not_loadable_and_says_so(tmp_path, monkeypatch, make_mixed_model):
    crash_on("config.json", monkeypatch)
    with pytest.raises(OSError, match="crash while writing config.json"):
        save(make_mixed_model(), tmp_path / "model", input_shape=(None, 5))
    assert os.listdir(tmp_path / "model") == ["weights.safetensors"]
    with pytest.raises(FileNotFoundError, match="has no config.json.*the save did not finish"):
        load(tmp_path / "model")


def test_a_crash_between_the_two_files_of_an_overwrite_is_detected(tmp_path, monkeypatch, make_mixed_model):
    save(make_mixed_model(seed=0), tmp_path / "model", input_shape=(None, 5))
    crash_on("config.json", monkeypatch)
    with pytest.raises(OSError):
        save(make_mixed_model(seed=1), tmp_path / "model", input_shape=(None, 5))
    with pytest.raises(CorruptFileError, match=r"weights\.safetensors is not the file .*config\.json was saved with"):
        load(tmp_path / "model")


def test_a_crash_while_writing_the_weights_of_an_overwrite_keeps_the_old_model(tmp_path, monkeypatch,
                                                                                make_mixed_model, same_state):
    old = make_mixed_model(seed=0)
    save(old, tmp_path / "model", input_shape=(None, 5))
    crash_on("weights.safetensors", monkeypatch)
    with pytest.raises(OSError):
        save(make_mixed_model(seed=1), tmp_path / "model", input_shape=(None, 5))
    same_state(old, load(tmp_path / "model"))
    assert isinstance(load(tmp_path / "model"), nn.Sequential)
