"""What the Trainer prints while it trains: a tqdm bar per epoch, and a line after each."""
import sys


class Progress:
    """A tqdm bar per epoch when tqdm is installed, else one printed line per epoch."""

    def __init__(self, enabled, total_epochs, steps_per_epoch):
        self.enabled = enabled
        self.total_epochs = total_epochs
        self.steps = steps_per_epoch
        self.bar = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self.tqdm = tqdm if enabled else None

    def start_epoch(self, epoch):
        if self.tqdm is not None:
            self.bar = self.tqdm(total=self.steps, desc=f"epoch {epoch}/{self.total_epochs}",
                                 leave=False, unit="batch", file=sys.stderr,
                                 disable=None)  # None: no bar when stderr is not a terminal

    def step(self, loss):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def end_epoch(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def write(self, line):
        if not self.enabled:
            return
        if self.tqdm is not None:
            self.tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)
