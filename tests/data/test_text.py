"""TextVectorization: Keras's vocabulary rules, padding and "[UNK]", the modes, the errors and the saved config."""

import doctest
import json
import string

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

import deepgrad as dg
from deepgrad import nn
from deepgrad.data import text
from deepgrad.data.text import TextVectorization

CORPUS = ["The cat sat.", "The dog sat on the mat!"]


def adapted(corpus=CORPUS, **settings):
    vectorizer = TextVectorization(**settings)
    vectorizer.adapt(corpus)
    return vectorizer


def test_a_hand_computed_vocabulary_and_ids():
    # Counts: the 3, sat 2, cat/dog/on/mat 1 each. Keras orders equal counts by token, last first.
    vectorizer = adapted()
    assert vectorizer.get_vocabulary() == ["", "[UNK]", "the", "sat", "on", "mat", "dog", "cat"]
    assert vectorizer.get_vocabulary(include_special_tokens=False) == ["the", "sat", "on", "mat", "dog", "cat"]
    assert vectorizer.vocabulary_size() == 8
    ids = vectorizer(["The mat sat on the DOG.", "cat!"])
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [[2, 5, 3, 4, 2, 6], [7, 0, 0, 0, 0, 0]])


def test_unknown_words_are_1_and_padding_is_0_at_the_end():
    vectorizer = adapted(output_sequence_length=4)
    np.testing.assert_array_equal(vectorizer(["a cat flew", "", "the the the the the"]),
                                  [[1, 7, 1, 0], [0, 0, 0, 0], [2, 2, 2, 2]])


def test_without_an_output_length_rows_pad_to_the_longest_of_the_call():
    vectorizer = adapted()
    assert vectorizer(["cat", "the cat sat"]).shape == (2, 3)
    assert vectorizer(["cat"]).shape == (1, 1)
    assert vectorizer(["", ""]).shape == (2, 0)
    assert vectorizer([]).shape == (0, 0)


def test_max_tokens_keeps_the_most_frequent_with_keras_tie_order():
    corpus = ["b a c a b d"]  # a 2, b 2, c 1, d 1
    assert adapted(corpus).get_vocabulary() == ["", "[UNK]", "b", "a", "d", "c"]
    assert adapted(corpus, max_tokens=4).get_vocabulary() == ["", "[UNK]", "b", "a"]
    assert adapted(corpus, max_tokens=2).get_vocabulary() == ["", "[UNK]"]
    np.testing.assert_array_equal(adapted(corpus, max_tokens=4)(["a b c d"]), [[3, 2, 1, 1]])


def test_the_order_is_keras_lexsort_of_token_and_count_reversed_on_a_bigger_corpus():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    corpus = [" ".join(rng.choice(words, size=40, p=np.geomspace(1, 0.01, 300) / np.geomspace(1, 0.01, 300).sum()))
              for _ in range(100)]
    vocabulary = adapted(corpus).get_vocabulary(include_special_tokens=False)
    tokens, counts = np.unique(" ".join(corpus).split(), return_counts=True)
    keras_order = tokens[np.lexsort((tokens, counts))[::-1]]  # keras/src/layers/preprocessing/index_lookup.py
    assert vocabulary == keras_order.tolist()


def test_counts_agree_with_scikit_learn_count_vectorizer():
    rng = np.random.default_rng(1)
    pieces = ["Stock", "market", "rose,", "fell.", "BBC", "news:", "the", "The", "goal!", "£5m", "e-mail", "U.S."]
    corpus = [" ".join(rng.choice(pieces, size=rng.integers(1, 30))) for _ in range(50)]
    vectorizer = adapted(corpus)
    strip = str.maketrans("", "", string.punctuation)
    reference = CountVectorizer(preprocessor=lambda t: t.lower().translate(strip), token_pattern=r"\S+")
    counts = np.asarray(reference.fit_transform(corpus).sum(axis=0)).ravel()
    by_token = dict(zip(reference.get_feature_names_out(), counts))
    ours = vectorizer.get_vocabulary(include_special_tokens=False)
    assert set(ours) == set(by_token)
    assert [by_token[t] for t in ours] == sorted(by_token.values(), reverse=True)
    ids = vectorizer(corpus)
    for token, count in by_token.items():
        assert (ids == vectorizer.get_vocabulary().index(token)).sum() == count


@pytest.mark.parametrize("standardize,expected", [
    ("lower_and_strip_punctuation", ["hello", "worlds", "email"]),
    ("lower", ["hello,", "world's", "e-mail!"]),
    ("strip_punctuation", ["Hello", "Worlds", "Email"]),
    (None, ["Hello,", "World's", "E-mail!"]),
    (lambda t: t.upper(), ["HELLO,", "WORLD'S", "E-MAIL!"]),
])
def test_the_standardize_modes(standardize, expected):
    vectorizer = adapted(["Hello, World's E-mail!"], standardize=standardize)
    assert sorted(vectorizer.get_vocabulary()[2:]) == sorted(expected)


@pytest.mark.parametrize("split,expected", [
    ("character", ["a", "b", " "]),
    (None, ["ab a"]),
    (lambda t: t.split("b"), ["a", " a"]),
])
def test_the_split_modes(split, expected):
    vectorizer = adapted(["ab a"], split=split)
    assert sorted(vectorizer.get_vocabulary()[2:]) == sorted(expected)


