"""PLINK 1 genotypes: validation, legacy-layout conversion, chunked reading and the GeneDAE encoding.

A PLINK 1 fileset is ``prefix.bed`` (2-bit packed genotypes), ``prefix.bim`` (one line per variant:
chromosome, id, cM, position, allele 1, allele 2) and ``prefix.fam`` (one line per sample). The
``.bed`` is read with bed-reader in chunks of variants (:func:`iter_dosage_chunks`), so a biobank-size
file never has to fit in memory as floats: the genotypes kept in memory are int8 dosages (1 byte per
call). Files in the legacy individual-major layout (mode byte ``00``, e.g. the HapMap file in the
registry) are converted to SNP-major into ``data/cache/`` by transposing the packed 2-bit codes
block by block (:func:`convert_to_snp_major`).

Encoding (GeneDAE paper): each variant's dosage 0/1/2 becomes two binary features
``[0,0]``, ``[1,0]``, ``[1,1]`` (:func:`encode_two_bit`), so ``m`` variants give ``2m`` inputs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .registry import DataError, fetch

BED_MAGIC = b"\x6c\x1b"
SNP_MAJOR, INDIVIDUAL_MAJOR = 1, 0
MISSING_INT8 = -127  # bed-reader's missing value for integer dtypes

#: The MHC window of the GeneDAE paper on chromosome 6 (GRCh37).
MHC_GRCH37 = ("6", 28_477_797, 33_448_355)

#: GRCh37 positions of a few MHC SNPs (from the HapMap .bim of the registry). A file holding one of
#: these ids at another position is on another build (e.g. GRCh38 shifts the MHC by ~ -22 kb).
GRCH37_ANCHORS = {"rs6922986": 28_478_594, "rs2517912": 29_683_943, "rs2075015": 30_680_607,
                  "rs2855816": 31_466_878, "rs9270986": 32_574_059, "rs442745": 33_382_240}

BIM_COLUMNS = ["chrom", "snp", "cm", "pos", "a1", "a2"]
FAM_COLUMNS = ["fid", "iid", "father", "mother", "sex", "phenotype"]


@dataclass
class Genotypes:
    """Genotypes of ``n`` samples at ``m`` variants.

    Attributes
    ----------
    dosage : int8 array of shape (n_samples, n_variants)
        Copies of allele 1 (0, 1, 2); no missing values (they were dropped or imputed).
    variants : DataFrame with ``n_variants`` rows (``chrom, snp, cm, pos, a1, a2``)
    samples : DataFrame with ``n_samples`` rows (``fid, iid, ...``)
    exclusions : dict
        Counted exclusions and imputations (``other_chromosome``, ``outside_region``,
        ``missing_dropped_variants``, ``missing_imputed_calls``, ...), for the report.
    source : str
    """

    dosage: np.ndarray
    variants: pd.DataFrame
    samples: pd.DataFrame
    exclusions: dict = field(default_factory=dict)
    source: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        return self.dosage.shape

    def minor_allele_frequency(self) -> np.ndarray:
        """MAF of each variant, shape (n_variants,)."""
        f = self.dosage.mean(axis=0, dtype=np.float64) / 2
        return np.minimum(f, 1 - f)

    def subset(self, samples=None, variants=None) -> "Genotypes":
        """A copy restricted to sample / variant indices (or boolean masks)."""
        s = slice(None) if samples is None else np.asarray(samples)
        v = slice(None) if variants is None else np.asarray(variants)
        return Genotypes(self.dosage[s][:, v], self.variants.iloc[v].reset_index(drop=True),
                         self.samples.iloc[s].reset_index(drop=True), dict(self.exclusions), self.source)


# ----------------------------------------------------------------------------------------------
# files


def plink_paths(prefix) -> tuple[Path, Path, Path]:
    """``(bed, bim, fam)`` paths of a PLINK prefix (a trailing ``.bed`` is accepted)."""
    prefix = str(prefix)
    if prefix.endswith(".bed"):
        prefix = prefix[:-4]
    return Path(prefix + ".bed"), Path(prefix + ".bim"), Path(prefix + ".fam")


def read_bim(path) -> pd.DataFrame:
    """The ``.bim`` table (``chrom`` as str without a ``chr`` prefix, ``pos`` as int).

    Raises
    ------
    DataError
        Naming the file and the first bad line: a line without exactly 6 whitespace-separated columns,
        or a position that is not an integer.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, names=BIM_COLUMNS, dtype=str, skip_blank_lines=True)
    except pd.errors.ParserError as err:  # more than 6 columns on a line: pandas names the line
        line = re.search(r"line (\d+)", str(err))
        where = f"line {line.group(1)}" if line else "a line"
        raise DataError(f"{path}: {where} has more than 6 columns; a .bim has 6 whitespace-separated columns "
                        f"(chromosome, id, cM, position, allele 1, allele 2)") from err
    except (OSError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read as a PLINK .bim ({err})") from err
    short = df.isna().any(axis=1).to_numpy()
    if short.any():
        i = int(np.flatnonzero(short)[0])
        raise DataError(f"{path}: line {i + 1} has fewer than 6 columns ({' '.join(df.iloc[i].dropna())!r}); a .bim "
                        f"has 6 whitespace-separated columns (chromosome, id, cM, position, allele 1, allele 2)")
    pos = pd.to_numeric(df["pos"], errors="coerce")
    bad = (pos.isna() | (pos != pos.round())).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{path}: line {i + 1}: position {df['pos'].iloc[i]!r} is not an integer "
                        f"({int(bad.sum())} such lines); column 4 of a .bim is the base-pair position")
    df["cm"] = pd.to_numeric(df["cm"], errors="coerce").fillna(0.0)
    df["chrom"] = df["chrom"].str.replace("^chr", "", regex=True, case=False)
    df["pos"] = pos.astype(np.int64)
    return df


