"""The Spark installation our JVMs start from: PySpark's own, seen through a home without its
Python zips.

Spark puts $SPARK_HOME/python/lib/pyspark.zip and py4j's zip first on the path of every Python
process it starts: the daemons and workers of Python functions, the planners of a Python data
source and the runner of each streaming query over one (the Kafka source, streaming/source.py).
Python keeps no compiled code for modules it imports from a zip, so each of those processes
compiled PySpark again: 0.6 s of the 1.0 s of CPU a worker took to start here, for every
micro-batch's three queries. PySpark installed as a package holds the same modules, compiled;
the zips are for a cluster whose nodes have no PySpark installed. So when SPARK_HOME is not set,
the JVMs start from a home in the virtualenv that links PySpark's `bin`, `jars` and `sbin` and
has no `python/`: their Python processes import the installed PySpark. A SPARK_HOME set in the
environment (a Spark installation of one's own) is used as it is.
"""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Beside the installed packages, as Spark's class archive: removing the virtualenv removes it.
HOME = Path(sys.prefix) / "share" / "sparkify" / "spark-home"
# What Spark's scripts and JVMs need of a home when they run locally or on a standalone cluster.
LINKED = ("bin", "jars", "sbin")


def pyspark_spark_home() -> Path:
    """The Spark that PySpark ships: its scripts, its jars, and its Python zips."""
    import pyspark  # not at import time: the CLI names this module's facts without PySpark

    return Path(pyspark.__file__).parent


def spark_home() -> Path:
    """The home our JVMs start from: SPARK_HOME when set, else HOME (made on first use); PySpark's
    own when HOME cannot be made (a read-only virtualenv), which works, its workers slower."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    if all((HOME / name).exists() for name in LINKED):
        return HOME
    try:
        _make_home()
    except OSError:
        return pyspark_spark_home()
    return HOME


@contextmanager
def launching_from_spark_home() -> Iterator[Path]:
    """While PySpark launches a JVM in the block: its launcher reads SPARK_HOME from this
    process's environment and takes no argument for it, so the environment names spark_home()
    for the block only (the one edit of the environment in the package)."""
    home = spark_home()
    if os.environ.get("SPARK_HOME"):  # the user's: the launcher finds it already
        yield home
        return
    os.environ["SPARK_HOME"] = str(home)
    try:
        yield home
    finally:
        del os.environ["SPARK_HOME"]


def _make_home() -> None:
    """HOME, built aside and renamed into place: processes starting at once each build one, the
    first rename wins and the others are discarded."""
    HOME.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=".spark-home-", dir=HOME.parent))
    try:
        built.chmod(0o755)  # mkdtemp's is private: another user may run the JVMs (the image's)
        for name in LINKED:
            (built / name).symlink_to(pyspark_spark_home() / name, target_is_directory=True)
        try:
            built.rename(HOME)
        except OSError:
            if not HOME.is_dir():  # not another process's home: a real failure
                raise
    finally:
        if built.exists():
            for link in built.iterdir():
                link.unlink()
            built.rmdir()
