"""The file operations both backends share, where the lake's crash recovery relies on them."""

import pytest

from sparkify_dagster.filesystems import files_for


@pytest.mark.parametrize("uri", [False, True], ids=["local", "hadoop"])
def test_move_into_an_existing_directory_moves_only_the_files_it_lacks(spark, tmp_path, uri):
    # What an object store's file-by-file rename leaves when it dies halfway: some files on
    # both sides, some only in the source.
    source, target = tmp_path / "source", tmp_path / "target"
    (source / "sub").mkdir(parents=True)
    target.mkdir()
    for path, text in [(source / "a", "a"), (source / "sub" / "b", "b"), (target / "a", "a")]:
        path.write_text(text)
    root = f"file://{tmp_path}" if uri else str(tmp_path)
    files = files_for(root, spark)

    files.move_into(f"{root}/source", f"{root}/target")

    assert not source.exists()
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "a",
        "sub/b",
    ]
    files.write_text(f"{root}/target/note.json", '{"x": 1}')
    assert files.read_text(f"{root}/target/note.json") == '{"x": 1}'
    assert "note.json" in files.child_files(f"{root}/target")
    files.delete(f"{root}/target/note.json")
    assert not (target / "note.json").exists()
