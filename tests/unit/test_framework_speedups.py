"""The framework methods `processors.common.framework_speedups` replaces: the replacements behave as the
originals on a real RocksDB partition, and the originals are still the code they were written against (an
upgrade of quixstreams that changes them fails here, to be looked at)."""

from __future__ import annotations

import inspect

import pytest
from quixstreams.state.metadata import Marker
from quixstreams.state.rocksdb.options import RocksDBOptions
from quixstreams.state.rocksdb.partition import RocksDBStorePartition

from processors.common import framework_speedups


@pytest.fixture
def partition(tmp_path):
    store = RocksDBStorePartition(str(tmp_path / "partition"), options=RocksDBOptions())
    store.get_or_create_column_family("default")[b"present"] = b"value"
    store.get_or_create_column_family("other")[b"present"] = b"elsewhere"
    yield store
    store.close()


def test_the_replaced_get_is_still_the_read_with_a_runtime_cast():
    source = inspect.getsource(framework_speedups.ORIGINAL_GET)
    assert "get_or_create_column_family(cf_name).get(" in source and "default=Marker.UNDEFINED" in source
    assert "return cast(Union[bytes, Literal[Marker.UNDEFINED]], result)" in source


@pytest.mark.parametrize(
    ("key", "family"), [(b"present", "default"), (b"present", "other"), (b"absent", "default")]
)
def test_the_lean_get_reads_what_the_original_reads(partition, key, family):
    original = framework_speedups.ORIGINAL_GET(partition, key, cf_name=family)
    framework_speedups.install()
    assert partition.get(key, cf_name=family) == original
    assert partition.get(key) == framework_speedups.ORIGINAL_GET(partition, key)
    assert (original is Marker.UNDEFINED) == (key == b"absent")


def test_installing_replaces_the_method_for_every_partition():
    framework_speedups.install()
    framework_speedups.install()  # idempotent
    assert RocksDBStorePartition.get is framework_speedups._get
