"""Text to integer sequences, as Keras's `TextVectorization` layer does it (its "int" output mode).

A `TextVectorization` standardises each string (lower case, punctuation removed), splits it into
tokens (words by default), and looks each token up in a vocabulary that `adapt` learns from a
corpus, most frequent first. Index 0 is padding (the empty string ""), index 1 is "[UNK]", the
token for every word outside the vocabulary; so `ids != 0` is the mask of the real tokens.

    >>> vectorizer = TextVectorization(output_sequence_length=5)
    >>> vectorizer.adapt(["The cat sat.", "The dog sat on the mat!"])
    >>> vectorizer.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'on', 'mat', 'dog', 'cat']
    >>> vectorizer(["the cat sat on the hat"]).tolist()
    [[2, 7, 3, 4, 2]]
    >>> vectorizer(["A dog"]).tolist()
    [[1, 6, 0, 0, 0]]
"""

import collections
import numbers
import string

import numpy as np

from deepgrad.nn.configurable import Configurable

PADDING_TOKEN = ""
OOV_TOKEN = "[UNK]"
STANDARDIZE_MODES = ("lower_and_strip_punctuation", "lower", "strip_punctuation", None)
SPLIT_MODES = ("whitespace", "character", None)
# Keras's DEFAULT_STRIP_REGEX deletes exactly the ASCII punctuation of `string.punctuation`.
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)


