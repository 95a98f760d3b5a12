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