def test_arrays_of_strings_work_as_lists_do():
    vectorizer = adapted(np.array(CORPUS, dtype=object))
    assert vectorizer.get_vocabulary() == adapted().get_vocabulary()
    np.testing.assert_array_equal(vectorizer(np.array(CORPUS)), vectorizer(CORPUS))


def test_adapt_starts_again():
    vectorizer = adapted()
    vectorizer.adapt(["zebra zebra yak"])
    assert vectorizer.get_vocabulary() == ["", "[UNK]", "zebra", "yak"]


def test_a_given_vocabulary_with_or_without_the_reserved_tokens():
    with_them = TextVectorization(vocabulary=["", "[UNK]", "the", "cat"])
    without = TextVectorization(vocabulary=("the", "cat"))
    assert with_them.get_vocabulary() == without.get_vocabulary() == ["", "[UNK]", "the", "cat"]
    np.testing.assert_array_equal(without(["The dog"]), [[2, 1]])


@pytest.mark.parametrize("vocabulary,message", [
    (["the", "", "cat"], r"reserved token '' at index 1"),
    (["the", "[UNK]"], r"reserved token '\[UNK\]' at index 1"),
    (["the", "cat", "the"], r"repeats the tokens \['the'\]"),
    (["a", 3], r"strings only, got 3"),
    ("the cat", r"list of token strings, got str"),
])
def test_a_bad_vocabulary_is_refused(vocabulary, message):
    with pytest.raises((ValueError, TypeError), match=message):
        TextVectorization(vocabulary=vocabulary)


def test_a_vocabulary_longer_than_max_tokens_is_refused():
    with pytest.raises(ValueError, match=r"4 tokens .* more than max_tokens=3"):
        TextVectorization(max_tokens=3, vocabulary=["a", "b"])


def test_adapt_after_a_given_vocabulary_is_refused():
    with pytest.raises(ValueError, match=r"given vocabulary=, so it cannot adapt"):
        TextVectorization(vocabulary=["a"]).adapt(["a b"])


@pytest.mark.parametrize("call", [
    lambda v: v(["a"]), lambda v: v.get_vocabulary(), lambda v: v.vocabulary_size(),
])
def test_using_it_before_adapt_says_to_adapt(call):
    with pytest.raises(RuntimeError, match=r"no vocabulary yet.*call vectorizer.adapt\(train_texts\) first"):
        call(TextVectorization())


@pytest.mark.parametrize("texts,error,message", [
    ("the cat", TypeError, r"got one str; wrap it in a list: \[text\]"),
    ([b"the cat"], TypeError, r"item 0 is bytes .* decode it with text.decode\('utf-8'\)"),
    (["ok", 3], TypeError, r"item 1 is int 3; convert it with str\(\)"),
    (np.array([["a"], ["b"]]), ValueError, r"1-D list or array of strings, got an array of shape \(2, 1\)"),
    (5, TypeError, r"takes a list of strings, one per document, got int"),
])
def test_input_that_is_not_a_list_of_strings_is_refused(texts, error, message):
    vectorizer = adapted()
    with pytest.raises(error, match=message):
        vectorizer(texts)
    with pytest.raises(error, match=message.replace("the call", "adapt")):
        TextVectorization().adapt(texts)


@pytest.mark.parametrize("settings,message", [
    ({"max_tokens": 1}, r"max_tokens .* at least 2.* got 1"),
    ({"max_tokens": "5"}, r"max_tokens .* got '5'"),
    ({"output_sequence_length": 0}, r"output_sequence_length must be a positive integer .* got 0"),
    ({"output_sequence_length": 2.5}, r"output_sequence_length .* got 2.5"),
    ({"standardize": "upper"}, r"standardize must be one of .* got 'upper'"),
    ({"split": "comma"}, r"split must be one of .* got 'comma'"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        TextVectorization(**settings)


def test_a_function_that_returns_no_string_is_named():
    with pytest.raises(TypeError, match=r"standardize function must return strings, got int"):
        adapted(standardize=len)


def test_the_config_is_json_and_gives_an_equal_vectorizer():
    vectorizer = adapted(max_tokens=6, output_sequence_length=3, standardize="lower", split="whitespace")
    config = json.loads(json.dumps(vectorizer.get_config()))
    assert config["vocabulary"] == vectorizer.get_vocabulary()
    again = TextVectorization.from_config(config)
    assert again.get_vocabulary() == vectorizer.get_vocabulary()
    np.testing.assert_array_equal(again(["the mat sat on a dog"]), vectorizer(["the mat sat on a dog"]))
    assert TextVectorization.from_config(TextVectorization().get_config()).get_config()["vocabulary"] is None
    assert "vocabulary_size=6" in repr(vectorizer)


def test_a_function_setting_cannot_be_saved():
    with pytest.raises(ValueError, match=r"standardize is a function, which cannot be saved as JSON"):
        TextVectorization(standardize=str.lower).get_config()


def test_the_ids_feed_an_embedding_of_vocabulary_size():
    vectorizer = adapted(output_sequence_length=5)
    embedding = nn.Embedding(vectorizer.vocabulary_size(), 3)
    assert embedding(dg.tensor(vectorizer(["the cat", "dog on the mat"]))).shape == (2, 5, 3)


def test_docstring_examples_run():
    result = doctest.testmod(text, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