class TextVectorization(Configurable):
    """Maps strings to int64 arrays of token ids, with a vocabulary learned by `adapt`.

    Arguments:
        max_tokens (None): the largest vocabulary, counting "" and "[UNK]"; `adapt` keeps the
            max_tokens - 2 most frequent tokens. None keeps every token.
        output_sequence_length (None): every output row has this many ids, padded with 0 or cut
            at the end; None pads each call's rows to its longest one.
        standardize ("lower_and_strip_punctuation"): "lower", "strip_punctuation", None (keep the
            text), or a function str -> str. The punctuation removed is ASCII's, as in Keras.
        split ("whitespace"): "character", None (a whole string is one token), or a function
            str -> list of tokens.
        vocabulary (None): a list of tokens to use instead of calling `adapt`, most frequent first,
            with or without "" and "[UNK]" in front.

    The vocabulary is ordered by frequency, most frequent first; tokens seen equally often are
    ordered as Keras orders them (`np.lexsort` of (token, count), reversed), so among equals the
    token that sorts last comes first. The same corpus always gives the same vocabulary.
    """

    def __init__(self, max_tokens=None, output_sequence_length=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", vocabulary=None):
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, numbers.Integral)
                                       or max_tokens < 2):
            raise ValueError(f"TextVectorization's max_tokens counts the vocabulary with its 2 reserved tokens ('' "
                             f"and '[UNK]'); give an integer of at least 2, or None for no limit; got {max_tokens!r}")
        if output_sequence_length is not None and (
                isinstance(output_sequence_length, bool) or not isinstance(output_sequence_length, numbers.Integral)
                or output_sequence_length < 1):
            raise ValueError(f"TextVectorization's output_sequence_length must be a positive integer (the ids per "
                             f"row) or None (pad to the longest row), got {output_sequence_length!r}")
        if not callable(standardize) and standardize not in STANDARDIZE_MODES:
            raise ValueError(f"TextVectorization's standardize must be one of {STANDARDIZE_MODES} or a function "
                             f"str -> str, got {standardize!r}")
        if not callable(split) and split not in SPLIT_MODES:
            raise ValueError(f"TextVectorization's split must be one of {SPLIT_MODES} or a function "
                             f"str -> list of str, got {split!r}")
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.output_sequence_length = None if output_sequence_length is None else int(output_sequence_length)
        self.standardize, self.split = standardize, split
        self._vocabulary = self._index = None
        self._fixed_vocabulary = vocabulary is not None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # --- the vocabulary ------------------------------------------------------------------
    def adapt(self, texts):
        """Learn the vocabulary from `texts` (a list or 1-D array of strings), replacing any before.

        Tokens are counted over the whole corpus after standardising and splitting; the most
        frequent come first, after "" (id 0) and "[UNK]" (id 1).
        """
        if self._fixed_vocabulary:
            raise ValueError("this TextVectorization was given vocabulary=, so it cannot adapt; make a new "
                             "TextVectorization() without vocabulary= to learn one from texts")
        counts = collections.Counter()
        for tokens in self._tokenize(texts, "adapt"):
            counts.update(tokens)
        counts.pop(PADDING_TOKEN, None)
        counts.pop(OOV_TOKEN, None)
        tokens = list(counts)
        # Keras's order: np.lexsort sorts by count, then by token, ascending; reversed, that is
        # the most frequent first and, among equals, the token that sorts last first.
        order = sorted(range(len(tokens)), key=lambda i: (counts[tokens[i]], tokens[i]), reverse=True)
        if self.max_tokens is not None:
            order = order[: self.max_tokens - 2]
        self._set_tokens([tokens[i] for i in order])

    def set_vocabulary(self, vocabulary):
        """Use `vocabulary` (a list of distinct tokens, most frequent first) as the vocabulary.

        It may start with "" and "[UNK]"; if it does not, they are put in front. Either of them
        anywhere else is an error, as in Keras.
        """
        if isinstance(vocabulary, str) or not isinstance(vocabulary, (list, tuple, np.ndarray)):
            raise TypeError(f"TextVectorization's vocabulary must be a list of token strings, got "
                            f"{type(vocabulary).__name__}")
        tokens = list(vocabulary)
        bad = next((token for token in tokens if not isinstance(token, str)), None)
        if bad is not None:
            raise TypeError(f"TextVectorization's vocabulary must hold strings only, got {bad!r} of type "
                            f"{type(bad).__name__}")
        if tokens[:2] == [PADDING_TOKEN, OOV_TOKEN]:
            tokens = tokens[2:]
        for special in (PADDING_TOKEN, OOV_TOKEN):
            if special in tokens:
                raise ValueError(f"the vocabulary holds the reserved token {special!r} at index "
                                 f"{list(vocabulary).index(special)}; put '' and '[UNK]' only at its start, in that "
                                 f"order, or leave them out")
        repeated = sorted(token for token, count in collections.Counter(tokens).items() if count > 1)
        if repeated:
            raise ValueError(f"the vocabulary repeats the tokens {repeated[:10]}; give each token once")
        if self.max_tokens is not None and len(tokens) + 2 > self.max_tokens:
            raise ValueError(f"the vocabulary has {len(tokens) + 2} tokens with '' and '[UNK]', more than "
                             f"max_tokens={self.max_tokens}; raise max_tokens or shorten the vocabulary")
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        self._vocabulary = [PADDING_TOKEN, OOV_TOKEN, *tokens]
        self._index = {token: i for i, token in enumerate(self._vocabulary)}

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens by id: "" (0), "[UNK]" (1), then the learned tokens, most frequent first."""
        self._require_vocabulary("get_vocabulary")
        return list(self._vocabulary if include_special_tokens else self._vocabulary[2:])

    def vocabulary_size(self):
        """The number of ids, "" and "[UNK]" included: the `input_dim` an Embedding needs."""
        self._require_vocabulary("vocabulary_size")
        return len(self._vocabulary)

    def _require_vocabulary(self, what):
        if self._vocabulary is None:
            raise RuntimeError(f"TextVectorization has no vocabulary yet, so {what} cannot run; call "
                               f"vectorizer.adapt(train_texts) first, or pass vocabulary=[...]")

    # --- text to ids ---------------------------------------------------------------------
    def __call__(self, texts):
        """The ids of `texts` (a list or 1-D array of strings) as an int64 array (len(texts), length).

        Tokens outside the vocabulary get id 1 ("[UNK]"); rows are padded with 0 or cut at the end.
        """
        self._require_vocabulary("the TextVectorization call")
        index = self._index
        rows = [[index.get(token, 1) for token in tokens] for tokens in self._tokenize(texts, "the call")]
        length = self.output_sequence_length
        if length is None:
            length = max((len(row) for row in rows), default=0)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        for i, row in enumerate(rows):
            row = row[:length]
            ids[i, : len(row)] = row
        return ids

    def _tokenize(self, texts, what):
        """Standardise and split every text; the checks name the call that got the bad input."""
        if isinstance(texts, (str, bytes)):
            raise TypeError(f"TextVectorization's {what} takes a list of strings, one per document, got one "
                            f"{type(texts).__name__}; wrap it in a list: [text]")
        if isinstance(texts, np.ndarray) and texts.ndim != 1:
            raise ValueError(f"TextVectorization's {what} takes a 1-D list or array of strings, got an array of "
                             f"shape {texts.shape}; flatten it with texts.ravel()")
        try:
            texts = list(texts)
        except TypeError:
            raise TypeError(f"TextVectorization's {what} takes a list of strings, one per document, got "
                            f"{type(texts).__name__}") from None
        tokens = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                fix = "decode it with text.decode('utf-8')" if isinstance(text, bytes) else "convert it with str()"
                raise TypeError(f"TextVectorization's {what} takes strings, but item {i} is {type(text).__name__} "
                                f"{text!r:.40}; {fix}")
            tokens.append(self._split(self._standardize(text)))
        return tokens

    def _standardize(self, text):
        mode = self.standardize
        if callable(mode):
            return _checked_string(mode(text), "standardize")
        if mode in ("lower_and_strip_punctuation", "lower"):
            text = text.lower()
        if mode in ("lower_and_strip_punctuation", "strip_punctuation"):
            text = text.translate(_STRIP_PUNCTUATION)
        return text

    def _split(self, text):
        mode = self.split
        if callable(mode):
            tokens = list(mode(text))
            for token in tokens:
                _checked_string(token, "split")
            return tokens
        if mode == "whitespace":
            return text.split()
        if mode == "character":
            return list(text)
        return [text]

    # --- saving ---------------------------------------------------------------------------
    def get_config(self):
        """The settings and the vocabulary as plain JSON data (never pickled); `from_config` (Configurable's)
        makes an equal vectorizer, with the vocabulary given, as Keras's does."""
        for label, value in (("standardize", self.standardize), ("split", self.split)):
            if callable(value):
                raise ValueError(f"TextVectorization's {label} is a function, which cannot be saved as JSON; "
                                 f"use one of the named modes, or make the vectorizer again in code and pass "
                                 f"vocabulary=get_vocabulary()")
        return {
            "max_tokens": self.max_tokens,
            "output_sequence_length": self.output_sequence_length,
            "standardize": self.standardize,
            "split": self.split,
            "vocabulary": None if self._vocabulary is None else list(self._vocabulary),
        }

    def __repr__(self):
        size = "not adapted" if self._vocabulary is None else f"vocabulary_size={len(self._vocabulary)}"
        return (f"TextVectorization(max_tokens={self.max_tokens}, output_sequence_length="
                f"{self.output_sequence_length}, standardize={self.standardize!r}, split={self.split!r}, {size})")


def _checked_string(value, label):
    if not isinstance(value, str):
        raise TypeError(f"TextVectorization's {label} function must return strings, got {type(value).__name__} "
                        f"{value!r:.40}")
    return value


__all__ = ["TextVectorization"]
