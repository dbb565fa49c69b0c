"""tinygrad_book.optim: optimizers and learning-rate schedulers."""
