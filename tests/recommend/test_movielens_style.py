"""A MovieLens-style log trains under its own header and answers with film titles."""

import json
import random
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from illustrated.recommend import Recommender
from illustrated.recommend.service import create_app

GENRES = {"Action": range(1, 21), "Drama": range(21, 41)}
TITLE = {m: f"{g} Film {m} (199{m % 10})" for g, films in GENRES.items() for m in films}
TITLE[5] = "Heat, The (1995)"  # a comma: quoted in movies.csv


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """ratings.csv (userId,movieId,rating,timestamp) where each user rates films of one genre
    highly and a few others badly, and movies.csv (movieId,title,genres) with quoted titles."""
    folder = tmp_path_factory.mktemp("ml")
    rng = random.Random(4)
    rows = ["userId,movieId,rating,timestamp"]
    for user in range(1, 241):
        liked = list(GENRES["Action" if user % 2 else "Drama"])
        others = list(GENRES["Drama" if user % 2 else "Action"])
        events = [(m, rng.choice([4.0, 4.5, 5.0])) for m in rng.sample(liked, 12)] + \
                 [(m, rng.choice([0.5, 1.0, 2.0])) for m in rng.sample(others, 4)]
        rng.shuffle(events)
        rows += [f"{user},{m},{r},{1_000_000_000 + 60 * n}" for n, (m, r) in enumerate(events)]
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n")
    movies = ["movieId,title,genres"] + [
        f'{m},"{TITLE[m]}",{g}|Thriller' if "," in TITLE[m] else f"{m},{TITLE[m]},{g}"
        for g, films in GENRES.items() for m in films]
    (folder / "movies.csv").write_text("\n".join(movies) + "\n")
    return folder


def run(*args):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def model(files):
    out = files / "films.npz"
    r = run("train", str(files / "ratings.csv"), "-o", str(out), "--names", str(files / "movies.csv"),
            "--min-rating", "4", "--dim", "16", "--epochs", "20", "--sample", "0", "--ns-exponent", "0.75",
            "--threads", "1")
    assert r.returncode == 0, r.stderr
    assert "read 2,880 events rated at least 4 of 240 users" in r.stdout
    assert "40 items (40 named)" in r.stdout and "most popular: " in r.stdout
    assert "Film" in r.stdout.splitlines()[-1]  # the summary speaks in titles
    return out


def genre(title: str) -> str:
    return "Action" if title.startswith(("Action", "Heat")) else "Drama"


def test_similar_and_next_answer_with_titles(model):
    r = run("similar", str(model), "Heat, The", "-k", "5")  # a name, not an id
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()[:5]
    assert all(line.strip().split("  ", 1)[1].startswith("Action Film") for line in lines)
    r = run("next", str(model), "21", "22", "Drama Film 23", "-k", "3")
    assert r.returncode == 0, r.stderr
    assert all("Drama Film" in line for line in r.stdout.strip().splitlines()[:3])
    r = run("similar", str(model), "Film 1")
    assert r.returncode == 1 and "matches" in r.stderr and r.stderr.count("\n") == 1


def test_the_service_answers_with_titles(model):
    client = TestClient(create_app(Recommender.load(model)))
    body = client.post("/recommend", json={"items": ["2", "3", "4"], "k": 5}).json()
    assert len(body["items"]) == len(body["names"]) == 5
    assert [genre(n) for n in body["names"]] == ["Action"] * 5
    assert body["names"] == [TITLE[int(i)] for i in body["items"]]
    assert client.get("/health").json()["names"] is True
    assert json.loads(client.get("/items/5/similar").text)["name"] == "Heat, The (1995)"
