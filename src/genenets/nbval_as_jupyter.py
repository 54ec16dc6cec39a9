"""A pytest plugin for ``make verify``: nbval executes each cell as Jupyter and papermill do, and leaves progress
widgets out of the comparison.

- nbval sends every cell with ``store_history=False``. IPython decides whether a trailing ``;`` silences a cell's
  value from the last cell stored in its history, so under nbval ``run.savefig(...);`` shows the returned path while
  the committed notebook (run by papermill, which stores history) does not: a difference in how the cell was run,
  not in what it computed. Cells are sent with ``store_history=True`` here.
- A tqdm progress bar in a notebook is an ipywidgets display (``application/vnd.jupyter.widget-view+json``). How
  many a cell shows depends on how many fits the content-keyed cache already held (a cache hit trains nothing and
  draws no bar), not on any result, so those displays are dropped from both sides before nbval compares.

Loaded by :mod:`genenets.verify` with ``pytest -p genenets.nbval_as_jupyter``.
"""
from nbval import kernel as _kernel
from nbval import plugin as _plugin

WIDGET = "application/vnd.jupyter.widget-view+json"


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


def without_progress_widgets(outputs):
    """``outputs`` (a cell's output dicts) without the widget displays that progress bars are."""
    return [o for o in outputs if not (o.get("output_type") == "display_data" and WIDGET in o.get("data", {}))]


_compare_outputs = _plugin.IPyNbCell.compare_outputs


def _compare_without_widgets(self, test, ref, skip_compare=None):
    return _compare_outputs(self, without_progress_widgets(test), without_progress_widgets(ref), skip_compare)


_kernel.RunningKernel.execute_cell_input = _execute_cell_input
_plugin.IPyNbCell.compare_outputs = _compare_without_widgets
