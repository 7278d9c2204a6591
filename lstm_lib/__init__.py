"""lstm_lib: a small NumPy library of RNN and LSTM building blocks for the companion book.

Modules (one concept each):
    lstm, rnn     the cells: one step and whole sequences, forward and backward (BPTT)
    gradcheck     central-difference gradient checks
"""

from . import gradcheck, lstm, rnn

__all__ = ["gradcheck", "lstm", "rnn"]
__version__ = "0.1.0"
