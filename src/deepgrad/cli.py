"""The `deepgrad` command: `deepgrad demo` and `deepgrad train`.

    deepgrad demo                       # digits, a small network, progress bar, test accuracy
    deepgrad train --dataset fashion_mnist --epochs 5 --learning-rate 0.001
"""

import argparse
import datetime
import math
import os
import sys
import time

DATASETS = ("digits", "fashion_mnist", "mnist")
MODELS = ("mlp", "cnn")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad", "adamw")


def build_model(name, classes, image_shape):
    """The network called `name` for images of `image_shape` (height, width):
    "mlp": Flatten, Dense(128, relu), Dropout(0.1), Dense(classes);
    "cnn": two blocks of Conv2D(3×3, "same") + BatchNorm + ReLU + MaxPool2D(2) (32 and 64 filters),
    Dropout(0.25), Dense(128, relu), Dropout(0.3), Dense(classes)."""
    from deepgrad import nn

    if name == "mlp":
        return nn.Sequential([
            nn.Flatten(),
            nn.Dense(128, activation="relu"),  # hidden layer
            nn.Dropout(0.1),
            nn.Dense(classes),  # output layer: one logit per class
        ])
    if name == "cnn":
        return nn.Sequential([
            nn.Reshape((1, *image_shape)),  # one channel
            nn.Conv2D(32, 3, padding="same", use_bias=False),  # BatchNorm's shift does the bias's job
            nn.BatchNorm(),
            nn.ReLU(),
            nn.MaxPool2D(2),
            nn.Conv2D(64, 3, padding="same", use_bias=False),
            nn.BatchNorm(),
            nn.ReLU(),
            nn.MaxPool2D(2),
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Dense(128, activation="relu"),
            nn.Dropout(0.3),
            nn.Dense(classes),
        ])
    raise SystemExit(f"deepgrad train: unknown model {name!r}; use one of {', '.join(MODELS)}")


def load(dataset):
    """(x_train, y_train), (x_test, y_test) as float32 images in [0, 1] and int64 labels."""
    from deepgrad.data import datasets

    (x_train, y_train), (x_test, y_test) = getattr(datasets, f"load_{dataset}")()
    scale = 255.0 if x_train.dtype == "uint8" else 1.0
    return ((x_train / scale).astype("float32"), y_train.astype("int64")), (
        (x_test / scale).astype("float32"), y_test.astype("int64"))


def train(dataset="digits", model="mlp", epochs=20, batch_size=32, learning_rate=1e-3, optimizer="adam",
          log_dir=None, seed=0, verbose=1, augment=False, schedule="constant"):
    """Train `model` on `dataset`, save it and its TensorBoard logs under `log_dir`; returns
    (test accuracy, the run's folder). `augment` shifts the training images by up to 2 pixels
    and mirrors half of them at random, each epoch anew. `schedule="cosine"` lowers the learning
    rate along half a cosine, from `learning_rate` at the first epoch towards 0 at the last."""
    import deepgrad as dg
    from deepgrad import callbacks, nn, optim

    dg.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = load(dataset)
    network = build_model(model, classes=int(y_train.max()) + 1, image_shape=x_train.shape[1:])
    chosen = optim.BY_NAME[optimizer](lr=learning_rate)
    network.compile(optimizer=chosen, loss=nn.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = log_dir or os.path.join("runs", f"{dataset}-{model}-{stamp}")
    os.makedirs(run_dir, exist_ok=True)
    start = time.perf_counter()
    hooks = [callbacks.TensorBoard(os.path.join(run_dir, "logs"))]
    if schedule == "cosine":
        hooks.append(callbacks.LearningRateScheduler(
            lambda epoch, lr: learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / epochs))))
    if augment:
        loader, validation = _augmented(x_train, y_train, batch_size)
        network.fit(loader, epochs=epochs, verbose=verbose, callbacks=hooks, **validation)
    else:
        network.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=verbose,
                    callbacks=hooks)
    seconds = time.perf_counter() - start
    results = network.evaluate(x_test, y_test, batch_size=256)
    dg.save(network, os.path.join(run_dir, "model"))
    print(f"test accuracy {results['accuracy']:.2%} (loss {results['loss']:.4f}) after {epochs} epochs "
          f"in {seconds:.1f} s")
    print(f"saved the model to {os.path.join(run_dir, 'model')} and TensorBoard logs to "
          f"{os.path.join(run_dir, 'logs')} (view them with: tensorboard --logdir {run_dir})")
    return results["accuracy"], run_dir


def _augmented(x, y, batch_size):
    """(a loader of randomly shifted and mirrored training images, validation data=(x, y)),
    keeping the last 10% of the samples, untouched, for validation as validation_split does."""
    from deepgrad.data import DataLoader, TensorDataset, transforms

    images = x.reshape(len(x), 1, *x.shape[1:])  # (N, channels, H, W), as the transforms take them
    cut = int(len(x) * 0.9)
    augment = transforms.Compose([transforms.RandomCrop(x.shape[1:], padding=2), transforms.RandomHorizontalFlip()])
    loader = DataLoader(TensorDataset(images[:cut], y[:cut]), batch_size=batch_size, shuffle=True)
    return transforms.TransformLoader(loader, augment), {"validation_data": (images[cut:], y[cut:])}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="deepgrad", description="Train neural networks with deepgrad.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train a small network on the built-in 8x8 digits (about 10 s)")
    demo.add_argument("--log-dir", help="folder for the saved model and TensorBoard logs (default: runs/...)")
    run = commands.add_parser("train", help="train a model on a dataset")
    run.add_argument("--dataset", choices=DATASETS, default="digits", help="the data (default: digits)")
    run.add_argument("--model", choices=MODELS, default="mlp", help="the network (default: mlp)")
    run.add_argument("--epochs", type=int, default=10, help="passes over the training data (default: 10)")
    run.add_argument("--batch-size", type=int, default=32, help="samples per gradient step (default: 32)")
    run.add_argument("--learning-rate", type=float, default=1e-3, help="the optimizer's step size (default: 0.001)")
    run.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="the update rule (default: adam)")
    run.add_argument("--log-dir", help="folder for the saved model and TensorBoard logs (default: runs/...)")
    run.add_argument("--seed", type=int, default=0, help="random seed, for a repeatable run (default: 0)")
    run.add_argument("--schedule", choices=("constant", "cosine"), default="constant",
                     help="the learning rate over the epochs: constant, or cosine decay to 0 (default: constant)")
    run.add_argument("--augment", action="store_true",
                     help="shift images by up to 2 pixels and mirror half of them (for Fashion-MNIST; not for "
                          "digits, whose mirror images are other symbols)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        train("digits", "mlp", epochs=20, log_dir=args.log_dir)
    else:
        train(args.dataset, args.model, args.epochs, args.batch_size, args.learning_rate,
              args.optimizer, args.log_dir, args.seed, augment=args.augment, schedule=args.schedule)
    return 0


if __name__ == "__main__":
    sys.exit(main())
