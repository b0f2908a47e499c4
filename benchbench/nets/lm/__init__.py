"""Language models benchbench implements itself (the n-gram and LSTM of the text zoo)."""
