"""ST-GCN: the layout's graph worked out by hand, shapes, the fallback, and that it learns."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LAYOUTS, register_layout
from hawkeye.models.sequence import SequenceModel
from hawkeye.models.sequence.nets import build_net
from hawkeye.models.sequence.stgcn import STGCN, adjacency, layout_graph
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

FAST = {
    "hidden": 16,
    "layers": 2,
    "kernel_size": 3,
    "dropout": 0.0,
    "batch_size": 8,
    "lr": 5e-3,
    "max_epochs": 15,
    "val_fraction": 0.0,
    "max_len": 40,
}


def test_adjacency_of_a_chain_worked_out_by_hand() -> None:
    """0 - 1 - 2 with centre 0. Neighbourhoods (self included): {0,1}, {0,1,2}, {1,2}, so
    column w weighs each neighbour 1/2, 1/3, 1/2. Hops to the centre: 0, 1, 2."""
    a = adjacency(3, parents=(-1, 0, 1), centre=(0,))
    h, t = 1 / 2, 1 / 3
    same = [[h, 0, 0], [0, t, 0], [0, 0, h]]  # each joint itself
    nearer = [[0, t, 0], [0, 0, h], [0, 0, 0]]  # 0 feeds 1, 1 feeds 2: nearer the centre
    farther = [[0, 0, 0], [h, 0, 0], [0, t, 0]]  # 1 feeds 0, 2 feeds 1: farther out
    np.testing.assert_allclose(a, [same, nearer, farther], rtol=1e-6)
    np.testing.assert_allclose(a.sum(axis=(0, 1)), 1.0, rtol=1e-6)  # every output a mean


def test_adjacency_of_two_trees_and_of_no_bones() -> None:
    """A star 0 <- 1, 2 beside a lone bone 3 <- 4; centres 0 and 3."""
    a = adjacency(5, parents=(-1, 0, 0, -1, 3), centre=(0, 3))
    assert a.shape == (3, 5, 5)
    np.testing.assert_allclose(np.diag(a[0]), [1 / 3, 1 / 2, 1 / 2, 1 / 2, 1 / 2], rtol=1e-6)
    assert a[1, 0, 1] == pytest.approx(1 / 2) and a[2, 1, 0] == pytest.approx(1 / 3)
    assert a[:, 0, 3].sum() == 0 and a[:, 4, 1].sum() == 0  # no edge between the trees
    full = adjacency(4)  # no bones: self and every other joint, 1/4 each
    np.testing.assert_allclose(full[0], np.eye(4) / 4)
    np.testing.assert_allclose(full[1], (1 - np.eye(4)) / 4)
    with pytest.raises(ValueError, match="parents for"):
        adjacency(3, parents=(-1, 0))


def test_layout_graph_reads_the_layouts_bones_and_says_when_there_are_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    natops = layout_graph("natops_8")  # two arms, one tree each from the elbow
    assert natops.has_bones and natops.centre == (2, 3)
    assert natops.parents == LAYOUTS["natops_8"].parents
    hand = layout_graph("mediapipe_hand_21")
    assert hand.centre == (0,) and hand.parents[:5] == (-1, 0, 1, 2, 3)
    with caplog.at_level(logging.WARNING, logger="hawkeye.models.sequence.stgcn"):
        coco = layout_graph("coco_17")
    assert not coco.has_bones and "declares no bones" in caplog.text
    assert adjacency(coco.joints, coco.parents, coco.centre).shape == (2, 17, 17)


def test_output_shapes_and_channels_per_joint() -> None:
    torch.manual_seed(0)
    a = adjacency(8, LAYOUTS["natops_8"].parents, (2, 3))
    net = build_net("stgcn", in_dim=8 * 6, out_dim=5, hidden=12, layers=3, dropout=0.0,
                    kernel_size=5, adjacency=a)  # fmt: skip
    assert isinstance(net, STGCN) and (net.joints, net.channels) == (8, 6)
    x, mask = torch.randn(4, 20, 48), torch.ones(4, 20, dtype=torch.bool)
    assert net(x, mask).shape == (4, 5) and net.encode(x, mask).shape == (4, 12)
    assert [b.tcn.dilation[0] for b in net.blocks] == [1, 2, 4]
    with pytest.raises(ValueError, match="not 8 joints"):
        build_net("stgcn", in_dim=20, out_dim=1, hidden=8, layers=1, dropout=0.0,
                  kernel_size=3, adjacency=a)  # fmt: skip
    with pytest.raises(ValueError, match="adjacency"):
        build_net("stgcn", in_dim=48, out_dim=1, hidden=8, layers=1, dropout=0.0, kernel_size=3)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("stgcn") / "d", n_subjects=10, per_subject=4)


def test_learns_a_separable_task_on_held_out_subjects(table: pd.DataFrame) -> None:
    """Joint 0 sways little (label 0) or a lot (label 4): trained on 7 subjects, scored on 3."""
    binary = table[table["label"].isin([0, 4])].reset_index(drop=True)
    subject = binary["subject_id"].str[1:].astype(int)
    train, test = binary[subject < 7], binary[subject >= 7]
    model = SequenceModel("stgcn", "classification", FAST)
    model.fit(train, train["label"].to_numpy())
    assert model.net_args_["layout"] == "natops_8" and model.net_args_["graph"] == "bones"
    accuracy = (model.predict(test) == test["label"].to_numpy()).mean()
    assert accuracy >= 0.9, accuracy
    proba = model.predict_proba(test)
    assert list(proba.columns) == [0, 4]
    again = pickle.loads(pickle.dumps(model))  # the graph is rebuilt from net_args_
    np.testing.assert_allclose(again.predict_proba(test), proba, rtol=1e-5, atol=1e-6)


def test_one_layout_a_model(table: pd.DataFrame) -> None:
    rows = table.head(8)
    register_layout("other_8", 8)  # the same joint count, no bones
    try:
        mixed = rows.assign(layout=["natops_8"] * 4 + ["other_8"] * 4)
        quick = {**FAST, "max_epochs": 1}
        with pytest.raises(ValueError, match="one joint layout a model"):
            SequenceModel("stgcn", params=quick).fit(mixed, mixed["label"].to_numpy())
        model = SequenceModel("stgcn", params=quick).fit(rows, rows["label"].to_numpy())
        with pytest.raises(ValueError, match="trained on layout natops_8"):
            model.predict(rows.assign(layout="other_8"))
        fallback = SequenceModel("stgcn", params=quick)
        fallback.fit(rows.assign(layout="other_8"), rows["label"].to_numpy())
        assert fallback.net_args_["graph"] == "fully connected"
        assert fallback.net().blocks[0].graph.shape == (2, 8, 8)
    finally:  # registered layouts are global: leave none behind
        LAYOUTS.pop("other_8", None)
        JOINT_LAYOUTS.pop("other_8", None)
