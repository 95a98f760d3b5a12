"""``illustrated recommend``: Recommend items from sessions with item2vec."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError
from ..files import atomic_write, check_writable, remove_stale_temporaries
from .common import check_everywhere, check_listen, echo, group, join_processes
from .recommend_side import (AttributeCols, Attributes, AttributesIdCol, Conversions, HoldOutItems,
                             MarketCol, MarketShare, print_cold, read_side, side_summary,
                             training_sessions, tune_side)

app = group("Recommend items from sessions with item2vec.")

Sessions = Annotated[Path, typer.Argument(
    help="Sessions: one a line (ids separated by spaces or commas; .gz ok), or an event log "
         "(.csv/.tsv/.dat/.data/.parquet) whose user (or session), item and time columns go by "
         "their usual names (userId, user_id, session_id, movieId, item_id, product_id, "
         "timestamp, time, …) or are named with the options below.")]
HeldOut = Annotated[int, typer.Option(help="How many of each user's last items are held out.")]
Gap = Annotated[float | None, typer.Option(help="Event logs: minutes of silence that start a new session.")]
UserCol = Annotated[str | None, typer.Option(help="Event logs: the user or session column (default: found by name).")]
ItemCol = Annotated[str | None, typer.Option(help="Event logs: the item column (default: found by name).")]
TimeCol = Annotated[str | None, typer.Option(help="Event logs: the time column (default: found by name).")]
RatingCol = Annotated[str | None, typer.Option(help="Event logs: the rating column (default: rating, score, stars…).")]
MinRating = Annotated[float | None, typer.Option(help="Event logs: keep only events rated at least this (explicit feedback).")]


def _check_gap(gap_minutes: float | None, **counts: int) -> None:
    """Refuse a session gap that would cut nothing sensible (negative or not a number), and
    counts of held-out items (``held_out=…``, ``validation=…``) below 1, naming the option."""
    if gap_minutes is not None and not gap_minutes >= 0:
        raise ConfigError(f"--gap-minutes must be 0 or more (minutes of silence that start a new "
                          f"session), got {gap_minutes:g}")
    for name, value in counts.items():
        if value < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1, got {value}")


def _histories(path: Path, user_col, item_col, time_col, rating_col, min_rating, gap=None):
    """Histories from a sessions file or an event log read with the given columns; a session
    ``gap`` for a file without times is an error rather than silently ignored."""
    from ..recommend.sessions import EventColumns, is_event_log, load_histories, looks_like_event_log

    histories = load_histories(path, EventColumns(user=user_col, item=item_col, time=time_col,
                                                  rating=rating_col, min_rating=min_rating))
    timed = bool(histories) and histories[0].times is not None
    if not is_event_log(path) and timed:
        echo(f"{path} holds an event log (user, item, time on each line), not sessions: "
             "read as an event log, one history a user ordered by time")
    untimed_log = not timed and (is_event_log(path) or looks_like_event_log(path))
    if untimed_log:
        echo(f"{path} has no time column: each user's events are kept in the file's order")
    if gap is not None and not timed:
        raise ConfigError(f"{path}: --gap-minutes needs times, and this event log has no time column"
                          if untimed_log else f"{path}: --gap-minutes needs times (an event log); "
                          "sessions, one a line, are already cut into sessions")
    return histories


def _check_names_match(names: Path, id_to_name: dict, sessions: Path, histories) -> None:
    """Refuse a names file none of whose ids is an item of the data (a wrong file or id column):
    the model would silently carry no name at all."""
    items = {i for h in histories for i in h.items}
    if not any(k in items for k in id_to_name):
        ids = ", ".join(repr(k) for k in list(id_to_name)[:3])
        seen = ", ".join(repr(i) for i in list(items)[:3])
        raise ConfigError(f"{names}: none of its {len(id_to_name):,} ids ({ids}, …) is an item of "
                          f"{sessions} ({seen}, …); is --names-id-col the right column?")


def _config(config_file: Path | None, overrides: dict):
    from ..recommend.config import Item2VecConfig

    base = Item2VecConfig()
    if config_file is not None:
        try:
            data = json.loads(config_file.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise ConfigError(f"{config_file}: not a readable JSON config ({e})") from None
        settings = data.get("best", data) if isinstance(data, dict) else data
        if not isinstance(settings, dict):
            raise ConfigError(f"{config_file}: expected a JSON object of settings (or the output "
                              f"of `tune`), found {type(settings).__name__}")
        base = base.replace(**settings)
    return base.replace(**{k: v for k, v in overrides.items() if v is not None})


@app.command("train")
def train(
    sessions: Sessions,
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write (.npz).")],
    config: Annotated[Path | None, typer.Option(help="JSON settings, e.g. the output of `tune`.")] = None,
    dim: Annotated[int | None, typer.Option(help="Vector size.")] = None,
    window: Annotated[int | None, typer.Option(help="Window in items (default 20).")] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the sessions.")] = None,
    ns_exponent: Annotated[float | None, typer.Option(help="Negative-sampling exponent (may be < 0).")] = None,
    sample: Annotated[float | None, typer.Option(help="Subsampling threshold (0: off).")] = None,
    negative: Annotated[int | None, typer.Option(help="Negative samples per pair (at most 100).")] = None,
    min_count: Annotated[int | None, typer.Option(help="Drop items seen fewer times.")] = None,
    threads: Annotated[int | None, typer.Option(help="Training threads.")] = None,
    index: Annotated[str, typer.Option(help="'auto', 'exact' or 'hnsw'.")] = "auto",
    hold_out: Annotated[bool, typer.Option(help="Leave each user's last items out (to evaluate on them later).")] = False,
    held_out: HeldOut = 1,
    gap_minutes: Gap = None,
    names: Annotated[Path | None, typer.Option(help="Item names to store in the model: id<TAB>name, "
                                                    "id,name, movies.csv or MovieLens u.item.")] = None,
    names_id_col: Annotated[str | None, typer.Option(help="--names file: its id column.")] = None,
    names_col: Annotated[str | None, typer.Option(help="--names file: its name column.")] = None,
    user_col: UserCol = None, item_col: ItemCol = None, time_col: TimeCol = None,
    rating_col: RatingCol = None, min_rating: MinRating = None,
    attributes: Attributes = None, attribute_cols: AttributeCols = None,
    attributes_id_col: AttributesIdCol = None, conversions: Conversions = None,
    market_col: MarketCol = None, market_share: MarketShare = None,
    hold_out_items: HoldOutItems = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run from its checkpoint "
                                              "(OUTPUT's STEM.checkpoint.npz), given the same "
                                              "sessions and settings.")] = False,
) -> None:
    """Train item vectors on SESSIONS and write a recommender model.

    The training state is kept after every epoch in STEM.checkpoint.npz beside the model (removed
    once the model is written), so a run that was stopped or killed goes on with --resume. Under
    torchrun every process reads SESSIONS, trains on its share of the sessions, and rank 0 writes
    the model and the checkpoint.
    """
    from ..recommend.checkpoint import checkpoint_path
    from ..recommend.item2vec import train_item2vec
    from ..recommend.names import read_names
    from ..word2vec.shards import accuracy_warning

    world = join_processes()
    say = echo if world.main else (lambda _: None)
    if accuracy_warning(world.size):
        say(accuracy_warning(world.size))
    check_writable(output, "model file", suffix=".npz")
    if world.main:
        remove_stale_temporaries(output.parent)   # of a run killed while saving
    _check_gap(gap_minutes, held_out=held_out)
    if index not in ("auto", "exact", "hnsw"):
        raise ConfigError(f"--index must be 'auto', 'exact' or 'hnsw', got {index!r}")
    cfg = _config(config, dict(dim=dim, window=window, epochs=epochs, ns_exponent=ns_exponent,
                               sample=sample, negative=negative, min_count=min_count, threads=threads,
                               market_share=market_share))
    id_to_name = read_names(names, names_id_col, names_col) if names is not None else None
    histories = _histories(sessions, user_col, item_col, time_col, rating_col, min_rating, gap_minutes)
    if id_to_name is not None:
        _check_names_match(names, id_to_name, sessions, histories)
    side = read_side(sessions, histories, attributes, attribute_cols, attributes_id_col, conversions,
                     market_col, user=user_col, item=item_col, time=time_col, rating=rating_col,
                     min_rating=min_rating)
    rated = f" rated at least {min_rating:g}" if min_rating is not None else ""
    say(f"read {sum(len(h.items) for h in histories):,} events{rated} of {len(histories):,} "
        f"users or sessions from {sessions}")
    data, goals = training_sessions(histories, gap_minutes, held_out if hold_out else 0, side,
                                    hold_out_items, cfg.seed)
    checkpoint = checkpoint_path(output)
    if resume:
        check_everywhere(checkpoint, world)
        say(f"resuming from {checkpoint}" if checkpoint.exists() else
            f"{checkpoint} does not exist: training from the start (nothing to resume)")
    elif checkpoint.exists():
        say(f"{checkpoint}: an interrupted run's state, replaced by this run (--resume continues it)")
    start = time.perf_counter()
    rec = train_item2vec(data, cfg, index=index, progress=True, checkpoint=checkpoint, resume=resume,
                         attributes=side.attributes, goals=goals, market_col=side.market_col,
                         world=world)
    if not world.main:
        return
    named = f" ({rec.set_names(id_to_name):,} named)" if id_to_name is not None else ""
    rec.save(output)
    checkpoint.unlink(missing_ok=True)
    echo(f"wrote {output}: {len(rec):,} items{named}, dim {cfg.dim}, {rec.index.kind} index, "
         f"trained on {len(data):,} sessions in {time.perf_counter() - start:.1f} s")
    side_summary(rec, side, goals)
    if rec.left_out:
        shown = ", ".join(rec.left_out[:5]) + (", …" if len(rec.left_out) > 5 else "")
        echo(f"left out {len(rec.left_out):,} item(s) that never share a session with another "
             f"(nothing learned about them; they are unknown to the model): {shown}")
    top = rec.vectors.keys[int(rec.popularity.argmax())]
    echo(f"most popular: {rec.label(top)}; similar: "
         + "; ".join(rec.label(i) for i in rec.similar(top, 5).items))


@app.command("tune")
def tune(
    sessions: Sessions,
    output: Annotated[Path, typer.Option("-o", "--output", help="JSON file for the best settings and trials.")],
    trials: Annotated[int, typer.Option(help="Settings to try.")] = 12,
    method: Annotated[str, typer.Option(help="'halving' (successive halving) or 'random'.")] = "halving",
    seed: Annotated[int, typer.Option(help="Seed of the search.")] = 0,
    threads: Annotated[int | None, typer.Option(help="Training threads.")] = None,
    validation: Annotated[int, typer.Option(help="Items of each user, before the last (never used "
                                                 "here), to score the settings on.")] = 5,
    gap_minutes: Gap = None,
    user_col: UserCol = None, item_col: ItemCol = None, time_col: TimeCol = None,
    rating_col: RatingCol = None, min_rating: MinRating = None,
    attributes: Attributes = None, attribute_cols: AttributeCols = None,
    attributes_id_col: AttributesIdCol = None, conversions: Conversions = None,
    market_col: MarketCol = None,
) -> None:
    """Search item2vec settings by HR@10 on the items before each user's last one.

    Each of the ``--validation`` items before the last is predicted from everything the user did
    before it, the settings trained on the events before them all: several cases a user make the
    comparison between settings far less noisy than one.
    """
    from ..recommend.sessions import leave_last_out
    from ..recommend.tune import tune as run_tune

    check_writable(output, "settings file", suffix=".json")
    _check_gap(gap_minutes, validation=validation)
    histories = _histories(sessions, user_col, item_col, time_col, rating_col, min_rating, gap_minutes)
    side = read_side(sessions, histories, attributes, attribute_cols, attributes_id_col, conversions,
                     market_col, user=user_col, item=item_col, time=time_col, rating=rating_col,
                     min_rating=min_rating)
    split = leave_last_out(histories, gap_minutes, validation=validation)
    base = _config(None, dict(threads=threads))

    def report(t) -> None:
        asked = ", ".join(f"{k} {v}" for k, v in t.query.items())
        echo(f"  {t.score:.4f}  epochs {t.epochs:>3}  {t.settings}  {asked}  ({t.seconds:.1f} s)")

    echo(f"tuning on {len(split.validation)} validation cases, {len(split.catalogue)} items")
    result = run_tune(split, base, trials=trials, method=method, seed=seed, report=report,
                      side=tune_side(side, histories, split, gap_minutes, validation))
    with atomic_write(output, "w") as f:
        f.write(json.dumps(result.to_dict(), indent=2) + "\n")
    echo(f"best {result.metric} {result.score:.4f}; settings written to {output} "
         f"(train with --config {output})")


@app.command("evaluate")
def evaluate(
    model: Annotated[Path, typer.Argument(help="A recommender model (.npz).")],
    test: Annotated[Path, typer.Option(help="Sessions whose last items are held out (as in `train --hold-out`).")],
    baselines: Annotated[bool, typer.Option(help="Also score the simple baselines: most popular, "
                                                 "co-occurrence, sequential rules, SKNN and V-SKNN.")] = True,
    held_out: HeldOut = 1,
    gap_minutes: Gap = None,
    user_col: UserCol = None, item_col: ItemCol = None, time_col: TimeCol = None,
    rating_col: RatingCol = None, min_rating: MinRating = None,
    attributes: Attributes = None, attribute_cols: AttributeCols = None,
    attributes_id_col: AttributesIdCol = None,
) -> None:
    """HR, NDCG and MRR at 10 and 20 on each user's last items, ranking the whole catalogue.

    A model with cold items that have events in TEST (held out with ``train --hold-out-items``)
    is also scored on them: precision@10 of each one's nearest items against its true
    neighbours, beside popularity, Jaccard-then-popularity and attribute kNN (their attributes
    from ``--attributes``, else the model's).

    The baselines are those session-based studies find hard to beat (Ludewig et al., UMUAI 2021),
    at their usual settings, trained on the same events as the model (all but the held-out items).
    """
    from ..recommend import baselines as bl
    from ..recommend import evaluate_module as ev
    from ..recommend.item2vec import Recommender
    from ..recommend.sessions import leave_last_out

    _check_gap(gap_minutes, held_out=held_out)
    rec = Recommender.load(model)
    histories = _histories(test, user_col, item_col, time_col, rating_col, min_rating, gap_minutes)
    side = read_side(test, histories, attributes, attribute_cols, attributes_id_col)
    split = leave_last_out(histories, gap_minutes, n=held_out)
    cat, train = split.catalogue, split.train_full
    unknown = _unknown_targets(rec, model, test, split.test)
    rows = {"item2vec": ev.evaluate(ev.VectorScorer(rec, cat), split.test, cat)}
    if baselines:
        for name, make in bl.STUDY_BASELINES.items():
            rows[name] = ev.evaluate(make(train, cat), split.test, cat)
    names = [k for k in next(iter(rows.values())) if k != "cases"]
    echo(f"{len(split.test)} held-out items, {len(cat)} items in the catalogue")
    echo(f"{'':22}" + "".join(f"{n:>9}" for n in names))
    for system, m in rows.items():
        echo(f"{system:22}" + "".join(f"{m[n]:9.4f}" for n in names))
    if unknown:
        echo(f"({unknown:,} of the {len(split.test):,} held-out items are unknown to the model, "
             "never trained on or left out: item2vec counts them as misses)")
    print_cold(rec, histories, side)


def _unknown_targets(rec, model: Path, test: Path, cases) -> int:
    """How many held-out items the model does not know; none known is an error (a model trained
    on other data: every score would be a silent miss)."""
    unknown = sum(1 for c in cases if c.target not in rec)
    if unknown == len(cases):
        raise ConfigError(f"none of the {len(cases):,} held-out items of {test} is an item of "
                          f"{model}: was the model trained on this data?")
    return unknown


def _resolve(rec, model: Path, query: str, strict: bool = True) -> str:
    """The item id for ``query``: an id or a name (:meth:`~.lookup.ItemLookup.resolve`)."""
    return rec.resolve(query, strict, where=str(model))


def _print_answer(rec, answer) -> None:
    for it, s in zip(answer.items, answer.scores):
        echo(f"{s:8.4f}  {rec.label(it)}")
    echo(f"({'fallback: ' if answer.fallback else ''}{answer.reason})")


@app.command("similar")
def similar(
    model: Annotated[Path, typer.Argument(help="A recommender model (.npz).")],
    item: Annotated[str, typer.Argument(help="An item id, or a name if the model carries names.")],
    k: Annotated[int, typer.Option("-k", help="How many items.")] = 10,
) -> None:
    """List the items nearest to ITEM, with their names when the model has them."""
    from ..recommend.item2vec import Recommender

    rec = Recommender.load(model)
    item = _resolve(rec, model, item)
    _print_answer(rec, rec.similar(item, k))


@app.command("next")
def next_items(
    model: Annotated[Path, typer.Argument(help="A recommender model (.npz).")],
    items: Annotated[list[str], typer.Argument(help="The session, oldest first: ids, or names "
                                                    "if the model carries names.")],
    k: Annotated[int, typer.Option("-k", help="How many items.")] = 10,
) -> None:
    """Recommend the next items for a session (the latest items weigh most)."""
    from ..recommend.item2vec import Recommender

    rec = Recommender.load(model)
    session = [_resolve(rec, model, i, strict=False) for i in items]
    _print_answer(rec, rec.recommend(session, k))


@app.command("serve")
def serve(
    model: Annotated[Path, typer.Argument(help="A recommender model (.npz).")],
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    max_k: Annotated[int | None, typer.Option(help="Largest k a request may ask for (default 1000).")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (default 1); several share "
                                                     "one copy of the model's memory.")] = None,
    access_log: Annotated[bool | None, typer.Option("--access-log/--no-access-log", help="A JSON "
                                                    "line on stderr for every request (default: on).")] = None,
    shutdown_timeout: Annotated[float | None, typer.Option(help="Seconds the requests in flight get "
                                                                "to finish after SIGTERM (default 30).")] = None,
    admin_token: Annotated[str | None, typer.Option(
        envvar="ILLUSTRATED_ADMIN_TOKEN", show_envvar=True,
        help="Open POST /items to requests with 'Authorization: Bearer TOKEN' (16+ characters; "
             "prefer the environment variable, which other users cannot see).")] = None,
    items_file: Annotated[Path | None, typer.Option(
        help="Journal of added items (JSON lines): written by POST /items, read back at start, "
             "on SIGHUP and by every worker. Without it added items live in memory, survive a "
             "SIGHUP but not a restart, and need --workers 1.")] = None,
) -> None:
    """Serve MODEL over HTTP: /health, /items/{id}/similar, POST /recommend, /metrics, and
    POST /items with an admin token.

    SIGHUP re-reads MODEL (checked first: a bad file is refused and the old model keeps serving;
    added items are carried over); SIGTERM finishes the requests in flight, then stops.
    """
    from ..recommend.serving import ServeSettings, serve_one

    given = dict(max_k=max_k, workers=workers, access_log=access_log, shutdown_timeout=shutdown_timeout,
                 admin_token=admin_token, items_file=items_file)
    settings = ServeSettings(host=host, port=port, **{k: v for k, v in given.items() if v is not None})
    check_listen(host, port)
    if settings.workers > 1:
        from ..recommend.prefork import Supervisor

        Supervisor(model, settings, echo).run()
    else:
        serve_one(model, settings, echo)


def demo(out: Path, echo) -> dict:
    """Generated playlists with hidden genres → item2vec → recommendations checked by genre."""
    from ..recommend import baselines as bl
    from ..recommend import evaluate_module as ev
    from ..recommend.config import Item2VecConfig
    from ..recommend.item2vec import train_item2vec
    from ..recommend.sessions import History, leave_last_out
    from ..recommend.synthetic import genre_sessions

    data = genre_sessions(n_genres=6, tracks_per_genre=40, n_sessions=1500, seed=7)
    split = leave_last_out([History(str(n), s) for n, s in enumerate(data.sessions)])
    echo(f"{len(data.sessions)} playlists over {len(data.genre_of)} tracks in 6 hidden genres "
         "(the model sees only track ids)")
    cfg = Item2VecConfig(dim=32, epochs=15, ns_exponent=0.0, sample=0.0)
    rec = train_item2vec(split.train_full, cfg)
    cat = split.catalogue
    ours = ev.evaluate(ev.VectorScorer(rec, cat), split.test, cat)
    pop = ev.evaluate(bl.PopularityScorer(split.train_full, cat), split.test, cat)
    echo(f"next-item HR@10 on held-out last tracks: item2vec {ours['HR@10']:.3f}, "
         f"most popular {pop['HR@10']:.3f}")
    same = sum(data.genre_of[t] == data.genre_of[q] for q in rec.vectors.keys
               for t in rec.similar(q, 10).items) / (10 * len(rec))
    echo(f"similar tracks sharing the query's hidden genre: {same:.1%}")
    genre = data.genre_of.__getitem__
    session = next((c.context[-4:] for c in split.test
                    if len(c.context) >= 4 and len({genre(t) for t in c.context[-4:]}) == 1),
                   split.test[0].context[-4:])
    answer = rec.recommend(session, k=5)
    echo("session:   " + ", ".join(f"{t} ({genre(t)})" for t in session))
    echo("next:      " + ", ".join(f"{t} ({genre(t)})" for t in answer.items))
    path = rec.save(out / "recommender.npz")
    genres = out / "recommender-genres.tsv"
    with atomic_write(genres, "w") as f:
        f.writelines(f"{t}\t{g}\n" for t, g in sorted(data.genre_of.items()))
    echo(f"model saved to {path}; hidden genres in {genres}")
    return {"hr10_item2vec": round(ours["HR@10"], 4), "hr10_popular": round(pop["HR@10"], 4),
            "same_genre_similar": round(same, 4), "model": str(path)}
