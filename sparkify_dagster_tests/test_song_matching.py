"""Plays match songs whichever spelling of the artist's name the log uses, through a real run."""

import json
from datetime import date

from sparkify_dagster.query import connect
from sparkify_dagster_tests.helpers import run_pipeline

DAY = date(2018, 11, 21)
REFERENCE_PLAY = ("SOZCTXZ12AB0182364", "AR5KOSW1187FB35FF4", 1542837407796)


def _first_ascii_play(log_file) -> dict:
    for line in log_file.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["page"] == "NextSong" and (event["song"] + event["artist"]).isascii():
            return event
    raise AssertionError(f"no NextSong event in {log_file}")


def test_a_play_spelt_like_its_song_file_matches_when_the_artist_row_spells_it_otherwise(
    sample_copy, tmp_path
):
    log_file = sample_copy / "log_data" / f"{DAY:%Y}" / f"{DAY:%m}" / f"{DAY}-events.json"
    play = _first_ascii_play(log_file)
    song = {"artist_id": "ARSPELT", "year": 0, "num_songs": 1}
    folder = sample_copy / "song_data" / "Z" / "Z" / "Z"
    folder.mkdir(parents=True)
    # The song's own file spells the artist as the log does...
    own = dict(song, song_id="SOSPELT1", title=play["song"], artist_name=play["artist"])
    (folder / "TRSPELT1.json").write_text(json.dumps(dict(own, duration=play["length"] + 0.2)))
    # ...the artist's more complete file another way, so the artists row takes that spelling.
    other = dict(song, song_id="SOSPELT2", title="Another", artist_name=f"{play['artist']} feat. X")
    located = dict(other, duration=100.0, artist_location="Lagos", artist_latitude=6.5)
    (folder / "TRSPELT2.json").write_text(json.dumps(located))
    lake = tmp_path / "lake"

    result = run_pipeline(sample_copy, lake, DAY, DAY)

    assert result.success
    db = connect(lake)
    name = db.execute("SELECT name FROM artists WHERE artist_id = 'ARSPELT'").fetchone()[0]
    assert name == f"{play['artist']} feat. X"
    matched = db.execute(
        "SELECT song_id, artist_id, epoch_ms(start_time) FROM songplays WHERE song_id IS NOT NULL"
    ).fetchall()
    same_song = [
        e
        for e in map(json.loads, log_file.read_text(encoding="utf-8").splitlines())
        if e["page"] == "NextSong"
        and (e["song"], e["artist"]) == (play["song"], play["artist"])
        and abs(e["length"] - play["length"] - 0.2) <= 0.5
    ]
    assert same_song and play["ts"] != REFERENCE_PLAY[2]
    assert sorted(matched) == sorted(
        [REFERENCE_PLAY, *[("SOSPELT1", "ARSPELT", e["ts"]) for e in same_song]]
    )
    spellings = db.execute(
        "SELECT artist_name FROM song_match_keys WHERE song_id = 'SOSPELT1' ORDER BY 1"
    ).fetchall()
    assert spellings == [(play["artist"],), (f"{play['artist']} feat. X",)]
