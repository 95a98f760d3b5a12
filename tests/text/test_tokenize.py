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
