"""Bad genotype inputs (issue 12): each raises the exact error class naming the file (and line), and leaves
nothing half-written behind."""
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from genenets.cache import CacheWarning
from genenets.data import genotypes as gt
from genenets.errors import DataError
from genenets.simulate.genomewide import pack_dosage

MODULE = "genenets.data.genotypes, genenets.data.streaming, genenets.tools.scale"
MHC_POS = 29_000_000


def _write(prefix, n=7, m=9, seed=0, ids=None, fam_lines=None):
    """A SNP-major fileset of n people (n % 4 != 0: every variant's last byte has padding)."""
    rng = np.random.default_rng(seed)
    dosage = rng.integers(0, 3, (n, m)).astype(np.int8)
    with open(f"{prefix}.bed", "wb") as fh:
        fh.write(gt.BED_MAGIC + bytes([gt.SNP_MAJOR]) + pack_dosage(dosage))
    pd.DataFrame({"c": "6", "s": ids or [f"rs{j}" for j in range(m)], "cm": 0, "p": MHC_POS + np.arange(m),
                  "a1": "A", "a2": "G"}).to_csv(f"{prefix}.bim", sep="\t", header=False, index=False)
    fam = pd.DataFrame({"f": range(n), "i": range(n), "a": 0, "b": 0, "s": 0, "p": -9})
    fam.iloc[fam_lines if fam_lines is not None else slice(None)].to_csv(f"{prefix}.fam", sep="\t", header=False,
                                                                         index=False)
    return prefix, dosage


@pytest.fixture(autouse=True)
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_fam_that_lost_its_first_line_is_an_error_not_a_shift(tmp_path):
    """SNP-major .bed whose .fam lost its first line (same bytes per variant, so the size check passes) ->
    DataError naming the .bed: the padding bits after the last sample are not zero (no shifted samples)."""
    prefix, _ = _write(tmp_path / "lost", n=7, fam_lines=slice(1, None))
    assert gt.bed_layout(prefix)["n_samples"] == 6  # the sizes agree: only the padding tells
    with pytest.raises(DataError, match=r"lost\.bed: the padding bits.*\.fam"):
        gt.read_plink(prefix, region=None)


def test_fam_that_lost_a_line_fails_the_person_major_conversion_and_leaves_nothing(tmp_path, cache_root):
    """Same fileset streamed through the person-major copy -> DataError naming the .bed; no copy is left
    that a later run would read."""
    from genenets.data.streaming import PlinkBatchStream, person_major_path

    prefix, _ = _write(tmp_path / "lost", n=7, fam_lines=slice(1, None))
    with pytest.raises(DataError, match=r"lost\.bed: the padding bits"):
        PlinkBatchStream(prefix, reader="person")
    final = person_major_path(prefix)
    assert not final.exists() and not final.with_suffix(".json").exists()


def test_valid_file_with_padding_reads(tmp_path):
    """Valid .bed whose last byte per variant has (zero) padding -> reads, exactly the written dosages."""
    prefix, dosage = _write(tmp_path / "ok", n=7)
    np.testing.assert_array_equal(gt.read_plink(prefix, region=None).dosage, dosage)


@pytest.mark.parametrize("bad_line,what", [("6\trs3\t0\t29000003x\tA\tG", r"line 4: position '29000003x' is not an "
                                                                          r"integer"),
                                           ("6\trs3\t0\t29000003\tA", "line 4 has fewer than 6 columns"),
                                           ("6\trs3\t0\t29000003\tA\tG\textra", "line 4 has more than 6 columns")])
def test_bim_with_a_bad_line_names_the_file_and_the_line(tmp_path, bad_line, what):
    """.bim with a non-numeric position, or 5 or 7 columns on a line -> DataError naming the .bim and the
    line number."""
    prefix, _ = _write(tmp_path / "bad")
    lines = open(f"{prefix}.bim").read().splitlines()
    lines[3] = bad_line
    open(f"{prefix}.bim", "w").write("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=rf"bad\.bim: {what}"):
        gt.read_bim(f"{prefix}.bim")
    with pytest.raises(DataError, match=r"bad\.bim"):
        gt.read_plink(prefix, region=None)


def test_duplicated_variant_ids_are_counted_and_reported(tmp_path):
    """.bim with duplicated variant ids -> read, counted in exclusions['duplicated_variant_ids'] and a
    warning naming the .bim ('.' ids are not duplicates)."""
    ids = ["rs0", "rs1", "rs1", "rs3", "rs4", "rs0", "rs6", ".", "."]
    prefix, _ = _write(tmp_path / "dup", ids=ids)
    with pytest.warns(UserWarning, match=r"dup\.bim: 2 duplicated variant ids"):
        g = gt.read_plink(prefix, region=None)
    assert g.exclusions["duplicated_variant_ids"] == 2  # "." is PLINK's "no id", not a duplicate
    prefix, _ = _write(tmp_path / "unique")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gt.read_plink(prefix, region=None).exclusions["duplicated_variant_ids"] == 0


def test_truncated_checkpoint_is_discarded_and_recomputed(tmp_path):
    """Truncated StreamingGeneDAE checkpoint (killed while writing) -> CacheWarning naming it, discarded,
    training recomputed to the uninterrupted result."""
    from genenets.simulate.genomewide import simulate_genomewide
    from genenets.tools.scale import StreamingGeneDAE
    from genenets.data.annotation import VariantGeneGraph
    import scipy.sparse as sp

    genes = pd.DataFrame({"chrom": ["1", "2"], "start": [1_000, 3_000], "end": [9_000, 8_000]})
    genome = simulate_genomewide(n_samples=24, n_variants=20, genes=genes, ld_block_size=5, chunk_variants=10,
                                 seed=1, prefix=tmp_path / "g")
    A = sp.csr_matrix((np.ones(20, np.float32), (np.arange(20), np.arange(20) % 3)), shape=(20, 3))
    graph = VariantGeneGraph(A, ["a", "b", "c"], np.arange(20), {})

    def fit(checkpoint=None):
        return StreamingGeneDAE(epochs=2, batch_size=8, block_size=8, lr=1e-2, seed=3, checkpoint=checkpoint,
                                n_threads=1).fit(genome.prefix, graph)

    full = fit()
    ckpt = tmp_path / "ckpt.pt"
    fit(ckpt)
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[: len(data) // 2])  # killed while writing
    with pytest.warns(CacheWarning, match=r"ckpt\.pt is unreadable"):
        again = fit(ckpt)
    np.testing.assert_allclose(again.history_.train_loss, full.history_.train_loss, rtol=1e-6)
    for name, p in full.model_.state_dict().items():
        torch.testing.assert_close(again.model_.state_dict()[name], p)
