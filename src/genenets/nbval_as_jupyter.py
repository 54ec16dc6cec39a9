"""A pytest plugin for ``make verify``: nbval executes each cell as Jupyter and papermill do.

nbval sends every cell with ``store_history=False``. IPython decides whether a trailing ``;`` silences a cell's
value from the last cell stored in its history, so under nbval ``run.savefig(...);`` shows the returned path while
the committed notebook (run by papermill, which stores history) does not: a difference in how the cell was run, not
in what it computed. Loaded by :mod:`genenets.verify` with ``pytest -p genenets.nbval_as_jupyter``.
"""
from nbval import kernel as _kernel


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)


_kernel.RunningKernel.execute_cell_input = _execute_cell_input
