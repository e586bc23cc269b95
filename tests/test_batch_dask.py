"""The Dask recipe of docs/batch.md, run as written on a distributed.LocalCluster: the same numbers as
`backprop batch` on the same rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from backprop_cli.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "batch.md"
NEURON = "sigmoid(w0*x0 + w1*x1 + w2)"


def recipe() -> dict[str, Any]:
    """The recipe's code block, executed as a module."""
    code = re.search(r"<!-- dask-recipe -->\n```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert code, "docs/batch.md has no dask-recipe block"
    namespace: dict[str, Any] = {"__name__": "dask_recipe"}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)
    return namespace


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # from Dask's and Tornado's own imports
def test_dask_recipe_on_a_local_cluster_equals_batch(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    rng = np.random.default_rng(8)
    source = tmp_path / "points"
    source.mkdir()
    parts = []
    for k in range(3):  # a partitioned dataset: one file per partition
        part = pa.table({name: rng.normal(0, 2, 200) for name in ["w0", "x0", "w1", "x1", "w2"]})
        pq.write_table(part, source / f"part-{k}.parquet")
        parts.append(part)
    target = tmp_path / "grads"
    recipe()["gradients"](NEURON, str(source), str(target), workers=1)  # one worker process: a shorter start
    distributed = pq.read_table(target).select(["f", "df_dw0", "df_dx0", "df_dw1", "df_dx1", "df_dw2"])

    whole = tmp_path / "all.parquet"
    pq.write_table(pa.concat_tables(parts), whole)
    single = tmp_path / "single.parquet"
    result = CliRunner().invoke(cli, ["batch", NEURON, str(whole), "--output", str(single)])
    assert result.exit_code == 0, result.output
    assert distributed.num_rows == 600
    assert distributed.equals(pq.read_table(single))
