"""Artifacts from Maven Central, fetched with the machine's Maven once and cached under the state dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from infra.stack import system
from infra.stack.errors import StackError

KAFKA_VERSION = "4.4.0"
ELASTICSEARCH_VERSION = "9.2.0"
LOG4J_VERSION = "2.24.3"
SLF4J_VERSION = "2.0.16"  # explicit, or Maven resolves 1.7 and Kafka's logging breaks

_KAFKA_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>crm.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId>
      <version>{LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>{SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
"""
_lock = threading.Lock()


def _mvn(args: list[str], cwd: Path, what: str) -> None:
    if system.which("mvn") is None:
        system.ensure_packages(["maven"], what)
    try:
        subprocess.run(["mvn", "-q", "-B", *args], cwd=cwd, check=True, capture_output=True, timeout=900)
    except subprocess.CalledProcessError as error:
        out = (error.stdout + error.stderr).decode(errors="replace").strip().splitlines()[-5:]
        raise StackError(f"{what}: Maven download failed: {' | '.join(out)}") from None


def kafka_libs(downloads: Path) -> Path:
    """The directory of Kafka's jars (kafka_2.13 and every runtime dependency)."""
    target = downloads / f"kafka-{KAFKA_VERSION}" / "libs"
    with _lock:
        if (target / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix="kafka-pom-", dir=_ensure(downloads)))
        try:
            (work / "pom.xml").write_text(_KAFKA_POM)
            staging = work / "libs"
            _mvn(
                ["dependency:copy-dependencies", f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                work,
                "kafka",
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)  # atomic: a half-finished download never looks complete
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def elasticsearch_home(downloads: Path) -> Path:
    """The unpacked Elasticsearch distribution (Maven Central's integ-test-zip)."""
    home = downloads / f"elasticsearch-{ELASTICSEARCH_VERSION}"
    with _lock:
        if (home / "bin" / "elasticsearch").is_file():
            return home
        work = Path(tempfile.mkdtemp(prefix="es-", dir=_ensure(downloads)))
        try:
            artifact = (
                f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ELASTICSEARCH_VERSION}:zip"
            )
            _mvn(
                ["dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={work}"],
                work,
                "elasticsearch",
            )
            with zipfile.ZipFile(work / f"elasticsearch-{ELASTICSEARCH_VERSION}.zip") as archive:
                archive.extractall(work / "unpacked")
                for info in archive.infolist():  # zipfile drops permission bits: restore them
                    mode = info.external_attr >> 16
                    if mode:
                        os.chmod(work / "unpacked" / info.filename, mode & 0o7777)
            shutil.rmtree(home, ignore_errors=True)
            (work / "unpacked" / f"elasticsearch-{ELASTICSEARCH_VERSION}").rename(home)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return home


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