def duplicated_variant_ids(bim: pd.DataFrame) -> int:
    """Number of ``.bim`` rows whose id (column 2, ``"."`` excepted) already occurred above."""
    ids = bim["snp"]
    return int(ids[ids != "."].duplicated().sum())


def check_padding(bed, rows: np.ndarray, count: int) -> None:
    """Raise :class:`DataError` if the unused bits of the last byte of any of ``rows`` are not zero.

    Parameters
    ----------
    bed : path of the file (for the message)
    rows : uint8 array of shape (k, bytes_per_row)
        Packed rows (variants of a SNP-major file, or people of an individual-major one).
    count : int
        Genotypes per row (samples, or variants); ``count % 4`` slots of the last byte are used.

    In a valid ``.bed`` the padding is zero. A ``.fam`` that lost a line (SNP-major), or a ``.bim`` that
    lost one (individual-major), leaves the last genotype in the padding, and every sample (variant)
    would be read shifted by one.
    """
    used = count % 4
    if used == 0 or len(rows) == 0:
        return
    bad = (np.asarray(rows)[:, -1] >> (2 * used)) != 0
    if bad.any():
        raise DataError(f"{bed}: the padding bits after the last genotype of a row are not zero in {int(bad.sum())} "
                        f"of {len(bad)} rows checked; the .fam (SNP-major) or .bim (individual-major) has fewer "
                        f"lines than the .bed holds (a lost line shifts every sample): use the .fam/.bim "
                        f"written with this .bed")


