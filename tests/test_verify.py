"""`make verify` on the cheapest committed notebook: nbval re-executes it and its outputs, metrics and tables
match what is committed (the mechanism is exercised on every change)."""
import pytest

from genenets import verify
from genenets.params import repo_root


@pytest.mark.notebook
@pytest.mark.xdist_group("00_data_overview")
def test_committed_data_overview_reexecutes_identically():
    row = verify.verify_one("00_data_overview", repo_root() / "figures")
    assert row["status"] == "identical", row


@pytest.mark.xdist_group("00_data_overview")  # nbval's kernels use TCP ports: one nbval run at a time
def test_a_changed_committed_table_is_reported(tmp_path):
    # a fabricated executed notebook whose committed table disagrees with what its code writes
    import nbformat

    figures = tmp_path / "figures"
    (figures / "01_t").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    inj = nbformat.v4.new_code_cell("output_dir = 'x'")
    inj.metadata["tags"] = ["injected-parameters"]
    body = nbformat.v4.new_code_cell("import pathlib\npathlib.Path(output_dir, 't.csv').write_text('a\\n1\\n')\nprint(2 + 2)")
    body.outputs = [nbformat.v4.new_output("stream", name="stdout", text="4\n")]
    body.execution_count = 1
    quiet = nbformat.v4.new_code_cell("7 * 6;")  # Jupyter and papermill show no value after a trailing ';'
    quiet.execution_count = 2
    # a progress bar the committed run drew (its fit was not in the cache then) is not part of the comparison
    quiet.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "ab", "version_major": 2, "version_minor": 0},
        "text/plain": "training:  50%|#####     | 1/2"})]
    nb.cells = [inj, body, quiet]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, figures / "01_t" / "01_t.ipynb")
    (figures / "01_t" / "t.csv").write_text("a\n1\n")
    first = verify.verify_one("01_t", figures)
    assert first["status"] == "identical", first
    (figures / "01_t" / "t.csv").write_text("a\n2\n")
    row = verify.verify_one("01_t", figures)
    assert row["status"] == "differs" and "t.csv" in row["detail"]


def test_summary_keeps_the_rows_not_checked_this_time(tmp_path):
    path = tmp_path / "VERIFY.md"
    row = {"name": "01_a", "status": "identical", "detail": "", "wall_s": 3.0, "cpu_s": 2.0, "cache": "empty",
           "commit": "abc1234", "date": "2026-12-01 14:00 UTC"}
    verify.write_summary([row], path)
    verify.write_summary([{**row, "name": "02_b", "status": "differs", "detail": "differs in cell 4"}], path)
    rows = verify.read_summary(path)
    assert set(rows) == {"01_a", "02_b"} and rows["02_b"]["status"] == "differs"
    assert "Counted: 1 differs, 1 identical." in path.read_text()


def test_tables_agree_to_float_rounding_and_differences_are_named(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text("gene,score\nX,0.30000000000000004\nY,1.5\n")
    b.write_text("gene,score\nX,0.3\nY,1.5\n")  # the last bit of a threaded sum
    c.write_text("gene,score\nX,0.31\nY,1.5\n")
    assert verify.table_difference(a, b) == ""
    assert verify.table_difference(a, c).startswith("score in 1 rows")
