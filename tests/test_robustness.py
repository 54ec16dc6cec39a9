"""The robustness grid's collector and the report's use of it."""
import json

from genenets import report, robustness


def _run(root, label, seed, scale, verdict, why="one seed"):
    d = root / label
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({
        "notebook": "08_x", "params": {"seed": seed, "budget_scale": scale}, "metrics": {},
        "claims": [{"id": "R9", "claim": "c", "paper_ref": "Fig", "rule": "r", "verdict": verdict, "robust": False,
                    "why": why, "evidence": {"a": 0.5}}]}))


def test_collect_writes_a_table_per_claim_and_flags_disagreement(tmp_path):
    runs = tmp_path / "robustness" / "runs"
    for seed in (0, 1, 2):
        for scale in (1, 4):
            _run(runs, f"08_x__seed={seed}_budget_scale={scale}", seed, scale, "reproduced")
    table = robustness.collect(runs, tmp_path / "robustness")
    assert len(table) == 6 and (tmp_path / "robustness" / "08_x__R9.csv").exists()
    assert "| R9 | 08_x | 6 | 0, 1, 2 | 1, 4 | reproduced x6 | yes |" in (tmp_path / "robustness" / "SUMMARY.md").read_text()
    # the main run's claim: one seed, so not robust by itself; the grid makes it robust
    main = tmp_path / "08_x"
    main.mkdir()
    (main / "results.json").write_text(json.dumps({"notebook": "08_x", "metrics": {}, "claims": [
        {"id": "R9", "claim": "c", "paper_ref": "Fig", "rule": "r", "verdict": "reproduced", "robust": False,
         "why": "one seed"}]}))
    assert report.ledger_rows(tmp_path, ["08_x"])[0]["robust"] is True
    # seeds that agree at one budget are not enough without the grid
    alone = tmp_path / "07_z"
    alone.mkdir()
    (alone / "results.json").write_text(json.dumps({"notebook": "07_z", "metrics": {}, "claims": [
        {"id": "Z1", "claim": "c", "paper_ref": "F", "rule": "r", "verdict": "reproduced", "robust": True,
         "seeds": 3, "budgets": [200]}]}))
    row = report.ledger_rows(tmp_path, ["07_z"])[0]
    assert row["robust"] is False and "robustness grid" in row["why"]
    (alone / "results.json").unlink()
    # one budget alone is not a grid: seeds agree, budgets were not varied
    one_budget = tmp_path / "one" / "robustness" / "runs"
    for seed in (0, 1, 2):
        _run(one_budget, f"08_x__seed={seed}_budget_scale=1", seed, 1, "reproduced")
    robustness.collect(one_budget, tmp_path / "one" / "robustness")
    assert "| R9 | 08_x | 3 | 0, 1, 2 | 1 | reproduced x3 | no: the grid has fewer than 2 seeds or 2 budgets |" in (tmp_path / "one" / "robustness" / "SUMMARY.md").read_text()
    _run(runs, "08_x__seed=3_budget_scale=16", 3, 16, "not reproduced")  # one budget disagrees
    robustness.collect(runs, tmp_path / "robustness")
    row = report.ledger_rows(tmp_path, ["08_x"])[0]
    assert row["robust"] is False and "not reproduced x1" in row["why"]
    text = report.write_report(tmp_path, [{"name": "08_x", "paper": "GRN paper", "result": "r"}]).read_text()
    first_screen = "\n".join(text.splitlines()[:12])
    assert "1 reproduced, 0 not reproduced, 0 mixed, 0 not testable here" in first_screen
    assert "| R9 | c |" in first_screen
    # the same claim id decided in another notebook is not judged by 08_x's grid
    other = tmp_path / "09_y"
    other.mkdir()
    (other / "results.json").write_text(json.dumps({"notebook": "09_y", "metrics": {}, "claims": [
        {"id": "R9", "claim": "c", "paper_ref": "Fig", "rule": "r", "verdict": "mixed", "robust": False}]}))
    assert "grid" not in report.ledger_rows(tmp_path, ["09_y"])[0]
    (other / "results.json").write_text("{not json")
    assert report.ledger_rows(tmp_path, ["09_y"]) == []


def test_a_grid_resting_on_models_that_did_not_learn_is_not_robust(tmp_path):
    runs = tmp_path / "robustness" / "runs"
    for seed in (0, 1):
        for scale in (1, 4):
            _run(runs, f"08_x__seed={seed}_budget_scale={scale}", seed, scale, "mixed",
                 why="resting on models that LSTM: did not learn")
    robustness.collect(runs, tmp_path / "robustness")
    summary = (tmp_path / "robustness" / "SUMMARY.md").read_text()
    assert "| mixed x4 | no: 4 of 4 runs rest on models that did not learn or were budget-limited |" in summary
    main = tmp_path / "08_x"
    main.mkdir()
    (main / "results.json").write_text(json.dumps({"notebook": "08_x", "metrics": {}, "claims": [
        {"id": "R9", "claim": "c", "paper_ref": "Fig", "rule": "r", "verdict": "mixed", "robust": False,
         "why": "one seed"}]}))
    row = report.ledger_rows(tmp_path, ["08_x"])[0]
    assert row["robust"] is False and "4 of 4 runs rest on models" in row["why"]


def test_a_claim_not_robust_by_its_nature_stays_so_whatever_the_grid():
    import pandas as pd

    assert report.structural_reasons("one seed; one training budget per model (the robustness grid varies it)") == []
    stand_in = "the top teams' numbers are not offline; stand-in: our combination"
    assert report.structural_reasons(stand_in + "; one seed") == ["the top teams' numbers are not offline",
                                                                  "stand-in: our combination"]
    rows = pd.DataFrame({"seed": [0, 0, 1, 1], "budget_scale": [1, 4, 1, 4], "verdict": ["mixed"] * 4,
                         "why": [stand_in] * 4})
    robust, why_not = report.grid_support(rows)
    assert not robust and why_not.startswith("not robust by its nature")
    assert report.grid_support(rows.assign(why="one seed"))[0]
