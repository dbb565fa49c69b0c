"""tinygrad_book.nn: modules, layers and graph ops (see nn/functional.py)."""