def check_bed_padding(prefix, variant_index=None) -> None:
    """:func:`check_padding` on the rows of a fileset (SNP-major: ``variant_index`` or all variants)."""
    layout = bed_layout(prefix)
    bed = plink_paths(prefix)[0]
    n, m = layout["n_samples"], layout["n_variants"]
    if layout["mode"] == "snp":
        data = np.memmap(bed, dtype=np.uint8, mode="r", offset=3, shape=(m, (n + 3) // 4))
        rows = np.arange(m) if variant_index is None else np.asarray(variant_index)
        check_padding(bed, data[rows, -1:], n)
    else:
        data = np.memmap(bed, dtype=np.uint8, mode="r", offset=3, shape=(n, (m + 3) // 4))
        check_padding(bed, data[:, -1:], m)


def read_fam(path) -> pd.DataFrame:
    path = Path(path)
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, names=FAM_COLUMNS, dtype=str)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(f"{path}: cannot be read as a PLINK .fam ({err})") from err
    return df


def bed_layout(prefix) -> dict:
    """Check that ``.bed``, ``.bim`` and ``.fam`` agree; return ``{n_samples, n_variants, mode}``.

    Raises
    ------
    DataError
        A missing file, a wrong magic number, or a ``.bed`` whose size does not match the sample and
        variant counts (truncated, or ``.bim``/``.fam`` of another fileset); the message names the
        file, the expected and the actual size.
    """
    bed, bim, fam = plink_paths(prefix)
    for p in (bed, bim, fam):
        if not p.exists():
            raise DataError(f"{p}: PLINK file not found")
    with open(bim) as fh:
        n_variants = sum(1 for line in fh if line.strip())
    with open(fam) as fh:
        n_samples = sum(1 for line in fh if line.strip())
    with open(bed, "rb") as fh:
        header = fh.read(3)
    if len(header) < 3 or header[:2] != BED_MAGIC:
        raise DataError(f"{bed}: not a PLINK 1 .bed (magic bytes {header[:2].hex()!r}, expected '6c1b')")
    mode = header[2]
    if mode not in (SNP_MAJOR, INDIVIDUAL_MAJOR):
        raise DataError(f"{bed}: unknown layout byte {mode:#04x} (expected 01 SNP-major or 00 individual-major)")
    if mode == SNP_MAJOR:
        expected = 3 + n_variants * ((n_samples + 3) // 4)
    else:
        expected = 3 + n_samples * ((n_variants + 3) // 4)
    actual = bed.stat().st_size
    if actual != expected:
        what = "truncated" if actual < expected else "longer than expected"
        raise DataError(
            f"{bed}: {actual} bytes but {n_variants} variants in {bim.name} and {n_samples} samples in {fam.name} "
            f"need {expected} ({'SNP' if mode else 'individual'}-major); the .bed is {what}, or the .bim/.fam "
            f"belong to another fileset")
    return {"n_samples": n_samples, "n_variants": n_variants, "mode": "snp" if mode == SNP_MAJOR else "individual"}


def _unpack_codes(packed: np.ndarray, count: int) -> np.ndarray:
    """2-bit PLINK codes of packed bytes: (rows, n_bytes) uint8 -> (rows, count) uint8 in 0..3."""
    codes = (packed[..., None] >> np.array([0, 2, 4, 6], dtype=np.uint8)) & 3
    return codes.reshape(packed.shape[0], -1)[:, :count]


def _pack_codes(codes: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_unpack_codes`: (rows, count) codes -> (rows, ceil(count/4)) bytes."""
    rows, count = codes.shape
    padded = np.zeros((rows, 4 * ((count + 3) // 4)), dtype=np.uint8)
    padded[:, :count] = codes
    quads = padded.reshape(rows, -1, 4)
    return (quads[..., 0] | (quads[..., 1] << 2) | (quads[..., 2] << 4) | (quads[..., 3] << 6)).astype(np.uint8)


def convert_to_snp_major(prefix, out_prefix, block_variants: int = 4096) -> Path:
    """Write an individual-major ``.bed`` as SNP-major (with copies of ``.bim``/``.fam``).

    The packed codes are transposed block by block (``block_variants`` variants at a time), so memory
    is ``n_samples * block_variants`` bytes whatever the file size. Returns the new prefix.
    """
    layout = bed_layout(prefix)
    if layout["mode"] != "individual":
        raise ValueError(f"{prefix}: already SNP-major")
    bed, bim, fam = plink_paths(prefix)
    out_bed, out_bim, out_fam = plink_paths(out_prefix)
    out_bed.parent.mkdir(parents=True, exist_ok=True)
    n, m = layout["n_samples"], layout["n_variants"]
    per_sample = (m + 3) // 4
    rows = np.memmap(bed, dtype=np.uint8, mode="r", offset=3, shape=(n, per_sample))
    block_bytes = max(1, block_variants // 4)
    tmp = out_bed.with_suffix(".bed.part")
    with open(tmp, "wb") as out:
        out.write(BED_MAGIC + bytes([SNP_MAJOR]))
        for b0 in range(0, per_sample, block_bytes):
            b1 = min(per_sample, b0 + block_bytes)
            count = min(m, 4 * b1) - 4 * b0
            codes = _unpack_codes(np.asarray(rows[:, b0:b1]), count)  # (n, count)
            out.write(_pack_codes(np.ascontiguousarray(codes.T)).tobytes())
    out_bim.write_bytes(bim.read_bytes())
    out_fam.write_bytes(fam.read_bytes())
    tmp.replace(out_bed)  # last: a .bed present means a complete fileset
    return Path(str(out_bed)[:-4])


def snp_major_prefix(prefix) -> Path:
    """``prefix`` itself when SNP-major, else a cached SNP-major conversion (``plink/`` of the cache root).

    The conversion is keyed by the content (sha256) of the ``.bed``, ``.bim`` and ``.fam``: a replaced
    file gives a new conversion, never the old one.
    """
    layout = bed_layout(prefix)
    bed = plink_paths(prefix)[0]
    if layout["mode"] == "snp":
        return Path(str(bed)[:-4])
    from .. import cache

    digest = cache.key("snp_major", 1, *[cache.File(p) for p in plink_paths(prefix)])[:16]
    out = genotype_cache_dir() / f"{bed.stem}.snpmajor.{digest}"
    if not plink_paths(out)[0].exists():
        convert_to_snp_major(prefix, out)
    return out


def genotype_cache_dir() -> Path:
    """``plink/`` under the one cache root (:func:`genenets.cache.root`, default ``data/cache``)."""
    from .. import cache

    d = cache.root() / "plink"
    d.mkdir(parents=True, exist_ok=True)
    return d


# ----------------------------------------------------------------------------------------------
# reading


def iter_dosage_chunks(prefix, variant_index=None, sample_index=None, chunk_size: int = 2048,
                       num_threads: int = 1) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stream int8 dosages of a SNP-major fileset, ``chunk_size`` variants at a time.

    Parameters
    ----------
    prefix : path of a SNP-major PLINK fileset (see :func:`snp_major_prefix`)
    variant_index : int array, optional
        Variants to read (default all), in this order.
    sample_index : int array, optional
    chunk_size : int

    Yields
    ------
    (variant_index_chunk, dosage) with dosage int8 of shape (n_samples, len(chunk)); missing calls
    are ``-127``.
    """
    from bed_reader import open_bed

    bed = plink_paths(prefix)[0]
    with open_bed(bed, count_A1=True, num_threads=num_threads) as reader:
        if variant_index is None:
            variant_index = np.arange(reader.sid_count)
        variant_index = np.asarray(variant_index, dtype=np.intp)
        rows = slice(None) if sample_index is None else np.asarray(sample_index, dtype=np.intp)
        for start in range(0, len(variant_index), chunk_size):
            idx = variant_index[start:start + chunk_size]
            yield idx, reader.read(index=np.s_[rows, idx], dtype="int8", order="C")


def check_build(variants: pd.DataFrame, source: str = "") -> None:
    """Raise :class:`DataError` if a variant with a known GRCh37 anchor id sits at another position."""
    anchors = variants[variants["snp"].isin(GRCH37_ANCHORS)]
    wrong = anchors[anchors["pos"] != anchors["snp"].map(GRCH37_ANCHORS)]
    if len(wrong):
        row = wrong.iloc[0]
        raise DataError(f"{source}: {len(wrong)} of {len(anchors)} anchor variants are not at their GRCh37 positions "
                        f"(e.g. {row.snp} at {row.pos}, GRCh37 {GRCH37_ANCHORS[row.snp]}); the file is on another "
                        f"genome build: lift it over to GRCh37 first")


def read_plink(prefix, region: tuple | None = MHC_GRCH37, missing: str = "drop", max_missing: float = 0.05,
               max_sample_missing: float = 0.2, chunk_size: int = 2048, sample_index=None) -> Genotypes:
    """Read a PLINK 1 fileset (either layout) as int8 dosages, restricted to a region.

    Parameters
    ----------
    prefix : path prefix of ``.bed/.bim/.fam``
    region : (chromosome, start, end) or None
        Variants on other chromosomes or outside ``[start, end]`` are excluded and counted; no variant
        left is an error (wrong chromosome, or positions of another build).
    missing : {"drop", "mode"}
        ``"drop"``: drop every variant with a missing call. ``"mode"``: drop variants with more than
        ``max_missing`` missing calls and impute the others with the variant's most frequent dosage.
        Both are counted in ``exclusions``.
    max_sample_missing : float
        Samples with more missing calls than this fraction (failed genotyping) are dropped first and
        counted, so that they do not remove every variant.
    chunk_size : int
        Variants read per chunk (memory ~ ``n_samples * chunk_size`` bytes per chunk).
    sample_index : int array, optional

    Returns
    -------
    Genotypes
    """
    if missing not in ("drop", "mode"):
        raise ValueError(f"missing must be 'drop' or 'mode', not {missing!r}")
    bed, bim_path, fam_path = plink_paths(prefix)
    layout = bed_layout(prefix)
    bim, fam = read_bim(bim_path), read_fam(fam_path)
    check_build(bim, str(bim_path))
    exclusions = {"n_variants_in_file": layout["n_variants"], "n_samples_in_file": layout["n_samples"]}
    keep = np.ones(len(bim), bool)
    if region is not None:
        chrom, start, end = str(region[0]).replace("chr", ""), int(region[1]), int(region[2])
        on_chrom = (bim["chrom"] == chrom).to_numpy()
        in_window = on_chrom & bim["pos"].between(start, end).to_numpy()
        exclusions["other_chromosome"] = int((~on_chrom).sum())
        exclusions["outside_region"] = int((on_chrom & ~in_window).sum())
        keep = in_window
        if not keep.any():
            raise DataError(
                f"{bim_path}: no variant in chr{chrom}:{start:,}-{end:,} ({exclusions['other_chromosome']} on other "
                f"chromosomes, {exclusions['outside_region']} elsewhere on chr{chrom}); check the chromosome and "
                f"that positions are GRCh37")
    variant_index = np.flatnonzero(keep)
    check_bed_padding(prefix, variant_index if layout["mode"] == "snp" else None)
    dup = bim.iloc[variant_index]
    exclusions["duplicated_variant_ids"] = duplicated_variant_ids(dup)
    if exclusions["duplicated_variant_ids"]:
        import warnings

        warnings.warn(f"{bim_path}: {exclusions['duplicated_variant_ids']} duplicated variant ids among the variants "
                      f"read (kept, counted in exclusions['duplicated_variant_ids']); deduplicate the .bim if they "
                      f"are the same variant", stacklevel=2)
    source = snp_major_prefix(prefix)
    n = layout["n_samples"] if sample_index is None else len(sample_index)
    dosage = np.empty((n, len(variant_index)), dtype=np.int8)
    col = 0
    for idx, chunk in iter_dosage_chunks(source, variant_index, sample_index, chunk_size):
        dosage[:, col:col + len(idx)] = chunk
        col += len(idx)
    is_missing = dosage == MISSING_INT8
    good_samples = is_missing.mean(axis=1) <= max_sample_missing
    exclusions["missing_dropped_samples"] = int((~good_samples).sum())
    if not good_samples.any():
        raise DataError(f"{bed}: every sample has more than {max_sample_missing:.0%} missing calls")
    dosage, is_missing = dosage[good_samples], is_missing[good_samples]
    frac_missing = is_missing.mean(axis=0)
    exclusions["missing_calls"] = int(is_missing.sum())
    if missing == "drop":
        ok = frac_missing == 0
        exclusions["missing_dropped_variants"] = int((~ok).sum())
    else:
        ok = frac_missing <= max_missing
        exclusions["missing_dropped_variants"] = int((~ok).sum())
        exclusions["missing_imputed_calls"] = int(is_missing[:, ok].sum())
    dosage = dosage[:, ok]
    if missing == "mode":
        for j in np.flatnonzero((dosage == MISSING_INT8).any(axis=0)):
            column = dosage[:, j]
            counts = np.bincount(column[column != MISSING_INT8], minlength=3)
            column[column == MISSING_INT8] = np.argmax(counts)
    if dosage.shape[1] == 0:
        raise DataError(f"{bed}: every variant in the region has missing calls; use missing='mode'")
    variants = bim.iloc[variant_index[ok]].reset_index(drop=True)
    samples = fam if sample_index is None else fam.iloc[np.asarray(sample_index)]
    samples = samples.reset_index(drop=True)[good_samples].reset_index(drop=True)
    return Genotypes(dosage, variants, samples, exclusions, str(bed))


def load_hapmap_mhc(missing: str = "mode", region=MHC_GRCH37) -> Genotypes:
    """The registry's HapMap CEU chr6 genotypes (90 people), restricted to the MHC window."""
    prefix = fetch("genotypes/HapMap_CEU.bed")
    fetch("genotypes/HapMap_CEU.bim")
    fetch("genotypes/HapMap_CEU.fam")
    return read_plink(str(prefix)[:-4], region=region, missing=missing)


def write_plink(prefix, genotypes: Genotypes) -> Path:
    """Write ``genotypes`` as a SNP-major PLINK fileset with bed-reader; return the prefix."""
    from bed_reader import to_bed

    bed = plink_paths(prefix)[0]
    bed.parent.mkdir(parents=True, exist_ok=True)
    v, s = genotypes.variants, genotypes.samples
    props = {"fid": s["fid"].astype(str).tolist(), "iid": s["iid"].astype(str).tolist(),
             "chromosome": v["chrom"].astype(str).tolist(), "sid": v["snp"].astype(str).tolist(),
             "cm_position": v["cm"].astype(float).tolist(), "bp_position": v["pos"].astype(int).tolist(),
             "allele_1": v["a1"].astype(str).tolist(), "allele_2": v["a2"].astype(str).tolist()}
    to_bed(bed, genotypes.dosage, properties=props, count_A1=True)
    return Path(str(bed)[:-4])


# ----------------------------------------------------------------------------------------------
# encoding


def encode_two_bit(dosage, dtype=np.float32) -> np.ndarray:
    """GeneDAE input encoding: dosage 0/1/2 -> ``[0,0]``, ``[1,0]``, ``[1,1]``.

    Parameters
    ----------
    dosage : int array of shape (n_samples, m)

    Returns
    -------
    array of shape (n_samples, 2m); columns ``2j`` ("at least one copy") and ``2j+1`` ("two copies")
    belong to variant ``j``.
    """
    dosage = np.asarray(dosage)
    if dosage.ndim != 2:
        raise ValueError(f"dosage must be 2-D (samples x variants), got shape {dosage.shape}")
    bad = ~np.isin(dosage, (0, 1, 2))
    if bad.any():
        raise ValueError(f"dosage must hold 0, 1 or 2 only; found {int(bad.sum())} other values "
                         f"(e.g. {dosage[bad][0]}): drop or impute missing calls first")
    out = np.empty((dosage.shape[0], 2 * dosage.shape[1]), dtype=dtype)
    out[:, 0::2] = dosage >= 1
    out[:, 1::2] = dosage == 2
    return out


def decode_two_bit(x) -> np.ndarray:
    """Dosage from the two-bit encoding (sum of each pair), shape (n_samples, m)."""
    x = np.asarray(x)
    return (x[:, 0::2] + x[:, 1::2]).astype(np.int8)
