from illustrated.text import Tokenizer, tokenize


def test_keeps_german_and_french_words_whole():
    assert tokenize("Zwei junge weiße Männer, Größe!") == ["Zwei", "junge", "weiße", "Männer", ",", "Größe", "!"]
    assert tokenize("Aujourd'hui, l'élève a vu un garçon.") == [
        "Aujourd'hui", ",", "l'élève", "a", "vu", "un", "garçon", "."]


def test_lowercase_and_punctuation():
    assert tokenize("Have the bards who preceded me left any theme unsung?", lowercase=True) == [
        "have", "the", "bards", "who", "preceded", "me", "left", "any", "theme", "unsung", "?"]
    assert tokenize("ÉCOLE Straße", lowercase=True) == ["école", "straße"]


def test_normalises_combining_characters():
    decomposed = "Cafe\u0301"
    assert tokenize(decomposed) == ["Café"]


def test_hyphens_digits_and_trailing_apostrophe():
    assert tokenize("e-mail 3.5 rock'n'roll dogs' -x") == ["e-mail", "3", ".", "5", "rock'n'roll", "dogs", "'", "-", "x"]


def test_tokenizer_object_kinds():
    assert Tokenizer("whitespace", lowercase=True)("A b,c") == ["a", "b,c"]
    assert Tokenizer("words")("b,c") == ["b", ",", "c"]


def test_control_characters_separate_words_and_are_never_tokens():
    assert tokenize("ein\x00Hund\x07 läuft \x1b[31m\x7f\x85.") == ["ein", "Hund", "läuft", "[", "31m", "."]
    assert tokenize("\x00\x01\x02") == []
    assert Tokenizer("words", lowercase=True)("A\x00B") == ["a", "b"]


def test_no_token_of_the_words_tokenizer_holds_a_control_character():
    import unicodedata

    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
    def check(text):
        for token in tokenize(text):
            assert token and not any(unicodedata.category(c) == "Cc" for c in token)

    check()


def test_one_name_per_kind_and_the_old_word_name_still_reads():
    import pytest

    from illustrated.errors import ConfigError
    from illustrated.seq2seq import DataConfig
    from illustrated.text.tokenize import KINDS

    assert KINDS == ("whitespace", "words", "bpe")
    assert Tokenizer("word") == Tokenizer("words") and Tokenizer("word").kind == "words"
    assert DataConfig(tokens="word").tokens == DataConfig().tokens == "words"
    with pytest.raises(ConfigError, match="tokens: expected 'words' or 'bpe', got 'whitespace'"):
        DataConfig(tokens="whitespace")
    with pytest.raises(ConfigError, match="tokenizer: expected 'whitespace', 'words' or 'bpe', got 'chars'"):
        Tokenizer("chars")


def test_each_kind_detokenizes_what_it_tokenized():
    assert Tokenizer("words").detokenize(Tokenizer("words")("Il a dit : « non » (deux fois).")) == \
        "Il a dit: «non» (deux fois)."
    assert Tokenizer("whitespace").detokenize(["a", "b,c"]) == "a b,c"


def test_subword_tokenizer_round_trip_pickle_and_bad_models():
    import pickle

    import pytest

    from illustrated.errors import ConfigError

    lines = ["le chat noir dort", "la chatte blanche mange", "un chien noir court"] * 20
    bpe = Tokenizer.train_bpe(lines, vocab_size=40, lowercase=True)
    pieces = bpe("Le chat noir")
    assert pieces[0].startswith("▁") and bpe.detokenize(pieces) == "le chat noir"
    again = pickle.loads(pickle.dumps(bpe))
    assert again == bpe and again("un chien") == bpe("un chien")
    for model, why in ((b"", "empty"), (b"junk", "")):
        with pytest.raises(ConfigError, match=f"not a sentencepiece model \\({why}"):
            Tokenizer("bpe", spm_model=model)
    with pytest.raises(ConfigError, match="need a trained sentencepiece model"):
        Tokenizer("bpe")


def test_subword_pieces_grouped_into_words():
    from illustrated.text.subwords import word_groups

    assert word_groups(["▁Der", "▁Hu", "nd", "▁läuft", "▁.", "</s>"]) == \
        [("Der", 0), ("Hund", 1), ("läuft", 3), (".", 4), ("</s>", 5)]
    assert word_groups(["▁", "H", "und", "</s>", "x"]) == [("Hund", 1), ("</s>", 3), ("x", 4)]
