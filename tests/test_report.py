"""REPORT.md and the records it reads: failure records, atomic writes, the ledger without stale runs."""
import json
import os
import stat

from genenets import report


def _results(root, name, verdict="reproduced"):
    d = root / name
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({
        "notebook": name, "profile": "quick", "dataset": "sim", "seed": 0, "runtime_s": 2,
        "claims": [{"id": f"{name}-R1", "claim": "c", "paper_ref": "Fig. 1", "rule": "r", "verdict": verdict,
                    "ours": "0.5"}], "headline": {"auroc": 0.5}}))


def test_atomic_writes_are_readable_by_others(tmp_path):
    path = report.write_text_atomic(tmp_path / "REPORT.md", "hello")
    assert path.read_text() == "hello" and stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["REPORT.md"]


def test_failure_records_statuses(tmp_path):
    report.write_json_atomic(report.failure_path(tmp_path, "01_a"), {"status": "failed", "error": "cell 3: boom",
                                                                     "cell": 3})
    report.write_json_atomic(report.failure_path(tmp_path, "02_b"), {"status": "running", "pid": os.getpid()})
    report.write_json_atomic(report.failure_path(tmp_path, "03_c"), {"status": "interrupted", "error": "Ctrl-C"})
    recs = report.failure_records(tmp_path)
    assert {k: v["status"] for k, v in recs.items()} == {"01_a": "failed", "02_b": "running", "03_c": "interrupted"}


def test_ledger_counts_only_complete_runs(tmp_path):
    _results(tmp_path, "01_a", "reproduced")
    _results(tmp_path, "02_b", "not reproduced")
    report.write_json_atomic(report.failure_path(tmp_path, "02_b"), {"status": "failed", "error": "cell 5: boom", "profile": "quick",
                                                                     "cell": 5})
    text = report.write_report(tmp_path, [{"name": "01_a", "paper": "P", "result": "R"},
                                          {"name": "02_b", "paper": "P", "result": "R"}]).read_text()
    assert "**1 reproduced, 0 not reproduced" in text and "02_b-R1" not in text
    assert "| 01_a | quick | sim | ok | 2 |" in text and "| 02_b | quick |  | failed in the latest run |" in text
    assert "**The latest run did not complete:** failed in the latest run" in text
    assert "still holds an earlier complete run" in text


def test_summary_failures_without_record_are_flagged(tmp_path):
    _results(tmp_path, "01_a")
    text = report.write_report(tmp_path, None, [{"name": "01_a", "status": "failed", "error": "cell 2: x"}]).read_text()
    assert "failed in the latest run" in text and "01_a-R1" not in text


def test_run_json_records_cpu_time_beside_wall_time(tmp_path):
    run = report.start_run("99_cpu", tmp_path, params={})
    sum(i * i for i in range(300_000))  # a little CPU work
    run.finish()
    timings = json.loads((tmp_path / "run.json").read_text())["timings_s"]
    assert timings["notebook_cpu"] > 0 and timings["notebook_total"] >= 0


def test_a_claim_two_notebooks_decide_alike_is_one_ledger_row(tmp_path):
    for name in ("01_a", "02_b"):
        d = tmp_path / name
        d.mkdir()
        claims = [{"id": "G3", "claim": "c", "paper_ref": "Fig. 1", "rule": "r", "verdict": "mixed", "ours": "0.5"}]
        if name == "02_b":  # a second claim decided differently in each notebook stays twice
            claims.append({"id": "G4", "claim": "c4", "paper_ref": "", "rule": "r", "verdict": "mixed", "ours": "1"})
        else:
            claims.append({"id": "G4", "claim": "c4", "paper_ref": "", "rule": "r", "verdict": "reproduced",
                           "ours": "2"})
        (d / "results.json").write_text(json.dumps({"notebook": name, "profile": "quick", "claims": claims}))
    nbs = [{"name": "01_a", "paper": "P", "result": "R"}, {"name": "02_b", "paper": "P", "result": "R"}]
    text = report.write_report(tmp_path, nbs).read_text()
    assert "(3 claims;" in text and "**1 reproduced, 0 not reproduced, 2 mixed" in text
    g3 = [line for line in text.splitlines() if line.startswith("| P | G3 |")]
    assert len(g3) == 1 and "[01_a](01_a/01_a.ipynb)" in g3[0] and "[02_b](02_b/02_b.ipynb)" in g3[0]
    assert len([line for line in text.splitlines() if line.startswith("| P | G4 |")]) == 2


def test_the_ledger_names_each_paper_shortly_and_never_cuts_a_word(tmp_path):
    described = {
        "03_a": {"paper": "Dwivedi, Tjärnberg, Tegnér, Gustafsson (2020) Deriving disease modules from the "
                          "compressed transcriptional space"},
        "01_b": {"paper": "GeneDAE: a sparse denoising autoencoder for deriving interpretable gene embeddings"},
        "08_c": {"paper": "Using Neural Networks to Identify Gene Regulatory Relationships (RNN, CNN and autoencoder)"},
        "09_d": {"paper": "A very long title " + "word " * 30 + "(with a parenthesis)"}}
    assert report.paper_label(described, "03_a") == "Dwivedi et al. (2020)"
    assert report.paper_label(described, "01_b") == "GeneDAE"
    assert report.paper_label(described, "08_c") == "Using Neural Networks to Identify Gene Regulatory Relationships"
    long = report.paper_label(described, "09_d")
    assert long.endswith("word ...") and len(long) <= 74
    # a dataset or grid variant of a notebook belongs to its notebook's paper; an undescribed one is its own name
    assert report.paper_label(described, "01_b__dataset=hapmap__seed=1") == "GeneDAE (dataset=hapmap, seed=1)"
    assert report.paper_label(described, "77_unknown") == "77_unknown"
    _results(tmp_path, "03_a")
    _results(tmp_path, "03_a__dataset=real")
    text = report.write_report(tmp_path, [{"name": n, "paper": v["paper"], "result": "R"}
                                          for n, v in described.items()]).read_text()
    assert "| Dwivedi et al. (2020) | 03_a-R1 |" in text
    assert "| Dwivedi et al. (2020) (dataset=real) | 03_a__dataset=real-R1 |" in text
