"""lstm_lib: a small NumPy library of RNN and LSTM building blocks for the companion book.

One module per concept::

    lstm, rnn     the cells: one step and whole sequences, forward and backward (BPTT);
                  shapes are batch-first, x (N, T, D), states (N, T, H)
    gradcheck     central-difference gradient checks
    data          the book's generated tasks: 法国 → 法语, its "new subject" (她) variant,
                  and the adding problem
    model         embedding → RNN/LSTM (and ablation variants) → read-out, with losses
    losses        softmax cross-entropy and squared error
    optim         SGD, Adam, gradient clipping by global norm
    train         the training loop and the book's task trainers
    gradflow      gradient-flow measurements (per-step state gradients, Jacobian products)
    fonts, plots  Chinese fonts in matplotlib; plots shared by several chapters
    explorer      kernel-free "static explorers" for the online book
"""

from . import (
    data,
    explorer,
    fonts,
    gradcheck,
    gradflow,
    losses,
    lstm,
    model,
    optim,
    plots,
    rnn,
    train,
)

__all__ = [
    "data",
    "explorer",
    "fonts",
    "gradcheck",
    "gradflow",
    "losses",
    "lstm",
    "model",
    "optim",
    "plots",
    "rnn",
    "train",
]
__version__ = "0.1.0"
